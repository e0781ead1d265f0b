#include "cli/http_server.h"

#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <cerrno>
#include <cstring>
#include <exception>
#include <sstream>

#include "cli/common.h"
#include "cli/record_io.h"
#include "engine/base/histogram.h"
#include "engine/base/numbers.h"

namespace topo::cli {

namespace {

std::string JsonString(const std::string& s) { return ToJson(Value(s)); }

std::string LabelValue(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

void Metric(std::string* out, const char* name, const char* type, const char* help, uint64_t value) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" + name + " " +
          std::to_string(value) + "\n";
}

// A counter with one label: `name{label="k"} v` per entry.
void Family(std::string* out, const char* name, const char* help, const char* label,
            const std::map<std::string, uint64_t>& values) {
  *out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " counter\n";
  for (const auto& [k, v] : values)
    *out += std::string(name) + "{" + label + "=\"" + LabelValue(k) + "\"} " + std::to_string(v) + "\n";
}

std::string Number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// The sample lines of one histogram, in seconds; `labels` (`topic="t",` or
// empty) goes before `le`.
void HistogramLines(std::string* out, const std::string& name, const std::string& labels,
                    const HistogramData& h) {
  uint64_t cumulative = 0;
  for (size_t i = 0; i < h.buckets.size(); ++i) {
    cumulative += h.buckets[i];
    const std::string le = i < kHistogramBoundsUs.size() ? Number(kHistogramBoundsUs[i] / 1e6) : "+Inf";
    *out += name + "_bucket{" + labels + "le=\"" + le + "\"} " + std::to_string(cumulative) + "\n";
  }
  const std::string braces = labels.empty() ? "" : "{" + labels.substr(0, labels.size() - 1) + "}";
  char sum[40];
  std::snprintf(sum, sizeof sum, "%.17g", h.sum_us / 1e6);  // all digits: rate(_sum) must not be quantized
  *out += name + "_sum" + braces + " " + sum + "\n";
  *out += name + "_count" + braces + " " + std::to_string(cumulative) + "\n";
}

// A boolean query parameter: present and not "0" or "false".
bool Flag(const httplib::Request& req, const char* name) {
  if (!req.has_param(name)) return false;
  const std::string v = req.get_param_value(name);
  return v != "0" && v != "false";
}

void Json(httplib::Response& res, int status, const std::string& body) {
  res.status = status;
  res.set_content(body + "\n", "application/json");
}

}  // namespace

std::string MetricsText(const runtime::AppSnapshot& snap) {
  std::string out;
  Metric(&out, "topo_records_in_total", "counter", "Input records read from source topics.", snap.records_in);
  Metric(&out, "topo_records_out_total", "counter", "Records written to sink topics.", snap.records_out);
  Metric(&out, "topo_errors_total", "counter", "Records whose processing failed at some node.", snap.errors);
  Metric(&out, "topo_records_skipped_total", "counter", "Failed records skipped by the skip policy.",
         snap.skipped);
  Metric(&out, "topo_records_dead_lettered_total", "counter", "Failed records sent to a dead-letter topic.",
         snap.dead_lettered);
  Metric(&out, "topo_records_dropped_total", "counter", "Records dropped by design (branch without default).",
         snap.dropped);
  Metric(&out, "topo_commits_total", "counter", "Commits (transactions or offset commits).",
         snap.commit_latency.count());
  Metric(&out, "topo_tasks", "gauge", "Tasks assigned to this instance.", static_cast<uint64_t>(snap.tasks));
  Metric(&out, "topo_paused_partitions", "gauge",
         "Input partitions paused because their task's buffer is full (back-pressure).",
         static_cast<uint64_t>(snap.paused_partitions));
  Metric(&out, "topo_partition_pauses_total", "counter",
         "Times an input partition was paused because its task's buffer was full.", snap.pauses);
  Metric(&out, "topo_enforced_processing_total", "counter",
         "Records a task processed without waiting longer for a lagging input partition (timestamp order "
         "not guaranteed for them).",
         snap.enforced_processing);
  Metric(&out, "topo_rejoins_total", "counter",
         "Times a stream thread was fenced, closed its tasks without committing and rejoined the group.",
         snap.rejoins);
  out +=
      "# HELP topo_process_rate Input records processed per second (over the last ~5 s).\n"
      "# TYPE topo_process_rate gauge\ntopo_process_rate " +
      Number(snap.process_rate) +
      "\n"
      "# HELP topo_last_commit_latency_seconds The latest commit's duration (the slowest thread's).\n"
      "# TYPE topo_last_commit_latency_seconds gauge\ntopo_last_commit_latency_seconds " +
      Number(snap.last_commit_latency_us / 1e6) + "\n";
  out +=
      "# HELP topo_commit_latency_seconds Time a commit (transaction or offset commit) takes.\n"
      "# TYPE topo_commit_latency_seconds histogram\n";
  HistogramLines(&out, "topo_commit_latency_seconds", "", snap.commit_latency);
  out +=
      "# HELP topo_topic_e2e_latency_seconds Per topic written: wall-clock time of the write minus the "
      "record's timestamp (Kafka Streams' record-e2e-latency).\n"
      "# TYPE topo_topic_e2e_latency_seconds histogram\n";
  for (const auto& [topic, h] : snap.topic_e2e_latency)
    HistogramLines(&out, "topo_topic_e2e_latency_seconds", "topic=\"" + LabelValue(topic) + "\",", h);
  Family(&out, "topo_topic_records_in_total", "Records read per source topic.", "topic", snap.topic_in);
  Family(&out, "topo_topic_errors_total",
         "Records read per source topic whose processing failed at some node (each counted once).", "topic",
         snap.topic_errors);
  Family(&out, "topo_topic_records_out_total", "Records written per topic (sinks and dead letters).", "topic",
         snap.topic_out);
  std::map<std::string, uint64_t> node_in, node_out, node_errors;
  for (const auto& [node, m] : snap.nodes)
    node_in[node] = m.in, node_out[node] = m.out, node_errors[node] = m.errors;
  Family(&out, "topo_node_records_in_total", "Records received per node.", "node", node_in);
  Family(&out, "topo_node_records_out_total", "Records passed on per node (sinks: written to the topic).",
         "node", node_out);
  Family(&out, "topo_node_errors_total", "Records whose processing failed per node.", "node", node_errors);
  uint64_t total_lag = 0;
  std::string per_partition;
  for (const auto& [tp, lag] : snap.lag) {
    total_lag += lag;
    per_partition += "topo_consumer_partition_lag{topic=\"" + LabelValue(tp.topic) + "\",partition=\"" +
                     std::to_string(tp.partition.value()) + "\"} " + std::to_string(lag) + "\n";
  }
  out +=
      "# HELP topo_consumer_partition_lag Records of an input partition not yet processed.\n"
      "# TYPE topo_consumer_partition_lag gauge\n" +
      per_partition;
  Metric(&out, "topo_consumer_lag", "gauge",
         "Records of the input partitions this instance owns not yet processed.", total_lag);
  out +=
      "# HELP topo_task_stream_time_seconds A task's stream time: the highest event time it processed "
      "(epoch seconds).\n"
      "# TYPE topo_task_stream_time_seconds gauge\n";
  for (const auto& [task, ms] : snap.stream_time)
    out += "topo_task_stream_time_seconds{task=\"" + LabelValue(task) + "\"} " + Number(ms / 1e3) + "\n";
  return out;
}

HttpServer::HttpServer(const runtime::Application* app, log::Log* log)
    : app_(app), log_(log), server_(std::make_unique<httplib::Server>()) {}

HttpServer::~HttpServer() { Stop(); }

void HttpServer::Stop() {
  stopping_.store(true);  // ends consume streams, so the workers can be joined
  if (server_) server_->stop();
  if (thread_.joinable()) thread_.join();
}

Result<std::unique_ptr<HttpServer>> HttpServer::Start(const HttpServerOptions& options,
                                                      const runtime::Application* app, log::Log* log) {
  std::unique_ptr<HttpServer> s(new HttpServer(app, log));
  // httplib sets SO_REUSEPORT by default, which would let a second instance
  // share the port silently: only SO_REUSEADDR (restart after TIME_WAIT).
  s->server_->set_socket_options([](socket_t sock) {
    int yes = 1;
    setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
  });
  s->server_->set_keep_alive_timeout(1);  // bounds how long Stop() waits for idle connections
  s->server_->new_task_queue = [] { return new httplib::ThreadPool(kMaxConsumeStreams + 8); };
  s->Route();
  const std::string where = options.bind + ":" + std::to_string(options.port);
  try {
    errno = 0;
    if (options.port == 0) {
      s->port_ = s->server_->bind_to_any_port(options.bind);
      if (s->port_ < 0) return Status::IoError("http: cannot listen on " + where, false);
    } else {
      if (!s->server_->bind_to_port(options.bind, options.port)) {
        int err = errno;
        if (err == EADDRINUSE)
          return Status::IoError("http: port " + std::to_string(options.port) + " on " + options.bind +
                                     " is already in use (choose another with --http-port P, or "
                                     "--http-port -1 to serve no HTTP)",
                                 false);
        return Status::IoError(
            "http: cannot listen on " + where + (err ? std::string(": ") + std::strerror(err) : ""), false);
      }
      s->port_ = options.port;
    }
  } catch (const std::exception& e) {
    return Status::IoError("http: cannot listen on " + where + ": " + e.what(), false);
  }
  HttpServer* self = s.get();
  s->thread_ = std::thread([self] {
    try {
      self->server_->listen_after_bind();
    } catch (const std::exception& e) {
      std::fprintf(stderr, "http: server stopped: %s\n", e.what());
    }
  });
  return s;
}

void HttpServer::Route() {
  server_->set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "internal error";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    Json(res, 500, "{\"error\":" + JsonString(what) + "}");
  });

  server_->Get("/health", [this](const httplib::Request&, httplib::Response& res) {
    runtime::AppSnapshot snap = app_->Snapshot();
    if (!snap.running)
      return Json(res, 503, R"({"status":"stopping","reason":"the application is stopping"})");
    if (snap.threads_joined < snap.threads)
      return Json(
          res, 503,
          R"({"status":"rebalancing","reason":")" + std::to_string(snap.threads - snap.threads_joined) +
              " of " + std::to_string(snap.threads) +
              R"( stream threads wait for their partitions","tasks":)" + std::to_string(snap.tasks) + "}");
    Json(res, 200, R"({"status":"running","tasks":)" + std::to_string(snap.tasks) + "}");
  });

  server_->Get("/metrics", [this](const httplib::Request&, httplib::Response& res) {
    res.set_content(MetricsText(app_->Snapshot()), "text/plain; version=0.0.4; charset=utf-8");
  });

  // `topo topics describe` on a data dir this instance holds: what the log has
  // of each ?name= topic (absent ones are left out).
  server_->Get("/topics", [this](const httplib::Request& req, httplib::Response& res) {
    std::vector<std::string> names;
    for (size_t i = 0; i < req.get_param_value_count("name"); ++i)
      names.push_back(req.get_param_value("name", i));
    auto described = log_->DescribeTopics(names);
    if (!described.ok())
      return Json(res, 500, "{\"error\":" + JsonString(described.status().message()) + "}");
    std::string out;
    for (const auto& [name, d] : *described) {
      out += (out.empty() ? "{" : ",{") + std::string("\"name\":") + JsonString(name) +
             ",\"partitions\":" + std::to_string(d.config.partitions) +
             ",\"configs_known\":" + (d.configs_known ? "true" : "false") +
             ",\"compact\":" + (d.config.compact ? "true" : "false") +
             ",\"retention_ms\":" + std::to_string(d.config.retention_ms);
      if (auto mb = d.config.extra.find("max.message.bytes"); mb != d.config.extra.end())
        out += ",\"max_message_bytes\":" + JsonString(mb->second);
      out += "}";
    }
    Json(res, 200, "{\"topics\":[" + out + "]}");
  });

  static const char* kRecords = R"(/topics/([A-Za-z0-9._-]+)/records)";
  server_->Post(kRecords, [this](const httplib::Request& req, httplib::Response& res) {
    std::string topic = req.matches[1];
    ProduceOptions o;
    const bool envelope = Flag(req, "envelope"), bare = Flag(req, "bare");
    if (envelope && bare) return Json(res, 400, R"({"error":"envelope and bare exclude each other"})");
    o.mode = envelope ? LineMode::kEnvelope : bare ? LineMode::kBare : LineMode::kAuto;
    o.skip_bad = Flag(req, "skip_bad");
    std::istringstream in(req.body);
    ProduceReport report;
    Status st = ProduceLines(*log_, topic, in, o, &report);
    std::string errors;
    for (const auto& b : report.bad) errors += (errors.empty() ? "" : ",") + JsonString(b);
    const std::string counts = "\"produced\":" + std::to_string(report.produced) +
                               ",\"bad_lines\":" + std::to_string(report.bad_lines) + ",\"errors\":[" +
                               errors + "]";
    if (!st.ok()) {
      const bool theirs = st.code() == StatusCode::kInvalidArgument || st.code() == StatusCode::kNotFound;
      return Json(res, theirs ? 400 : 500, "{\"error\":" + JsonString(st.message()) + "," + counts + "}");
    }
    Json(res, 200, "{" + counts + "}");
  });

  server_->Get(kRecords, [this](const httplib::Request& req, httplib::Response& res) {
    std::string topic = req.matches[1];
    ConsumeOptions o;
    o.from_beginning = Flag(req, "from_beginning");
    if (req.has_param("max")) {
      std::optional<int64_t> max = ParseInt64(req.get_param_value("max"));
      if (!max || *max < 1)
        return Json(res, 400,
                    R"json({"error":"max must be a whole number >= 1 (omit it for no limit)"})json");
      o.max = *max;
    }
    if (req.has_param("timeout_ms")) {
      std::optional<int64_t> ms = ParseInt64(req.get_param_value("timeout_ms"));
      if (!ms || *ms < 0)
        return Json(res, 400,
                    R"json({"error":"timeout_ms must be a whole number >= 0 (0: the records there now; )json"
                    R"json(omit it to wait for new ones until the client hangs up)"})json");
      o.timeout_s = *ms / 1000.0;
    }
    const std::pair<const char*, PayloadFormat*> formats[] = {{"key_format", &o.key_format},
                                                              {"value_format", &o.value_format}};
    for (const auto& [param, format] : formats) {
      if (!req.has_param(param)) continue;
      auto f = ParsePayloadFormat(req.get_param_value(param), param);
      if (!f.ok()) return Json(res, 400, "{\"error\":" + JsonString(f.status().message()) + "}");
      *format = *f;
    }
    if (auto n = log_->PartitionCount(topic); !n.ok())
      return Json(res, 400, "{\"error\":" + JsonString(n.status().message()) + "}");
    if (streams_.fetch_add(1) >= kMaxConsumeStreams) {
      streams_.fetch_sub(1);
      return Json(res, 503,
                  "{\"error\":\"" + std::to_string(kMaxConsumeStreams) +
                      " consume streams are open; close one or pass max/timeout_ms so streams end\"}");
    }
    o.group = "topo-consume-http-" + std::to_string(getpid()) + "-" + std::to_string(++consumers_);
    res.set_chunked_content_provider(
        "application/x-ndjson",
        [this, topic, o](size_t, httplib::DataSink& sink) {
          Status st = ConsumeLines(
              *log_, topic, o,
              [&](const std::string& line) {
                std::string l = line + "\n";
                return sink.is_writable() && sink.write(l.data(), l.size());
              },
              &stopping_);
          // An error mid-stream cannot change the status: end the stream
          // without its terminating chunk, so the client sees a failure.
          if (!st.ok()) {
            std::fprintf(stderr, "http: consume %s: %s\n", topic.c_str(), st.message().c_str());
            return false;
          }
          sink.done();
          return true;
        },
        [this](bool) { streams_.fetch_sub(1); });
  });
}

}  // namespace topo::cli
