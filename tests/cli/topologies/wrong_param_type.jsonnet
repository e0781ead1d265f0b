local topo = import 'topo.libsonnet';
topo.topology('wrong', {
  topics: {
    a: topo.topic(partitions='twelve'),
  },
  nodes: { src: topo.source('a') },
})
