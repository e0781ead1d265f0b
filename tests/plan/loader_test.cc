#include "engine/plan/loader.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "engine/plan/graph.h"
#include "engine/plan/nesting.h"

namespace topo::plan {
namespace {

std::string Repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

// A valid topology whose topic description evaluates `expr` in full.
std::string TopologyEvaluating(const std::string& expr) {
  return "local topo = import 'topo.libsonnet';\nlocal deep = " + expr +
         ";\ntopo.topology('t', { topics: { a: topo.topic(description=std.toString(deep)) }, nodes: { s: "
         "topo.source('a') } })\n";
}

// A fresh directory under the system's temp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "topo_loader_XXXXXX").string();
    path_ = mkdtemp(tmpl.data());
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::filesystem::path operator/(const std::string& name) const { return path_ / name; }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

TEST(LoaderTest, BundledLibraryAndExtVars) {
  LoadOptions o;
  o.ext_str = {{"env", "prod"}};
  o.ext_code = {{"n", "3"}};
  auto lt = LoadTopologyFromString("/nowhere/t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('t_' + std.extVar('env'), {
  topics: { a: topo.topic(partitions=std.extVar('n')) },
  nodes: { src: topo.source('a') },
}))",
                                   o);
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  EXPECT_EQ(lt->proto.name(), "t_prod");
  EXPECT_EQ(lt->proto.topics().at("a").partitions(), 3);
  EXPECT_TRUE(lt->proto.nodes().at("src").has_source());
}

TEST(LoaderTest, ImportsRelativeToTheFileAndFromJpath) {
  auto dir = std::filesystem::temp_directory_path() / "topo_loader_test";
  std::filesystem::create_directories(dir / "lib");
  std::filesystem::create_directories(dir / "other");
  std::ofstream(dir / "lib" / "parts.libsonnet") << "{ partitions: 5 }";
  std::ofstream(dir / "other" / "names.libsonnet") << "{ topic: 'x' }";
  std::ofstream(dir / "t.jsonnet") << R"(
local topo = import 'topo.libsonnet';
local parts = import 'lib/parts.libsonnet';
local names = import 'names.libsonnet';
topo.topology('t', { topics: { [names.topic]: topo.topic(partitions=parts.partitions) }, nodes: { s: topo.source(names.topic) } }))";
  LoadOptions o;
  o.jpath = {(dir / "other").string()};
  auto lt = LoadTopology((dir / "t.jsonnet").string(), o);
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  EXPECT_EQ(lt->proto.topics().at("x").partitions(), 5);
  std::filesystem::remove_all(dir);
}

TEST(LoaderTest, UnknownFieldIsAnErrorNotASilentDefault) {
  auto lt = LoadTopologyFromString(
      "t.jsonnet", R"({name: 't', nodes: {}, topics: {a: {partitions: 1, colour: 'red'}}})", {});
  ASSERT_FALSE(lt.ok());
  EXPECT_NE(lt.status().message().find("colour"), std::string::npos) << lt.status().message();
}

TEST(LoaderTest, WrongTypeIsAnError) {
  auto lt =
      LoadTopologyFromString("t.jsonnet", R"({name: 't', nodes: {}, topics: {a: {partitions: 'many'}}})", {});
  ASSERT_FALSE(lt.ok());
}

TEST(LoaderTest, ConstructorAssertNamesCallerLine) {
  auto lt = LoadTopologyFromString("my.jsonnet", R"(local topo = import 'topo.libsonnet';
topo.topology('t', {
  nodes: { f: topo.filter('x', '') },
}))",
                                   {});
  ASSERT_FALSE(lt.ok());
  EXPECT_NE(lt.status().message().find("filter needs a where expression"), std::string::npos);
  EXPECT_NE(lt.status().message().find("my.jsonnet:3"), std::string::npos) << lt.status().message();
}

TEST(LoaderTest, NodeLineFindsTheDefinition) {
  LoadedTopology lt;
  lt.source_text = "a\n  events: x,\n  'paid': y,\n  \"out.x\": z\n";
  EXPECT_EQ(lt.NodeLine("events"), 2);
  EXPECT_EQ(lt.NodeLine("paid"), 3);
  EXPECT_EQ(lt.NodeLine("out.x"), 4);
  EXPECT_EQ(lt.NodeLine("missing"), 0);
}

// Each of these crashed libjsonnet's parser or desugarer (a native-stack
// overflow) before: now the nesting check refuses them before Jsonnet parses.
TEST(LoaderTest, DeeplyNestedTextIsALoadErrorNotACrash) {
  for (int n : {10000, 100000}) {
    const std::pair<const char*, std::string> shapes[] = {
        {"brackets", Repeat("[", n) + Repeat("]", n)},
        {"objects", Repeat("{a:", n) + "1" + Repeat("}", n)},
        {"parentheses", Repeat("(", n) + "1" + Repeat(")", n)},
        {"a + chain", "1" + Repeat("+1", n)},
        {"unary minus", Repeat("-", n) + "1"},
        {"locals", Repeat("local a = 1;", n) + "a"},
        {"else-if", Repeat("if true then 1 else ", n) + "1"},
        {"calls", "local f(x) = x; " + Repeat("f(", n) + "1" + Repeat(")", n)},
        {"field chain", "{a: 1}" + Repeat(".a", n)},
    };
    for (const auto& [shape, text] : shapes) {
      auto lt = LoadTopologyFromString("deep.jsonnet", text, {});
      ASSERT_FALSE(lt.ok()) << shape;
      EXPECT_EQ(lt.status().message(),
                "deep.jsonnet:1: nested too deeply: more than 1000 levels of brackets, operators or nested "
                "locals (the limit for a topology file and every file it imports)")
          << shape << " " << n;
    }
  }
}

TEST(LoaderTest, DeeplyNestedImportIsALoadErrorNamingTheImport) {
  TempDir dir;
  std::ofstream(dir / "data.json") << Repeat("{\"a\":", 100000) << "1" << Repeat("}", 100000);
  std::ofstream(dir / "t.jsonnet") << TopologyEvaluating("import 'data.json'");
  auto lt = LoadTopology((dir / "t.jsonnet").string(), {});
  ASSERT_FALSE(lt.ok());
  EXPECT_EQ(
      lt.status().message().rfind((dir / "data.json").string() + ":1: nested too deeply: more than 1000", 0),
      0u)
      << lt.status().message();
  // --ext-code is Jsonnet too.
  LoadOptions o;
  o.ext_code = {{"deep", Repeat("[", 10000) + Repeat("]", 10000)}};
  lt = LoadTopologyFromString("t.jsonnet", TopologyEvaluating("std.extVar('deep')"), o);
  ASSERT_FALSE(lt.ok());
  EXPECT_EQ(lt.status().message().rfind("--ext-code deep:1: nested too deeply", 0), 0u)
      << lt.status().message();
}

TEST(LoaderTest, TwoHundredLevelsLoad) {
  for (const std::string& deep :
       {Repeat("[", 200) + Repeat("]", 200), Repeat("{a:", 200) + "1" + Repeat("}", 200)}) {
    auto lt = LoadTopologyFromString("ok.jsonnet", TopologyEvaluating(deep), {});
    ASSERT_TRUE(lt.ok()) << lt.status().message();
    EXPECT_GT(lt->proto.topics().at("a").description().size(), 400u);
  }
}

TEST(LoaderTest, EvaluationPastJsonnetsStackLimitIsAnError) {
  // Within the nesting limit, but deeper than the 500 frames Jsonnet evaluates.
  auto lt =
      LoadTopologyFromString("eval.jsonnet", TopologyEvaluating(Repeat("[", 900) + Repeat("]", 900)), {});
  ASSERT_FALSE(lt.ok());
  EXPECT_EQ(lt.status().message().rfind(
                "eval.jsonnet:2: evaluation nested too deeply: more than 500 Jsonnet stack frames", 0),
            0u)
      << lt.status().message();
}

TEST(LoaderTest, TestValuesNestAtMost32Levels) {
  auto load = [](int levels) {
    return LoadTopologyFromString("v.jsonnet",
                                  R"(local topo = import 'topo.libsonnet';
topo.topology('t', { topics: { a: topo.topic() }, nodes: { s: topo.source('a') },
  tests: [topo.test('x', inputs=[topo.record('a', value=)" +
                                      Repeat("{a:", levels) + "1" + Repeat("}", levels) + ")])] })",
                                  {});
  };
  EXPECT_TRUE(load(32).ok()) << load(32).status().message();
  for (int levels : {33, 98, 400}) {
    auto lt = load(levels);
    ASSERT_FALSE(lt.ok());
    EXPECT_EQ(
        lt.status().message(),
        "v.jsonnet: a value nests too deeply for the plan format: keys and values of records in tests: may "
        "nest at most 32 levels")
        << levels;
  }
}

TEST(LoaderTest, ErrorsStartWithTheUsersFileAndLine) {
  auto lt =
      LoadTopologyFromString("syntax.jsonnet", "local topo = import 'topo.libsonnet';\n{ a: 1 b: 2 }", {});
  ASSERT_FALSE(lt.ok());
  ErrorLocation at = LocateLoadError(lt.status().message());
  EXPECT_EQ(at.file, "syntax.jsonnet");
  EXPECT_EQ(at.line, 2);
  EXPECT_EQ(at.message, "column 8: expected a comma before next field.");

  lt = LoadTopologyFromString("assert.jsonnet", R"(local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic(partitions=0) },
  nodes: { s: topo.source('a') },
}))",
                              {});
  ASSERT_FALSE(lt.ok());
  at = LocateLoadError(lt.status().message());
  EXPECT_EQ(at.file, "assert.jsonnet");
  EXPECT_EQ(at.line, 3);
  EXPECT_EQ(at.message.substr(0, at.message.find('\n')), "partitions must be a positive integer");

  at = LocateLoadError("x.jsonnet: no such file");
  EXPECT_EQ(at.file, "");
  EXPECT_EQ(at.line, 0);
  EXPECT_EQ(at.message, "x.jsonnet: no such file");
}

TEST(LoaderTest, MissingConstructorsAreNamed) {
  auto load = [](const std::string& node) {
    auto lt = LoadTopologyFromString("my.jsonnet", R"(local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic() },
  nodes: { s: topo.source('a'),
    n: )" + node + R"(,
  },
}))",
                                     {});
    return lt.ok() ? std::string("loaded") : lt.status().message();
  };
  EXPECT_EQ(
      load("topo.count('s', groupBy='key')")
          .rfind("my.jsonnet:5: topo.count is not available yet: stateful operators are planned (available: "
                 "branch, decimal, dlq, filter, ",
                 0),
      0u);
  EXPECT_EQ(
      load("topo.aggregate('s', groupBy='key', init='0', add='agg + 1')")
          .rfind("my.jsonnet:5: topo.aggregate is not available yet: stateful operators are planned", 0),
      0u);
  EXPECT_EQ(load("topo.postgres('s', table='t')")
                .rfind("my.jsonnet:5: topo.postgres is not available yet: connectors are planned", 0),
            0u);
  EXPECT_EQ(load("topo.fitler('s', 'true')"),
            "my.jsonnet:5: unknown operator 'topo.fitler' (did you mean 'filter'?) (known: branch, decimal, "
            "dlq, filter, "
            "flatMap, map, merge, proto, record, rekey, retry, sink, source, test, topic, topology)");
  EXPECT_EQ(load("(import 'topo.libsonnet').frobnicate('s')")
                .rfind("my.jsonnet:5: unknown operator 'topo.frobnicate' (known: ", 0),
            0u);
  // A missing field of the user's own object is Jsonnet's error, at the user's line.
  EXPECT_EQ(load("{ a: 1 }.count").rfind("my.jsonnet:5: field does not exist: count\n", 0), 0u);
}

TEST(LoaderTest, ADirectoryIsNotATopology) {
  TempDir dir;
  auto lt = LoadTopology(dir.path().string() + "/", {});
  ASSERT_FALSE(lt.ok());
  EXPECT_EQ(lt.status().message(), dir.path().string() + "/ is a directory; pass the .jsonnet files (e.g. " +
                                       dir.path().string() + "/*.jsonnet)");
}

TEST(LoaderTest, MistypedTestRecordFieldsAreProblemsWithTheirLine) {
  auto lt = LoadTopologyFromString("t.jsonnet", R"(local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic() },
  nodes: { s: topo.source('a') },
  tests: [
    topo.test('first', inputs=[topo.record('a', value=1)]),
    topo.test('second',
      inputs=[
        topo.record('a', value=1, timestamp='1700000000000'),
        topo.record('a', value=1, headers={ n: 1 }),
      ],
      expect=[topo.record('a', value=1, partition=0.5)]),
  ],
}))",
                                   {});
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  ASSERT_EQ(lt->problems.size(), 3u);
  EXPECT_EQ(
      lt->problems[0].ToString(),
      "t.jsonnet:9: test 'second': input #1: timestamp must be epoch milliseconds (a whole number), got "
      "string \"1700000000000\"");
  EXPECT_EQ(lt->problems[1].ToString(),
            "t.jsonnet:10: test 'second': input #2: header 'n' must be a string, got number 1");
  EXPECT_EQ(
      lt->problems[2].ToString(),
      "t.jsonnet:12: test 'second': expected record #1: partition must be a whole number, got number 0.5");
  // The fields are dropped; the rest of the record stays.
  EXPECT_FALSE(lt->proto.tests(1).inputs(0).has_timestamp());
  EXPECT_EQ(lt->proto.tests(1).inputs(0).value().number_value(), 1);
}

TEST(LoaderTest, TestAndRecordLines) {
  LoadedTopology lt;
  lt.source_text = R"(tests: [
  topo.test('a', inputs=[topo.record('x'),
                         topo.record('x')],
                 expect=[topo.record('y')]),
  topo.test(name="b",
    expect=[
      topo.record('y'),
    ],
    inputs=[topo.record('x')]),
  topo.test('c', [topo.record('x')], [topo.record('y'), topo.record('y')]),
  topo.test('a'),
] + [topo.test('generated %d' % i) for i in std.range(1, 3)])";
  for (const char* name : {"a", "b", "c", "a", "generated 1", "generated 2", "generated 3"})
    lt.proto.add_tests()->set_name(name);
  lt.proto.mutable_tests(0)->add_inputs();
  lt.proto.mutable_tests(0)->add_inputs();
  lt.proto.mutable_tests(2)->add_inputs();
  EXPECT_EQ(lt.TestLine(0), 2);
  EXPECT_EQ(lt.RecordLine(0, false, 1), 3);
  EXPECT_EQ(lt.RecordLine(0, true, 0), 4);
  EXPECT_EQ(lt.TestLine(1), 5);
  EXPECT_EQ(lt.RecordLine(1, true, 0), 7);
  EXPECT_EQ(lt.RecordLine(1, false, 0), 9);
  EXPECT_EQ(lt.RecordLine(2, true, 1), 10);   // positional: inputs first, then expect
  EXPECT_EQ(lt.TestLine(3), 11);              // the second test named 'a'
  EXPECT_EQ(lt.RecordLine(3, false, 0), 11);  // no records written out: the test's line
  EXPECT_EQ(lt.TestLine(4), 0);               // generated: not found
}

TEST(GraphTest, SplitsAtTopicsIntoSubtopologies) {
  auto lt = LoadTopologyFromString("t.jsonnet", R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { a: topo.topic(partitions=4), mid: topo.topic(partitions=2), out: topo.topic() },
  nodes: {
    s1: topo.source('a'), f: topo.filter('s1', 'true'), k1: topo.sink('f', 'mid'),
    s2: topo.source('mid'), k2: topo.sink('s2', 'out'),
  },
}))",
                                   {});
  ASSERT_TRUE(lt.ok()) << lt.status().message();
  Diagnostics diags;
  Graph g = BuildGraph(*lt, &diags);
  EXPECT_TRUE(diags.empty());
  ASSERT_EQ(g.subtopologies.size(), 2u);
  EXPECT_NE(g.subtopology_of.at("s1"), g.subtopology_of.at("s2"));
  EXPECT_EQ(g.subtopology_of.at("s1"), g.subtopology_of.at("k1"));
  const Subtopology& first = g.subtopologies[g.subtopology_of.at("s1")];
  EXPECT_EQ(first.name, "a");
  EXPECT_EQ(first.sink_topics, std::vector<std::string>{"mid"});
  // Inputs come before their readers.
  auto pos = [&](const std::string& id) {
    return std::find(g.order.begin(), g.order.end(), id) - g.order.begin();
  };
  EXPECT_LT(pos("s1"), pos("f"));
  EXPECT_LT(pos("f"), pos("k1"));
}

}  // namespace
}  // namespace topo::plan
