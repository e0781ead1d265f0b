local topo = import 'topo.libsonnet';
topo.topology('unknown_op', {
  topics: { a: topo.topic() },
  nodes: {
    src: topo.source('a'),
    // Written by hand instead of with a constructor:
    frob: { inputs: ['src'], frobnicate: { how: 'hard' } },
  },
})
