#include "cli/http_client.h"

#include <httplib.h>

#include <exception>
#include <filesystem>
#include <fstream>

#include "cli/common.h"
#include "engine/serde/codec.h"

namespace topo::cli {

namespace {

std::string PortFile(const std::string& data_dir) { return data_dir + "/HTTP_PORT"; }

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

Status WriteHttpPortFile(const std::string& data_dir, const std::string& bind, int port) {
  std::string tmp = PortFile(data_dir) + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    out << port << "\n" << bind << "\n";
    if (!out) return Status::IoError("cannot write " + tmp, false);
  }
  std::error_code ec;
  std::filesystem::rename(tmp, PortFile(data_dir), ec);
  if (ec) return Status::IoError("cannot write " + PortFile(data_dir) + ": " + ec.message(), false);
  return Status::Ok();
}

void RemoveHttpPortFile(const std::string& data_dir) {
  std::error_code ec;
  std::filesystem::remove(PortFile(data_dir), ec);  // best effort: a stale file is harmless
}

std::string HttpEndpoint::Explain() const {
  return "through " + Where(*this) + "; data dir " + data_dir + " is held by `topo run` pid " +
         (owner_pid.empty() ? "?" : owner_pid);
}

std::optional<HttpEndpoint> RunningInstance(const std::string& data_dir, const Status& open_error) {
  if (open_error.code() != StatusCode::kFailedPrecondition) return std::nullopt;
  std::ifstream in(PortFile(data_dir));
  HttpEndpoint at;
  std::string bind;
  if (!(in >> at.port) || at.port <= 0 || at.port > 65535) return std::nullopt;
  in >> bind;
  at.data_dir = data_dir;
  std::ifstream owner(data_dir + "/OWNER");
  owner >> at.owner_pid;
  at.host = (bind.empty() || bind == "0.0.0.0") ? "127.0.0.1" : bind == "::" ? "::1" : bind;
  return at;
}

Status HttpProduce(const HttpEndpoint& at, const std::string& topic, const std::string& lines,
                   uint64_t* count) {
  try {
    httplib::Client cli(at.host, at.port);
    cli.set_read_timeout(300, 0);
    auto res = cli.Post(("/topics/" + topic + "/records").c_str(), lines, "application/x-ndjson");
    if (!res)
      return Status::IoError("cannot reach " + Where(at) + ": " + httplib::to_string(res.error()), false);
    auto codec = MakeCodec("json", nullptr);
    if (codec.ok())
      if (auto v = (*codec)->Decode(res->body); v.ok() && v->is_object())
        if (const Value* n = v->Get("produced"); n && n->is_int())
          *count = static_cast<uint64_t>(n->as_int());
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
    cli.set_read_timeout(
        options.timeout_s > 0 ? static_cast<time_t>(options.timeout_s) + 30 : 365 * 24 * 3600, 0);
    std::string path = "/topics/" + topic +
                       "/records?from_beginning=" + (options.from_beginning ? "1" : "0") +
                       "&max=" + std::to_string(options.max) +
                       "&timeout_ms=" + std::to_string(static_cast<int64_t>(options.timeout_s * 1000));
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

}  // namespace topo::cli
