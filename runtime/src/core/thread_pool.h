//===- thread_pool.h - Shared intra-op thread pool --------------*- C++ -*-===//
//
// Serves the exec ctx's `parallel_for`. One process-wide pool, created on
// first use; workers are added lazily (up to the largest thread count any run
// has asked for, capped at kMaxWorkers).
//
// Deadlock freedom: the calling thread always takes part and can finish a
// job alone, so a job never waits for a worker to become free. A
// parallel_for issued from inside a task (nested) runs serially on the
// thread that issued it, which also keeps a run within its thread budget.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_RUNTIME_CORE_THREAD_POOL_H
#define BERTC_RUNTIME_CORE_THREAD_POOL_H

#include <atomic>
#include <condition_variable>

#ifndef BERTC_POOL_SPIN
#define BERTC_POOL_SPIN 20000 // pause loops, ~100 us
#endif
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace bertc::runtime {

using TaskFn = void (*)(void *arg, int64_t begin, int64_t end);

class ThreadPool {
public:
  static constexpr size_t kMaxWorkers = 255;

  /// The process-wide pool.
  static ThreadPool &global();

  ThreadPool() = default;
  ThreadPool(const ThreadPool &) = delete;
  ThreadPool &operator=(const ThreadPool &) = delete;
  ~ThreadPool();

  /// Calls fn(arg, b, e) over disjoint ranges covering [0, n), using at most
  /// `max_threads` threads including the caller, and returns when all calls
  /// have returned. Ranges are at least `grain` long (except the last).
  void parallelFor(int64_t n, int64_t grain, int max_threads, TaskFn fn,
                   void *arg);

  /// Number of worker threads currently alive (for tests and diagnostics).
  size_t numWorkers();

  /// True while the current thread executes a parallelFor task.
  static bool inTask();

private:
  struct Job;
  void ensureWorkers(size_t count);
  void workerLoop();
  static void runChunks(Job &job);

  std::mutex mu_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  std::vector<std::thread> workers_;
  bool stop_ = false;
  // Lock-free hints for the workers' short poll before sleeping.
  std::atomic<int> queued_{0};
  std::atomic<bool> stopFlag_{false};
  static constexpr int kSpinIterations = BERTC_POOL_SPIN;
};

} // namespace bertc::runtime

#endif // BERTC_RUNTIME_CORE_THREAD_POOL_H
