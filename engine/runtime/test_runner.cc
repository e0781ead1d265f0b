#include "engine/runtime/test_runner.h"

#include <google/protobuf/struct.pb.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <set>

#include "engine/runtime/test_driver.h"
#include "engine/value/text.h"

namespace topo::runtime {

namespace {

constexpr char kDecimalMarker[] = "$topo.decimal";

// The text of topo.decimal('...') when v is one, else nullptr.
const std::string* DecimalMarker(const google::protobuf::Value& v) {
  if (!v.has_struct_value() || v.struct_value().fields_size() != 1) return nullptr;
  auto it = v.struct_value().fields().find(kDecimalMarker);
  if (it == v.struct_value().fields().end() || !it->second.has_string_value()) return nullptr;
  return &it->second.string_value();
}

}  // namespace

Value FromProtoValue(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNullValue:
    case google::protobuf::Value::KIND_NOT_SET: return Value();
    case google::protobuf::Value::kBoolValue: return Value(v.bool_value());
    case google::protobuf::Value::kNumberValue: {
      double d = v.number_value();
      if (std::floor(d) == d && std::fabs(d) < 9007199254740992.0) return Value(static_cast<int64_t>(d));
      return Value(d);
    }
    case google::protobuf::Value::kStringValue: return Value(v.string_value());
    case google::protobuf::Value::kListValue: {
      Array a;
      for (const auto& e : v.list_value().values()) a.push_back(FromProtoValue(e));
      return Value(std::move(a));
    }
    case google::protobuf::Value::kStructValue: {
      if (const std::string* text = DecimalMarker(v)) {
        auto d = Decimal::Parse(*text);
        if (d.ok()) return Value(*d);  // else CheckTestValue reports it
      }
      // Struct fields are a protobuf map (no fixed order): sort them so diffs read the same every run.
      std::map<std::string, const google::protobuf::Value*> sorted;
      for (const auto& [k, e] : v.struct_value().fields()) sorted[k] = &e;
      Object o;
      for (const auto& [k, e] : sorted) o.Append(k, FromProtoValue(*e));
      return Value(std::move(o));
    }
  }
  return Value();
}

std::string CheckTestValue(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue: {
      const double d = v.number_value();
      std::string text;
      AppendDouble(text, d);
      // Significant digits of the shortest form (FormatDouble's, never a
      // large integral double's extra binary digits): 16 or 17 mean the
      // literal had more than a double keeps (or was computed), e.g.
      // 123456789012345679 arrives as 123456789012345680.
      std::string digits = text.substr(0, text.find_first_of("eE"));
      std::erase_if(digits, [](char c) { return c < '0' || c > '9'; });
      digits.erase(0, std::min(digits.find_first_not_of('0'), digits.size()));
      digits.erase(digits.find_last_not_of('0') + 1);
      if (digits.size() > 15)
        return "number " + text +
               " is beyond what a Jsonnet number (a double) holds exactly; write it as topo.decimal('...') "
               "with the digits you mean";
      return "";
    }
    case google::protobuf::Value::kListValue:
      for (const auto& e : v.list_value().values())
        if (std::string why = CheckTestValue(e); !why.empty()) return why;
      return "";
    case google::protobuf::Value::kStructValue: {
      if (const std::string* text = DecimalMarker(v)) {
        auto d = Decimal::Parse(*text);
        return d.ok() ? "" : "topo.decimal('" + *text + "'): " + d.status().message();
      }
      std::map<std::string, const google::protobuf::Value*> sorted;
      for (const auto& [k, e] : v.struct_value().fields()) sorted[k] = &e;
      for (const auto& [k, e] : sorted)
        if (std::string why = CheckTestValue(*e); !why.empty()) return "field '" + k + "': " + why;
      return "";
    }
    default: return "";
  }
}

namespace {

struct Actual {
  Value key, value;
  int64_t timestamp;
  Headers headers;
};

// `got` with its object fields in the order `like` has them (the rest after),
// so an expected and an actual record print side by side field for field.
Value OrderedLike(const Value& got, const Value& like) {
  if (got.is_object() && like.is_object()) {
    const Object& g = got.as_object();
    Object out;
    out.Reserve(g.size());
    for (const auto& [k, w] : like.as_object())
      if (const Value* f = g.Find(k)) out.Append(k, OrderedLike(*f, w));
    for (const auto& [k, f] : g)
      if (like.as_object().Find(k) == nullptr) out.Append(k, f);
    return Value(std::move(out));
  }
  if (got.is_array() && like.is_array()) {
    Array out = got.as_array();
    for (size_t i = 0; i < out.size() && i < like.as_array().size(); ++i)
      out[i] = OrderedLike(out[i], like.as_array()[i]);
    return Value(std::move(out));
  }
  return got;
}

std::string Describe(const Value& key, const Value& value) {
  return "key=" + key.DebugString() + " value=" + value.DebugString();
}

std::string DescribeHeaders(const Headers& headers) {
  Object o;
  for (const auto& [k, v] : headers) o.Append(k, Value(v));
  return " headers=" + Value(std::move(o)).DebugString();
}

// A dead letter's reason, when the actual record is one.
std::string DeadLetterError(const Headers& headers) {
  for (const auto& [k, v] : headers)
    if (k == "topo.error") return "\n         topo.error: " + v;
  return "";
}

bool HeadersMatch(const plan::TestRecord& want, const Headers& got) {
  for (const auto& [k, v] : want.headers()) {
    bool found = false;
    for (const auto& [gk, gv] : got) found = found || (gk == k && gv == v);
    if (!found) return false;
  }
  return true;
}

// Problems of a test's own records (see CheckTestValue), one line each.
std::string CheckTestRecords(const plan::TestCase& tc) {
  std::string report;
  auto check = [&](const char* what, size_t i, const plan::TestRecord& r) {
    for (const auto& [part, v] : {std::pair{"key", &r.key()}, std::pair{"value", &r.value()}}) {
      std::string why = CheckTestValue(*v);
      if (!why.empty())
        report += std::string("    ") + what + "[" + std::to_string(i) + "] (" + r.topic() + ") " + part +
                  ": " + why + "\n";
    }
  };
  for (int i = 0; i < tc.inputs_size(); ++i) check("inputs", static_cast<size_t>(i), tc.inputs(i));
  for (int i = 0; i < tc.expect_size(); ++i) check("expect", static_cast<size_t>(i), tc.expect(i));
  return report;
}

}  // namespace

std::vector<TestCaseResult> RunDeclaredTests(const std::shared_ptr<const CompiledTopology>& topology) {
  std::vector<TestCaseResult> results;
  for (const auto& tc : topology->proto().tests()) {
    TestCaseResult res{tc.name(), false, ""};
    if (std::string bad = CheckTestRecords(tc); !bad.empty()) {
      res.report = std::move(bad);
      results.push_back(std::move(res));
      continue;
    }
    TestDriver driver(topology);
    Status st;
    for (const auto& in : tc.inputs()) {
      Headers headers(in.headers().begin(), in.headers().end());
      st = driver.Pipe(in.topic(), FromProtoValue(in.key()), FromProtoValue(in.value()),
                       in.has_timestamp() ? std::optional<int64_t>(in.timestamp()) : std::nullopt, headers);
      if (!st.ok()) break;
    }
    if (!st.ok()) {
      res.report = "    error: " + st.message() + "\n";
      results.push_back(std::move(res));
      continue;
    }

    // Expected, grouped by (topic, partition) in declaration order.
    std::map<std::pair<std::string, int32_t>, std::vector<const plan::TestRecord*>> expected;
    std::string report;
    for (const auto& want : tc.expect()) {
      if (topology->topic(want.topic()) == nullptr) {
        report += "    expected topic '" + want.topic() + "' is not declared\n";
        continue;
      }
      int32_t p = 0;
      if (want.has_partition()) {
        p = want.partition();
      } else {
        auto pr = driver.PartitionFor(want.topic(), FromProtoValue(want.key()));
        if (!pr.ok()) {
          report += "    expected record for '" + want.topic() + "': " + pr.status().message() + "\n";
          continue;
        }
        p = *pr;
      }
      expected[{want.topic(), p}].push_back(&want);
    }
    // Actual: every record a task wrote to a topic.
    std::map<std::pair<std::string, int32_t>, std::vector<Actual>> actual;
    for (const auto& [topic, records] : driver.outputs()) {
      for (const auto& raw : records) {
        auto k = driver.DecodeKey(raw);
        auto v = driver.DecodeValue(raw);
        Actual a{k.ok() ? *k : Value("<undecodable key: " + k.status().message() + ">"),
                 v.ok() ? *v : Value("<undecodable value: " + v.status().message() + ">"),
                 raw.timestamp.value(), raw.headers};
        actual[{topic, raw.partition.value()}].push_back(std::move(a));
      }
    }
    std::set<std::pair<std::string, int32_t>> all_keys;
    for (const auto& [k, v] : expected) all_keys.insert(k);
    for (const auto& [k, v] : actual) all_keys.insert(k);
    for (const auto& tp : all_keys) {
      const auto& want = expected[tp];
      const auto& got = actual[tp];
      std::string lines;
      for (size_t i = 0; i < std::max(want.size(), got.size()); ++i) {
        if (i >= got.size()) {
          Value wk = FromProtoValue(want[i]->key()), wv = FromProtoValue(want[i]->value());
          lines += "      #" + std::to_string(i) + " missing:    " + Describe(wk, wv) + "\n";
          continue;
        }
        if (i >= want.size()) {
          lines += "      #" + std::to_string(i) + " unexpected: " + Describe(got[i].key, got[i].value) +
                   DeadLetterError(got[i].headers) + "\n";
          continue;
        }
        Value wk = FromProtoValue(want[i]->key()), wv = FromProtoValue(want[i]->value());
        const bool headers_ok = HeadersMatch(*want[i], got[i].headers);
        bool ok = wk.Equals(got[i].key) && wv.Equals(got[i].value) &&
                  (!want[i]->has_timestamp() || want[i]->timestamp() == got[i].timestamp) && headers_ok;
        if (!ok) {
          lines += "      #" + std::to_string(i) + " expected:   " + Describe(wk, wv);
          if (want[i]->has_timestamp()) lines += " timestamp=" + std::to_string(want[i]->timestamp());
          if (!headers_ok)
            lines += DescribeHeaders(Headers(want[i]->headers().begin(), want[i]->headers().end()));
          lines += "\n         actual:     " +
                   Describe(OrderedLike(got[i].key, wk), OrderedLike(got[i].value, wv));
          if (want[i]->has_timestamp()) lines += " timestamp=" + std::to_string(got[i].timestamp);
          if (!headers_ok) lines += DescribeHeaders(got[i].headers);
          lines += DeadLetterError(got[i].headers) + "\n";
        }
      }
      if (!lines.empty())
        report += "    " + tp.first + " partition " + std::to_string(tp.second) + ":\n" + lines;
    }
    res.passed = report.empty();
    res.report = std::move(report);
    results.push_back(std::move(res));
  }
  return results;
}

}  // namespace topo::runtime
