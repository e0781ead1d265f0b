#!/usr/bin/python3
"""Times when a benchmark's outputs become visible, for bench/kafka_streams_compare.sh:
a read_committed consumer of every partition of TOPIC (assigned from offset 0, no
group) that records the wall-clock time it received the first record and the time
the EXPECT-th record, then prints one line `first=EPOCH_S last=EPOCH_S count=N`
and exits. It touches READY once it is fetching, so the peer under test is started
after it. Outputs of an exactly-once run become visible only when their
transaction commits, so `last` is when all EXPECT outputs were committed.

  /usr/bin/python3 bench/kafka_watch.py BOOTSTRAPS TOPIC EXPECT READY [TIMEOUT_S]
"""
import sys
import time

from confluent_kafka import Consumer, KafkaException, TopicPartition


def main():
    boot, topic, expect, ready = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    timeout = float(sys.argv[5]) if len(sys.argv) > 5 else 600
    c = Consumer({
        "bootstrap.servers": boot,
        "group.id": "kafka-watch",  # never joined or committed: assign() only
        "enable.auto.commit": False,
        "isolation.level": "read_committed",
        "fetch.wait.max.ms": 50,  # the resolution of the times taken
    })
    parts = c.list_topics(topic, timeout=10).topics[topic].partitions
    c.assign([TopicPartition(topic, p, 0) for p in parts])
    c.consume(1, 1.0)  # connects and starts fetching (the topic is new and empty)
    open(ready, "w").close()
    first = last = None
    n = 0
    deadline = time.time() + timeout
    while n < expect and time.time() < deadline:
        msgs = c.consume(10000, 0.2)
        now = time.time()
        for m in msgs:
            if m.error():
                raise KafkaException(m.error())
        if msgs:
            first = first or now
            n += len(msgs)
            last = now
    c.close()
    print(f"first={first or 0:.3f} last={last or 0:.3f} count={n}")
    if n < expect:
        sys.exit(f"kafka_watch: {n} of {expect} outputs in {topic} after {timeout:.0f} s")


if __name__ == "__main__":
    main()
