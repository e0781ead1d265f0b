#include "engine/runtime/test_runner.h"

#include <google/protobuf/struct.pb.h>

#include <cmath>
#include <map>
#include <set>

#include "engine/runtime/test_driver.h"

namespace topo::runtime {

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

namespace {

struct Actual {
  Value key, value;
  int64_t timestamp;
  Headers headers;
};

std::string Describe(const Value& key, const Value& value) {
  return "key=" + key.DebugString() + " value=" + value.DebugString();
}

bool HeadersMatch(const plan::TestRecord& want, const Headers& got) {
  for (const auto& [k, v] : want.headers()) {
    bool found = false;
    for (const auto& [gk, gv] : got) found = found || (gk == k && gv == v);
    if (!found) return false;
  }
  return true;
}

}  // namespace

std::vector<TestCaseResult> RunDeclaredTests(const std::shared_ptr<const CompiledTopology>& topology) {
  std::vector<TestCaseResult> results;
  for (const auto& tc : topology->proto().tests()) {
    TestCaseResult res{tc.name(), false, ""};
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
          lines +=
              "      #" + std::to_string(i) + " unexpected: " + Describe(got[i].key, got[i].value) + "\n";
          continue;
        }
        Value wk = FromProtoValue(want[i]->key()), wv = FromProtoValue(want[i]->value());
        bool ok = wk.Equals(got[i].key) && wv.Equals(got[i].value) &&
                  (!want[i]->has_timestamp() || want[i]->timestamp() == got[i].timestamp) &&
                  HeadersMatch(*want[i], got[i].headers);
        if (!ok) {
          lines += "      #" + std::to_string(i) + " expected:   " + Describe(wk, wv);
          if (want[i]->has_timestamp()) lines += " timestamp=" + std::to_string(want[i]->timestamp());
          lines += "\n         actual:     " + Describe(got[i].key, got[i].value);
          if (want[i]->has_timestamp()) lines += " timestamp=" + std::to_string(got[i].timestamp);
          lines += "\n";
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
