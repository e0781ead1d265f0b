local topo = import 'topo.libsonnet';
local env = std.extVar('env');
local parts = std.extVar('partitions');
topo.topology('ext_' + env, {
  topics: { ['in.' + env]: topo.topic(partitions=parts), out: topo.topic(partitions=parts) },
  nodes: { src: topo.source('in.' + env), out: topo.sink('src', 'out') },
})
