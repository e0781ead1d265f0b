local topo = import 'topo.libsonnet';
local shared = import 'shared/does-not-exist.libsonnet';
topo.topology('x', { topics: shared.topics, nodes: {} })
