#include "engine/serde/proto_codec.h"

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <gtest/gtest.h>

#include <limits>
#include <string>

#include "engine/serde/json_codec.h"
#include "engine/serde/proto_schemas.h"

namespace topo {
namespace {

namespace pb = google::protobuf;

Value Json(std::string_view text) {
  JsonCodec c;
  auto r = c.Decode(text);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : Value();
}

std::string ToJson(const Value& v) {
  JsonCodec c;
  std::string out;
  EXPECT_TRUE(c.Encode(v, &out).ok());
  return out;
}

class CheckoutProtoTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = ProtoSchemas::FromDescriptorSet(kEmbeddedDescriptorSet);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    schemas_ = std::move(*s);
    const pb::Descriptor* d = schemas_->FindMessage("checkout.PaymentEvent");
    ASSERT_NE(d, nullptr);
    codec_ = std::make_unique<ProtoCodec>(d);
  }
  std::string Encode(const Value& v) {
    std::string out;
    Status s = codec_->Encode(v, &out);
    EXPECT_TRUE(s.ok()) << s.ToString();
    return out;
  }
  Status EncodeError(const Value& v) {
    std::string out;
    Status s = codec_->Encode(v, &out);
    EXPECT_FALSE(s.ok());
    return s;
  }
  std::unique_ptr<ProtoSchemas> schemas_;
  std::unique_ptr<ProtoCodec> codec_;
};

TEST_F(CheckoutProtoTest, RoundTripsAPaymentEvent) {
  EXPECT_EQ(codec_->name(), "proto:checkout.PaymentEvent");
  Value in = Json(R"({
    "event_id": "evt_123", "event_type": "PaymentConfirmed", "aggregate_id": "inv_456",
    "aggregate_type": "Payment", "event_version": 1, "occurred_at": "2025-01-15T10:00:00Z",
    "amount": "16.49", "currency": "USD",
    "payment": {"tx_hash": "0xabc", "network": "TRON", "crypto_amount": "16.490000",
                "crypto_currency": "USDT", "confirmations": 19},
    "metadata": {"request_id": "req_xyz789", "actor": "system:scanner"},
    "correlation_id": "corr_abc123", "causation_id": ""})");
  std::string wire = Encode(in);
  auto out = codec_->Decode(wire);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  // Declaration order; the map sorted by key; strings stay strings (no money magic).
  EXPECT_EQ(ToJson(*out),
            R"({"event_id":"evt_123","event_type":"PaymentConfirmed","aggregate_id":"inv_456",)"
            R"("aggregate_type":"Payment","event_version":1,"occurred_at":"2025-01-15T10:00:00Z",)"
            R"("amount":"16.49","currency":"USD","payment":{"tx_hash":"0xabc","network":"TRON",)"
            R"("crypto_amount":"16.490000","crypto_currency":"USDT","confirmations":19},)"
            R"("metadata":{"actor":"system:scanner","request_id":"req_xyz789"},)"
            R"("correlation_id":"corr_abc123","causation_id":""})");
  EXPECT_TRUE(out->Equals(in));
  // Deterministic bytes: the same value encodes to the same payload.
  EXPECT_EQ(Encode(*out), wire);
}

TEST_F(CheckoutProtoTest, UnsetFieldsHaveDefaultsAndUnsetMessagesAreNull) {
  auto v = codec_->Decode("");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Get("event_id")->as_string(), "");
  EXPECT_EQ(v->Get("event_version")->as_int(), 0);
  EXPECT_TRUE(v->Get("payment")->is_null());
  EXPECT_TRUE(v->Get("metadata")->is_object());
  EXPECT_TRUE(v->Get("metadata")->as_object().empty());
  EXPECT_EQ(v->as_object().size(), 12u);
}

TEST_F(CheckoutProtoTest, DecimalsGoIntoStringFieldsAsText) {
  Object o;
  o.Append("amount", Value(*Decimal::Parse("125.50")));
  o.Append("event_version", Value(*Decimal::Parse("2.00")));  // integral decimal into int32
  auto v = codec_->Decode(Encode(Value(std::move(o))));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Get("amount")->as_string(), "125.50");
  EXPECT_EQ(v->Get("event_version")->as_int(), 2);
}

TEST_F(CheckoutProtoTest, TypeMismatchNamesTheFieldPath) {
  Status s = EncodeError(Json(R"({"payment": {"crypto_amount": {"value": 1}}})"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("field 'payment.crypto_amount': expected string, got object"), std::string::npos)
      << s.message();

  s = EncodeError(Json(R"({"amount": 16.49})"));  // money as a double is refused
  EXPECT_NE(s.message().find("field 'amount': expected string, got double"), std::string::npos)
      << s.message();

  s = EncodeError(Json(R"({"event_version": "1"})"));
  EXPECT_NE(s.message().find("field 'event_version': expected int, got string"), std::string::npos)
      << s.message();

  s = EncodeError(Json(R"({"event_version": 1.5})"));
  EXPECT_NE(s.message().find("field 'event_version'"), std::string::npos) << s.message();

  s = EncodeError(Json(R"({"event_version": 3000000000})"));
  EXPECT_NE(s.message().find("out of range for int32"), std::string::npos) << s.message();

  s = EncodeError(Json(R"({"metadata": {"actor": true}})"));
  EXPECT_NE(s.message().find(R"(field 'metadata["actor"]': expected string, got bool)"), std::string::npos)
      << s.message();

  s = EncodeError(Json(R"({"payment": {"network": "BITCOIN"}})"));
  EXPECT_NE(s.message().find("'BITCOIN' is not a value of enum checkout.Network"), std::string::npos)
      << s.message();

  s = EncodeError(Json(R"([1, 2])"));
  EXPECT_NE(s.message().find("expected object, got array"), std::string::npos) << s.message();
}

TEST_F(CheckoutProtoTest, UnknownFieldIsAnError) {
  Status s = EncodeError(Json(R"({"event_id": "e", "payment": {"tx_hash": "0x1", "fee": "0.1"}})"));
  EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
  EXPECT_NE(s.message().find("field 'payment.fee': no such field in checkout.Payment"), std::string::npos)
      << s.message();
}

TEST_F(CheckoutProtoTest, NullLeavesFieldsUnset) {
  auto v = codec_->Decode(Encode(Json(R"({"event_id": null, "payment": null})")));
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->Get("event_id")->as_string(), "");
  EXPECT_TRUE(v->Get("payment")->is_null());
}

TEST_F(CheckoutProtoTest, MalformedPayloadIsAnError) {
  for (std::string_view bad :
       {std::string_view("\x0a\x05"
                         "ab",
                         4),
        std::string_view("\xff\xff\xff", 3), std::string_view("\x0a\xff\xff\xff\xff\x0f", 6)}) {
    auto r = codec_->Decode(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find("checkout.PaymentEvent"), std::string::npos);
  }
}

TEST_F(CheckoutProtoTest, WireIsCompatibleWithProtobufItself) {
  // The codec's bytes parse as the message through protobuf's own reflection API.
  const pb::Descriptor* d = schemas_->FindMessage("checkout.PaymentEvent");
  pb::DynamicMessageFactory factory;
  std::unique_ptr<pb::Message> m(factory.GetPrototype(d)->New());
  ASSERT_TRUE(m->ParseFromString(Encode(Json(R"({"aggregate_id":"inv_1","payment":{"confirmations":3}})"))));
  std::string text;
  pb::TextFormat::PrintToString(*m, &text);
  EXPECT_EQ(text, "aggregate_id: \"inv_1\"\npayment {\n  confirmations: 3\n}\n");
}

// A hand-built schema for the types checkout.proto does not use.
constexpr char kKitchenSink[] = R"pb(
  name: "sink.proto"
  package: "sink"
  syntax: "proto3"
  enum_type {
    name: "Color"
    value { name: "RED" number: 0 }
    value { name: "BLUE" number: 1 }
  }
  message_type {
    name: "Item"
    field { name: "sku" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "qty" number: 2 label: LABEL_OPTIONAL type: TYPE_UINT32 }
  }
  message_type {
    name: "Sink"
    field { name: "i64" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
    field { name: "u64" number: 2 label: LABEL_OPTIONAL type: TYPE_UINT64 }
    field { name: "s32" number: 3 label: LABEL_OPTIONAL type: TYPE_SINT32 }
    field { name: "f" number: 4 label: LABEL_OPTIONAL type: TYPE_FLOAT }
    field { name: "d" number: 5 label: LABEL_OPTIONAL type: TYPE_DOUBLE }
    field { name: "b" number: 6 label: LABEL_OPTIONAL type: TYPE_BOOL }
    field { name: "raw" number: 7 label: LABEL_OPTIONAL type: TYPE_BYTES }
    field { name: "color" number: 8 label: LABEL_OPTIONAL type: TYPE_ENUM type_name: ".sink.Color" }
    field { name: "items" number: 9 label: LABEL_REPEATED type: TYPE_MESSAGE type_name: ".sink.Item" }
    field { name: "tags" number: 10 label: LABEL_REPEATED type: TYPE_STRING }
    field {
      name: "by_id"
      number: 11
      label: LABEL_REPEATED
      type: TYPE_MESSAGE
      type_name: ".sink.Sink.ByIdEntry"
    }
    field {
      name: "maybe"
      number: 12
      label: LABEL_OPTIONAL
      type: TYPE_INT32
      oneof_index: 1
      proto3_optional: true
    }
    field { name: "text" number: 13 label: LABEL_OPTIONAL type: TYPE_STRING oneof_index: 0 }
    field { name: "num" number: 14 label: LABEL_OPTIONAL type: TYPE_INT64 oneof_index: 0 }
    nested_type {
      name: "ByIdEntry"
      field { name: "key" number: 1 label: LABEL_OPTIONAL type: TYPE_INT64 }
      field { name: "value" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
      options { map_entry: true }
    }
    oneof_decl { name: "choice" }
    oneof_decl { name: "_maybe" }
  }
)pb";

class KitchenSinkTest : public ::testing::Test {
 protected:
  void SetUp() override {
    pb::FileDescriptorSet set;
    ASSERT_TRUE(pb::TextFormat::ParseFromString(kKitchenSink, set.add_file()));
    auto s = ProtoSchemas::FromDescriptorSet(set.SerializeAsString());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    schemas_ = std::move(*s);
    codec_ = std::make_unique<ProtoCodec>(schemas_->FindMessage("sink.Sink"));
  }
  Value RoundTrip(const Value& in) {
    std::string wire;
    Status s = codec_->Encode(in, &wire);
    EXPECT_TRUE(s.ok()) << s.ToString();
    auto out = codec_->Decode(wire);
    EXPECT_TRUE(out.ok()) << out.status().ToString();
    return out.ok() ? *out : Value();
  }
  std::unique_ptr<ProtoSchemas> schemas_;
  std::unique_ptr<ProtoCodec> codec_;
};

TEST_F(KitchenSinkTest, EveryFieldKindRoundTrips) {
  Object in;
  in.Append("i64", Value(std::numeric_limits<int64_t>::min()));
  in.Append("u64", Value(*Decimal::Parse("18446744073709551615")));
  in.Append("s32", Value(-7));
  in.Append("f", Value(0.1));
  in.Append("d", Value(2.5));
  in.Append("b", Value(true));
  in.Append("raw", Value(Bytes{std::string("\0\xff", 2)}));
  in.Append("color", Value("BLUE"));
  in.Append("items", Json(R"([{"sku":"a","qty":1},{"sku":"b","qty":4294967295}])"));
  in.Append("tags", Json(R"(["x","y"])"));
  in.Append("by_id", Json(R"({"10":"ten","-2":"minus two","9":"nine"})"));
  in.Append("maybe", Value(0));
  in.Append("num", Value(5));
  Value out = RoundTrip(Value(std::move(in)));
  EXPECT_EQ(
      ToJson(out),
      R"({"i64":-9223372036854775808,"u64":18446744073709551615,"s32":-7,"f":0.1,"d":2.5,"b":true,)"
      R"("raw":"AP8=","color":"BLUE","items":[{"sku":"a","qty":1},{"sku":"b","qty":4294967295}],)"
      R"("tags":["x","y"],"by_id":{"-2":"minus two","9":"nine","10":"ten"},"maybe":0,"text":null,"num":5})");
  EXPECT_TRUE(out.Get("u64")->is_decimal());
  EXPECT_TRUE(out.Get("raw")->is_bytes());
}

TEST_F(KitchenSinkTest, NanOrInfinityOnTheWireIsADecodeErrorNamingTheField) {
  for (double bad : {std::numeric_limits<double>::quiet_NaN(), -std::numeric_limits<double>::infinity()}) {
    for (const char* field : {"d", "f"}) {
      // Written with protobuf itself: topo never makes such a value.
      pb::DynamicMessageFactory factory(schemas_->pool());  // owns the prototype: outlives m
      std::unique_ptr<pb::Message> m(factory.GetPrototype(schemas_->FindMessage("sink.Sink"))->New());
      const pb::FieldDescriptor* fd = m->GetDescriptor()->FindFieldByName(field);
      if (fd->cpp_type() == pb::FieldDescriptor::CPPTYPE_FLOAT) {
        m->GetReflection()->SetFloat(m.get(), fd, static_cast<float>(bad));
      } else {
        m->GetReflection()->SetDouble(m.get(), fd, bad);
      }
      auto out = codec_->Decode(m->SerializeAsString());
      ASSERT_FALSE(out.ok()) << field << " decoded as " << out->DebugString();
      EXPECT_NE(out.status().message().find(std::string("field '") + field + "' is NaN or infinite"),
                std::string::npos)
          << out.status().message();
    }
  }
}

TEST_F(KitchenSinkTest, PresenceAndDefaults) {
  Value out = RoundTrip(Value(Object{}));
  EXPECT_EQ(out.Get("i64")->as_int(), 0);
  EXPECT_EQ(out.Get("color")->as_string(), "RED");
  EXPECT_TRUE(out.Get("items")->as_array().empty());
  EXPECT_TRUE(out.Get("maybe")->is_null());  // proto3 optional: explicit presence
  EXPECT_TRUE(out.Get("text")->is_null());   // oneof members: presence
  EXPECT_TRUE(out.Get("num")->is_null());
}

TEST_F(KitchenSinkTest, ConversionsAndErrors) {
  Value out = RoundTrip(Json(R"({"color": 1, "u64": 42, "f": 1, "d": 3, "raw": "text"})"));
  EXPECT_EQ(out.Get("color")->as_string(), "BLUE");
  EXPECT_EQ(out.Get("u64")->as_int(), 42);
  EXPECT_EQ(out.Get("f")->as_double(), 1.0);
  EXPECT_EQ(out.Get("raw")->as_bytes().data, "text");
  // Open (proto3) enums keep unknown numbers.
  EXPECT_EQ(RoundTrip(Json(R"({"color": 7})")).Get("color")->as_int(), 7);

  std::string wire;
  auto err = [&](std::string_view json) { return codec_->Encode(Json(json), &wire).message(); };
  EXPECT_NE(err(R"({"u64": -1})").find("field 'u64': value -1 is out of range for uint64"),
            std::string::npos);
  EXPECT_NE(err(R"({"items": {"sku": "a"}})").find("field 'items': expected array, got object"),
            std::string::npos);
  EXPECT_NE(err(R"({"items": [{"sku": "a"}, {"qty": -1}]})").find("field 'items[1].qty'"), std::string::npos);
  EXPECT_NE(err(R"({"by_id": {"ten": "x"}})").find(R"(field 'by_id["ten"]': map key must be an integer)"),
            std::string::npos);
  EXPECT_NE(err(R"({"b": 1})").find("field 'b': expected bool, got int"), std::string::npos);
  EXPECT_NE(err(R"({"tags": [true]})").find("field 'tags[0]'"), std::string::npos);
}

TEST(ProtoSchemas, LoadsTheEmbeddedSet) {
  auto s = ProtoSchemas::FromDescriptorSet(kEmbeddedDescriptorSet);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::vector<std::string> names = (*s)->MessageNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "checkout.PaymentEvent"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "checkout.Payment"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
  EXPECT_EQ((*s)->FindMessage("checkout.Missing"), nullptr);
  // Map entry types are not user-visible messages.
  for (const auto& n : names) EXPECT_EQ(n.find("Entry"), std::string::npos) << n;
}

TEST(ProtoSchemas, FileOrderDoesNotMatterButImportsMustBePresent) {
  pb::FileDescriptorSet set;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(
      R"pb(name: "b.proto"
           package: "b"
           syntax: "proto3"
           dependency: "a.proto"
           message_type {
             name: "B"
             field { name: "a" number: 1 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".a.A" }
           })pb",
      set.add_file()));
  auto missing = ProtoSchemas::FromDescriptorSet(set.SerializeAsString());
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("a.proto"), std::string::npos) << missing.status().message();

  ASSERT_TRUE(pb::TextFormat::ParseFromString(R"pb(name: "a.proto"
                                                   package: "a"
                                                   syntax: "proto3"
                                                   message_type { name: "A" })pb",
                                              set.add_file()));
  auto ok = ProtoSchemas::FromDescriptorSet(set.SerializeAsString());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->MessageNames(), (std::vector<std::string>{"a.A", "b.B"}));

  *set.add_file() = set.file(0);
  auto dup = ProtoSchemas::FromDescriptorSet(set.SerializeAsString());
  ASSERT_FALSE(dup.ok());
  EXPECT_NE(dup.status().message().find("twice"), std::string::npos);

  EXPECT_FALSE(ProtoSchemas::FromDescriptorSet("\xff\xff garbage").ok());
}

TEST(ProtoSchemas, BadSchemaIsAnErrorNamingTheFile) {
  pb::FileDescriptorSet set;
  ASSERT_TRUE(pb::TextFormat::ParseFromString(
      R"pb(name: "bad.proto"
           package: "bad"
           syntax: "proto3"
           message_type {
             name: "M"
             field { name: "x" number: 1 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".bad.Nope" }
           })pb",
      set.add_file()));
  auto s = ProtoSchemas::FromDescriptorSet(set.SerializeAsString());
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().message().find("bad.proto"), std::string::npos) << s.status().message();
}

}  // namespace
}  // namespace topo
