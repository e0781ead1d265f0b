local topo = import 'topo.libsonnet';
local enrich = import 'lib/enrich.libsonnet';
topo.topology('joins', {
  topics: { orders: topo.topic(), customers: topo.topic(), out: topo.topic() },
  nodes: {
    orders: topo.source('orders'),
    customers: topo.source('customers'),
    joined: enrich.enriched('orders', 'customers'),
    out: topo.sink('joined', 'out'),
  },
})
