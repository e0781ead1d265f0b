#include "tests/testing/topology_util.h"

#include "engine/serde/codec.h"

namespace topo::testing {

Value Json(const std::string& text) {
  auto codec = MakeCodec("json", nullptr);
  auto v = (*codec)->Decode(text);
  EXPECT_TRUE(v.ok()) << v.status().message();
  return v.ok() ? *v : Value();
}

}  // namespace topo::testing
