#pragma once
// Runs the `tests:` a topology declares (topo.test(...)) through a fresh
// TestDriver each, and compares what reached the topics with `expect`.
//
// Comparison (DESIGN §9): per topic and partition, in order; order across
// topics is not compared. Values compare as values (object key order ignored,
// numbers by exact decimal value: 16.49 == 16.490, and an expected number or
// topo.decimal compares with every digit of the number written). Every topic a
// task wrote to is compared, so a record nobody expected fails the case. A timestamp or headers in an
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
// numbers within 2^53 become ints, others doubles; topo.decimal('16.49') (an
// object {"$topo.decimal": "16.49"}) becomes that exact decimal.
Value FromProtoValue(const google::protobuf::Value& v);

// What is wrong with a test record's key or value, or "" when nothing: a
// topo.decimal whose text is not a decimal, or a number that a Jsonnet number
// (a double) cannot have carried exactly (more than 15 significant digits, as
// 123456789012345679 or 2^53 + 1 have). Such a number was rounded by Jsonnet before topo saw
// it, so the test says so instead of comparing the rounding.
std::string CheckTestValue(const google::protobuf::Value& v);

}  // namespace topo::runtime
