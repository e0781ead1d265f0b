local topo = import 'topo.libsonnet';
// Protobuf in, JSON out: the settlement fee of confirmed payments.
topo.topology('proto_ok', {
  topics: {
    payments: topo.topic(partitions=3, value=topo.proto('checkout.PaymentEvent')),
    fees: topo.topic(partitions=3),
  },
  nodes: {
    src: topo.source('payments'),
    confirmed: topo.filter('src', "value.event_type == 'PaymentConfirmed'"),
    fee: topo.map('confirmed', key='value.aggregate_id',
                  value="{invoice: value.aggregate_id, fee: round(decimal(value.amount) * decimal('0.01'), 2), tx: value.payment.tx_hash}"),
    out: topo.sink('fee', 'fees'),
  },
  tests: [
    topo.test('confirmed payment pays a 1% fee',
      inputs=[
        topo.record('payments', key='inv_1', value={ event_id: 'e1', event_type: 'PaymentConfirmed', aggregate_id: 'inv_1', amount: '16.49', payment: { tx_hash: '0xabc', confirmations: 12 } }),
        topo.record('payments', key='inv_2', value={ event_id: 'e2', event_type: 'PaymentDetected', aggregate_id: 'inv_2', amount: '5.00' }),
      ],
      expect=[topo.record('fees', key='inv_1', value={ invoice: 'inv_1', fee: 0.16, tx: '0xabc' })]),
  ],
})
