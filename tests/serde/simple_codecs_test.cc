#include "engine/serde/simple_codecs.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>

namespace topo {
namespace {

std::string EncodeOk(Codec& c, const Value& v) {
  std::string out = "stale";
  Status s = c.Encode(v, &out);
  EXPECT_TRUE(s.ok()) << s.ToString();
  return out;
}

TEST(StringCodec, RoundTrip) {
  StringCodec c;
  EXPECT_EQ(c.name(), "string");
  for (std::string s : {std::string(""), std::string("inv_456"), std::string("é€"), std::string("a\0b", 3)}) {
    auto v = c.Decode(s);
    ASSERT_TRUE(v.ok());
    ASSERT_TRUE(v->is_string());
    EXPECT_EQ(v->as_string(), s);
    EXPECT_EQ(EncodeOk(c, *v), s);
  }
}

TEST(StringCodec, RendersScalarsAsText) {
  StringCodec c;
  EXPECT_EQ(EncodeOk(c, Value(int64_t{-42})), "-42");
  EXPECT_EQ(EncodeOk(c, Value(16.49)), "16.49");
  EXPECT_EQ(EncodeOk(c, Value(std::numeric_limits<double>::quiet_NaN())), "NaN");
  EXPECT_EQ(EncodeOk(c, Value(-std::numeric_limits<double>::infinity())), "-Infinity");
  EXPECT_EQ(EncodeOk(c, Value(*Decimal::Parse("16.50"))), "16.50");
  EXPECT_EQ(EncodeOk(c, Value(true)), "true");
  EXPECT_EQ(EncodeOk(c, Value(Bytes{"raw"})), "raw");
}

TEST(StringCodec, RejectsStructuredValues) {
  StringCodec c;
  std::string out;
  for (const Value& v : {Value(), Value(Array{}), Value(Object{})}) {
    Status s = c.Encode(v, &out);
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find(ValueTypeName(v.type())), std::string::npos) << s.message();
  }
}

TEST(BytesCodec, RoundTrip) {
  BytesCodec c;
  EXPECT_EQ(c.name(), "bytes");
  std::string raw("\x00\xff\x80 payload", 11);
  auto v = c.Decode(raw);
  ASSERT_TRUE(v.ok());
  ASSERT_TRUE(v->is_bytes());
  EXPECT_EQ(v->as_bytes().data, raw);
  EXPECT_EQ(EncodeOk(c, *v), raw);
  EXPECT_EQ(EncodeOk(c, Value("text")), "text");
  std::string out;
  EXPECT_EQ(c.Encode(Value(1), &out).code(), StatusCode::kInvalidArgument);
}

TEST(Int64Codec, BigEndianLikeKafkaLongSerializer) {
  Int64Codec c;
  EXPECT_EQ(c.name(), "int64");
  EXPECT_EQ(EncodeOk(c, Value(int64_t{1})), std::string("\0\0\0\0\0\0\0\x01", 8));
  EXPECT_EQ(EncodeOk(c, Value(int64_t{-1})), std::string(8, '\xff'));
  EXPECT_EQ(EncodeOk(c, Value(int64_t{0x0102030405060708})), "\x01\x02\x03\x04\x05\x06\x07\x08");
  for (int64_t x : {int64_t{0}, int64_t{42}, int64_t{-42}, std::numeric_limits<int64_t>::min(),
                    std::numeric_limits<int64_t>::max()}) {
    auto v = c.Decode(EncodeOk(c, Value(x)));
    ASSERT_TRUE(v.ok());
    EXPECT_EQ(v->as_int(), x);
  }
}

TEST(Int64Codec, Errors) {
  Int64Codec c;
  for (std::string_view bad :
       {std::string_view(""), std::string_view("1234567"), std::string_view("123456789")}) {
    auto r = c.Decode(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("8 bytes"), std::string::npos);
  }
  std::string out;
  EXPECT_EQ(c.Encode(Value("42"), &out).code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(c.Encode(Value(4.2), &out).code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace topo
