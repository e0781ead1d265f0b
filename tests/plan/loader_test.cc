#include "engine/plan/loader.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engine/plan/graph.h"

namespace topo::plan {
namespace {

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
  EXPECT_EQ(first.partitions, 4);
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
