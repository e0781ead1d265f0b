local topo = import 'topo.libsonnet';
topo.topology('empty', { topics: {}, nodes: {} })
