#include "cli/record_io.h"

#include <algorithm>
#include <charconv>
#include <chrono>
#include <map>
#include <optional>
#include <set>

#include "cli/json_text.h"
#include "engine/base/base64.h"
#include "engine/base/clock.h"
#include "engine/base/partitioner.h"
#include "engine/base/suggest.h"
#include "engine/expr/expr.h"
#include "engine/log/record_size.h"
#include "engine/value/text.h"

namespace topo::cli {

namespace {

// ---- consume ----

// A JSON string of `s`, with each byte that is not UTF-8 as U+FFFD (only for
// header names, which Kafka defines as strings).
void AppendJsonStringLossy(std::string_view s, std::string* out) {
  if (IsUtf8(s)) return AppendJsonQuoted(*out, s);
  std::string fixed;
  for (size_t i = 0; i < s.size(); ++i) {
    std::string_view one = s.substr(i, 1);
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    if (n > 1 && i + n <= s.size() && IsUtf8(s.substr(i, n))) {
      fixed.append(s.substr(i, n));
      i += n - 1;
    } else if (n == 1) {
      fixed.append(one);
    } else {
      fixed.append("\xEF\xBF\xBD");
    }
  }
  AppendJsonQuoted(*out, fixed);
}

// `"name":` then the payload per `format`, or `"name_b64":"..."`.
void AppendPayload(const char* name, const std::optional<std::string>& bytes, PayloadFormat format,
                   std::string* out) {
  out->append("\"").append(name);
  if (!bytes) {
    out->append("\":null");
    return;
  }
  // A stored JSON null (the bytes "null") is shown as base64 below, so that
  // `null` always means no key / no value (a tombstone).
  thread_local JsonText json;
  if (format == PayloadFormat::kJson && TrimJsonSpace(*bytes) != "null" && json.Valid(*bytes)) {
    out->append("\":");
    // In valid JSON a CR or LF can only be whitespace between tokens: as a
    // space the value, its digits and its strings are the same, on one line.
    const size_t start = out->size();
    out->append(TrimJsonSpace(*bytes));
    std::replace_if(
        out->begin() + static_cast<std::ptrdiff_t>(start), out->end(),
        [](char c) { return c == '\n' || c == '\r'; }, ' ');
    return;
  }
  if (format == PayloadFormat::kString && IsUtf8(*bytes)) {
    out->append("\":");
    AppendJsonQuoted(*out, *bytes);
    return;
  }
  out->append("_b64\":\"");
  AppendBase64(*bytes, out);
  out->push_back('"');
}

// Starts every newly assigned partition at the end unless reading from the
// beginning, and notes where each started and ended then (for timeout 0).
class Positioner : public log::RebalanceListener {
 public:
  Positioner(log::Log& log, bool from_beginning) : log_(log), from_beginning_(from_beginning) {}
  void OnAssigned(const std::vector<log::TopicPartition>& added) override {
    for (const auto& tp : added) {
      auto end = log_.EndOffset(tp);
      if (!end.ok()) {
        if (error.ok()) error = end.status();
        continue;
      }
      Status s = consumer->Seek(tp, from_beginning_ ? Offset(0) : *end);
      if (!s.ok() && error.ok()) error = s;
      // A partition is read up to its end as of now once next >= end.
      progress[tp] = {from_beginning_ ? 0 : end->value(), end->value()};
    }
  }
  void OnRevoked(const std::vector<log::TopicPartition>& removed) override {
    for (const auto& tp : removed) progress.erase(tp);
  }
  struct Progress {
    int64_t next = 0;  // the offset after the last record seen
    int64_t end = 0;   // the partition's end when it was assigned
  };
  log::Consumer* consumer = nullptr;
  std::map<log::TopicPartition, Progress> progress;
  Status error;

 private:
  log::Log& log_;
  bool from_beginning_;
};

// ---- produce ----

const std::vector<std::string>& EnvelopeFields() {
  static const std::vector<std::string> kFields = {"key",       "value",   "headers",   "timestamp",
                                                   "partition", "key_b64", "value_b64", "headers_b64"};
  return kFields;
}

bool LooksLikeEnvelope(const std::vector<JsonMember>& members) {
  for (const auto& m : members)
    if (m.name == "key" || m.name == "value" || m.name == "key_b64" || m.name == "value_b64") return true;
  return false;
}

// A value's text for a message, shortened.
std::string Shown(std::string_view json) {
  if (json.size() <= 40) return std::string(json);
  return std::string(json.substr(0, 37)) + "...";
}

// A JSON number's value when it is an integer that fits int64 ("12", "-3";
// not "1.0", "1e3" or 20 digits).
std::optional<int64_t> Int64(const JsonMember& m) {
  int64_t v = 0;
  const char* end = m.value.data() + m.value.size();
  auto [p, ec] = std::from_chars(m.value.data(), end, v);
  if (ec != std::errc() || p != end || m.value.empty()) return std::nullopt;
  return v;
}

Result<std::string> FromBase64(const JsonMember& m) {
  if (m.value[0] != '"')
    return Status::Invalid(m.name + " must be a base64 string, got " + m.kind + " " + Shown(m.value));
  auto bytes = Base64Decode(m.text);
  if (!bytes.ok()) return Status::Invalid(m.name + " is not base64: " + bytes.status().message());
  return *bytes;
}

// The text of a JSON key for the wire: a string's own text, anything else its JSON.
std::string KeyBytes(const JsonMember& m) { return m.value[0] == '"' ? m.text : std::string(m.value); }

Status AddHeaders(JsonText& json, const JsonMember& m, bool b64, Headers* out) {
  if (m.value[0] != '{')
    return Status::Invalid(m.name + " must be an object of " + (b64 ? "base64 strings" : "strings") +
                           ", got " + m.kind + " " + Shown(m.value));
  std::vector<JsonMember> headers;
  json.Members(m.value, &headers);
  for (const auto& h : headers) {
    if (h.value[0] != '"')
      return Status::Invalid("header '" + h.name + "' must be a string, got " + h.kind + " " +
                             Shown(h.value) + (b64 ? "" : " (headers are text; bytes go in headers_b64)"));
    if (b64) {
      auto bytes = Base64Decode(h.text);
      if (!bytes.ok())
        return Status::Invalid("headers_b64 '" + h.name + "' is not base64: " + bytes.status().message());
      out->emplace_back(h.name, *bytes);
    } else {
      out->emplace_back(h.name, h.text);
    }
  }
  return Status::Ok();
}

struct Parsed {
  RawRecord record;
  std::optional<int32_t> partition;
  bool has_timestamp = false;
};

Result<Parsed> ParseEnvelope(JsonText& json, const std::vector<JsonMember>& members, const std::string& topic,
                             int32_t partitions) {
  Parsed p;
  std::set<std::string> seen;
  const JsonMember *key = nullptr, *key_b64 = nullptr, *value = nullptr, *value_b64 = nullptr;
  for (const auto& m : members) {
    const auto& known = EnvelopeFields();
    if (std::find(known.begin(), known.end(), m.name) == known.end()) {
      std::string msg =
          "unknown field '" + m.name + "'" + DidYouMean(m.name, known) +
          " (known: key, value, headers, timestamp, partition, key_b64, value_b64, headers_b64)";
      if (m.name == "topic" || m.name == "offset")
        msg += "; a line of topo consume? drop its topic and offset: jq -c 'del(.topic, .offset)'";
      return Status::Invalid(msg);
    }
    if (!seen.insert(m.name).second) return Status::Invalid("field '" + m.name + "' appears twice");
    if (m.name == "key") key = &m;
    if (m.name == "key_b64") key_b64 = &m;
    if (m.name == "value") value = &m;
    if (m.name == "value_b64") value_b64 = &m;
    if (m.name == "headers" || m.name == "headers_b64")
      RETURN_IF_ERROR(AddHeaders(json, m, m.name == "headers_b64", &p.record.headers));
    if (m.name == "timestamp") {
      std::optional<int64_t> ts = m.value[0] == '-' ? std::nullopt : Int64(m);
      if (!ts)
        return Status::Invalid(std::string("timestamp must be a whole number >= 0 of milliseconds since the "
                                           "epoch, got ") +
                               m.kind + " " + Shown(m.value));
      p.record.timestamp = TimestampMs(*ts);
      p.has_timestamp = true;
    }
    if (m.name == "partition") {
      std::optional<int64_t> n = Int64(m);
      if (!n)
        return Status::Invalid(std::string("partition must be a whole number, got ") + m.kind + " " +
                               Shown(m.value));
      if (*n < 0 || *n >= partitions)
        return Status::Invalid("partition " + std::to_string(*n) + " out of range: '" + topic + "' has " +
                               std::to_string(partitions) + " (0.." + std::to_string(partitions - 1) + ")");
      p.partition = static_cast<int32_t>(*n);
    }
  }
  if (key && key_b64) return Status::Invalid("both 'key' and 'key_b64': give one");
  if (value && value_b64) return Status::Invalid("both 'value' and 'value_b64': give one");
  if (!value && !value_b64)
    return Status::Invalid("the envelope has no 'value' (\"value\": null writes a tombstone)");
  if (key && key->value != "null") p.record.key = KeyBytes(*key);
  if (key_b64) {
    ASSIGN_OR_RETURN(p.record.key, FromBase64(*key_b64));
  }
  if (value && value->value != "null") p.record.value = std::string(value->value);
  if (value_b64) {
    ASSIGN_OR_RETURN(p.record.value, FromBase64(*value_b64));
  }
  return p;
}

class LineParser {
 public:
  LineParser(const std::string& topic, int32_t partitions, std::optional<int64_t> max_bytes, LineMode mode)
      : topic_(topic), partitions_(partitions), max_bytes_(max_bytes), mode_(mode) {}

  // nullopt: a blank line. The error's message is without "line N: ".
  Result<std::optional<Parsed>> Parse(std::string_view line, int64_t n) {
    if (n == 1 && line.substr(0, 3) == "\xEF\xBB\xBF")
      return Status::Invalid("starts with a UTF-8 byte-order mark (BOM); save the file without it");
    const std::string_view text = TrimJsonSpace(line);
    if (text.empty()) return std::optional<Parsed>();
    JsonError error;
    if (!json_.Valid(text, &error))
      return Status::Invalid("not JSON: " + error.what + " at column " +
                             std::to_string(error.offset + (text.data() - line.data()) + 1));
    std::vector<JsonMember> members;
    const bool object = json_.Members(text, &members);
    if (mode_ == LineMode::kAuto) {
      mode_ = object && LooksLikeEnvelope(members) ? LineMode::kEnvelope : LineMode::kBare;
      decided_by_ = n;
    }
    Parsed p;
    if (mode_ == LineMode::kBare) {
      if (text != "null") p.record.value = std::string(text);  // null: a tombstone, as "value": null
    } else {
      if (!object || !LooksLikeEnvelope(members)) {
        std::string why = "not an envelope ({\"key\":..,\"value\":..})";
        if (decided_by_ > 0) why += ", although line " + std::to_string(decided_by_) + " was";
        if (object) {
          for (const auto& m : members) {
            std::string near = Suggest(m.name, {"key", "value"});
            if (!near.empty()) {
              why += ": unknown field '" + m.name + "' (did you mean '" + near + "'?)";
              break;
            }
          }
        }
        return Status::Invalid(why + "; --bare reads every line as a value");
      }
      auto envelope = ParseEnvelope(json_, members, topic_, partitions_);
      if (!envelope.ok() && decided_by_ > 0 && envelope.status().message().rfind("unknown field", 0) == 0)
        return Status::Invalid(envelope.status().message() + "; line " + std::to_string(decided_by_) +
                               " made every line an envelope: if the lines are values, use --bare");
      if (!envelope.ok()) return envelope.status();
      p = std::move(envelope).value();
    }
    if (max_bytes_) {
      if (const int64_t size = log::RecordBatchBytes(p.record); size > *max_bytes_)
        return Status::Invalid(log::TooLargeMessage(size, topic_, *max_bytes_));
    }
    return std::optional<Parsed>(std::move(p));
  }

 private:
  const std::string& topic_;
  int32_t partitions_;
  std::optional<int64_t> max_bytes_;
  LineMode mode_;
  int64_t decided_by_ = 0;  // the line that decided kAuto
  JsonText json_;
};

}  // namespace

Result<PayloadFormat> ParsePayloadFormat(const std::string& name, const std::string& flag) {
  if (name == "json") return PayloadFormat::kJson;
  if (name == "string") return PayloadFormat::kString;
  if (name == "base64") return PayloadFormat::kBase64;
  return Status::Invalid(flag + " must be json, string or base64, not '" + name + "'");
}

const char* PayloadFormatName(PayloadFormat f) {
  switch (f) {
    case PayloadFormat::kJson: return "json";
    case PayloadFormat::kString: return "string";
    case PayloadFormat::kBase64: return "base64";
  }
  return "?";
}

std::string RecordLine(const RawRecord& r, PayloadFormat key, PayloadFormat value) {
  std::string out;
  out.reserve(96 + (r.key ? r.key->size() : 0) + (r.value ? r.value->size() : 0));
  out.append("{\"topic\":");
  AppendJsonQuoted(out, r.topic);
  out.append(",\"partition\":").append(std::to_string(r.partition.value()));
  out.append(",\"offset\":").append(std::to_string(r.offset.value()));
  out.append(",\"timestamp\":").append(std::to_string(r.timestamp.value()));
  out.push_back(',');
  AppendPayload("key", r.key, key, &out);
  out.push_back(',');
  AppendPayload("value", r.value, value, &out);
  // Header values that are UTF-8 under "headers", the others base64 under
  // "headers_b64" (only when there are any).
  auto append_headers = [&](bool utf8) {
    bool first = true;
    for (const auto& [name, v] : r.headers) {
      if (IsUtf8(v) != utf8) continue;
      if (!first) out.push_back(',');
      first = false;
      AppendJsonStringLossy(name, &out);
      out.push_back(':');
      if (utf8) {
        AppendJsonQuoted(out, v);
      } else {
        out.push_back('"');
        AppendBase64(v, &out);
        out.push_back('"');
      }
    }
    out.push_back('}');
  };
  out.append(",\"headers\":{");
  append_headers(true);
  if (std::any_of(r.headers.begin(), r.headers.end(), [](const auto& h) { return !IsUtf8(h.second); })) {
    out.append(",\"headers_b64\":{");
    append_headers(false);
  }
  out.push_back('}');
  return out;
}

Status ProduceLines(log::Log& log, const std::string& topic, std::istream& in, const ProduceOptions& options,
                    ProduceReport* report) {
  ASSIGN_OR_RETURN(int32_t partitions, log.PartitionCount(topic));
  ASSIGN_OR_RETURN(std::optional<int64_t> max_bytes, log.MaxRecordBytes(topic));
  constexpr size_t kShownBad = 100;
  std::string line;
  // Pass 1: every line, so that nothing is written when one is bad.
  std::set<int64_t> bad;
  {
    LineParser parser(topic, partitions, max_bytes, options.mode);
    for (int64_t n = 1; std::getline(in, line); ++n) {
      auto parsed = parser.Parse(line, n);
      if (parsed.ok()) continue;
      bad.insert(n);
      ++report->bad_lines;
      if (report->bad.size() < kShownBad)
        report->bad.push_back("line " + std::to_string(n) + ": " + parsed.status().message());
    }
  }
  if (!bad.empty() && !options.skip_bad)
    return Status::Invalid(std::to_string(bad.size()) + " bad line(s); nothing written");
  in.clear();
  in.seekg(0);
  if (!in) return Status::IoError("cannot read the input a second time (it must be a file)", false);
  // Pass 2: write the good lines.
  ASSIGN_OR_RETURN(auto producer, log.NewProducer(""));
  LineParser parser(topic, partitions, max_bytes, options.mode);
  int32_t next_null_key = 0;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (bad.count(n)) continue;
    auto parsed = parser.Parse(line, n);
    if (!parsed.ok())  // the input changed between the passes
      return parsed.status().WithContext("line " + std::to_string(n) + " (changed while being read)");
    if (!*parsed) continue;
    Parsed& p = **parsed;
    RawRecord& r = p.record;
    r.topic = topic;
    if (!p.has_timestamp) r.timestamp = TimestampMs(SystemClock().NowMs());
    // Like the Kafka Java client: murmur2 of the key bytes; null keys rotate.
    if (!p.partition)
      p.partition = r.key ? PartitionForKey(*r.key, partitions) : next_null_key++ % partitions;
    r.partition = Partition(*p.partition);
    RETURN_IF_ERROR(producer->Send(std::move(r)).WithContext("line " + std::to_string(n)));
    ++report->produced;
  }
  return producer->Flush();
}

std::string BadLinesText(const ProduceReport& report) {
  std::string out;
  for (const auto& b : report.bad) out += "  " + b + "\n";
  if (report.bad_lines > report.bad.size())
    out += "  ... and " + std::to_string(report.bad_lines - report.bad.size()) + " more\n";
  return out;
}

Status ConsumeLines(log::Log& log, const std::string& topic, const ConsumeOptions& options,
                    const std::function<bool(const std::string&)>& emit, const std::atomic<bool>* cancel) {
  ASSIGN_OR_RETURN(const int32_t partitions, log.PartitionCount(topic));
  ASSIGN_OR_RETURN(auto consumer, log.NewConsumer(options.group, "topo-consume"));
  Positioner positioner(log, options.from_beginning);
  positioner.consumer = consumer.get();
  RETURN_IF_ERROR(consumer->Subscribe({topic}, &positioner));
  const bool until_end = options.timeout_s && *options.timeout_s == 0;
  // timeout 0: done once every partition is assigned and read up to its end of then.
  auto caught_up = [&] {
    if (positioner.progress.size() < static_cast<size_t>(partitions)) return false;
    for (const auto& [tp, p] : positioner.progress) {
      // KnownLag 0: nothing beyond what was read (records deleted by
      // retention or compaction, Kafka's transaction markers, leave gaps).
      if (p.next < p.end && consumer->KnownLag(tp) != std::optional<int64_t>(0)) return false;
    }
    return true;
  };
  std::vector<RawRecord> batch;
  int64_t emitted = 0;
  bool stop = false;
  Status st;
  auto last = std::chrono::steady_clock::now();
  while (!stop && (options.max == 0 || emitted < options.max) && !(cancel && cancel->load())) {
    batch.clear();
    st = consumer->Poll(200, 500, &batch);
    if (st.ok()) st = positioner.error;
    if (!st.ok()) break;
    auto now = std::chrono::steady_clock::now();
    if (batch.empty()) {
      if (until_end && caught_up()) break;
      if (options.timeout_s && *options.timeout_s > 0 &&
          std::chrono::duration<double>(now - last).count() >= *options.timeout_s)
        break;
      continue;
    }
    last = now;
    for (const auto& r : batch) {
      if (auto it = positioner.progress.find(log::TopicPartition{r.topic, r.partition});
          it != positioner.progress.end()) {
        it->second.next = std::max(it->second.next, r.offset.value() + 1);
        if (until_end && r.offset.value() >= it->second.end) continue;  // written since: not "now"
      }
      if (!emit(RecordLine(r, options.key_format, options.value_format))) {
        stop = true;
        break;
      }
      if (options.max > 0 && ++emitted >= options.max) break;
    }
    if (until_end && !stop && caught_up()) break;
  }
  consumer->Close().IgnoreError();  // a private group: nothing to hand over
  return st;
}

}  // namespace topo::cli
