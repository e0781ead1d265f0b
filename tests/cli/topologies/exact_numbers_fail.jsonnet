// Failing on purpose (tests/cli/exact_numbers_fail.case): topo test must not
// let a near miss of a large amount pass, and its report must say why.
local topo = import 'topo.libsonnet';
topo.topology('exact_fail', {
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
    topo.test('a wrong large decimal fails',
              inputs=[topo.record('payments', key='p1', value={ id: 'p1', amount: topo.decimal('12345678901234567890.55') })],
              expect=[topo.record('fees', key='p1', value={ fee: topo.decimal('123456789012345679'), id: 'p1' })]),
    topo.test('headers that differ are shown',
              inputs=[topo.record('payments', key='p3', value={ id: 'p3', amount: '2' }, headers={ trace: 't-1' })],
              expect=[topo.record('fees', key='p3', value={ id: 'p3', fee: 0.02 }, headers={ trace: 't-2' })]),
    topo.test('a dead letter shows its error',
              inputs=[topo.record('payments', key='p4', value={ id: 'p4', amount: 'ten' })],
              expect=[topo.record('fees', key='p4', value={ id: 'p4', fee: 0.10 })]),
  ],
})
