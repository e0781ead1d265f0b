// Codec throughput on ~210-byte seed-like event envelopes (deal events of the
// escrow seed, ids varied so no two payloads are equal).
//
//   cmake -S . -B build-serde-rel -G Ninja -DCMAKE_BUILD_TYPE=Release
//   ninja -C build-serde-rel serde_bench && build-serde-rel/serde_bench
//
// The budget these serve: decode -> filter -> map -> encode at 2M records/s on
// one core leaves ~250 ns to decode and ~120 ns to encode a record.
// BM_SimdjsonParseOnly is simdjson's DOM parse with no Value built: the floor
// under BM_JsonDecode, so the difference is the cost of building the Value.
#include <benchmark/benchmark.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/text_format.h>
#include <simdjson.h>

#include <cstdio>
#include <string>
#include <vector>

#include "engine/serde/codec.h"
#include "engine/serde/json_codec.h"
#include "engine/serde/proto_codec.h"
#include "engine/serde/proto_schemas.h"

namespace topo {
namespace {

constexpr int kRecords = 1024;  // a power of two, so i & (kRecords - 1) picks one

std::vector<std::string> Envelopes() {
  static const char* kStatus[] = {"PENDING", "FUNDED", "RELEASED", "DISPUTED"};
  std::vector<std::string> out;
  for (int i = 0; i < kRecords; ++i) {
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        R"({"deal_id":"d-%06d","event_type":"DealStatusChanged","from_status":"%s","to_status":"%s",)"
        R"("payload":{"amount":"%d.%02d","currency":"TON","recipient_id":"u-%d"},)"
        R"("timestamp":"2025-01-15T10:%02d:%02d.%03dZ"})",
        i * 7919 % 1000000, kStatus[i % 4], kStatus[(i + 1) % 4], 10 + i * 37 % 5000, i % 100,
        1000 + i * 13 % 9000, i % 60, (i * 7) % 60, i % 1000);
    out.emplace_back(buf);
  }
  return out;
}

// Trade events with JSON-number prices, quantities and fees (doubles), in
// three shapes (state.range(0)):
//   0 "price":60001.25: the DOM path plus the scan that proves no number lost
//     digits or scale (MayHoldInexactNumber);
//   1 "price":60001.20 (trailing zeros, like "fees": 1.00): the exact path, to
//     keep each number's scale;
//   2 "price":60001.1234567890123456 (20 digits): the exact path, to keep them.
std::vector<std::string> Trades(int shape) {
  std::vector<std::string> out;
  for (int i = 0; i < kRecords; ++i) {
    char price[64];
    if (shape == 2) {
      std::snprintf(price, sizeof price, "%d.1234567890123456", 60000 + i);
    } else {
      std::snprintf(price, sizeof price, "%d.%d%d", 60000 + i, 1 + i % 9, shape == 1 ? 0 : 1 + i % 7);
    }
    char buf[512];
    std::snprintf(
        buf, sizeof buf,
        R"({"trade_id":"t-%06d","symbol":"BTC-USDT","side":"%s","price":%s,"qty":0.%d%d,"fee":0.00%d,)"
        R"("ts":%lld})",
        i, i % 2 ? "buy" : "sell", price, 1 + i % 9, 1 + i % 8, 1 + i % 9, 1736937000000LL + i);
    out.emplace_back(buf);
  }
  return out;
}

// Decodes inputs round-robin, counting records and bytes.
void DecodeLoop(benchmark::State& state, const std::vector<std::string>& inputs) {
  JsonCodec codec;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& in = inputs[i++ & (kRecords - 1)];
    auto v = codec.Decode(in);
    if (!v.ok()) state.SkipWithError(v.status().message().c_str());
    benchmark::DoNotOptimize(v);
    bytes += in.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}

void BM_JsonDecodeNumbers(benchmark::State& state) {
  DecodeLoop(state, Trades(static_cast<int>(state.range(0))));
}
BENCHMARK(BM_JsonDecodeNumbers)->Arg(0)->Arg(1)->Arg(2)->ArgName("shape");

void BM_JsonDecode(benchmark::State& state) { DecodeLoop(state, Envelopes()); }
BENCHMARK(BM_JsonDecode);

void BM_JsonEncode(benchmark::State& state) {
  const auto inputs = Envelopes();
  JsonCodec codec;
  std::vector<Value> values;
  for (const auto& s : inputs) values.push_back(*codec.Decode(s));
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    Status s = codec.Encode(values[i++ & (kRecords - 1)], &out);
    if (!s.ok()) state.SkipWithError(s.message().c_str());
    benchmark::DoNotOptimize(out.data());
    bytes += out.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_JsonEncode);

// Decode, touch two fields as a filter and a map would, encode: the codec share
// of the stateless chain (value destruction included).
void BM_JsonDecodeEncode(benchmark::State& state) {
  const auto inputs = Envelopes();
  JsonCodec codec;
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& in = inputs[i++ & (kRecords - 1)];
    auto v = codec.Decode(in);
    const Value* status = v->Get("to_status");
    benchmark::DoNotOptimize(status);
    Status s = codec.Encode(*v, &out);
    benchmark::DoNotOptimize(out.data());
    bytes += in.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_JsonDecodeEncode);

void BM_SimdjsonParseOnly(benchmark::State& state) {
  const auto inputs = Envelopes();
  simdjson::dom::parser parser;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& in = inputs[i++ & (kRecords - 1)];
    simdjson::dom::element e;
    auto err = parser.parse(in.data(), in.size(), true).get(e);
    benchmark::DoNotOptimize(err);
    bytes += in.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
  state.SetLabel(simdjson::get_active_implementation()->name());
}
BENCHMARK(BM_SimdjsonParseOnly);

// Builds (and frees) the Value tree a decoder must produce for one envelope,
// from ready-made string_views: no parsing at all. Decode can be no faster
// than BM_SimdjsonParseOnly + this, whatever the parser.
void BM_ValueTreeOnly(benchmark::State& state) {
  struct Fields {
    std::string deal_id, from, to, amount, recipient, timestamp;
  };
  std::vector<Fields> fields;
  JsonCodec codec;
  for (const auto& s : Envelopes()) {
    Value v = *codec.Decode(s);
    const Value& p = *v.Get("payload");
    fields.push_back({v.Get("deal_id")->as_string(), v.Get("from_status")->as_string(),
                      v.Get("to_status")->as_string(), p.Get("amount")->as_string(),
                      p.Get("recipient_id")->as_string(), v.Get("timestamp")->as_string()});
  }
  size_t i = 0;
  for (auto _ : state) {
    const Fields& f = fields[i++ & (kRecords - 1)];
    auto payload = std::make_shared<Object>();
    payload->Reserve(3);
    payload->Append(std::string(std::string_view("amount")), Value(std::string(std::string_view(f.amount))));
    payload->Append(std::string(std::string_view("currency")), Value(std::string(std::string_view("TON"))));
    payload->Append(std::string(std::string_view("recipient_id")),
                    Value(std::string(std::string_view(f.recipient))));
    auto root = std::make_shared<Object>();
    root->Reserve(7);
    root->Append(std::string(std::string_view("deal_id")), Value(std::string(std::string_view(f.deal_id))));
    root->Append(std::string(std::string_view("event_type")),
                 Value(std::string(std::string_view("DealStatusChanged"))));
    root->Append(std::string(std::string_view("from_status")), Value(std::string(std::string_view(f.from))));
    root->Append(std::string(std::string_view("to_status")), Value(std::string(std::string_view(f.to))));
    root->Append(std::string(std::string_view("payload")), Value(std::move(payload)));
    root->Append(std::string(std::string_view("timestamp")),
                 Value(std::string(std::string_view(f.timestamp))));
    Value v(std::move(root));
    benchmark::DoNotOptimize(v);
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
}
BENCHMARK(BM_ValueTreeOnly);

// The same events as protobuf (an escrow-like schema built here, so the
// benchmark needs only this layer).
constexpr char kDealSchema[] = R"pb(
  name: "deal.proto"
  package: "bench"
  syntax: "proto3"
  message_type {
    name: "Payload"
    field { name: "amount" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "currency" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "recipient_id" number: 3 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "DealEvent"
    field { name: "deal_id" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "event_type" number: 2 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "from_status" number: 3 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "to_status" number: 4 label: LABEL_OPTIONAL type: TYPE_STRING }
    field { name: "payload" number: 5 label: LABEL_OPTIONAL type: TYPE_MESSAGE type_name: ".bench.Payload" }
    field { name: "timestamp" number: 6 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
)pb";

struct ProtoFixture {
  ProtoFixture() {
    google::protobuf::FileDescriptorSet set;
    google::protobuf::TextFormat::ParseFromString(kDealSchema, set.add_file());
    schemas = ProtoSchemas::FromDescriptorSet(set.SerializeAsString()).value();
    codec = MakeCodec("proto:bench.DealEvent", schemas->pool()).value();
    JsonCodec json;
    for (const auto& s : Envelopes()) {
      values.push_back(*json.Decode(s));
      std::string wire;
      codec->Encode(values.back(), &wire).IgnoreError();  // the schema matches the events
      wires.push_back(std::move(wire));
    }
  }
  std::unique_ptr<ProtoSchemas> schemas;
  std::unique_ptr<Codec> codec;
  std::vector<Value> values;
  std::vector<std::string> wires;
};

void BM_ProtoDecode(benchmark::State& state) {
  ProtoFixture f;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    const std::string& in = f.wires[i++ & (kRecords - 1)];
    auto v = f.codec->Decode(in);
    benchmark::DoNotOptimize(v);
    bytes += in.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ProtoDecode);

void BM_ProtoEncode(benchmark::State& state) {
  ProtoFixture f;
  std::string out;
  size_t i = 0, bytes = 0;
  for (auto _ : state) {
    Status s = f.codec->Encode(f.values[i++ & (kRecords - 1)], &out);
    benchmark::DoNotOptimize(s);
    bytes += out.size();
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations()));
  state.SetBytesProcessed(static_cast<int64_t>(bytes));
}
BENCHMARK(BM_ProtoEncode);

}  // namespace
}  // namespace topo

BENCHMARK_MAIN();
