local topo = import 'topo.libsonnet';
topo.topology('unknown_ctor', {
  topics: { a: topo.topic() },
  nodes: {
    src: topo.source('a'),
    f: topo.filtr('src', 'true'),
  },
})
