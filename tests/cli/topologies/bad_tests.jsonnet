local topo = import 'topo.libsonnet';
topo.topology('bad_tests', {
  topics: {
    orders: topo.topic(partitions=3, key='int64'),
    out: topo.topic(partitions=2),
    labels: topo.topic(value='string'),
  },
  nodes: {
    src: topo.source('orders'),
    sink: topo.sink('src', 'out'),
  },
  tests: [
    topo.test('undeclared topic',
              inputs=[topo.record('ordres', key=1, value={})],
              expect=[]),
    topo.test('partition out of range',
              inputs=[topo.record('orders', key=1, value={ n: 1 })],
              expect=[topo.record('out', key='1', value={ n: 1 }, partition=5)]),
    topo.test('wrong types',
              inputs=[
                topo.record('orders', key='42', value={}),
                topo.record('orders', key=1, value={}, timestamp='yesterday'),
                topo.record('orders', key=1, value={}, headers={ attempt: 1 }),
                topo.record('orders', key=1, value={}, headers='x'),
              ],
              expect=[topo.record('labels', value={ text: 'not a string' })]),
    topo.test('undeclared topic', inputs=[], expect=[]),
  ],
})
