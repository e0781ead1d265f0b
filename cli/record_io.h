#pragma once
// Record I/O shared by `topo produce`, `topo consume`, `topo run --produce` and
// the HTTP port of a running `topo run` (cli/http_server.h), so all of them
// speak the same JSON lines. docs/records.md is the user's reference; in short:
//
// Consume: one JSON object per record, always with "topic", "partition",
// "offset", "timestamp", the key as "key" or "key_b64", the value as "value" or
// "value_b64", and "headers" (text values), plus "headers_b64" for header
// values that are not UTF-8. Records are never decoded and re-encoded: JSON is
// printed as stored (line breaks between tokens become spaces), so numbers keep
// their digits. A null key or value is `null`; the string "null" is "null".
//
// Produce: one record per line, all lines checked before the first is written
// (unless skip_bad). A line is an envelope {"key":..,"value":..,"headers":{..},
// "timestamp":..,"partition":..} (also key_b64, value_b64, headers_b64) or a
// bare value; which one: ProduceOptions::mode. A JSON value is written as the
// text of the line, never re-encoded.

#include <atomic>
#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "engine/base/status.h"
#include "engine/log/log.h"

namespace topo::cli {

// How consume shows a key or value (null is always `null`).
enum class PayloadFormat {
  kJson,    // the stored JSON text as is; bytes that are not JSON: "*_b64"
  kString,  // a JSON string of the UTF-8 text; bytes that are not UTF-8: "*_b64"
  kBase64,  // always "*_b64": standard base64 of the bytes
};
// "json", "string" or "base64"; anything else is an error naming `flag`.
Result<PayloadFormat> ParsePayloadFormat(const std::string& name, const std::string& flag);
const char* PayloadFormatName(PayloadFormat f);

// The consume line of one record (no newline).
std::string RecordLine(const RawRecord& r, PayloadFormat key, PayloadFormat value);

struct ConsumeOptions {
  // Start at the oldest record; otherwise only records written after joining.
  // Default: false
  bool from_beginning = false;
  // Stop after this many records (0: no limit). Default: 0
  int64_t max = 0;
  // nullopt: wait for records until stopped; 0: stop once every partition was
  // read up to the end it had when it was assigned (what is there now); > 0:
  // stop after this many seconds without a record. Default: nullopt
  std::optional<double> timeout_s;
  // Default: kString (keys are mostly text)
  PayloadFormat key_format = PayloadFormat::kString;
  // Default: kJson
  PayloadFormat value_format = PayloadFormat::kJson;
  // The private consumer group (consuming never moves an application's offsets).
  std::string group;
};

// Reads `topic` and calls `emit` with each record's JSON line (no newline).
// Stops when max or timeout is reached, when `emit` returns false, or when
// *cancel becomes true (may be null).
Status ConsumeLines(log::Log& log, const std::string& topic, const ConsumeOptions& options,
                    const std::function<bool(const std::string&)>& emit, const std::atomic<bool>* cancel);

enum class LineMode {
  // The first non-blank line decides for the whole input: an object with a
  // "key", "value", "key_b64" or "value_b64" member makes every line an
  // envelope; anything else makes every line a bare value.
  kAuto,
  kEnvelope,  // every line must be an envelope
  kBare,      // every line is a value, written with a null key
};

struct ProduceOptions {
  // Default: kAuto
  LineMode mode = LineMode::kAuto;
  // Write the good lines and report the bad ones; otherwise one bad line
  // means nothing is written. Default: false
  bool skip_bad = false;
};

struct ProduceReport {
  uint64_t produced = 0;  // records written
  uint64_t bad_lines = 0;
  // "line N: why" for the first 100 bad lines, in line order.
  std::vector<std::string> bad;
};

// Checks every line of `in` (which must be seekable: it is read twice), then
// writes them into `topic` and flushes. Bad lines without skip_bad: an
// InvalidArgument status saying nothing was written, the lines in report->bad.
// With skip_bad: Ok, the good lines written and the bad ones in report->bad.
// A failure of the log: its status, report->produced counting what was sent.
Status ProduceLines(log::Log& log, const std::string& topic, std::istream& in, const ProduceOptions& options,
                    ProduceReport* report);

// The whole report as lines for stderr: each bad line, then "... and N more".
std::string BadLinesText(const ProduceReport& report);

}  // namespace topo::cli
