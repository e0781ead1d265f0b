local topo = import 'topo.libsonnet';
topo.topology('broken', {
  topics: { a: topo.topic() },
  nodes: {
    src: topo.source('a')
    out: topo.sink('src', 'a'),
  },
})
