// max.message.bytes must be a whole number of bytes, like Kafka's other sizes.
local topo = import 'topo.libsonnet';
topo.topology('sizes', {
  topics: {
    'in': topo.topic(config={ 'max.message.bytes': '2MB' }),
    out: topo.topic(config={ 'max.message.bytes': '-1' }),
  },
  nodes: { src: topo.source('in'), sink: topo.sink('src', 'out') },
})
