local topo = import 'topo.libsonnet';
topo.topology('failing', {
  topics: { a: topo.topic(), b: topo.topic() },
  nodes: {
    src: topo.source('a'),
    up: topo.map('src', value='{name: upper(value.name)}'),
    out: topo.sink('up', 'b'),
  },
  tests: [
    topo.test('passes', inputs=[topo.record('a', key='k', value={ name: 'x' })],
              expect=[topo.record('b', key='k', value={ name: 'X' })]),
    topo.test('expects the wrong value',
              inputs=[topo.record('a', key='k', value={ name: 'x' })],
              expect=[topo.record('b', key='k', value={ name: 'x' })]),
  ],
})
