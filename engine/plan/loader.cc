#include "engine/plan/loader.h"

extern "C" {
#include <libjsonnet.h>
}

#include <google/protobuf/struct.pb.h>
#include <google/protobuf/util/json_util.h>
#include <pthread.h>

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "engine/base/suggest.h"
#include "engine/plan/nesting.h"

namespace topo {
extern const std::string_view kEmbeddedLibsonnet;
}

namespace topo::plan {

namespace {

constexpr const char* kBundledName = "topo.libsonnet";
constexpr const char* kBundledPath = "<bundled>/topo.libsonnet";
// Jsonnet's own default, set explicitly so the message that names it stays true.
constexpr unsigned kMaxJsonnetStack = 500;
// How deeply a test record's key or value may nest (what protobuf's JSON parser takes).
constexpr int kMaxTestValueDepth = 32;

struct ImportContext {
  JsonnetVm* vm;
  const LoadOptions* options;
  // Every file Jsonnet was given, by the name its messages use: to read the
  // source a stack-trace location points at.
  std::map<std::string, std::string> files;
  std::string too_deep;  // the first import refused by the nesting check
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

std::string TooDeep(const std::string& file, const NestingReport& r) {
  return file + ":" + std::to_string(r.line) + ": nested too deeply: more than " +
         std::to_string(kMaxNestingDepth) +
         " levels of brackets, operators or nested locals (the limit for a topology file and every file it "
         "imports)";
}

// Resolves imports: the bundled DSL first (so topologies never depend on where
// topo.libsonnet is on disk), then the importing file's directory, then -J dirs.
// Every imported file passes the nesting check before libjsonnet parses it.
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
    if (std::filesystem::is_directory(path) || !ReadFile(path, &content)) continue;
    NestingReport depth = MeasureNesting(content);
    if (depth.line > 0) {
      if (ctx->too_deep.empty()) ctx->too_deep = TooDeep(path, depth);
      *success = 0;
      return CopyToJsonnet(ctx->vm, ctx->too_deep);
    }
    *found_here = CopyToJsonnet(ctx->vm, path);
    *success = 1;
    ctx->files[path] = content;
    return CopyToJsonnet(ctx->vm, content);
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

void* RunFunction(void* fn) {
  (*static_cast<const std::function<void()>*>(fn))();
  return nullptr;
}

// Runs fn on a thread with a kEvaluationStackBytes stack (reserved address
// space; pages are touched only as the recursion goes deep), and waits for it.
// When no such thread can be made (address-space limits), runs fn here.
void RunOnLargeStack(const std::function<void()>& fn) {
  pthread_attr_t attr;
  if (pthread_attr_init(&attr) == 0) {
    pthread_t thread;
    const bool started =
        pthread_attr_setstacksize(&attr, kEvaluationStackBytes) == 0 &&
        pthread_create(&thread, &attr, &RunFunction, const_cast<std::function<void()>*>(&fn)) == 0;
    pthread_attr_destroy(&attr);
    if (started) {
      pthread_join(thread, nullptr);
      return;
    }
  }
  fn();
}

// A location in a Jsonnet message: "file:L:C", "file:L:C1-C2" or "file:(L1:C1)-(L2:C2)".
struct JsonnetLocation {
  std::string file;
  int line = 0;
  int column = 0;
  int end_column = 0;  // exclusive; 0 when the span covers several lines
};

bool ParseLocation(const std::string& s, JsonnetLocation* loc) {
  static const std::regex one_line(R"(^(.+):(\d+):(\d+)(?:-(\d+))?$)");
  static const std::regex multi_line(R"(^(.+):\((\d+):(\d+)\)-\((\d+):(\d+)\)$)");
  std::smatch m;
  if (s.size() > 4096) return false;  // not a location; and libstdc++'s regex recurses per character
  if (std::regex_match(s, m, one_line)) {
    *loc = {m[1], std::stoi(m[2]), std::stoi(m[3]), m[4].matched ? std::stoi(m[4]) : 0};
    return true;
  }
  if (std::regex_match(s, m, multi_line)) {
    *loc = {m[1], std::stoi(m[2]), std::stoi(m[3]), 0};
    return true;
  }
  return false;
}

// The names topo.libsonnet defines (sorted), read from the bundled file itself.
std::vector<std::string> BundledNames(ImportContext* parent) {
  std::unique_ptr<JsonnetVm, VmDeleter> vm(jsonnet_make());
  ImportContext ictx{vm.get(), parent->options, {}, {}};
  jsonnet_import_callback(vm.get(), &ImportCallback, &ictx);
  int error = 0;
  char* out =
      jsonnet_evaluate_snippet(vm.get(), "<names>", "std.objectFieldsAll(import 'topo.libsonnet')", &error);
  std::string json(out ? out : "");
  jsonnet_realloc(vm.get(), out, 0);
  std::vector<std::string> names;
  if (error) return names;
  static const std::regex name_re("\"([A-Za-z_][A-Za-z0-9_]*)\"");
  for (std::sregex_iterator it(json.begin(), json.end(), name_re), end; it != end; ++it)
    names.push_back((*it)[1]);
  return names;
}

// Constructors of DESIGN's DSL that topo.libsonnet does not define yet, and why.
struct Planned {
  const char* name;
  const char* what;
};
constexpr Planned kPlanned[] = {
    {"table", "stateful operators are planned"},
    {"globalTable", "stateful operators are planned"},
    {"count", "stateful operators are planned"},
    {"aggregate", "stateful operators are planned"},
    {"reduce", "stateful operators are planned"},
    {"join", "stateful operators are planned"},
    {"dedupe", "stateful operators are planned"},
    {"deadline", "stateful operators are planned"},
    {"tumbling", "windows are planned with the stateful operators"},
    {"hopping", "windows are planned with the stateful operators"},
    {"session", "windows are planned with the stateful operators"},
    {"within", "windows are planned with the stateful operators"},
    {"postgres", "connectors are planned"},
    {"http", "connectors are planned"},
    {"ingest", "connectors are planned"},
    {"backoff", "retry backoff is planned"},
};

// 1-based line `line` of text, without its newline; empty when there is none.
std::string_view LineOf(std::string_view text, int line) {
  size_t start = 0;
  for (int n = 1; n < line; ++n) {
    start = text.find('\n', start);
    if (start == std::string_view::npos) return {};
    ++start;
  }
  size_t end = text.find('\n', start);
  return text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start);
}

// For Jsonnet's "field does not exist: NAME" at `loc`: when the expression
// there is `topo.NAME` (topo bound to `import 'topo.libsonnet'` in that file),
// the message a user needs — NAME is planned but not built, or unknown (with
// the names that exist). "" when the missing field is not topo's.
std::string ExplainMissingConstructor(const std::string& name, const JsonnetLocation& loc,
                                      ImportContext* ctx) {
  auto file = ctx->files.find(loc.file);
  if (file == ctx->files.end() || loc.end_column <= loc.column) return "";
  std::string_view line = LineOf(file->second, loc.line);
  if (static_cast<size_t>(loc.end_column - 1) > line.size()) return "";
  std::string span(line.substr(loc.column - 1, loc.end_column - loc.column));
  static const std::regex index_re(
      R"(^\s*(\(\s*import\s*['"]([^'"]*/)?topo\.libsonnet['"]\s*\)|[A-Za-z_][A-Za-z0-9_]*)\s*\.\s*([A-Za-z_][A-Za-z0-9_]*)\s*$)");
  std::smatch m;
  if (!std::regex_match(span, m, index_re) || m[3] != name) return "";
  const std::string object = m[1];
  if (object[0] != '(') {
    // The identifier must be bound to the DSL in this file (`local topo = import 'topo.libsonnet'`).
    std::regex bound("(^|[^A-Za-z0-9_])" + object + R"(\s*=\s*import\s*['"]([^'"]*/)?topo\.libsonnet['"])");
    if (!std::regex_search(file->second, bound)) return "";
  }
  std::vector<std::string> names = BundledNames(ctx);
  std::string list;
  for (const auto& n : names) list += (list.empty() ? "" : ", ") + n;
  const std::string where = loc.file + ":" + std::to_string(loc.line) + ": ";
  for (const auto& p : kPlanned)
    if (name == p.name)
      return where + "topo." + name + " is not available yet: " + p.what + " (available: " + list + ")";
  return where + "unknown operator 'topo." + name + "'" + DidYouMean(name, names) + " (known: " + list + ")";
}

// Jsonnet's error text, rewritten to start with the user's location:
// "file:line: message", then Jsonnet's stack trace (when there is one).
std::string FormatJsonnetError(std::string raw, ImportContext* ctx, const std::string& path) {
  while (!raw.empty() && raw.back() == '\n') raw.pop_back();
  // "STATIC ERROR: <location>: <message>". No regex over the message: libstdc++'s
  // recurses once per character, and a message can be long.
  constexpr std::string_view kStatic = "STATIC ERROR: ";
  if (raw.rfind(kStatic, 0) == 0) {
    const size_t bound = std::min(raw.size(), size_t{4096});  // where a location could end
    for (size_t sep = raw.find(": ", kStatic.size()); sep != std::string::npos && sep < bound;
         sep = raw.find(": ", sep + 1)) {
      JsonnetLocation loc;
      if (!ParseLocation(raw.substr(kStatic.size(), sep - kStatic.size()), &loc)) continue;
      return loc.file + ":" + std::to_string(loc.line) + ": column " + std::to_string(loc.column) + ": " +
             raw.substr(sep + 2);
    }
    return raw;
  }
  constexpr std::string_view kRuntime = "RUNTIME ERROR: ";
  if (raw.rfind(kRuntime, 0) != 0) return raw;
  // The message runs up to the first trace line ("\t<location>\t<what>").
  size_t trace_start = raw.find("\n\t");
  std::string message = raw.substr(
      kRuntime.size(), trace_start == std::string::npos ? std::string::npos : trace_start - kRuntime.size());
  std::string trace = trace_start == std::string::npos ? "" : raw.substr(trace_start);
  // The user's location: the first frame outside the bundled library (and outside <std>, ...).
  JsonnetLocation user;
  std::istringstream lines(trace);
  for (std::string l; std::getline(lines, l);) {
    if (l.size() < 2 || l[0] != '\t') continue;
    std::string loc_text =
        l.substr(1, l.find('\t', 1) == std::string::npos ? std::string::npos : l.find('\t', 1) - 1);
    JsonnetLocation loc;
    if (ParseLocation(loc_text, &loc) && !loc.file.empty() && loc.file[0] != '<') {
      user = loc;
      break;
    }
  }
  const std::string where =
      user.file.empty() ? path + ": " : user.file + ":" + std::to_string(user.line) + ": ";
  if (message.rfind("couldn't open import", 0) == 0 && !ctx->too_deep.empty()) return ctx->too_deep;
  if (message == "max stack frames exceeded.")
    return where + "evaluation nested too deeply: more than " + std::to_string(kMaxJsonnetStack) +
           " Jsonnet stack frames (recursion, or data nested more than about " +
           std::to_string(kMaxJsonnetStack) + " levels)";
  constexpr std::string_view kNoField = "field does not exist: ";
  if (message.rfind(kNoField, 0) == 0 && !user.file.empty()) {
    std::string explained = ExplainMissingConstructor(message.substr(kNoField.size()), user, ctx);
    if (!explained.empty()) return explained;
  }
  // Jsonnet ends some frames with a tab ("\tDuring manifestation\t").
  std::string tidy;
  std::istringstream trace_lines(trace);
  for (std::string l; std::getline(trace_lines, l);) {
    while (!l.empty() && std::isspace(static_cast<unsigned char>(l.back()))) l.pop_back();
    if (!l.empty()) tidy += "\n" + l;
  }
  return where + message + tidy;
}

struct Evaluation {
  bool failed = false;
  std::string output;  // the JSON, or the formatted error
};

Evaluation Evaluate(const std::string& path, const std::string& text, const LoadOptions& options) {
  Evaluation ev;
  std::unique_ptr<JsonnetVm, VmDeleter> vm(jsonnet_make());
  ImportContext ictx{vm.get(), &options, {{path, text}}, {}};
  jsonnet_import_callback(vm.get(), &ImportCallback, &ictx);
  jsonnet_max_trace(vm.get(), 20);
  jsonnet_max_stack(vm.get(), kMaxJsonnetStack);
  for (const auto& [k, v] : options.ext_str) jsonnet_ext_var(vm.get(), k.c_str(), v.c_str());
  for (const auto& [k, v] : options.ext_code) jsonnet_ext_code(vm.get(), k.c_str(), v.c_str());
  int error = 0;
  char* out = jsonnet_evaluate_snippet(vm.get(), path.c_str(), text.c_str(), &error);
  ev.output = out ? out : "";
  jsonnet_realloc(vm.get(), out, 0);
  ev.failed = error != 0;
  if (ev.failed) ev.output = FormatJsonnetError(std::move(ev.output), &ictx, path);
  return ev;
}

// Offsets in `text` where identifier `word` is followed (after blanks) by `next`.
std::vector<size_t> WordsFollowedBy(std::string_view text, std::string_view word, char next) {
  std::vector<size_t> found;
  auto ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  for (size_t pos = text.find(word); pos != std::string_view::npos; pos = text.find(word, pos + 1)) {
    if (pos > 0 && ident(text[pos - 1])) continue;
    size_t j = pos + word.size();
    if (j < text.size() && ident(text[j])) continue;
    while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    if (j < text.size() && text[j] == next) found.push_back(pos);
  }
  return found;
}

int LineAt(std::string_view text, size_t pos) {
  return 1 + static_cast<int>(std::count(text.begin(), text.begin() + std::min(pos, text.size()), '\n'));
}

// Offset of tests()[test]'s `test(` in the source: the k-th `test('name'` for
// the k-th test of that name; else the test-th `test(` when every test is
// written out; npos when neither is found.
size_t TestPosition(const LoadedTopology& lt, int test) {
  const std::string_view text = lt.source_text;
  const auto& tests = lt.proto.tests();
  if (test < 0 || test >= tests.size()) return std::string_view::npos;
  const std::string& name = tests[test].name();
  int same_before = 0;
  for (int i = 0; i < test; ++i) same_before += tests[i].name() == name;
  std::vector<size_t> calls = WordsFollowedBy(text, "test", '(');
  for (size_t call : calls) {
    size_t j = text.find('(', call) + 1;
    auto skip_blanks = [&] {
      while (j < text.size() && std::isspace(static_cast<unsigned char>(text[j]))) ++j;
    };
    skip_blanks();
    if (text.substr(j, 4) == "name") {
      j += 4;
      skip_blanks();
      if (j < text.size() && text[j] == '=') ++j;
      skip_blanks();
    }
    if (j >= text.size() || (text[j] != '\'' && text[j] != '"')) continue;
    const char quote = text[j];
    if (text.substr(j + 1, name.size()) == name && j + 1 + name.size() < text.size() &&
        text[j + 1 + name.size()] == quote && same_before-- == 0)
      return call;
  }
  if (static_cast<int>(calls.size()) == tests.size()) return calls[test];
  return std::string_view::npos;
}

}  // namespace

int LoadedTopology::TestLine(int test) const {
  size_t pos = TestPosition(*this, test);
  return pos == std::string_view::npos ? 0 : LineAt(source_text, pos);
}

int LoadedTopology::RecordLine(int test, bool expect, int index) const {
  const std::string_view text = source_text;
  const size_t pos = TestPosition(*this, test);
  if (pos == std::string_view::npos) return 0;
  // The test's text runs to the next `test(` (or the end of the file).
  size_t end = text.size();
  for (size_t call : WordsFollowedBy(text, "test", '('))
    if (call > pos) {
      end = call;
      break;
    }
  const std::string_view part = text.substr(pos, end - pos);
  std::vector<size_t> records = WordsFollowedBy(part, "record", '(');
  std::vector<size_t> inputs_at = WordsFollowedBy(part, "inputs", '=');
  std::vector<size_t> expect_at = WordsFollowedBy(part, "expect", '=');
  size_t from = 0, to = part.size();
  int nth = index;
  if (!inputs_at.empty() || !expect_at.empty()) {
    // Named arguments: count the records after `inputs=` (or `expect=`), up to the other one.
    const std::vector<size_t>& mine = expect ? expect_at : inputs_at;
    const std::vector<size_t>& other = expect ? inputs_at : expect_at;
    if (mine.empty()) return LineAt(text, pos);
    from = mine.front();
    if (!other.empty() && other.front() > from) to = other.front();
  } else if (expect) {
    nth += proto.tests(test).inputs_size();  // positional: inputs, then expect
  }
  for (size_t r : records) {
    if (r < from || r >= to) continue;
    if (nth-- == 0) return LineAt(text, pos + r);
  }
  return LineAt(text, pos);
}

namespace {

// A JSON value as a message shows it: string "abc", number 1.5, an object, ...
std::string DescribeJson(const google::protobuf::Value& v) {
  switch (v.kind_case()) {
    case google::protobuf::Value::kNumberValue: {
      std::ostringstream os;
      os << v.number_value();
      return "number " + os.str();
    }
    case google::protobuf::Value::kStringValue: return "string \"" + v.string_value() + "\"";
    case google::protobuf::Value::kBoolValue: return v.bool_value() ? "bool true" : "bool false";
    case google::protobuf::Value::kStructValue: return "an object";
    case google::protobuf::Value::kListValue: return "an array";
    default: return "null";
  }
}

bool IsWholeNumber(const google::protobuf::Value& v, double bound) {
  return v.has_number_value() && std::floor(v.number_value()) == v.number_value() &&
         std::fabs(v.number_value()) < bound;
}

struct RecordProblem {
  int test;
  bool expect;
  int index;
  std::string message;
};

// Removes from the tests' records in `root` the fields whose JSON type the IR
// cannot hold (a timestamp or partition that is not a whole number, headers
// that are not an object of strings), noting each; validate reports them with
// their line instead of a load error about the plan format. True when it removed any.
bool DropMistypedRecordFields(google::protobuf::Struct* root, std::vector<RecordProblem>* problems) {
  auto tests = root->mutable_fields()->find("tests");
  if (tests == root->mutable_fields()->end() || !tests->second.has_list_value()) return false;
  bool dropped = false;
  auto* list = tests->second.mutable_list_value()->mutable_values();
  for (int t = 0; t < list->size(); ++t) {
    if (!(*list)[t].has_struct_value()) continue;
    auto* test = (*list)[t].mutable_struct_value()->mutable_fields();
    const std::string name = test->count("name") ? (*test)["name"].string_value() : "";
    for (bool expect : {false, true}) {
      auto records = test->find(expect ? "expect" : "inputs");
      if (records == test->end() || !records->second.has_list_value()) continue;
      auto* values = records->second.mutable_list_value()->mutable_values();
      for (int i = 0; i < values->size(); ++i) {
        if (!(*values)[i].has_struct_value()) continue;
        auto* fields = (*values)[i].mutable_struct_value()->mutable_fields();
        const std::string what = "test '" + name + "': " + (expect ? "expected record #" : "input #") +
                                 std::to_string(i + 1) + ": ";
        auto note = [&](const char* field, std::string message) {
          problems->push_back({t, expect, i, what + message});
          fields->erase(field);
          dropped = true;
        };
        if (auto it = fields->find("timestamp"); it != fields->end() && !IsWholeNumber(it->second, 9.2e18))
          note("timestamp",
               "timestamp must be epoch milliseconds (a whole number), got " + DescribeJson(it->second));
        if (auto it = fields->find("partition");
            it != fields->end() && !IsWholeNumber(it->second, 2147483648.0))
          note("partition", "partition must be a whole number, got " + DescribeJson(it->second));
        if (auto it = fields->find("headers"); it != fields->end()) {
          if (!it->second.has_struct_value()) {
            note("headers", "headers must be an object of strings, got " + DescribeJson(it->second));
          } else {
            std::map<std::string, const google::protobuf::Value*> sorted;  // the first bad one, in name order
            for (const auto& [k, v] : it->second.struct_value().fields()) sorted[k] = &v;
            for (const auto& [k, v] : sorted) {
              if (v->has_string_value()) continue;
              note("headers", "header '" + k + "' must be a string, got " + DescribeJson(*v));
              break;
            }
          }
        }
      }
    }
  }
  return dropped;
}

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

ErrorLocation LocateLoadError(const std::string& message) {
  // The first "<file>:<digits>: " on the first line (by hand: messages can be long).
  const size_t first_line_end = std::min(message.find('\n'), message.size());
  for (size_t colon = message.find(':'); colon < first_line_end; colon = message.find(':', colon + 1)) {
    size_t end = colon + 1;
    while (end < first_line_end && std::isdigit(static_cast<unsigned char>(message[end]))) ++end;
    if (colon == 0 || end == colon + 1 || message.compare(end, 2, ": ") != 0) continue;
    return {message.substr(0, colon), std::stoi(message.substr(colon + 1, end - colon - 1)),
            message.substr(end + 2)};
  }
  return {"", 0, message};
}

Result<LoadedTopology> LoadTopologyFromString(const std::string& path, const std::string& text,
                                              const LoadOptions& options) {
  // Checked before libjsonnet parses anything (imports: in ImportCallback).
  if (NestingReport depth = MeasureNesting(text); depth.line > 0)
    return Status::Invalid(TooDeep(path, depth));
  for (const auto& [name, code] : options.ext_code)
    if (NestingReport depth = MeasureNesting(code); depth.line > 0)
      return Status::Invalid(TooDeep("--ext-code " + name, depth));
  Evaluation ev;
  RunOnLargeStack([&] { ev = Evaluate(path, text, options); });
  if (ev.failed) return Status::Invalid(std::move(ev.output));

  LoadedTopology loaded;
  loaded.file = path;
  loaded.source_text = text;
  loaded.json = std::move(ev.output);
  // Mistyped test-record fields become diagnostics rather than a plan-format error.
  std::string json = loaded.json;
  std::vector<RecordProblem> problems;
  google::protobuf::Struct root;
  if (google::protobuf::util::JsonStringToMessage(loaded.json, &root).ok() &&
      DropMistypedRecordFields(&root, &problems)) {
    std::string fixed;
    if (google::protobuf::util::MessageToJsonString(root, &fixed).ok()) json = std::move(fixed);
  }
  google::protobuf::util::JsonParseOptions jopts;
  jopts.ignore_unknown_fields = false;
  auto st = google::protobuf::util::JsonStringToMessage(json, &loaded.proto, jopts);
  if (!st.ok()) {
    std::string explained = ExplainUnknownOperator(loaded);
    if (!explained.empty()) return Status::Invalid(explained);
    // Protobuf stops at 100 levels of messages, and each level of a record's
    // key or value costs it three (Value, Struct, map entry): past
    // kMaxTestValueDepth it fails with "JSON transcoder produced invalid
    // protobuf output" or "Message too deep". The topology itself is 5 levels
    // above a record's value, and MeasureNesting counts the text as one more.
    if (MeasureNesting(json, 1000000).depth > kMaxTestValueDepth + 6)
      return Status::Invalid(path +
                             ": a value nests too deeply for the plan format: keys and values of "
                             "records in tests: may nest at most " +
                             std::to_string(kMaxTestValueDepth) + " levels");
    return Status::Invalid(path +
                           ": the topology does not fit the plan format (build it with topo.libsonnet's " +
                           "constructors): " + std::string(st.message()));
  }
  if (loaded.proto.name().empty()) {
    return Status::Invalid(path + ": not a topology: build it with topo.topology(name, {...})");
  }
  for (auto& p : problems)
    loaded.problems.push_back({path, loaded.RecordLine(p.test, p.expect, p.index), "", std::move(p.message)});
  return loaded;
}

Result<LoadedTopology> LoadTopology(const std::string& path, const LoadOptions& options) {
  if (std::filesystem::is_directory(path)) {
    std::string dir = path;
    while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
    return Status::Invalid(path + " is a directory; pass the .jsonnet files (e.g. " + dir + "/*.jsonnet)");
  }
  std::string text;
  if (!std::filesystem::is_regular_file(path) || !ReadFile(path, &text)) {
    return Status::NotFound(path + ": no such file");
  }
  return LoadTopologyFromString(path, text, options);
}

}  // namespace topo::plan
