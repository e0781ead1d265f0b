#include "cli/http_client.h"

#include <httplib.h>

#include <cmath>
#include <exception>
#include <filesystem>
#include <fstream>

#include "cli/common.h"
#include "engine/serde/codec.h"

namespace topo::cli {

namespace {

std::string PortFile(const std::string& data_dir) { return data_dir + "/HTTP_PORT"; }
std::string AddrFile(const std::string& data_dir) { return data_dir + "/HTTP_ADDR"; }
std::string NoHttpFile(const std::string& data_dir) { return data_dir + "/NO_HTTP"; }

// Writes `line` and a newline to `path` through a temporary file and a rename.
Status WriteLine(const std::string& path, const std::string& line) {
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << line << "\n";
    if (!out) return Status::IoError("cannot write " + tmp, false);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, path, ec);
  if (ec) return Status::IoError("cannot write " + path + ": " + ec.message(), false);
  return Status::Ok();
}

std::string Where(const HttpEndpoint& at) { return "http://" + at.host + ":" + std::to_string(at.port); }

// The "error" field of a JSON error body, else the body itself.
std::string ErrorOf(const std::string& body) {
  auto codec = MakeCodec("json", nullptr);
  if (codec.ok())
    if (auto v = (*codec)->Decode(body); v.ok() && v->is_object())
      if (const Value* e = v->Get("error"); e && e->is_string()) return e->as_string();
  std::string s = body;
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r')) s.pop_back();
  return s;
}

}  // namespace

Status WriteHttpFiles(const std::string& data_dir, const std::string& bind, int port) {
  if (port < 0) return WriteLine(NoHttpFile(data_dir), "this topo run serves no HTTP (--http-port -1)");
  // The address first: a reader that finds the port finds its address too.
  RETURN_IF_ERROR(WriteLine(AddrFile(data_dir), bind));
  return WriteLine(PortFile(data_dir), std::to_string(port));
}

void RemoveHttpFiles(const std::string& data_dir) {
  std::error_code ec;  // best effort: stale files are harmless (read only when the dir is held)
  for (const auto& f : {PortFile(data_dir), AddrFile(data_dir), NoHttpFile(data_dir)})
    std::filesystem::remove(f, ec);
}

std::string HttpEndpoint::Explain() const {
  return "through " + Where(*this) + "; data dir " + data_dir + " is held by `topo run` pid " +
         (owner_pid.empty() ? "?" : owner_pid);
}

Result<HttpEndpoint> RunningInstance(const std::string& data_dir, const Status& open_error) {
  if (open_error.code() != StatusCode::kFailedPrecondition) return open_error;
  HttpEndpoint at;
  at.data_dir = data_dir;
  std::ifstream owner(data_dir + "/OWNER");
  owner >> at.owner_pid;
  const std::string pid = at.owner_pid.empty() ? "?" : at.owner_pid;
  std::error_code ec;
  if (std::filesystem::exists(NoHttpFile(data_dir), ec))
    return Status::FailedPrecondition(
        "the running instance (pid " + pid + ") holding data dir " + data_dir +
        " serves no HTTP (started with --http-port -1), so produce, consume and topics describe cannot reach "
        "it; stop it "
        "to use the data dir directly, or start it with an HTTP port (--http-port P, 0 for any free one)");
  std::ifstream in(PortFile(data_dir));
  if (!(in >> at.port) || at.port <= 0 || at.port > 65535)
    return Status::FailedPrecondition(open_error.message() + "; it has not published an HTTP port in " +
                                      PortFile(data_dir) +
                                      " (yet): try again once it prints 'http: listening'");
  std::string bind;
  std::ifstream addr(AddrFile(data_dir));
  addr >> bind;
  at.host = (bind.empty() || bind == "0.0.0.0") ? "127.0.0.1" : bind == "::" ? "::1" : bind;
  return at;
}

Status HttpProduce(const HttpEndpoint& at, const std::string& topic, const std::string& lines,
                   const ProduceOptions& options, ProduceReport* report) {
  try {
    httplib::Client cli(at.host, at.port);
    cli.set_read_timeout(300, 0);
    std::string path = "/topics/" + topic + "/records";
    std::string query;
    if (options.mode == LineMode::kEnvelope) query += "&envelope=1";
    if (options.mode == LineMode::kBare) query += "&bare=1";
    if (options.skip_bad) query += "&skip_bad=1";
    if (!query.empty()) path += "?" + query.substr(1);
    auto res = cli.Post(path.c_str(), lines, "application/x-ndjson");
    if (!res)
      return Status::IoError("cannot reach " + Where(at) + ": " + httplib::to_string(res.error()), false);
    auto codec = MakeCodec("json", nullptr);
    if (codec.ok()) {
      if (auto v = (*codec)->Decode(res->body); v.ok() && v->is_object()) {
        if (const Value* n = v->Get("produced"); n && n->is_int())
          report->produced = static_cast<uint64_t>(n->as_int());
        if (const Value* n = v->Get("bad_lines"); n && n->is_int())
          report->bad_lines = static_cast<uint64_t>(n->as_int());
        if (const Value* e = v->Get("errors"); e && e->is_array())
          for (const Value& line : e->as_array())
            if (line.is_string()) report->bad.push_back(line.as_string());
      }
    }
    if (res->status != 200) return Status::Invalid(ErrorOf(res->body));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::IoError("cannot reach " + Where(at) + ": " + e.what(), false);
  }
}

Status HttpConsume(const HttpEndpoint& at, const std::string& topic, const ConsumeOptions& options,
                   const std::function<void(const char*, size_t)>& out) {
  try {
    httplib::Client cli(at.host, at.port);
    // The stream is silent while no record arrives: wait as long as the consume may.
    cli.set_read_timeout(options.timeout_s ? static_cast<time_t>(*options.timeout_s) + 30 : 365 * 24 * 3600,
                         0);
    std::string path = "/topics/" + topic +
                       "/records?from_beginning=" + (options.from_beginning ? "1" : "0") +
                       "&key_format=" + PayloadFormatName(options.key_format) +
                       "&value_format=" + PayloadFormatName(options.value_format);
    if (options.max > 0) path += "&max=" + std::to_string(options.max);
    if (options.timeout_s)
      path += "&timeout_ms=" + std::to_string(static_cast<int64_t>(std::ceil(*options.timeout_s * 1000)));
    int status = 0;
    std::string error_body;
    auto res = cli.Get(
        path.c_str(), httplib::Headers{},
        [&](const httplib::Response& r) {
          status = r.status;
          return true;
        },
        [&](const char* data, size_t len) {
          if (status == 200)
            out(data, len);
          else
            error_body.append(data, len);
          return true;
        });
    if (!res)
      return Status::IoError("reading through " + Where(at) + ": " + httplib::to_string(res.error()), false);
    if (status != 200) return Status::Invalid(ErrorOf(error_body));
    return Status::Ok();
  } catch (const std::exception& e) {
    return Status::IoError("reading through " + Where(at) + ": " + e.what(), false);
  }
}

Result<std::map<std::string, log::TopicDescription>> HttpDescribeTopics(
    const HttpEndpoint& at, const std::vector<std::string>& names) {
  try {
    httplib::Client cli(at.host, at.port);
    cli.set_read_timeout(60, 0);
    httplib::Params params;
    for (const auto& n : names) params.emplace("name", n);
    auto res = cli.Get(httplib::append_query_params("/topics", params));
    if (!res)
      return Status::IoError("cannot reach " + Where(at) + ": " + httplib::to_string(res.error()), false);
    if (res->status != 200) return Status::IoError(ErrorOf(res->body), false);
    ASSIGN_OR_RETURN(auto codec, MakeCodec("json", nullptr));
    auto v = codec->Decode(res->body);
    const Value* topics = v.ok() && v->is_object() ? v->Get("topics") : nullptr;
    if (topics == nullptr || !topics->is_array())
      return Status::IoError(Where(at) + "/topics answered no topic list: " + res->body, false);
    std::map<std::string, log::TopicDescription> out;
    for (const Value& t : topics->as_array()) {
      const Value* name = t.is_object() ? t.Get("name") : nullptr;
      if (name == nullptr || !name->is_string()) continue;
      log::TopicDescription d;
      d.config.name = name->as_string();
      auto get = [&](const char* field) { return t.Get(field); };
      if (const Value* n = get("partitions"); n && n->is_int())
        d.config.partitions = static_cast<int>(n->as_int());
      if (const Value* b = get("configs_known"); b && b->is_bool()) d.configs_known = b->as_bool();
      if (const Value* b = get("compact"); b && b->is_bool()) d.config.compact = b->as_bool();
      if (const Value* n = get("retention_ms"); n && n->is_int()) d.config.retention_ms = n->as_int();
      if (const Value* m = get("max_message_bytes"); m && m->is_string())
        d.config.extra["max.message.bytes"] = m->as_string();
      out[d.config.name] = std::move(d);
    }
    return out;
  } catch (const std::exception& e) {
    return Status::IoError("cannot reach " + Where(at) + ": " + e.what(), false);
  }
}

}  // namespace topo::cli
