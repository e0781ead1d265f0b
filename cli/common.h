#pragma once
// Shared by the subcommands: loading + compiling a topology file with the
// common flags, and the exit codes of DESIGN §9.

#include <CLI/CLI.hpp>
#include <memory>
#include <string>
#include <vector>

#include "engine/plan/diagnostic.h"
#include "engine/plan/loader.h"
#include "engine/runtime/compiled_topology.h"

namespace topo::cli {

constexpr int kExitOk = 0;
constexpr int kExitFailure = 1;  // a problem found: validation errors, failing tests
constexpr int kExitUsage = 2;    // bad usage or a file that does not load

// --ext-str / --ext-code / -J, shared by every command that loads topologies.
struct LoadFlags {
  std::vector<std::string> ext_str, ext_code, jpath;
  void AddTo(CLI::App* cmd);
  // Fails on a malformed name=value.
  Result<plan::LoadOptions> ToOptions() const;
};

struct Compiled {
  int exit_code = kExitOk;  // kExitUsage: did not load; kExitFailure: did not validate
  plan::Diagnostics diagnostics;
  std::shared_ptr<const runtime::CompiledTopology> topology;  // null unless it compiled
  std::unique_ptr<plan::LoadedTopology> loaded;               // set when it loaded (even if invalid)
  std::string load_error;
};

// JSON text of a Value (the engine's own JSON codec), for --format json.
std::string ToJson(const Value& v);

// Loads and compiles; never throws, never exits.
Compiled LoadAndCompile(const std::string& file, const plan::LoadOptions& options);

void RegisterValidate(CLI::App& app, int* exit_code);
void RegisterDescribe(CLI::App& app, int* exit_code);
void RegisterTest(CLI::App& app, int* exit_code);
void RegisterRun(CLI::App& app, int* exit_code);
void RegisterProduce(CLI::App& app, int* exit_code);
void RegisterConsume(CLI::App& app, int* exit_code);
void RegisterTopics(CLI::App& app, int* exit_code);
void RegisterNotYet(CLI::App& app, int* exit_code);

}  // namespace topo::cli
