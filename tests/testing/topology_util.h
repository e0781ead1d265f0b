#pragma once
// Test helpers: compile a topology from Jsonnet text, and read a driver's outputs.

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/plan/loader.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/test_driver.h"
#include "operators/builtin.h"
#include "tests/testing/values.h"

namespace topo::testing {

// Compiles `jsonnet`; fails the test (and returns null) with the diagnostics when it does not.
inline std::shared_ptr<const runtime::CompiledTopology> Compile(const std::string& jsonnet) {
  operators::RegisterBuiltinOperators();
  auto loaded = plan::LoadTopologyFromString("test.jsonnet", jsonnet, {});
  if (!loaded.ok()) {
    ADD_FAILURE() << loaded.status().message();
    return nullptr;
  }
  plan::Diagnostics diags;
  auto compiled = runtime::CompiledTopology::Compile(std::move(loaded).value(), &diags);
  if (!compiled.ok()) {
    std::string all;
    for (const auto& d : diags) all += d.ToString() + "\n";
    ADD_FAILURE() << all;
    return nullptr;
  }
  return *compiled;
}

// The diagnostics of a topology that is expected not to compile.
inline plan::Diagnostics CompileErrors(const std::string& jsonnet) {
  operators::RegisterBuiltinOperators();
  plan::Diagnostics diags;
  auto loaded = plan::LoadTopologyFromString("test.jsonnet", jsonnet, {});
  if (!loaded.ok()) {
    diags.push_back({"test.jsonnet", 0, "", loaded.status().message()});
    return diags;
  }
  auto compiled = runtime::CompiledTopology::Compile(std::move(loaded).value(), &diags);
  if (compiled.ok()) ADD_FAILURE() << "expected compile errors";
  return diags;
}

// A topology with one source topic `in` (4 partitions) and one sink topic `out`,
// with `nodes` placed between them: `src` reads `in`, and the last node must be
// named `last`. For tests of an operator between a source and a sink.
inline std::string SourceToSinkTopology(const std::string& nodes) {
  return R"(
local topo = import 'topo.libsonnet';
topo.topology('t', {
  topics: { 'in': topo.topic(partitions=4), out: topo.topic(partitions=4), },
  nodes: { src: topo.source('in'), )" +
         nodes + R"( sink: topo.sink('last', 'out') },
}))";
}

struct Out {
  Value key, value;
  int32_t partition;
  Headers headers;
};

// Decoded records the topology wrote to `topic`, in write order.
inline std::vector<Out> Outputs(runtime::TestDriver& d, const std::string& topic) {
  std::vector<Out> out;
  auto it = d.outputs().find(topic);
  if (it == d.outputs().end()) return out;
  for (const auto& r : it->second) {
    auto k = d.DecodeKey(r);
    auto v = d.DecodeValue(r);
    EXPECT_TRUE(k.ok() && v.ok());
    out.push_back({k.ok() ? *k : Value(), v.ok() ? *v : Value(), r.partition.value(), r.headers});
  }
  return out;
}

}  // namespace topo::testing
