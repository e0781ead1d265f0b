// topo run FILE: run a topology on the embedded log (default) or on Kafka.
#include <unistd.h>
#include <xxhash.h>

#include <chrono>
#include <condition_variable>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/common.h"
#include "cli/http_client.h"
#include "cli/http_server.h"
#include "cli/log_flags.h"
#include "cli/record_io.h"
#include "cli/run_summary.h"
#include "engine/runtime/application.h"

namespace topo::cli {

namespace {

std::atomic<int> g_signals{0};

void OnSignal(int) {
  // A second Ctrl-C exits at once (the first asks for a graceful stop).
  if (g_signals.fetch_add(1) >= 1) _exit(130);
}

std::string Rate(uint64_t n, double seconds) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.0f/s", seconds > 0 ? n / seconds : 0.0);
  return buf;
}

// `--produce` remembers each file it loaded into an embedded data dir in
// <data-dir>/PRODUCED, one line per load: "<xxh3-128 of the content> <topic>
// <records> <file>", so running the same command twice does not load the
// samples twice. Written after the records were flushed: a crash in between
// loads the file again on the next run (at least once, never silently lost).
// XXH3 is not cryptographic, and need not be: the question is whether this
// file's content was loaded before, not whether anyone forged it. Lines of
// older versions (64 hex digits of SHA-256) never match a 32-digit hash.
std::string LedgerPath(const std::string& data_dir) { return data_dir + "/PRODUCED"; }

bool AlreadyLoaded(const std::string& data_dir, const std::string& hash, const std::string& topic) {
  std::ifstream in(LedgerPath(data_dir));
  std::string h, t, rest;
  while (in >> h >> t && std::getline(in, rest))
    if (h == hash && t == topic) return true;
  return false;
}

Status RememberLoaded(const std::string& data_dir, const std::string& hash, const std::string& topic,
                      uint64_t n, const std::string& file) {
  std::ofstream out(LedgerPath(data_dir), std::ios::app);
  out << hash << " " << topic << " " << n << " " << file << "\n";
  out.flush();
  if (!out) return Status::IoError("cannot write " + LedgerPath(data_dir), false);
  return Status::Ok();
}

// XXH3-128 of a file's bytes as 32 hex digits, or nullopt when it cannot be read.
std::optional<std::string> FileHash(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::nullopt;
  std::unique_ptr<XXH3_state_t, decltype(&XXH3_freeState)> state(XXH3_createState(), &XXH3_freeState);
  if (!state || XXH3_128bits_reset(state.get()) != XXH_OK) return std::nullopt;
  std::string buf(1 << 16, '\0');
  while (in.read(buf.data(), buf.size()) || in.gcount() > 0)
    XXH3_128bits_update(state.get(), buf.data(), static_cast<size_t>(in.gcount()));
  if (in.bad()) return std::nullopt;
  const XXH128_hash_t h = XXH3_128bits_digest(state.get());
  char hex[33];
  std::snprintf(hex, sizeof hex, "%016llx%016llx", static_cast<unsigned long long>(h.high64),
                static_cast<unsigned long long>(h.low64));
  return std::string(hex);
}

}  // namespace

void RegisterRun(CLI::App& app, int* exit_code) {
  auto* cmd = app.add_subcommand("run", "Run a topology until interrupted (Ctrl-C commits and exits 0)");
  struct Args {
    std::string file;
    LoadFlags load;
    LogFlags log;
    int threads = 1;
    double status_interval_s = 2;
    std::vector<std::string> produce;
    bool produce_again = false;
    int64_t exit_when_idle_ms = 0;
    std::string application_id;
    std::string state_dir;  // empty: <data-dir>/state, or ./.topo-state on Kafka
    int http_port = 7070;
    std::string http_bind = "127.0.0.1";
    // 0 / -1: the topology's config, else the engine's default (RunOptions).
    int64_t commit_interval_ms = 0;
    size_t buffered_records = 0;
    int64_t max_task_idle_ms = -1;
  };
  auto args = std::make_shared<Args>();
  cmd->add_option("file", args->file, "Topology file (.jsonnet)")->required();
  cmd->add_option("--threads", args->threads, "Stream threads")->capture_default_str();
  cmd->add_option("--application-id", args->application_id,
                  "Consumer group / transactional id prefix (default: the topology's)");
  cmd->add_option("--state-dir", args->state_dir,
                  "Where this instance keeps its id (stable Kafka transactional ids) and, later, its state; "
                  "one per running instance (default: <data-dir>/state, or ./.topo-state with "
                  "--bootstrap-servers)");
  cmd->add_option(
      "--produce", args->produce,
      "Before starting, feed TOPIC from a JSON-lines FILE (TOPIC=FILE, repeatable; as topo produce "
      "reads it). On the embedded log a file whose content was loaded into TOPIC before is skipped");
  cmd->add_flag("--produce-again", args->produce_again,
                "Load every --produce file, also one already loaded into this data dir");
  cmd->add_option("--status-interval", args->status_interval_s, "Seconds between status lines (0: none)")
      ->capture_default_str();
  cmd->add_option("--exit-when-idle", args->exit_when_idle_ms,
                  "Commit and exit once partitions are assigned and no record arrived for this many ms "
                  "(batch runs, tests)");
  cmd->add_option("--http-port", args->http_port,
                  "Local HTTP port: GET /health, GET /metrics (Prometheus), POST|GET /topics/T/records "
                  "(what topo produce/consume use while this run holds the data dir); 0 picks a free "
                  "port, -1 serves none")
      ->capture_default_str();
  cmd->add_option("--commit-interval", args->commit_interval_ms,
                  "Milliseconds between commits (default: config.commit_interval_ms, else 100 exactly-once, "
                  "30000 at-least-once)")
      ->check(CLI::Range(int64_t{1}, int64_t{86400000}));
  cmd->add_option("--buffered-records", args->buffered_records,
                  "Records buffered per input partition before it is paused (default: "
                  "config.buffered_records_per_partition, else 1000)")
      ->check(CLI::Range(size_t{1}, size_t{1} << 24));
  cmd->add_option("--max-task-idle", args->max_task_idle_ms,
                  "Milliseconds a task reading several partitions waits for an empty one before processing "
                  "the others out of order (default: config.max_task_idle_ms, else 1000)")
      ->check(CLI::Range(int64_t{0}, int64_t{86400000}));
  cmd->add_option("--http-bind", args->http_bind,
                  "Address the HTTP port listens on (loopback only by default)")
      ->capture_default_str();
  args->load.AddTo(cmd);
  args->log.AddTo(cmd);
  cmd->callback([args, exit_code] {
    auto fail = [&](int code, const std::string& msg) {
      std::fprintf(stderr, "topo run: %s\n", msg.c_str());
      *exit_code = code;
    };
    auto opts = args->load.ToOptions();
    if (!opts.ok()) return fail(kExitUsage, opts.status().message());
    Compiled c = LoadAndCompile(args->file, *opts);
    if (!c.topology) {
      if (!c.load_error.empty()) std::fprintf(stderr, "%s\n", c.load_error.c_str());
      for (const auto& d : c.diagnostics) std::fprintf(stderr, "%s\n", d.ToString().c_str());
      *exit_code = c.exit_code;
      return;
    }
    if (args->http_port < -1 || args->http_port > 65535)
      return fail(kExitUsage, "--http-port must be -1..65535");
    if (!args->log.bootstrap_servers.empty()) {
      std::printf("topo run: connecting to Kafka at %s (waiting up to %g s)\n",
                  args->log.bootstrap_servers.c_str(), args->log.kafka_timeout_s);
      std::fflush(stdout);
    }
    if (runtime::Application::ExactlyOnce(*c.topology)) {
      runtime::RunOptions resolve;
      resolve.commit_interval_ms = args->commit_interval_ms;
      Status fit =
          args->log.FitTransactionTimeout(runtime::Application::CommitIntervalMs(*c.topology, resolve));
      if (!fit.ok()) return fail(kExitUsage, fit.message());
    }
    auto log = args->log.Open();
    if (!log.ok()) return fail(kExitFailure, log.status().message());
    const bool embedded = args->log.bootstrap_servers.empty();
    if (embedded) RemoveHttpFiles(args->log.data_dir);  // what a killed run left: this one owns the dir now
    const bool tty = isatty(fileno(stdout));
    // Event lines come from the stream threads; the status line from this one.
    auto out_mu = std::make_shared<std::mutex>();
    auto inline_status = std::make_shared<bool>(false);  // a status line is drawn without newline
    runtime::RunOptions ro;
    ro.threads = args->threads;
    ro.application_id = args->application_id;
    ro.commit_interval_ms = args->commit_interval_ms;
    ro.max_buffered_records = args->buffered_records;
    ro.max_task_idle_ms = args->max_task_idle_ms;
    ro.state_dir = !args->state_dir.empty() ? args->state_dir
                   : embedded               ? args->log.data_dir + "/state"
                                            : std::string("./.topo-state");
    ro.on_event = [out_mu, inline_status](const std::string& line) {
      std::lock_guard<std::mutex> lock(*out_mu);
      std::printf("%s%s\n", *inline_status ? "\r\033[K" : "", line.c_str());
      *inline_status = false;
      std::fflush(stdout);
    };
    auto app = runtime::Application::Create(c.topology, log->get(), ro);
    if (!app.ok())
      return fail(app.status().code() == StatusCode::kInvalidArgument ? kExitUsage : kExitFailure,
                  app.status().message());
    std::printf("topo run: topology '%s' (%s), backend %s, application id '%s', %d thread(s)\n",
                c.topology->name().c_str(), (*app)->exactly_once() ? "exactly_once" : "at_least_once",
                (*log)->Describe().c_str(), (*app)->application_id().c_str(), args->threads);
    std::printf("  state dir %s, instance %s\n", (*app)->state_path().c_str(), (*app)->instance_id().c_str());
    // Topics first, so --produce finds them with their declared partitions.
    std::vector<std::string> report;
    Status st = (*app)->EnsureTopics(&report);
    for (const auto& line : report) std::printf("  %s\n", line.c_str());
    if (!st.ok()) return fail(kExitFailure, st.message());
    for (const auto& spec : args->produce) {
      auto eq = spec.find('=');
      if (eq == std::string::npos || eq == 0)
        return fail(kExitUsage, "--produce expects TOPIC=FILE, got '" + spec + "'");
      const std::string topic = spec.substr(0, eq), file = spec.substr(eq + 1);
      std::ifstream in(file, std::ios::binary);
      std::optional<std::string> hash = FileHash(file);
      if (!in || !hash) return fail(kExitUsage, "--produce: cannot read " + file);
      if (embedded && !args->produce_again && AlreadyLoaded(args->log.data_dir, *hash, topic)) {
        std::printf(
            "  --produce: %s already loaded into %s (xxh3-128 %s), skipped; --produce-again loads it again\n",
            spec.c_str(), args->log.data_dir.c_str(), hash->substr(0, 16).c_str());
        continue;
      }
      ProduceReport report;
      st = ProduceLines(**log, topic, in, ProduceOptions{}, &report);
      if (!st.ok()) {
        std::string msg = "--produce " + spec + ": " + st.message();
        if (!report.bad.empty()) msg += ":\n" + BadLinesText(report);
        while (!msg.empty() && msg.back() == '\n') msg.pop_back();
        return fail(kExitFailure, msg);
      }
      if (embedded) {
        st = RememberLoaded(args->log.data_dir, *hash, topic, report.produced, file);
        if (!st.ok()) return fail(kExitFailure, st.message());
      }
      std::printf("  produced %llu record(s) into %s from %s\n",
                  static_cast<unsigned long long>(report.produced), topic.c_str(), file.c_str());
    }
    std::unique_ptr<HttpServer> http;
    if (args->http_port >= 0) {
      HttpServerOptions ho;
      ho.bind = args->http_bind;
      ho.port = args->http_port;
      auto server = HttpServer::Start(ho, app->get(), log->get());
      if (!server.ok()) return fail(kExitFailure, server.status().message());
      http = std::move(server).value();
      // produce/consume find the instance holding the data dir through this file.
      if (embedded) {
        st = WriteHttpFiles(args->log.data_dir, ho.bind, http->port());
        if (!st.ok()) return fail(kExitFailure, st.message());
      }
      std::printf("http: listening on %s:%d\n", ho.bind.c_str(), http->port());
    } else if (embedded) {
      // So produce/consume on this data dir can say why they cannot reach it.
      st = WriteHttpFiles(args->log.data_dir, "", -1);
      if (!st.ok()) return fail(kExitFailure, st.message());
    }
    st = (*app)->Start();
    if (!st.ok()) return fail(kExitFailure, st.message());
    std::signal(SIGINT, OnSignal);
    std::signal(SIGTERM, OnSignal);
    std::printf("running; Ctrl-C to stop\n");
    std::fflush(stdout);

    const auto start = std::chrono::steady_clock::now();
    auto last_status = start, last_change = start, last_sample = start;
    uint64_t last_in = 0, last_out = 0, seen_in = 0;
    // When records started and last arrived (50 ms resolution), for the summary's rate.
    std::optional<std::chrono::steady_clock::time_point> first_record, last_record;
    while (g_signals.load() == 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
      auto snap = (*app)->Snapshot();
      auto now = std::chrono::steady_clock::now();
      if (!snap.running) break;  // a thread stopped with an error
      // Idle time counts only once every thread joined the group (a Kafka join takes seconds).
      if (snap.records_in != seen_in) {
        if (!first_record) first_record = last_sample;  // the previous sample: work began after it
        last_record = now;
      }
      last_sample = now;
      if (snap.records_in != seen_in || snap.threads_joined < snap.threads)
        seen_in = snap.records_in, last_change = now;
      if (args->exit_when_idle_ms > 0 &&
          std::chrono::duration_cast<std::chrono::milliseconds>(now - last_change).count() >=
              args->exit_when_idle_ms)
        break;
      double dt = std::chrono::duration<double>(now - last_status).count();
      if (args->status_interval_s > 0 && dt >= args->status_interval_s) {
        int64_t lag = 0;
        for (const auto& [tp, n] : snap.lag) lag += n;
        std::string line =
            "records in " + std::to_string(snap.records_in) + " (" + Rate(snap.records_in - last_in, dt) +
            ")  out " + std::to_string(snap.records_out) + " (" + Rate(snap.records_out - last_out, dt) +
            ")  lag " + std::to_string(lag) + "  errors " + std::to_string(snap.errors) + " (dead-lettered " +
            std::to_string(snap.dead_lettered) + ", skipped " + std::to_string(snap.skipped) + ")  dropped " +
            std::to_string(snap.dropped) + "  tasks " + std::to_string(snap.tasks) + "  commits " +
            std::to_string(snap.commit_latency.count());
        if (snap.paused_partitions > 0) line += "  paused " + std::to_string(snap.paused_partitions);
        std::lock_guard<std::mutex> lock(*out_mu);
        if (tty) {
          std::printf("\r\033[K%s", line.c_str());
          *inline_status = true;
        } else {
          std::printf("%s\n", line.c_str());
        }
        std::fflush(stdout);
        last_status = now, last_in = snap.records_in, last_out = snap.records_out;
      }
    }
    {
      std::lock_guard<std::mutex> lock(*out_mu);
      if (*inline_status) std::printf("\n");
      *inline_status = false;
    }
    std::printf("stopping: committing what was processed...\n");
    std::fflush(stdout);
    (*app)->RequestStop();
    st = (*app)->Wait();
    if (http) http->Stop();
    if (embedded) RemoveHttpFiles(args->log.data_dir);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    auto snap = (*app)->Snapshot();
    const uint64_t commits = snap.commit_latency.count();
    std::printf(
        "stopped: records in %llu, out %llu, errors %llu (dead-lettered %llu, skipped %llu), dropped %llu, "
        "commits %llu (mean %.1f ms)\n",
        static_cast<unsigned long long>(snap.records_in), static_cast<unsigned long long>(snap.records_out),
        static_cast<unsigned long long>(snap.errors), static_cast<unsigned long long>(snap.dead_lettered),
        static_cast<unsigned long long>(snap.skipped), static_cast<unsigned long long>(snap.dropped),
        static_cast<unsigned long long>(commits), commits ? snap.commit_latency.sum_us / 1e3 / commits : 0.0);
    // Wall time, then the span in which records were processed (cli/run_summary.h).
    const double span =
        first_record && last_record ? std::chrono::duration<double>(*last_record - *first_record).count() : 0;
    std::printf("%s\n", ProcessedLine(snap.records_in, wall, span).c_str());
    if (!st.ok()) return fail(kExitFailure, st.message());
    *exit_code = kExitOk;
  });
}

}  // namespace topo::cli
