// bench/kafka_bench.jsonnet with exactly-once (transactions), into its own output topic.
(import 'kafka_bench.libsonnet')(guarantee='exactly_once', output='escrow.commands.topo-eos')
