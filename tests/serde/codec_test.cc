#include "engine/serde/codec.h"

#include <gtest/gtest.h>

#include "engine/serde/proto_schemas.h"

namespace topo {
namespace {

TEST(MakeCodec, BuiltinSpecs) {
  for (const char* spec : {"json", "string", "bytes", "int64"}) {
    auto c = MakeCodec(spec, nullptr);
    ASSERT_TRUE(c.ok()) << spec << ": " << c.status().ToString();
    EXPECT_EQ((*c)->name(), spec);
  }
}

TEST(MakeCodec, UnknownSpecIsAnError) {
  for (const char* spec : {"", "JSON", "avro", "proto", "json "}) {
    auto c = MakeCodec(spec, nullptr);
    ASSERT_FALSE(c.ok()) << spec;
    EXPECT_EQ(c.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(c.status().message().find("unknown codec"), std::string::npos) << c.status().message();
  }
}

TEST(MakeCodec, ProtoSpecs) {
  auto schemas = ProtoSchemas::FromDescriptorSet(kEmbeddedDescriptorSet);
  ASSERT_TRUE(schemas.ok()) << schemas.status().ToString();
  auto c = MakeCodec("proto:checkout.PaymentEvent", (*schemas)->pool());
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ((*c)->name(), "proto:checkout.PaymentEvent");

  auto missing = MakeCodec("proto:checkout.Nope", (*schemas)->pool());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("checkout.Nope"), std::string::npos);
  auto no_pool = MakeCodec("proto:checkout.PaymentEvent", nullptr);
  ASSERT_FALSE(no_pool.ok());
  EXPECT_NE(no_pool.status().message().find("no protobuf schemas"), std::string::npos);
  EXPECT_FALSE(MakeCodec("proto:", (*schemas)->pool()).ok());
}

TEST(MakeCodec, NullPayloadRoundTripThroughEveryCodecIsTheCallersJob) {
  // Codecs see only non-null payloads; encoding a null Value is an error for
  // formats that cannot express it and "null" for JSON.
  std::string out;
  auto json = MakeCodec("json", nullptr);
  ASSERT_TRUE((*json)->Encode(Value(), &out).ok());
  EXPECT_EQ(out, "null");
  auto str = MakeCodec("string", nullptr);
  EXPECT_FALSE((*str)->Encode(Value(), &out).ok());
}

}  // namespace
}  // namespace topo
