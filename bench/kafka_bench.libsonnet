// The Kafka-backend bench topology of bench/kafka_compare.sh: the same filter and
// projection as bench/kafka_peer.py (the hand-written confluent_kafka loop).
// bench/kafka_bench.jsonnet (at-least-once, the apples-to-apples setting against
// the Python loop's periodic commits) and bench/kafka_bench_eos.jsonnet
// (exactly-once) instantiate it.
local topo = import 'topo.libsonnet';
function(guarantee, output, input='deal.events')
  topo.topology('kafka-bench', {
    config: { guarantee: guarantee },
    topics: {
      [input]: topo.topic(partitions=16),
      [output]: topo.topic(partitions=16),
    },
    nodes: {
      events: topo.source(input),
      funded: topo.filter('events', "value.to_status == 'FUNDED'"),
      cmd: topo.map('funded', value="{deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.payload.amount}"),
      out: topo.sink('cmd', output, key='value.deal_id'),
    },
  })
