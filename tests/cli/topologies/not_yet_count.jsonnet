local topo = import 'topo.libsonnet';
topo.topology('counts', {
  topics: { orders: topo.topic(), counts: topo.topic() },
  nodes: {
    src: topo.source('orders'),
    per_customer: topo.count('src', groupBy='value.customer_id'),
    out: topo.sink('per_customer', 'counts'),
  },
})
