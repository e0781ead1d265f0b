local topo = import 'topo.libsonnet';
topo.topology('graph', {
  topics: {
    a: topo.topic(partitions=4),
    b: topo.topic(partitions=6),
    out: topo.topic(partitions=4, retention='7 days', config={ 'retention.bytes': '1G', 'delete.retention.ms': '-1', 'retention.ms': '1000' }),
  },
  nodes: {
    src_a: topo.source('a'),
    src_b: topo.source('b'),
    both: topo.merge(['src_a', 'src_b']),
    lost: topo.filter('src_c', 'true'),
    loop1: topo.map('loop2', value='value'),
    loop2: topo.map('loop1', value='value'),
    nowhere: topo.sink('both', 'undeclared.topic'),
    dead: topo.filter('src_a', 'true', onError=topo.dlq('missing.dlq')),
  },
})
