// topo test compares numbers by exact decimal value. Jsonnet numbers are
// doubles, so a number of more than 15 digits is written topo.decimal('...').
local topo = import 'topo.libsonnet';
topo.topology('exact', {
  topics: {
    payments: topo.topic(partitions=1, schema={ amount: 'decimal', '*': 'any' }),
    fees: topo.topic(partitions=1),
    'payments.dlq': topo.topic(partitions=1),
  },
  nodes: {
    src: topo.source('payments', onError=topo.dlq('payments.dlq')),
    fee: topo.map('src', value="{id: value.id, amount: value.amount, fee: round(value.amount * decimal('0.01'), 2), scaled: value.amount * 1}"),
    out: topo.sink('fee', 'fees'),
  },
  tests: [
    topo.test('a large amount keeps every digit',
              inputs=[topo.record('payments', key='p1', value={ id: 'p1', amount: topo.decimal('12345678901234567890.55') })],
              expect=[topo.record('fees', key='p1', value={ id: 'p1', amount: topo.decimal('12345678901234567890.55'),
                                                              fee: topo.decimal('123456789012345678.91'),
                                                              scaled: topo.decimal('12345678901234567890.55') })]),
    topo.test('16.49 equals 16.490',
              inputs=[topo.record('payments', key='p2', value={ id: 'p2', amount: '16.490' })],
              expect=[topo.record('fees', key='p2', value={ id: 'p2', amount: 16.49, fee: 0.16, scaled: topo.decimal('16.4900') })]),
  ],
})
