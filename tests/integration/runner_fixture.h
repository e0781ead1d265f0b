#pragma once
// RunnerFixture: a fresh directory per test holding a small topology
// (`t.jsonnet`: in -> map {id, total: a / b} -> out, 2 partitions each) and two
// input records (`in.jsonl`), for tests that drive `topo run` as a user would.

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace topo::testing {

class RunnerFixture : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("topo_run_" + std::to_string(getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name() + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    std::ofstream(dir_ / "t.jsonnet") << R"(
local topo = import 'topo.libsonnet';
topo.topology('runner', {
  topics: { 'in': topo.topic(partitions=2), out: topo.topic(partitions=2) },
  nodes: {
    src: topo.source('in'),
    up: topo.map('src', value='{id: value.id, total: value.a / value.b}'),
    sink: topo.sink('up', 'out'),
  },
}))";
    std::ofstream(dir_ / "in.jsonl") << R"({"key":"k1","value":{"id":"k1","a":10,"b":2}})"
                                        "\n"
                                     << R"({"key":"k2","value":{"id":"k2","a":9,"b":3}})"
                                        "\n";
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string Data() const { return (dir_ / "data").string(); }

  std::filesystem::path dir_;
};

}  // namespace topo::testing
