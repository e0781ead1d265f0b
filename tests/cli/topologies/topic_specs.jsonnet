// Topics with every setting a TopicSpec holds, for describe's topic lines.
local topo = import 'topo.libsonnet';
topo.topology('specs', {
  topics: {
    payments: topo.topic(partitions=6, key='string', value='json', retention='7d'),
    balances: topo.topic(partitions=6, cleanup='compact', config={ 'min.insync.replicas': '2', 'max.message.bytes': '2000000' }),
    audit: topo.topic(partitions=6, value='string', config={ 'retention.ms': '5400000' }),
  },
  nodes: {
    src: topo.source('payments'),
    to_balances: topo.sink('src', 'balances'),
    to_audit: topo.sink('src', 'audit', value='value.id'),
  },
})
