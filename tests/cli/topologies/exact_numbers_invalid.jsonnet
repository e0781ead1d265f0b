// Invalid on purpose (tests/cli/exact_numbers_invalid.case): test numbers
// Jsonnet rounded and topo.decimal texts that are no decimal are validate errors.
local topo = import 'topo.libsonnet';
topo.topology('exact_invalid', {
  topics: {
    payments: topo.topic(partitions=1, schema={ amount: 'decimal', '*': 'any' }),
    fees: topo.topic(partitions=1),
    'payments.dlq': topo.topic(partitions=1),
  },
  nodes: {
    src: topo.source('payments', onError=topo.dlq('payments.dlq')),
    fee: topo.map('src', value="{id: value.id, fee: round(value.amount * decimal('0.01'), 2)}"),
    out: topo.sink('fee', 'fees'),
  },
  tests: [
    topo.test('a number Jsonnet cannot hold is refused',
              inputs=[topo.record('payments', key='p1', value={ id: 'p1', amount: '1' })],
              expect=[topo.record('fees', key='p1', value={ id: 'p1', fee: 123456789012345679 })]),
    topo.test('a bad topo.decimal is named',
              inputs=[topo.record('payments', key='p5', value={ id: 'p5', amount: topo.decimal('1,5') })]),
  ],
})
