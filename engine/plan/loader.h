#pragma once
// Loading a topology file: Jsonnet evaluation (with the bundled topo.libsonnet),
// then the JSON result parsed into the plan IR (proto/topo/plan.proto) with
// unknown fields rejected.
//
// A failure here is a load error (the CLI's exit code 2): a missing file (or a
// directory), a file or import nested deeper than kMaxNestingDepth
// (engine/plan/nesting.h), a Jsonnet syntax or runtime error (including a
// constructor's assert), an unknown or not yet available `topo.x` constructor,
// or JSON that does not fit the IR. Its message starts with the user's
// location, "file:line: message" (LocateLoadError reads it back), followed by
// Jsonnet's stack trace when there is one. Semantic checks (references,
// expressions, partitions, the tests' records) are validate's job.
//
// Jsonnet runs on a thread of its own with a large stack (kEvaluationStackBytes,
// reserved, touched only as used), so what passes the nesting check cannot
// overflow the caller's stack.

#include <string>
#include <utility>
#include <vector>

#include "engine/base/status.h"
#include "engine/plan/diagnostic.h"
#include "topo/plan.pb.h"

namespace topo::plan {

constexpr size_t kEvaluationStackBytes = size_t{256} << 20;

struct LoadOptions {
  // --ext-str name=value and --ext-code name=code, as std.extVar sees them.
  std::vector<std::pair<std::string, std::string>> ext_str;
  std::vector<std::pair<std::string, std::string>> ext_code;
  // Extra import search directories (-J), tried after the file's own directory.
  std::vector<std::string> jpath;
};

struct LoadedTopology {
  std::string file;         // the path as given
  std::string source_text;  // the file's text, for locating nodes in messages
  std::string json;         // Jsonnet's output
  Topology proto;
  // Test records whose timestamp, headers or partition have the wrong JSON type.
  // They cannot be held by the IR, so the loader drops those fields and reports
  // them here; runtime::CheckDeclaredTests reports them with the other test checks.
  Diagnostics problems;

  // 1-based line where node `id` is defined in the file (best effort: the first
  // line with `id:` or `'id':` as an object key), 0 when not found.
  int NodeLine(const std::string& id) const;
  // 1-based line of tests()[test]'s topo.test(...) (best effort: where its name
  // is written after `test(`), 0 when not found.
  int TestLine(int test) const;
  // 1-based line of that test's `index`-th record of inputs= (or of expect=),
  // best effort: the index-th `record(` in that part of the test; the test's
  // line when the records are not written out one by one.
  int RecordLine(int test, bool expect, int index) const;
};

// Where a load error's message says it is: "file:line: ..." on its first line.
struct ErrorLocation {
  std::string file;  // empty when the message names none
  int line = 0;
  std::string message;  // the rest of the text, after "file:line: "
};
ErrorLocation LocateLoadError(const std::string& message);

Result<LoadedTopology> LoadTopology(const std::string& path, const LoadOptions& options);
// Same, from text already in memory (tests); `path` is used for messages and imports.
Result<LoadedTopology> LoadTopologyFromString(const std::string& path, const std::string& text,
                                              const LoadOptions& options);

}  // namespace topo::plan
