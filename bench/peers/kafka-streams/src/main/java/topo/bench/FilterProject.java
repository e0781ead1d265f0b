package topo.bench;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.kafka.common.serialization.Serdes;
import org.apache.kafka.streams.KafkaStreams;
import org.apache.kafka.streams.KeyValue;
import org.apache.kafka.streams.StreamsBuilder;
import org.apache.kafka.streams.StreamsConfig;
import org.apache.kafka.streams.Topology;
import org.apache.kafka.streams.errors.StreamsUncaughtExceptionHandler;
import org.apache.kafka.streams.kstream.Consumed;
import org.apache.kafka.streams.kstream.Produced;

/**
 * The Kafka Streams peer of topo's Kafka benchmark: bench/kafka_bench.libsonnet's topology
 *
 * <pre>
 *   events: source(deal.events)
 *   funded: filter(value.to_status == 'FUNDED')
 *   cmd:    map(value = {deal_id: value.deal_id, command: 'EXECUTE_PAYOUT', amount: value.payload.amount})
 *   out:    sink(OUTPUT, key = value.deal_id)
 * </pre>
 *
 * as a Kafka Streams DSL app, JSON in and out through Jackson's tree model (what a Kafka
 * Streams user would write). The output value is compact JSON with the fields in that order,
 * the amount copied as it was (a string stays a string, a number keeps its digits), so it is
 * byte-identical to topo's output; the key is the deal id as a plain string.
 *
 * <p>With {@code --expect N} it closes (which commits: offsets at-least-once, the open
 * transaction exactly-once) and exits once N output records were produced, then prints one
 * line of timings on stdout. The benchmark times visibility itself, with a read_committed
 * consumer of the output topic (bench/kafka_watch.py); these timings are for diagnosis.
 */
public final class FilterProject {
  private static final String USAGE =
      "usage: FilterProject --bootstrap-servers HOST:PORT --output TOPIC [--input deal.events]\n"
          + "         [--application-id ID (kstreams-bench)] [--guarantee at_least_once|exactly_once_v2]\n"
          + "         [--threads N (1)] [--commit-interval-ms MS (Kafka Streams' default)]\n"
          + "         [--expect N (exit after N outputs; 0: run until killed)] [--timeout-s S (600)]\n"
          + "         [--state-dir DIR] [-X streams.config.key=value ...]\n";

  private FilterProject() {}

  public static void main(String[] argv) throws InterruptedException {
    Map<String, String> args = new LinkedHashMap<>();
    Properties extra = new Properties();
    for (int i = 0; i < argv.length; i += 2) {
      if (i + 1 >= argv.length || !argv[i].startsWith("-")) usage("bad arguments near '" + argv[i] + "'");
      if (argv[i].equals("-X")) {
        int eq = argv[i + 1].indexOf('=');
        if (eq <= 0) usage("-X expects key=value, got '" + argv[i + 1] + "'");
        extra.setProperty(argv[i + 1].substring(0, eq), argv[i + 1].substring(eq + 1));
      } else {
        args.put(argv[i].replaceFirst("^--", ""), argv[i + 1]);
      }
    }
    String bootstrap = required(args, "bootstrap-servers");
    String output = required(args, "output");
    String input = args.getOrDefault("input", "deal.events");
    String guarantee = args.getOrDefault("guarantee", StreamsConfig.AT_LEAST_ONCE);
    if (!guarantee.equals(StreamsConfig.AT_LEAST_ONCE) && !guarantee.equals(StreamsConfig.EXACTLY_ONCE_V2)) {
      usage("--guarantee must be at_least_once or exactly_once_v2, got '" + guarantee + "'");
    }
    long expect = Long.parseLong(args.getOrDefault("expect", "0"));
    long timeoutS = Long.parseLong(args.getOrDefault("timeout-s", "600"));

    Properties props = new Properties();
    props.put(StreamsConfig.BOOTSTRAP_SERVERS_CONFIG, bootstrap);
    props.put(StreamsConfig.APPLICATION_ID_CONFIG, args.getOrDefault("application-id", "kstreams-bench"));
    props.put(StreamsConfig.PROCESSING_GUARANTEE_CONFIG, guarantee);
    props.put(StreamsConfig.NUM_STREAM_THREADS_CONFIG, args.getOrDefault("threads", "1"));
    if (args.containsKey("commit-interval-ms")) {
      props.put(StreamsConfig.COMMIT_INTERVAL_MS_CONFIG, args.get("commit-interval-ms"));
    }
    if (args.containsKey("state-dir")) props.put(StreamsConfig.STATE_DIR_CONFIG, args.get("state-dir"));
    props.putAll(extra);

    AtomicLong produced = new AtomicLong();
    AtomicLong firstInMs = new AtomicLong();
    AtomicLong lastOutMs = new AtomicLong();
    CountDownLatch done = new CountDownLatch(1);
    AtomicBoolean failed = new AtomicBoolean();

    KafkaStreams streams = new KafkaStreams(topology(input, output, produced, firstInMs, lastOutMs, expect, done), props);
    streams.setUncaughtExceptionHandler(e -> {
      System.err.println("FilterProject: stream thread failed: " + e);
      failed.set(true);
      done.countDown();
      return StreamsUncaughtExceptionHandler.StreamThreadExceptionResponse.SHUTDOWN_CLIENT;
    });
    streams.setStateListener((now, before) -> {
      if (now == KafkaStreams.State.ERROR) {
        failed.set(true);
        done.countDown();
      }
    });
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      done.countDown();
      streams.close(Duration.ofSeconds(30));
    }));
    streams.start();
    boolean reached = expect > 0 ? done.await(timeoutS, TimeUnit.SECONDS) : awaitForever(done);
    long closeStart = System.currentTimeMillis();
    boolean closed = streams.close(Duration.ofSeconds(60));
    long closedMs = System.currentTimeMillis();
    long jvmStartMs = ManagementFactory.getRuntimeMXBean().getStartTime();
    System.out.printf(
        "kafka-streams %s, %s thread(s): produced %d output(s); jvm start -> first input %.2f s, first input"
            + " -> output %d %.2f s, close %.2f s%s%n",
        guarantee, props.get(StreamsConfig.NUM_STREAM_THREADS_CONFIG), produced.get(),
        (firstInMs.get() - jvmStartMs) / 1e3, expect, (lastOutMs.get() - firstInMs.get()) / 1e3,
        (closedMs - closeStart) / 1e3, closed ? "" : " (close timed out)");
    System.out.flush();
    if (failed.get() || !reached || !closed) {
      System.err.println("FilterProject: " + (failed.get() ? "failed" : !reached
          ? "timed out after " + timeoutS + " s with " + produced.get() + " of " + expect + " outputs"
          : "close timed out"));
      Runtime.getRuntime().halt(1);
    }
    Runtime.getRuntime().halt(0);  // closed already; skip the shutdown hook's second close
  }

  static Topology topology(String input, String output, AtomicLong produced, AtomicLong firstInMs,
      AtomicLong lastOutMs, long expect, CountDownLatch done) {
    // Numbers are kept as written (100.00 stays 100.00), as topo keeps them.
    ObjectMapper mapper = new ObjectMapper()
        .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
        .setNodeFactory(JsonNodeFactory.withExactBigDecimals(true));
    StreamsBuilder builder = new StreamsBuilder();
    builder.stream(input, Consumed.with(Serdes.String(), Serdes.ByteArray()))
        .mapValues(bytes -> {
          if (firstInMs.get() == 0) firstInMs.compareAndSet(0, System.currentTimeMillis());
          try {
            return mapper.readTree(bytes);
          } catch (IOException e) {
            throw new UncheckedIOException("input is not JSON", e);
          }
        })
        .filter((key, value) -> {
          JsonNode status = value.get("to_status");
          return status != null && status.isTextual() && status.textValue().equals("FUNDED");
        })
        .map((key, value) -> {
          JsonNode dealId = value.get("deal_id");
          JsonNode payload = value.get("payload");
          JsonNode amount = payload == null ? null : payload.get("amount");
          if (dealId == null || !dealId.isTextual() || amount == null) {
            throw new IllegalArgumentException("FUNDED event without a string deal_id and payload.amount");
          }
          ObjectNode out = mapper.createObjectNode();
          out.set("deal_id", dealId);
          out.put("command", "EXECUTE_PAYOUT");
          out.set("amount", amount);
          byte[] bytes;
          try {
            bytes = mapper.writeValueAsBytes(out);
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
          if (produced.incrementAndGet() == expect) {
            lastOutMs.set(System.currentTimeMillis());
            done.countDown();
          }
          return KeyValue.pair(dealId.textValue(), bytes);
        })
        .to(output, Produced.with(Serdes.String(), Serdes.ByteArray()));
    return builder.build();
  }

  private static boolean awaitForever(CountDownLatch done) throws InterruptedException {
    done.await();
    return true;
  }

  private static String required(Map<String, String> args, String name) {
    String v = args.get(name);
    if (v == null) usage("--" + name + " is required");
    return v;
  }

  private static void usage(String why) {
    System.err.print("FilterProject: " + why + "\n" + USAGE);
    System.exit(2);
  }
}
