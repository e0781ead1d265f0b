#!/usr/bin/python3
"""Seeds a Kafka topic with N seed-like deal events for the Kafka benches
(bench/kafka_compare.sh, bench/kafka_streams_compare.sh): ~250-byte JSON values
keyed by deal_id (d-000000, d-000001, ...), a quarter of them to_status FUNDED
(the ones bench/kafka_bench.libsonnet keeps), spread by the key over the topic's
partitions.

  /usr/bin/python3 bench/seed_kafka.py BOOTSTRAPS TOPIC N
"""
import sys

from confluent_kafka import Producer


def main():
    boot, topic, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
    p = Producer({"bootstrap.servers": boot, "linger.ms": 20, "batch.num.messages": 10000})
    st = ["FUNDED", "AWAITING_DEPOSIT", "RELEASED", "POSTED"]
    total = 0
    for i in range(n):
        k = "d-%06d" % i
        v = ('{"deal_id":"%s","event_type":"DealStatusChanged","from_status":"AWAITING_DEPOSIT",'
             '"to_status":"%s","payload":{"amount":"%d.50","currency":"TON","recipient_id":"u-%04d",'
             '"channel":"@channel_%d"},"timestamp":"2025-01-15T10:30:00.000Z","version":3}') % (
            k, st[i % 4], 50 + (i * 37) % 200, i % 9973, i % 500)
        total += len(v)
        while True:
            try:
                p.produce(topic, key=k, value=v)
                break
            except BufferError:
                p.poll(0.05)
        if i % 1000 == 0:
            p.poll(0)
    if p.flush(60) != 0:
        sys.exit("input producer: flush timed out")
    parts = len(p.list_topics(topic, timeout=10).topics[topic].partitions)
    print(f"input: {n} events, {total // n} bytes each on average, in {topic} ({parts} partitions)")


if __name__ == "__main__":
    main()
