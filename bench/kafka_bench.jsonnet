// deal.events -> filter FUNDED -> payout command -> escrow.commands.topo, at-least-once.
//   topo run bench/kafka_bench.jsonnet --bootstrap-servers HOST:PORT   (see bench/kafka_compare.sh)
(import 'kafka_bench.libsonnet')(guarantee='at_least_once', output='escrow.commands.topo')
