local topo = import 'topo.libsonnet';
topo.topology('cycles', {
  topics: { a: topo.topic(), out: topo.topic() },
  nodes: {
    src: topo.source('a'),
    copy: topo.sink('src', 'out'),
    a1: topo.map('a2', value='value'),
    a2: topo.map('a1', value='value'),
    after: topo.filter('a1', 'true'),
    out: topo.sink('after', 'out'),
    b1: topo.map('b2', value='value'),
    b2: topo.map('b1', value='value'),
    echo: topo.map('echo', value='value'),
  },
})
