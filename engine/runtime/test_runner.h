#pragma once
// Runs the `tests:` a topology declares (topo.test(...)) through a fresh
// TestDriver each, and compares what reached the topics with `expect`.
//
// Comparison (DESIGN §9): per topic and partition, in order; order across
// topics is not compared. Values compare as values (object key order ignored,
// numbers by value, decimals exactly). Every topic a task wrote to is compared,
// so a record nobody expected fails the case. A timestamp or headers in an
// expected record are compared only when given.

#include <memory>
#include <string>
#include <vector>

#include "engine/runtime/compiled_topology.h"

namespace topo::runtime {

struct TestCaseResult {
  std::string name;
  bool passed = false;
  // For a failure: a readable diff of expected vs actual records, or the error.
  std::string report;
};

std::vector<TestCaseResult> RunDeclaredTests(const std::shared_ptr<const CompiledTopology>& topology);

// A JSON value from the plan (google.protobuf.Value) as a topo Value: integral
// numbers within 2^53 become ints, others doubles.
Value FromProtoValue(const google::protobuf::Value& v);

}  // namespace topo::runtime
