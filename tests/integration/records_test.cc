// Records as `topo consume`, `topo produce` and `topo run --produce` show and
// take them, through the real binary: nothing decoded and re-encoded (digits
// kept), markers for bytes that are not JSON or text, strict all-or-nothing
// produce, size limits, and the CLI's edges (docs/records.md).
#include <gtest/gtest.h>
#include <httplib.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <tuple>

#include "engine/log/embedded_log.h"
#include "tests/integration/runner_fixture.h"
#include "tests/integration/topo_process.h"

namespace topo {
namespace {

namespace fs = std::filesystem;

struct Ran {
  int exit = -1;
  std::string output;
};

class RecordsTest : public testing::RunnerFixture {
 protected:
  // Runs `topo args...` to its end; one that does not end within two minutes
  // (a hang) is killed and fails the test.
  Ran Topo(const std::vector<std::string>& args) {
    testing::TopoProcess p;
    p.Start(args);
    if (!p.AwaitClosed(std::chrono::seconds(120))) {
      p.Signal(SIGKILL);
      ADD_FAILURE() << "topo " << args[0] << " did not exit within 120 s";
    }
    int st = p.Wait();
    return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, p.output()};
  }

  // Creates topics (and writes raw records) through the log API, as another
  // Kafka client could, then lets go of the data dir.
  void Setup(const std::vector<log::TopicConfig>& topics, const std::vector<RawRecord>& records = {}) {
    log::EmbeddedLogOptions o;
    o.dir = Data();
    auto lg = log::OpenEmbeddedLog(o);
    ASSERT_TRUE(lg.ok()) << lg.status().message();
    std::vector<std::string> report;
    ASSERT_TRUE((*lg)->EnsureTopics(topics, &report).ok());
    auto producer = (*lg)->NewProducer("");
    for (const auto& r : records) ASSERT_TRUE((*producer)->Send(r).ok());
    ASSERT_TRUE((*producer)->Flush().ok());
  }
  static log::TopicConfig Topic(const std::string& name, int32_t partitions = 1) {
    log::TopicConfig c;
    c.name = name;
    c.partitions = partitions;
    return c;
  }
  static RawRecord Raw(std::optional<std::string> key, std::optional<std::string> value,
                       Headers headers = {}) {
    RawRecord r;
    r.topic = "t";
    r.key = std::move(key);
    r.value = std::move(value);
    r.headers = std::move(headers);
    r.timestamp = TimestampMs(1736935200000);
    return r;
  }

  // Every record of `topic` now, one consume line each.
  std::vector<std::string> ConsumeAll(const std::string& topic, std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"consume",          topic,       "--data-dir", Data(),
                                     "--from-beginning", "--timeout", "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    Ran r = Topo(args);
    EXPECT_EQ(r.exit, 0) << r.output;
    std::vector<std::string> lines;
    std::istringstream in(r.output);
    for (std::string l; std::getline(in, l);) lines.push_back(l);
    return lines;
  }

  std::string File(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name, std::ios::binary) << text;
    return (dir_ / name).string();
  }
};

const std::string kPrefix = R"({"topic":"t","partition":0,"offset":)";

// What was stored is what is printed: JSON as written (numbers keep their
// digits), text as a JSON string, anything else as base64; null apart from "null".
TEST_F(RecordsTest, ConsumePrintsStoredRecordsFaithfully) {
  Setup(
      {Topic("t")},
      {Raw("d-1", R"({"amount": 100.00, "big": 123456789012345678.91, "n": 12345678901234567890.55})"),
       Raw(std::nullopt, std::nullopt), Raw("null", "null"), Raw(std::string("\xff\x00", 2), "plain text"),
       Raw("k", "{\n  \"pretty\": [1,\r\n 2]\n}\n", {{"trace", "t-1"}, {"bin", std::string("\x00\xff", 2)}}),
       Raw("k", "\"null\"")});
  std::vector<std::string> lines = ConsumeAll("t");
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0], kPrefix +
                          R"(0,"timestamp":1736935200000,"key":"d-1","value":{"amount": 100.00, )"
                          R"("big": 123456789012345678.91, "n": 12345678901234567890.55},"headers":{}})");
  EXPECT_EQ(lines[1], kPrefix + R"(1,"timestamp":1736935200000,"key":null,"value":null,"headers":{}})");
  // The bytes "null" are a JSON null, not an absent value: base64 keeps them apart.
  EXPECT_EQ(lines[2],
            kPrefix + R"(2,"timestamp":1736935200000,"key":"null","value_b64":"bnVsbA==","headers":{}})");
  EXPECT_EQ(lines[3], kPrefix +
                          R"(3,"timestamp":1736935200000,"key_b64":"/wA=","value_b64":"cGxhaW4gdGV4dA==",)"
                          R"("headers":{}})");
  EXPECT_EQ(lines[4], kPrefix + R"(4,"timestamp":1736935200000,"key":"k","value":{   "pretty": [1,   2] },)"
                                R"("headers":{"trace":"t-1"},"headers_b64":{"bin":"AP8="}})");
  EXPECT_EQ(lines[5], kPrefix + R"(5,"timestamp":1736935200000,"key":"k","value":"null","headers":{}})");

  // Chosen formats: string shows text as text, base64 everything, json keys as JSON.
  lines = ConsumeAll("t", {"--value-format", "string", "--key-format", "json"});
  ASSERT_EQ(lines.size(), 6u);
  EXPECT_EQ(lines[0],
            kPrefix + R"(0,"timestamp":1736935200000,"key_b64":"ZC0x","value":"{\"amount\": 100.00, )"
                      R"(\"big\": 123456789012345678.91, \"n\": 12345678901234567890.55}","headers":{}})");
  EXPECT_EQ(lines[2],
            kPrefix + R"(2,"timestamp":1736935200000,"key_b64":"bnVsbA==","value":"null","headers":{}})");
  EXPECT_EQ(lines[3], kPrefix + R"(3,"timestamp":1736935200000,"key_b64":"/wA=","value":"plain text",)"
                                R"("headers":{}})");
  lines = ConsumeAll("t", {"--value-format", "base64", "--key-format", "base64"});
  EXPECT_EQ(lines[1], kPrefix + R"(1,"timestamp":1736935200000,"key":null,"value":null,"headers":{}})");
  EXPECT_EQ(lines[5], kPrefix + R"(5,"timestamp":1736935200000,"key_b64":"aw==","value_b64":"Im51bGwi",)"
                                R"("headers":{}})");
  Ran bad = Topo({"consume", "t", "--data-dir", Data(), "--value-format", "xml", "--timeout", "0"});
  EXPECT_EQ(bad.exit, 2) << bad.output;
  EXPECT_NE(bad.output.find("--value-format must be json, string or base64, not 'xml'"), std::string::npos);
}

// Produce writes a JSON value as the text of its line; consume shows it back
// unchanged, with the envelope's key, headers, timestamp and partition.
TEST_F(RecordsTest, ProduceWritesTheLinesTextVerbatim) {
  Setup({Topic("t", 2)});
  const std::string envelopes =
      File("e.jsonl", R"({"key":"d-9","value":{"a": 12345678901234567890.55, "b": 100.00},)"
                      R"("headers":{"h":"v"},"headers_b64":{"raw":"/w=="},"timestamp":5,"partition":1})"
                      "\n\n"
                      R"(  {"value": "null", "key": null}  )"
                      "\r\n"
                      R"({"key":{"id":1.50},"value":null,"partition":0})"
                      "\n"
                      R"({"key_b64":"/w==","value_b64":"/wA=","partition":0})"
                      "\n");
  Ran r = Topo({"produce", "t", "--data-dir", Data(), "--file", envelopes});
  ASSERT_EQ(r.exit, 0) << r.output;
  EXPECT_NE(r.output.find("produced 4 record(s) into t"), std::string::npos) << r.output;
  std::vector<std::string> lines = ConsumeAll("t");
  ASSERT_EQ(lines.size(), 4u);
  auto has = [&](const std::string& want) {
    return std::any_of(lines.begin(), lines.end(),
                       [&](const std::string& l) { return l.find(want) != std::string::npos; });
  };
  EXPECT_TRUE(
      has(R"("partition":1,"offset":0,"timestamp":5,"key":"d-9","value":{"a": 12345678901234567890.55, )"
          R"("b": 100.00},"headers":{"h":"v"},"headers_b64":{"raw":"/w=="}})"))
      << lines[0];
  EXPECT_TRUE(has(R"("key":null,"value":"null","headers":{}})"));
  EXPECT_TRUE(has(R"("key":"{\"id\":1.50}","value":null,"headers":{}})"));
  EXPECT_TRUE(has(R"("key_b64":"/w==","value_b64":"/wA=","headers":{}})"));

  // Bare values: every line as it is (an object that happens to have a "key" field too).
  // Numbers beyond what topo computes with exactly (38 digits, a double's range) are JSON all the same.
  const std::string digits60(60, '7');
  const std::string bare = File("b.jsonl",
                                "{\"deal_id\":\"d-1\",\"key\":7, \"x\": 1e400}\n"
                                "123456789012345678901234567890\n[" +
                                    digits60 + ", -1." + digits60 + "]\n");
  r = Topo({"produce", "t", "--data-dir", Data(), "--file", bare, "--bare"});
  ASSERT_EQ(r.exit, 0) << r.output;
  lines = ConsumeAll("t");
  ASSERT_EQ(lines.size(), 7u);
  EXPECT_TRUE(has(R"("key":null,"value":{"deal_id":"d-1","key":7, "x": 1e400},"headers":{}})"));
  EXPECT_TRUE(has(R"("key":null,"value":123456789012345678901234567890,"headers":{}})"));
  EXPECT_TRUE(has("\"key\":null,\"value\":[" + digits60 + ", -1." + digits60 + "],\"headers\":{}}"));
}

// Every line is checked first; one bad line and nothing is written, each bad
// line named with its number and what is wrong.
TEST_F(RecordsTest, ProduceIsStrictAndAllOrNothing) {
  Setup({Topic("t", 2)});
  const std::string file =
      File("bad.jsonl", R"({"key":"k1","value":{"a":1}})"
                        "\n"
                        R"({"key":"k2","value":{"a":2},"timestamp":"2025-01-15T10:00:00Z"})"
                        "\n"
                        R"({"key":"k3","vaule":{"a":3}})"
                        "\n"
                        R"({"key":"k4","value":{"a":4},"headers":{"n":1}})"
                        "\n"
                        R"({"key":"k5","value":{"a":5},"partition":"1"})"
                        "\n"
                        R"({"deal_id":"d-6"})"
                        "\n"
                        R"({"key":"k7","value":{"a":7},})"
                        "\n"
                        R"({"key":"k8","value":{"a":8}})"
                        "\n");
  Ran r = Topo({"produce", "t", "--data-dir", Data(), "--file", file});
  EXPECT_EQ(r.exit, 1) << r.output;
  for (const char* want :
       {"topo produce: t: 6 bad line(s); nothing written:",
        "line 2: timestamp must be a whole number >= 0 of milliseconds since the epoch, got string "
        "\"2025-01-15T10:00:00Z\"",
        "line 3: unknown field 'vaule' (did you mean 'value'?) (known: key, value, headers, timestamp, "
        "partition, "
        "key_b64, value_b64, headers_b64)",
        "line 4: header 'n' must be a string, got number 1",
        "line 5: partition must be a whole number, got string",
        "line 6: not an envelope ({\"key\":..,\"value\":..}), although line 1 was",
        "line 7: not JSON: trailing comma at column 29"})
    EXPECT_NE(r.output.find(want), std::string::npos) << want << "\n" << r.output;
  EXPECT_EQ(r.output.find("line 1:"), std::string::npos) << r.output;
  EXPECT_EQ(r.output.find("line 8:"), std::string::npos) << r.output;
  EXPECT_TRUE(ConsumeAll("t").empty());

  // --skip-bad writes the good lines, still names the bad ones, and exits 1.
  r = Topo({"produce", "t", "--data-dir", Data(), "--file", file, "--skip-bad"});
  EXPECT_EQ(r.exit, 1) << r.output;
  EXPECT_NE(r.output.find("topo produce: t: skipped 6 bad line(s):"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("line 3: unknown field 'vaule'"), std::string::npos) << r.output;
  EXPECT_NE(r.output.find("produced 2 record(s) into t"), std::string::npos) << r.output;
  std::vector<std::string> lines = ConsumeAll("t");
  ASSERT_EQ(lines.size(), 2u);

  // --envelope: every line must be one, the first included.
  r = Topo(
      {"produce", "t", "--data-dir", Data(), "--file", File("v.jsonl", "{\"deal_id\":1}\n"), "--envelope"});
  EXPECT_EQ(r.exit, 1) << r.output;
  EXPECT_NE(r.output.find("line 1: not an envelope"), std::string::npos) << r.output;
}

TEST_F(RecordsTest, ProduceNamesAByteOrderMark) {
  Setup({Topic("t")});
  Ran r = Topo({"produce", "t", "--data-dir", Data(), "--file",
                File("bom.jsonl", "\xEF\xBB\xBF{\"key\":\"k\",\"value\":1}\n")});
  EXPECT_EQ(r.exit, 1) << r.output;
  EXPECT_NE(r.output.find("line 1: starts with a UTF-8 byte-order mark (BOM); save the file without it"),
            std::string::npos)
      << r.output;
  EXPECT_TRUE(ConsumeAll("t").empty());
}

// A record larger than the topic's max.message.bytes is refused before
// anything is written, naming the line, the size and the limit.
TEST_F(RecordsTest, ProduceRefusesRecordsLargerThanMaxMessageBytes) {
  log::TopicConfig small = Topic("small");
  small.extra["max.message.bytes"] = "100";
  Setup({Topic("t"), small});
  const std::string big = File("big.jsonl", R"({"key":"ok","value":1})"
                                            "\n"
                                            R"({"key":"k","value":")" +
                                                std::string(2 << 20, 'x') + "\"}\n");
  Ran r = Topo({"produce", "t", "--data-dir", Data(), "--file", big});
  EXPECT_EQ(r.exit, 1) << r.output.substr(0, 2000);
  EXPECT_NE(
      r.output.find("line 2: record of 2097229 bytes exceeds the max.message.bytes of topic 't' (1048588)"),
      std::string::npos)
      << r.output.substr(0, 2000);
  EXPECT_TRUE(ConsumeAll("t").empty());
  // A topic's own limit.
  r = Topo({"produce", "small", "--data-dir", Data(), "--file",
            File("s.jsonl", "{\"key\":\"k\",\"value\":\"" + std::string(100, 'x') + "\"}\n")});
  EXPECT_EQ(r.exit, 1) << r.output;
  EXPECT_NE(r.output.find("line 1: record of 173 bytes exceeds the max.message.bytes of topic 'small' (100)"),
            std::string::npos)
      << r.output;
}

// A sink whose output is larger than its topic's max.message.bytes
// dead-letters the input under `topo run` on the embedded log.
TEST_F(RecordsTest, OversizedSinkRecordIsDeadLetteredByTopoRun) {
  std::ofstream(dir_ / "big.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('big', {
  topics: { 'in': topo.topic(), out: topo.topic(), dlq: topo.topic() },
  nodes: {
    src: topo.source('in'),
    triple: topo.map('src', value='{s: concat(value.s, value.s, value.s)}'),
    sink: topo.sink('triple', 'out', onError=topo.dlq('dlq')),
  },
}))";
  const std::string in =
      File("in.jsonl", "{\"key\":\"small\",\"value\":{\"s\":\"abc\"}}\n{\"key\":\"big\",\"value\":{\"s\":\"" +
                           std::string(600000, 'x') + "\"}}\n");
  Ran r = Topo({"run", (dir_ / "big.jsonnet").string(), "--data-dir", Data(), "--http-port", "-1",
                "--produce", "in=" + in, "--exit-when-idle", "300", "--status-interval", "0"});
  ASSERT_EQ(r.exit, 0) << r.output;
  EXPECT_NE(r.output.find("errors 1 (dead-lettered 1, skipped 0)"), std::string::npos) << r.output;
  std::vector<std::string> out = ConsumeAll("out");
  ASSERT_EQ(out.size(), 1u);
  EXPECT_NE(out[0].find(R"("key":"small","value":{"s":"abcabcabc"})"), std::string::npos) << out[0];
  std::vector<std::string> dead = ConsumeAll("dlq");
  ASSERT_EQ(dead.size(), 1u);
  EXPECT_NE(dead[0].find(R"("key":"big","value":{"s":"xxx)"), std::string::npos) << dead[0].substr(0, 200);
  EXPECT_NE(
      dead[0].find("\"topo.error\":\"record of 1800085 bytes exceeds the max.message.bytes of topic 'out' "
                   "(1048588)\""),
      std::string::npos)
      << dead[0].substr(dead[0].size() - 400);
  EXPECT_NE(dead[0].find(R"("topo.node":"sink")"), std::string::npos);
}

// The README's start command twice: the second run does not load the samples again.
TEST_F(RecordsTest, RunProduceSkipsAFileAlreadyLoadedIntoTheDataDir) {
  auto run = [&](std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {"run",
                                     (dir_ / "t.jsonnet").string(),
                                     "--data-dir",
                                     Data(),
                                     "--http-port",
                                     "-1",
                                     "--produce",
                                     "in=" + (dir_ / "in.jsonl").string(),
                                     "--exit-when-idle",
                                     "300",
                                     "--status-interval",
                                     "0"};
    args.insert(args.end(), extra.begin(), extra.end());
    return Topo(args);
  };
  Ran first = run();
  ASSERT_EQ(first.exit, 0) << first.output;
  EXPECT_NE(first.output.find("produced 2 record(s) into in"), std::string::npos) << first.output;
  EXPECT_EQ(ConsumeAll("out").size(), 2u);
  Ran second = run();
  ASSERT_EQ(second.exit, 0) << second.output;
  EXPECT_NE(second.output.find("--produce: in=" + (dir_ / "in.jsonl").string() + " already loaded into " +
                               Data() + " (xxh3-128 "),
            std::string::npos)
      << second.output;
  EXPECT_NE(second.output.find("), skipped; --produce-again loads it again"), std::string::npos)
      << second.output;
  EXPECT_EQ(second.output.find("produced 2 record(s)"), std::string::npos) << second.output;
  EXPECT_EQ(ConsumeAll("out").size(), 2u);
  EXPECT_EQ(ConsumeAll("in").size(), 2u);
  // Other content is another file; --produce-again loads it anyway.
  Ran again = run({"--produce-again"});
  ASSERT_EQ(again.exit, 0) << again.output;
  EXPECT_EQ(ConsumeAll("out").size(), 4u);
}

// The closing line says what its time is.
TEST_F(RecordsTest, ClosingLineGivesWallTime) {
  Ran r = Topo({"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", "-1", "--produce",
                "in=" + (dir_ / "in.jsonl").string(), "--exit-when-idle", "300", "--status-interval", "0"});
  ASSERT_EQ(r.exit, 0) << r.output;
  const std::regex shape(
      R"(\nprocessed 2 record\(s\) in [0-9]+\.[0-9]{2} s of running(; [0-9]+\.[0-9]{2} s from the first record )"
      R"(to the last \([0-9.]+ records/s\))?\n)");
  EXPECT_TRUE(std::regex_search(r.output, shape)) << r.output;
}

TEST_F(RecordsTest, ConsumeAndProduceNeverCreateADataDir) {
  const std::string missing = (dir_ / "no" / "such").string();
  Ran r = Topo({"consume", "out", "--data-dir", missing, "--timeout", "0"});
  EXPECT_EQ(r.exit, 2) << r.output;
  EXPECT_NE(r.output.find("no such data dir: " + missing), std::string::npos) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  r = Topo({"produce", "in", "--data-dir", missing, "--file", (dir_ / "in.jsonl").string()});
  EXPECT_EQ(r.exit, 2) << r.output;
  EXPECT_FALSE(fs::exists(dir_ / "no"));
  // An existing directory that holds no log is not made into one.
  fs::create_directories(dir_ / "empty");
  r = Topo({"consume", "out", "--data-dir", (dir_ / "empty").string(), "--timeout", "0"});
  EXPECT_EQ(r.exit, 2) << r.output;
  EXPECT_NE(r.output.find("holds no topo log"), std::string::npos) << r.output;
  EXPECT_TRUE(fs::is_empty(dir_ / "empty"));
}

// --timeout 0 prints what is there and exits; nonsense values are usage errors.
TEST_F(RecordsTest, ConsumeTimeoutAndMaxEdges) {
  Setup({Topic("t", 3)}, {Raw("a", "1"), Raw("b", "2")});
  EXPECT_EQ(ConsumeAll("t").size(), 2u);
  Ran r = Topo({"consume", "t", "--data-dir", Data(), "--timeout", "0"});  // not from the beginning: nothing
  EXPECT_EQ(r.exit, 0) << r.output;
  EXPECT_EQ(r.output, "");
  for (const auto& [flag, value, why] : std::vector<std::tuple<std::string, std::string, std::string>>{
           {"--timeout", "-1", "--timeout must be >= 0 seconds"},
           {"--max", "0", "--max must be at least 1"},
           {"--max", "-3", "--max must be at least 1"}}) {
    r = Topo({"consume", "t", "--data-dir", Data(), flag, value});
    EXPECT_EQ(r.exit, 2) << flag << " " << value << ": " << r.output;
    EXPECT_NE(r.output.find(why), std::string::npos) << r.output;
  }
}

// A run started with --http-port -1 is named, not a confusing lock error.
TEST_F(RecordsTest, RunServingNoHttpIsNamedByProduceAndConsume) {
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", "-1"});
  ASSERT_TRUE(run.AwaitOutput("\nrunning;")) << run.output();
  const std::string want = "the running instance (pid " + std::to_string(run.pid()) + ") holding data dir " +
                           Data() + " serves no HTTP (started with --http-port -1)";
  Ran c = Topo({"consume", "out", "--data-dir", Data(), "--timeout", "0"});
  EXPECT_EQ(c.exit, 1) << c.output;
  EXPECT_NE(c.output.find(want), std::string::npos) << c.output;
  Ran p = Topo({"produce", "in", "--data-dir", Data(), "--file", (dir_ / "in.jsonl").string()});
  EXPECT_EQ(p.exit, 1) << p.output;
  EXPECT_NE(p.output.find(want), std::string::npos) << p.output;
  run.Signal(SIGINT);
  EXPECT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();
  EXPECT_FALSE(fs::exists(dir_ / "data" / "NO_HTTP"));
}

// The same rules through the HTTP port of a running instance.
TEST_F(RecordsTest, HttpProduceAndConsumeFollowTheSameRules) {
  const int port = 17080;
  testing::TopoProcess run;
  run.Start({"run", (dir_ / "t.jsonnet").string(), "--data-dir", Data(), "--http-port", std::to_string(port),
             "--status-interval", "0.05"});
  ASSERT_TRUE(run.AwaitOutput("\nrunning;")) << run.output();
  httplib::Client cli("127.0.0.1", port);
  // A bad line: 400 naming it, nothing written.
  auto bad = cli.Post("/topics/in/records",
                      R"({"key":"k1","value":{"id":"k1","a":10,"b":4}})"
                      "\n"
                      R"({"key":"k2","vaule":{"id":"k2","a":1,"b":1}})"
                      "\n",
                      "application/x-ndjson");
  ASSERT_TRUE(bad) << httplib::to_string(bad.error());
  EXPECT_EQ(bad->status, 400) << bad->body;
  EXPECT_NE(bad->body.find(R"("error":"1 bad line(s); nothing written","produced":0,"bad_lines":1,)"
                           R"("errors":["line 2: unknown field 'vaule')"),
            std::string::npos)
      << bad->body;
  // Good lines, their digits kept on the way through the topology's input.
  auto good = cli.Post("/topics/in/records",
                       R"({"key":"k1","value":{"id":"k1","a":8,"b":4,"x":100.00}})"
                       "\n",
                       "application/x-ndjson");
  ASSERT_TRUE(good) << httplib::to_string(good.error());
  EXPECT_EQ(good->status, 200) << good->body;
  EXPECT_EQ(good->body, "{\"produced\":1,\"bad_lines\":0,\"errors\":[]}\n");
  ASSERT_TRUE(run.AwaitOutput("records in 1 ")) << run.output();
  auto in = cli.Get("/topics/in/records?from_beginning=1&timeout_ms=0&key_format=base64");
  ASSERT_TRUE(in) << httplib::to_string(in.error());
  EXPECT_EQ(in->status, 200) << in->body;
  EXPECT_NE(in->body.find(R"("key_b64":"azE=","value":{"id":"k1","a":8,"b":4,"x":100.00},"headers":{}})"),
            std::string::npos)
      << in->body;
  EXPECT_EQ(std::count(in->body.begin(), in->body.end(), '\n'), 1) << in->body;
  for (const char* query : {"max=-1", "max=0", "max=2x", "timeout_ms=-5", "value_format=xml"}) {
    auto res = cli.Get((std::string("/topics/out/records?") + query).c_str());
    ASSERT_TRUE(res) << httplib::to_string(res.error());
    EXPECT_EQ(res->status, 400) << query << ": " << res->body;
  }
  // The CLI through the port: the same output as on a stopped data dir (waiting for the commit).
  Ran c = Topo({"consume", "out", "--data-dir", Data(), "--from-beginning", "--max", "1", "--timeout", "60"});
  EXPECT_EQ(c.exit, 0) << c.output;
  EXPECT_NE(c.output.find(R"("key":"k1","value":{"id":"k1","total":2},"headers":{}})"), std::string::npos)
      << c.output;
  run.Signal(SIGINT);
  EXPECT_EQ(WEXITSTATUS(run.Wait()), 0) << run.output();
}

}  // namespace
}  // namespace topo
