local topo = import 'topo.libsonnet';
topo.topology('proto_topic', {
  topics: {
    payments: topo.topic(partitions=3, value=topo.proto('checkout.PaymentEvent')),
    fees: topo.topic(partitions=3),
    missing: topo.topic(value=topo.proto('checkout.NoSuchMessage')),
  },
  nodes: {
    src: topo.source('payments'),
    fee: topo.map('src', value="{invoice: value.aggregate_id, fee: decimal(value.amout) * decimal('0.01')}"),
    out: topo.sink('fee', 'fees'),
  },
})
