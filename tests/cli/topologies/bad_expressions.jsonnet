local topo = import 'topo.libsonnet';
topo.topology('bad_expr', {
  topics: {
    events: topo.topic(partitions=3, schema={ deal_id: 'string', amount: 'decimal', fee: 'double', status: 'string' }),
    out: topo.topic(partitions=3),
  },
  nodes: {
    src: topo.source('events'),
    syntax: topo.filter('src', "value.status == 'FUNDED' &&"),
    unknown_fn: topo.map('src', value='lowr(value.status)'),
    str_vs_num: topo.filter('src', 'value.status > 5'),
    dec_dbl: topo.map('src', value='value.amount + value.fee'),
    typo: topo.filter('src', "value.stauts == 'x'"),
    out: topo.sink('syntax', 'out'),
  },
})
