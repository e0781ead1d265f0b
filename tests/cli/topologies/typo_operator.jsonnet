local topo = import 'topo.libsonnet';
topo.topology('typo', {
  topics: { a: topo.topic() },
  nodes: {
    src: topo.source('a'),
    paid: topo.fitler('src', "value.status == 'PAID'"),
  },
})
