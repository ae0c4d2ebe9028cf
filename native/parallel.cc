// A fixed set of helper threads, started on first use and kept for the life of the process (never joined: they
// sleep on a condition variable between jobs, and a detached thread blocked there does not delay exit).
#include "parallel.h"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <vector>

#include "openblas.h"

namespace nb {

namespace {

class HelperThreads {
 public:
  // Runs parts 1 … parts-1 of the job on helpers and part 0 here. False when another caller holds the helpers.
  bool run(int parts, int64_t n, const std::function<void(int64_t, int64_t)>& fn) {
    std::unique_lock<std::mutex> caller(callerMutex_, std::try_to_lock);
    if (!caller.owns_lock()) return false;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      while (static_cast<int>(started_) < parts - 1) {
        std::thread(&HelperThreads::loop, this, static_cast<int>(started_) + 1).detach();
        started_++;
      }
      job_ = &fn;
      n_ = n;
      parts_ = parts;
      pending_ = parts - 1;
      generation_++;
    }
    wake_.notify_all();
    fn(0, bound(1));
    std::unique_lock<std::mutex> lock(mutex_);
    done_.wait(lock, [&] { return pending_ == 0; });
    job_ = nullptr;
    return true;
  }

 private:
  int64_t bound(int part) const { return n_ / parts_ * part + std::min<int64_t>(part, n_ % parts_); }

  void loop(int part) {
    uint64_t seen = 0;
    std::unique_lock<std::mutex> lock(mutex_);
    for (;;) {
      wake_.wait(lock, [&] { return generation_ != seen; });
      seen = generation_;
      if (part >= parts_) continue;  // a job with fewer parts than there are helpers
      const std::function<void(int64_t, int64_t)>* fn = job_;
      const int64_t begin = bound(part), end = bound(part + 1);
      lock.unlock();
      (*fn)(begin, end);
      lock.lock();
      if (--pending_ == 0) done_.notify_one();
    }
  }

  std::mutex callerMutex_;  // one job at a time; other callers run theirs alone
  std::mutex mutex_;
  std::condition_variable wake_, done_;
  size_t started_ = 0;
  uint64_t generation_ = 0;
  const std::function<void(int64_t, int64_t)>* job_ = nullptr;
  int64_t n_ = 0;
  int parts_ = 1;
  int pending_ = 0;
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
