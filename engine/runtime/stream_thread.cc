#include "engine/runtime/stream_thread.h"

#include <chrono>
#include <set>

namespace topo::runtime {

namespace {

constexpr int kPollTimeoutMs = 100;
// How often a stream thread updates the consumer lag it reports.
constexpr int64_t kLagRefreshMs = 250;
// A thread that keeps failing right after rejoining stops instead: this many
// rejoins in a row without a successful commit point between them.
constexpr int kMaxRejoinsWithoutCommit = 5;

// Errors a new consumer and producer recover from (processing resumes from
// the committed offsets): fenced or lost partitions (another member owns the
// work now), and the log's I/O errors — an aborted transaction, a producer or
// consumer that failed for good (a new one starts clean), a lost delivery
// under at_least_once, a commit refused during a rebalance. A record the log
// refuses for good comes back as an invalid-argument error (too large, no such
// partition) and is not among them: replaying it would fail the same way.
bool RecoverByRejoining(const Status& s) {
  return s.code() == StatusCode::kFenced || s.code() == StatusCode::kIoError;
}

// "deal.events[0-3,7] escrow.commands[3]".
std::string Describe(const std::vector<log::TopicPartition>& tps) {
  std::map<std::string, std::set<int32_t>> by_topic;
  for (const auto& tp : tps) by_topic[tp.topic].insert(tp.partition.value());
  std::string out;
  for (const auto& [topic, parts] : by_topic) {
    std::string ranges;
    for (auto it = parts.begin(); it != parts.end();) {
      int32_t first = *it, last = *it;
      while (++it != parts.end() && *it == last + 1) last = *it;
      ranges += (ranges.empty() ? "" : ",") + std::to_string(first) +
                (last > first ? "-" + std::to_string(last) : "");
    }
    out += (out.empty() ? "" : " ") + topic + "[" + ranges + "]";
  }
  return out;
}

int64_t MonotonicUs() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace

StreamThread::StreamThread(std::shared_ptr<const CompiledTopology> topology, log::Log* log,
                           StreamThreadOptions options, StreamThreadOwner* owner)
    : topology_(std::move(topology)),
      log_(log),
      options_(std::move(options)),
      owner_(owner),
      clock_(*options_.clock) {
  TaskManager::ConsumerView view;
  view.known_lag = [this](const log::TopicPartition& tp) { return consumer_->KnownLag(tp); };
  view.committed_metadata = [this](const log::TopicPartition& tp) -> Result<std::optional<std::string>> {
    ASSIGN_OR_RETURN(std::optional<log::OffsetAndMetadata> c, consumer_->CommittedWithMetadata(tp));
    if (!c) return std::optional<std::string>();
    return std::optional<std::string>(c->metadata);
  };
  tasks_ = std::make_unique<TaskManager>(topology_, options_.tasks, &clock_, this, std::move(view));
  tasks_->set_record_limits(options_.record_limits);
}

StreamThread::~StreamThread() {
  if (thread_.joinable()) thread_.join();
}

Status StreamThread::Init() {
  const std::string client =
      options_.application_id + "-" + options_.instance_id + "-thread-" + std::to_string(options_.index);
  ASSIGN_OR_RETURN(auto consumer, log_->NewConsumer(options_.application_id, client, options_.index));
  // Transactional ids are unique per running producer (two instances have two
  // instance ids, so they never fence each other) and stable across restarts
  // of one instance (its state dir keeps the id): a successor's
  // InitTransactions fences the dead process's open transaction at once.
  ASSIGN_OR_RETURN(auto producer, log_->NewProducer(options_.exactly_once ? client : ""));
  // A task's input partitions are assigned together.
  std::vector<std::vector<std::string>> copartitioned;
  for (const auto& sub : topology_->graph().subtopologies)
    if (!sub.source_topics.empty()) copartitioned.push_back(sub.source_topics);
  RETURN_IF_ERROR(consumer->SubscribeCopartitioned(copartitioned, this));
  consumer_ = std::move(consumer);
  producer_ = std::move(producer);
  consumer_closed_ = false;
  return Status::Ok();
}

void StreamThread::Start() {
  thread_ = std::thread([this] { result_ = Run(); });
}

Status StreamThread::Join() {
  if (thread_.joinable()) thread_.join();
  return result_;
}

void StreamThread::CloseConsumer() {
  if (consumer_ && !consumer_closed_)
    consumer_->Close().IgnoreError();  // the threads' results decide the exit
  consumer_closed_ = true;
}

Status StreamThread::Send(RawRecord record) {
  if (record.topic != out_topic_) {  // a task mostly writes runs to one topic: skip the map lookup
    std::lock_guard<std::mutex> lock(mu_);
    out_counters_ = &topic_out_[record.topic];
    out_topic_ = record.topic;
  }
  out_counters_->written.Add();
  if (record.timestamp.value() > 0)
    out_counters_->e2e_latency.Observe((now_ms_ - record.timestamp.value()) * 1000);
  ++records_out_;
  return producer_->Send(std::move(record));
}

void StreamThread::OnAssigned(const std::vector<log::TopicPartition>& added) {
  joined_.store(true);
  Result<int> created = tasks_->Assign(added);
  if (!created.ok()) {
    SetError(created.status());
    return;
  }
  if (added.empty()) {  // a rebalance that gave this thread nothing new
    owner_->Event(Name() + ": assigned nothing new (" + std::to_string(tasks_->tasks()) + " task(s) in all)");
  } else {
    owner_->Event(Name() + ": assigned " + Describe(added) + " (" + std::to_string(*created) +
                  " new task(s), " + std::to_string(tasks_->tasks()) + " in all)");
  }
}

void StreamThread::OnRevoked(const std::vector<log::TopicPartition>& removed) {
  // Whatever was processed from these partitions is committed before they
  // move — unless this thread is rejoining after being fenced: then nothing
  // may be committed (another instance owns the work now).
  if (!rejoining_) {
    SetError(tasks_->Suspend(removed));
    SetError(Commit());
  }
  tasks_->CloseSuspended();
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (const auto& tp : removed) lag_.erase(tp);
  }
  owner_->Event(Name() + ": revoked " + Describe(removed) + " (" + std::to_string(tasks_->tasks()) +
                " task(s) left)");
}

void StreamThread::OnLost(const std::vector<log::TopicPartition>& lost) {
  // Another member owns these partitions already: nothing of them may be
  // committed. Their tasks shared this thread's open transaction with the
  // others, so every task goes back to the last commit: rejoin.
  SetError(Status::Fenced(Name() + " lost " + Describe(lost) + " (its membership expired)"));
}

void StreamThread::AddTo(AppSnapshot* s) const {
  s->records_in += tasks_->records_in();
  s->records_out += records_out_.Get();
  s->commit_latency += commit_latency_.Read();
  s->last_commit_latency_us =
      std::max<uint64_t>(s->last_commit_latency_us, static_cast<uint64_t>(last_commit_latency_us_.load()));
  s->rejoins += rejoins_.Get();
  s->tasks += tasks_->tasks();
  ++s->threads;
  if (joined_.load()) ++s->threads_joined;
  s->paused_partitions += tasks_->paused();
  s->pauses += tasks_->pauses();
  s->enforced_processing += tasks_->enforced();
  tasks_->AddTopicMetrics(&s->topic_in, &s->topic_errors);
  tasks_->AddNodeMetrics(&s->nodes);
  tasks_->AddStreamTimes(&s->stream_time);
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [topic, c] : topic_out_) {
    s->topic_out[topic] += c.written.Get();
    s->topic_e2e_latency[topic] += c.e2e_latency.Read();
  }
  for (const auto& [tp, n] : lag_) s->lag[tp] = n;
}

Status StreamThread::Run() {
  Status st = options_.exactly_once ? producer_->BeginTransaction() : Status::Ok();
  int64_t last_commit = clock_.NowMs();
  bool more = false;  // records buffered that can be processed now: poll without waiting
  while (!owner_->stopping()) {
    if (st.ok()) st = Step(&more);
    if (st.ok() && clock_.NowMs() - last_commit >= options_.commit_interval_ms) {
      st = Commit();
      last_commit = clock_.NowMs();
      // A commit point passed (whether or not there was anything to commit):
      // the thread works again, so an earlier incident no longer counts
      // against the rejoin budget — an idle thread's rare incidents must not
      // add up until the run stops.
      if (st.ok()) rejoins_without_commit_ = 0;
    }
    // A failed rejoin (its new producer or consumer failed too) is tried
    // again, after a growing pause, within the same budget.
    while (RecoverByRejoining(st) && rejoins_without_commit_ < kMaxRejoinsWithoutCommit) {
      const int64_t backoff_ms = rejoins_without_commit_ == 0 ? 0 : 1000 << (rejoins_without_commit_ - 1);
      ++rejoins_without_commit_;
      if (backoff_ms > 0 && owner_->WaitForStop(backoff_ms)) break;
      st = Rejoin(st);
    }
    if (!st.ok()) break;
  }
  if (st.ok()) {
    st = Commit();  // graceful stop: everything processed is committed
  } else if (options_.exactly_once && producer_) {
    // Nothing of the failed transaction may become visible.
    producer_->AbortTransaction().IgnoreError();  // the original error is what the user needs
  }
  // Committed, or not to be committed: OnRevoked during Close finds no task.
  tasks_->CloseAllDirty();
  if (!st.ok()) owner_->RequestStop();  // wakes the others, also from a rejoin backoff
  // The consumer leaves the group later (CloseConsumer), once every thread has
  // made its final commit.
  return st;
}

// One round: poll, buffer, pause full partitions, process what can be
// processed in order, resume drained partitions.
Status StreamThread::Step(bool* more) {
  batch_.clear();
  RETURN_IF_ERROR(consumer_->Poll(*more ? 0 : kPollTimeoutMs, options_.max_poll_records, &batch_));
  if (!error_.ok()) return std::exchange(error_, Status::Ok());  // from a rebalance callback
  now_ms_ = clock_.NowMs();
  std::vector<log::TopicPartition> pause, resume;
  RETURN_IF_ERROR(tasks_->Buffer(&batch_, &pause));
  if (!pause.empty()) RETURN_IF_ERROR(consumer_->Pause(pause));
  RETURN_IF_ERROR(tasks_->Process(&resume, more));
  if (!resume.empty()) RETURN_IF_ERROR(consumer_->Resume(resume));
  if (const int64_t now = clock_.NowMs(); now - lag_refreshed_ms_ >= kLagRefreshMs) {
    auto lag = tasks_->Lag();
    std::lock_guard<std::mutex> lock(mu_);
    lag_ = std::move(lag);
    lag_refreshed_ms_ = now;
  }
  return Status::Ok();
}

Status StreamThread::Commit() {
  if (!tasks_->CommitNeeded()) return Status::Ok();
  const int64_t start_us = MonotonicUs();
  log::OffsetMap offsets;
  log::CommitMetadata metadata;
  RETURN_IF_ERROR(tasks_->PrepareCommit(&offsets, &metadata));
  if (options_.exactly_once) {
    RETURN_IF_ERROR(producer_->CommitTransaction(offsets, metadata, *consumer_));
    RETURN_IF_ERROR(producer_->BeginTransaction());
  } else {
    RETURN_IF_ERROR(producer_->Flush());
    if (!offsets.empty()) RETURN_IF_ERROR(consumer_->CommitOffsets(offsets, metadata));
  }
  tasks_->CommitSucceeded();
  const int64_t us = MonotonicUs() - start_us;
  commit_latency_.Observe(us);
  last_commit_latency_us_.store(us);
  return Status::Ok();
}

// Fenced (another instance owns this thread's work now) or another
// RecoverByRejoining error: closes every task without committing, leaves the
// group and joins it again with a new consumer and producer; the tasks come
// back (here or elsewhere) from the committed offsets, so nothing is lost or
// (exactly_once) written twice.
// A previous attempt that failed in Init left no consumer or producer.
Status StreamThread::Rejoin(const Status& cause) {
  owner_->Event(
      Name() + ": " + cause.message() + "; closing " + std::to_string(tasks_->tasks()) +
      " task(s) without committing and rejoining the group" +
      (rejoins_without_commit_ > 1 ? " (attempt " + std::to_string(rejoins_without_commit_) + ")" : ""));
  if (options_.exactly_once && producer_)
    producer_->AbortTransaction().IgnoreError();  // fenced: the broker aborts it anyway
  rejoining_ = true;
  joined_.store(false);
  if (consumer_) consumer_->Close().IgnoreError();  // may fail when fenced; the new member joins regardless
  rejoining_ = false;
  tasks_->CloseAllDirty();
  {
    std::lock_guard<std::mutex> lock(mu_);
    lag_.clear();
  }
  error_ = Status::Ok();
  ++rejoins_;
  consumer_.reset();
  producer_.reset();
  RETURN_IF_ERROR(Init());
  return options_.exactly_once ? producer_->BeginTransaction() : Status::Ok();
}

}  // namespace topo::runtime
