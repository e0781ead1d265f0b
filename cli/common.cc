#include "cli/common.h"

#include <algorithm>

#include "engine/runtime/test_checks.h"
#include "engine/serde/codec.h"

namespace topo::cli {

void LoadFlags::AddTo(CLI::App* cmd) {
  cmd->add_option("--ext-str", ext_str,
                  "External string variable for std.extVar, as name=value (repeatable)");
  cmd->add_option("--ext-code", ext_code,
                  "External Jsonnet code variable for std.extVar, as name=code (repeatable)");
  cmd->add_option("-J,--jpath", jpath, "Extra directory to search for Jsonnet imports (repeatable)");
}

Result<plan::LoadOptions> LoadFlags::ToOptions() const {
  plan::LoadOptions o;
  o.jpath = jpath;
  auto split = [](const std::string& flag, const std::vector<std::string>& in,
                  std::vector<std::pair<std::string, std::string>>* out) -> Status {
    for (const auto& kv : in) {
      auto eq = kv.find('=');
      if (eq == std::string::npos || eq == 0)
        return Status::Invalid(flag + " expects name=value, got '" + kv + "'");
      out->emplace_back(kv.substr(0, eq), kv.substr(eq + 1));
    }
    return Status::Ok();
  };
  RETURN_IF_ERROR(split("--ext-str", ext_str, &o.ext_str));
  RETURN_IF_ERROR(split("--ext-code", ext_code, &o.ext_code));
  return o;
}

std::string ToJson(const Value& v) {
  auto codec = MakeCodec("json", nullptr);
  std::string out;
  if (!codec.ok() || !(*codec)->Encode(v, &out).ok()) return "null";
  return out;
}

Compiled LoadAndCompile(const std::string& file, const plan::LoadOptions& options) {
  Compiled c;
  auto loaded = plan::LoadTopology(file, options);
  if (!loaded.ok()) {
    c.exit_code = kExitUsage;
    c.load_error = loaded.status().message();
    return c;
  }
  c.loaded = std::make_unique<plan::LoadedTopology>(*loaded);
  auto compiled = runtime::CompiledTopology::Compile(std::move(loaded).value(), &c.diagnostics);
  const size_t graph_problems = c.diagnostics.size();
  runtime::CheckDeclaredTests(*c.loaded, runtime::EmbeddedProtos(), &c.diagnostics);
  // Report in file order, as a reader scans the file.
  std::stable_sort(c.diagnostics.begin(), c.diagnostics.end(),
                   [](const plan::Diagnostic& a, const plan::Diagnostic& b) { return a.line < b.line; });
  if (!compiled.ok() || c.diagnostics.size() > graph_problems) {
    c.exit_code = kExitFailure;
    if (c.diagnostics.empty()) c.diagnostics.push_back({file, 0, "", compiled.status().message()});
    return c;
  }
  c.topology = std::move(compiled).value();
  return c;
}

}  // namespace topo::cli
