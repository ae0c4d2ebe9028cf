// A fixed set of helper threads, started on first use and kept for the life of the process (detached, never
// joined). Waking a thread that sleeps on a condition variable takes 80–130 µs on these (virtual) machines, more than
// a whole LeNet kernel, so a helper spins (yielding the core at every turn, as OpenBLAS's own threads do) for
// kSpin after each job before it sleeps. kSpin is longer than a training step (MLP-A: ~3.5 ms at 2 threads), so
// that the next step's optimizer finds the helper awake: with 2 ms it slept in between, and MLP-A's sgdStep was
// no faster at 2 threads than at 1 (0.37 ms); with 10 ms, 0.28 ms. The caller spins too while it waits for the
// helpers, which never takes long: it has done its own equal share meanwhile.
#include "parallel.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "openblas.h"

namespace nb {

namespace {

constexpr std::chrono::microseconds kSpin{10000};

class HelperThreads {
 public:
  // Runs parts 1 … parts-1 of the job on helpers and part 0 here. False when another caller holds the helpers.
  bool run(int parts, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> caller(callerMutex_, std::try_to_lock);
    if (!caller.owns_lock()) return false;
    while (static_cast<int>(tickets_.size()) < parts - 1) {
      // The ticket is kept only once its thread runs (std::thread throws when the system refuses one: the caller
      // sees the error, and no job ever waits for a helper that does not exist).
      auto ticket = std::make_unique<std::atomic<uint64_t>>(0);
      std::thread helper(&HelperThreads::loop, this, static_cast<int>(tickets_.size()) + 1, ticket.get());
      tickets_.push_back(std::move(ticket));
      helper.detach();
    }
    job_ = &fn;
    n_ = n;
    parts_ = parts;
    pending_.store(parts - 1);
    // Publishes the job to the helpers it needs (sequentially consistent, as are sleepers_' updates); the others do
    // not look at it, so the next job may overwrite it as soon as these are done.
    for (int k = 1; k < parts; k++) tickets_[k - 1]->fetch_add(1);
    if (sleepers_.load() > 0) {
      std::lock_guard<std::mutex> lock(mutex_);
      wake_.notify_all();
    }
    fn(0, bound(1));
    while (pending_.load() != 0) std::this_thread::yield();
    return true;
  }

 private:
  int64_t bound(int part) const { return n_ / parts_ * part + std::min<int64_t>(part, n_ % parts_); }

  void loop(int part, const std::atomic<uint64_t>* ticket) {
    for (uint64_t seen = 0;; seen++) {
      waitFor(*ticket, seen);
      (*job_)(bound(part), bound(part + 1));
      pending_.fetch_sub(1);
    }
  }

  // Returns once the ticket is no longer `seen`: spinning for kSpin, then asleep until run() wakes it. A helper
  // counts itself in sleepers_ before it last reads its ticket, and run() bumps the ticket before it reads
  // sleepers_, so one of the two sees the other (no lost wake-up).
  void waitFor(const std::atomic<uint64_t>& ticket, uint64_t seen) {
    const auto until = std::chrono::steady_clock::now() + kSpin;
    while (ticket.load() == seen) {
      if (std::chrono::steady_clock::now() < until) {
        std::this_thread::yield();
        continue;
      }
      std::unique_lock<std::mutex> lock(mutex_);
      sleepers_.fetch_add(1);
      wake_.wait(lock, [&] { return ticket.load() != seen; });
      sleepers_.fetch_sub(1);
    }
  }

  std::mutex callerMutex_;  // one job at a time; other callers run theirs alone
  // One ticket per helper (helper k runs part k), bumped when a job needs it; only the caller holding callerMutex_
  // touches the vector, each helper only its own ticket.
  std::vector<std::unique_ptr<std::atomic<uint64_t>>> tickets_;
  // The job: written by the caller before it bumps the tickets, read by those helpers after they see their bump.
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t n_ = 0;
  int parts_ = 1;
  std::atomic<int> pending_{0};
  std::atomic<int> sleepers_{0};
  std::mutex mutex_;  // for sleeping helpers
  std::condition_variable wake_;
};

// Never destroyed: its threads outlive static destruction at exit.
HelperThreads& helpers() {
  static HelperThreads* h = new HelperThreads();
  return *h;
}

}  // namespace

void parallelFor(int64_t n, int64_t grain, const std::function<void(int64_t, int64_t)>& fn) {
  const int64_t byGrain = grain > 0 ? n / grain : n;
  const int parts = static_cast<int>(std::min<int64_t>(configuredThreads(), byGrain));
  if (parts < 2 || !helpers().run(parts, n, fn)) fn(0, n);
}

}  // namespace nb
