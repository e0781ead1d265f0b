#!/usr/bin/python3
"""A hand-written consume-transform-produce loop with confluent_kafka: the Python
peer of bench/kafka_compare.sh (same filter and projection as bench/kafka_bench.jsonnet).

Consumer (group, earliest, no auto commit) + Producer: parse the JSON value, keep
records whose to_status == 'FUNDED', produce {deal_id, command: 'EXECUTE_PAYOUT',
amount: payload.amount} keyed by deal_id, commit offsets every COMMIT_EVERY input
records (at-least-once: the producer is flushed before each commit). Stops after N
input records and prints the rate, timed like `topo run` times itself: from the
first record received to the last one processed (group join excluded). The final
flush + commit is reported separately.

  [PEER_FLUSH=0] [PEER_COMMIT_EVERY=10000] [PEER_BATCH=1000] [PEER_X=k=v,...] \
    /usr/bin/python3 bench/kafka_peer.py BOOTSTRAPS INPUT OUTPUT N [GROUP]
"""
import json
import os
import sys
import time

from confluent_kafka import Consumer, KafkaException, Producer

# Knobs for variants (bench/kafka_compare.sh also runs PEER_FLUSH=0: async commit
# without flushing first, faster but not at-least-once).
COMMIT_EVERY = int(os.environ.get("PEER_COMMIT_EVERY", "10000"))
BATCH = int(os.environ.get("PEER_BATCH", "1000"))
FLUSH = os.environ.get("PEER_FLUSH", "1") == "1"
# Extra librdkafka properties for the consumer, e.g. PEER_X=queued.min.messages=1000000
# (comma-separated), to match what `topo run -X ...` is given.
EXTRA = dict(kv.split("=", 1) for kv in os.environ.get("PEER_X", "").split(",") if kv)


def main():
    bootstraps, input_topic, output_topic, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
    group = sys.argv[5] if len(sys.argv) > 5 else "kafka-peer"
    consumer = Consumer({
        "bootstrap.servers": bootstraps,
        "group.id": group,
        "auto.offset.reset": "earliest",
        "enable.auto.commit": False,
        **EXTRA,
    })
    producer = Producer({"bootstrap.servers": bootstraps, "linger.ms": 5})
    consumer.subscribe([input_topic])

    seen = kept = since_commit = 0
    first = None
    loads, dumps, produce = json.loads, json.dumps, producer.produce
    deadline = time.monotonic() + 120
    while seen < n:
        if time.monotonic() > deadline:
            sys.exit(f"kafka_peer: timed out after {seen} of {n} records")
        msgs = consumer.consume(BATCH, 1.0)
        if not msgs:
            continue
        if first is None:
            first = time.monotonic()
        for m in msgs:
            if m.error():
                raise KafkaException(m.error())
            seen += 1
            v = loads(m.value())
            if v.get("to_status") != "FUNDED":
                continue
            out = {"deal_id": v["deal_id"], "command": "EXECUTE_PAYOUT", "amount": v["payload"]["amount"]}
            while True:
                try:
                    produce(output_topic, key=v["deal_id"], value=dumps(out))
                    break
                except BufferError:
                    producer.poll(0.01)
            kept += 1
        producer.poll(0)
        since_commit += len(msgs)
        if since_commit >= COMMIT_EVERY:
            if FLUSH:
                producer.flush()
                consumer.commit(asynchronous=False)
            else:
                consumer.commit(asynchronous=True)
            since_commit = 0
    last = time.monotonic()
    producer.flush()
    if since_commit:
        consumer.commit(asynchronous=False)
    done = time.monotonic()
    consumer.close()
    secs = last - first
    print(f"processed {seen} record(s) in {secs:.2f} s ({seen / secs:.0f} records/s), kept {kept}, "
          f"final flush+commit {done - last:.2f} s")


if __name__ == "__main__":
    main()
