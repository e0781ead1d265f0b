#include "engine/runtime/test_checks.h"

#include <algorithm>
#include <map>

#include "engine/base/suggest.h"
#include "engine/runtime/compiled_topology.h"
#include "engine/runtime/test_runner.h"
#include "engine/serde/codec.h"

namespace topo::runtime {

void CheckDeclaredTests(const plan::LoadedTopology& lt, const google::protobuf::DescriptorPool* protos,
                        plan::Diagnostics* diags) {
  for (const auto& d : lt.problems) diags->push_back(d);
  // The topics as the physical plan sees them, sorted for DidYouMean.
  std::map<std::string, TopicSpec> topics;
  std::vector<std::string> reported;  // by CompiledTopology::Compile, with the topic
  for (const auto& [name, t] : lt.proto.topics()) topics[name] = TopicSpecOf(name, t, protos, &reported);
  std::vector<std::string> topic_names;
  for (const auto& [name, spec] : topics) topic_names.push_back(name);
  // One codec per spec; a spec that does not make one is already reported with its topic.
  std::map<std::string, std::unique_ptr<Codec>> codecs;
  auto codec = [&](const std::string& spec) -> Codec* {
    auto [it, fresh] = codecs.try_emplace(spec);
    if (fresh) {
      auto made = MakeCodec(spec, protos);
      if (made.ok()) it->second = std::move(made).value();
    }
    return it->second.get();
  };
  std::map<std::string, int> first_line;  // test name -> line of its first declaration
  const auto& tests = lt.proto.tests();
  for (int t = 0; t < tests.size(); ++t) {
    const plan::TestCase& tc = tests[t];
    const int line = lt.TestLine(t);
    auto [seen, fresh] = first_line.emplace(tc.name(), line);
    if (!fresh)
      diags->push_back(
          {lt.file, line, "",
           "test '" + tc.name() + "' is declared twice" +
               (seen->second > 0 ? " (first at line " + std::to_string(seen->second) + ")" : "") +
               ": test names must be unique"});
    for (bool expect : {false, true}) {
      const auto& records = expect ? tc.expect() : tc.inputs();
      for (int i = 0; i < records.size(); ++i) {
        const plan::TestRecord& r = records[i];
        const std::string what = "test '" + tc.name() + "': " + (expect ? "expected record #" : "input #") +
                                 std::to_string(i + 1) + ": ";
        auto error = [&](const std::string& message) {
          diags->push_back({lt.file, lt.RecordLine(t, expect, i), "", what + message});
        };
        auto topic = topics.find(r.topic());
        if (topic == topics.end()) {
          error("topic '" + r.topic() + "' is not declared in topics" + DidYouMean(r.topic(), topic_names));
          continue;
        }
        const TopicSpec* ts = &topic->second;
        if (r.has_partition() && (r.partition() < 0 || r.partition() >= ts->partitions))
          error("partition " + std::to_string(r.partition()) + " is out of range: topic '" + r.topic() +
                "' has " + std::to_string(ts->partitions) + " partition(s), 0 to " +
                std::to_string(ts->partitions - 1));
        // Null keys and values are absent ones (tombstones): no codec sees them.
        struct Part {
          const char* name;
          const std::string& spec;
          const google::protobuf::Value& value;
        };
        for (const Part& part :
             {Part{"key", ts->key_codec, r.key()}, Part{"value", ts->value_codec, r.value()}}) {
          // A number Jsonnet rounded, or a topo.decimal that is not one.
          if (std::string why = CheckTestValue(part.value); !why.empty()) {
            error(std::string(part.name) + ": " + why);
            continue;
          }
          Value value = FromProtoValue(part.value);
          Codec* c = codec(part.spec);
          if (value.is_null() || c == nullptr) continue;
          std::string bytes;
          Status st = c->Encode(value, &bytes);
          if (!st.ok())
            error(std::string(part.name) + " " + value.DebugString() + " does not fit topic '" + r.topic() +
                  "' (" + part.name + " codec '" + part.spec + "'): " + st.message());
        }
      }
    }
  }
}

}  // namespace topo::runtime
