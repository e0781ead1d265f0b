#pragma once
// Building test values from literals: JSON text (through the engine's own JSON
// codec) and exact decimals.

#include <gtest/gtest.h>

#include <string_view>

#include "engine/serde/json_codec.h"
#include "engine/value/value.h"

namespace topo::testing {

// The Value of a JSON literal; a malformed literal fails the test.
inline Value Json(std::string_view json) {
  auto v = JsonCodec().Decode(json);
  EXPECT_TRUE(v.ok()) << json << ": " << v.status().message();
  return v.ok() ? *v : Value();
}

// An exact decimal from its text ("16.49").
inline Value Dec(std::string_view s) { return Value(*Decimal::Parse(s)); }

}  // namespace topo::testing
