#include "engine/plan/loader.h"

extern "C" {
#include <libjsonnet.h>
}

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <memory>
#include <regex>
#include <sstream>

namespace topo {
extern const std::string_view kEmbeddedLibsonnet;
}

namespace topo::plan {

namespace {

constexpr const char* kBundledName = "topo.libsonnet";
constexpr const char* kBundledPath = "<bundled>/topo.libsonnet";

struct ImportContext {
  JsonnetVm* vm;
  const LoadOptions* options;
};

char* CopyToJsonnet(JsonnetVm* vm, std::string_view s) {
  char* buf = jsonnet_realloc(vm, nullptr, s.size() + 1);
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  return buf;
}

bool ReadFile(const std::string& path, std::string* out) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  std::ostringstream ss;
  ss << in.rdbuf();
  *out = ss.str();
  return true;
}

// Resolves imports: the bundled DSL first (so topologies never depend on where
// topo.libsonnet is on disk), then the importing file's directory, then -J dirs.
char* ImportCallback(void* raw_ctx, const char* base, const char* rel, char** found_here, int* success) {
  auto* ctx = static_cast<ImportContext*>(raw_ctx);
  std::string_view rel_sv(rel);
  if (rel_sv == kBundledName || rel_sv == "lib/topo.libsonnet") {
    *found_here = CopyToJsonnet(ctx->vm, kBundledPath);
    *success = 1;
    return CopyToJsonnet(ctx->vm, kEmbeddedLibsonnet);
  }
  std::vector<std::string> candidates;
  if (std::filesystem::path(rel).is_absolute()) {
    candidates.push_back(rel);
  } else {
    candidates.push_back((std::filesystem::path(base) / rel).string());
    for (const auto& dir : ctx->options->jpath)
      candidates.push_back((std::filesystem::path(dir) / rel).string());
  }
  for (const auto& path : candidates) {
    std::string content;
    if (ReadFile(path, &content)) {
      *found_here = CopyToJsonnet(ctx->vm, path);
      *success = 1;
      return CopyToJsonnet(ctx->vm, content);
    }
  }
  *success = 0;
  std::string msg = "cannot find import '" + std::string(rel) + "' (looked in";
  for (const auto& c : candidates) msg += " " + c;
  msg += ")";
  return CopyToJsonnet(ctx->vm, msg);
}

// When the JSON does not fit the IR, looks for the likeliest user mistake — a
// node whose operator type does not exist — to name the node instead of a field path.
std::string ExplainUnknownOperator(const LoadedTopology& lt) {
  google::protobuf::Struct root;
  if (!google::protobuf::util::JsonStringToMessage(lt.json, &root).ok()) return "";
  auto nodes_it = root.fields().find("nodes");
  if (nodes_it == root.fields().end() || !nodes_it->second.has_struct_value()) return "";
  const auto* oneof = Node::descriptor()->FindOneofByName("op");
  std::vector<std::string> known;
  for (int i = 0; i < oneof->field_count(); ++i) known.push_back(oneof->field(i)->name());
  std::string known_list;
  for (const auto& k : known) known_list += (known_list.empty() ? "" : ", ") + k;
  for (const auto& [id, node] : nodes_it->second.struct_value().fields()) {
    if (!node.has_struct_value()) continue;
    for (const auto& [field, v] : node.struct_value().fields()) {
      if (field == "inputs" || field == "on_error") continue;
      if (std::find(known.begin(), known.end(), field) != known.end()) continue;
      int line = lt.NodeLine(id);
      return lt.file + (line ? ":" + std::to_string(line) : "") + ": node '" + id +
             "': unknown operator type '" + field + "' (known: " + known_list + ")";
    }
  }
  return "";
}

struct VmDeleter {
  void operator()(JsonnetVm* vm) const { jsonnet_destroy(vm); }
};

}  // namespace

int LoadedTopology::NodeLine(const std::string& id) const {
  // Node ids are object keys: `id:`, `'id':` or `"id":` (also with `::`).
  std::string quoted;
  for (char c : id) {
    if (std::strchr(".^$|()[]{}*+?\\", c)) quoted += '\\';
    quoted += c;
  }
  std::regex key_re("(^|[\\s{,])(['\"]?)" + quoted + "\\2\\s*:");
  std::istringstream in(source_text);
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (std::regex_search(line, key_re)) return n;
  }
  return 0;
}

Result<LoadedTopology> LoadTopologyFromString(const std::string& path, const std::string& text,
                                              const LoadOptions& options) {
  std::unique_ptr<JsonnetVm, VmDeleter> vm(jsonnet_make());
  ImportContext ictx{vm.get(), &options};
  jsonnet_import_callback(vm.get(), &ImportCallback, &ictx);
  jsonnet_max_trace(vm.get(), 20);
  for (const auto& [k, v] : options.ext_str) jsonnet_ext_var(vm.get(), k.c_str(), v.c_str());
  for (const auto& [k, v] : options.ext_code) jsonnet_ext_code(vm.get(), k.c_str(), v.c_str());

  int error = 0;
  char* out = jsonnet_evaluate_snippet(vm.get(), path.c_str(), text.c_str(), &error);
  std::string result(out ? out : "");
  jsonnet_realloc(vm.get(), out, 0);
  if (error) {
    while (!result.empty() && result.back() == '\n') result.pop_back();
    return Status::Invalid(result);
  }

  LoadedTopology loaded;
  loaded.file = path;
  loaded.source_text = text;
  loaded.json = std::move(result);
  google::protobuf::util::JsonParseOptions jopts;
  jopts.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(loaded.json, &loaded.proto, jopts);
  if (!st.ok()) {
    std::string explained = ExplainUnknownOperator(loaded);
    if (!explained.empty()) return Status::Invalid(explained);
    return Status::Invalid(path +
                           ": the topology does not fit the plan format (build it with topo.libsonnet's " +
                           "constructors): " + std::string(st.message()));
  }
  if (loaded.proto.name().empty()) {
    return Status::Invalid(path + ": not a topology: build it with topo.topology(name, {...})");
  }
  return loaded;
}

Result<LoadedTopology> LoadTopology(const std::string& path, const LoadOptions& options) {
  std::string text;
  if (!std::filesystem::is_regular_file(path) || !ReadFile(path, &text)) {
    return Status::NotFound(path + ": no such file");
  }
  return LoadTopologyFromString(path, text, options);
}

}  // namespace topo::plan
