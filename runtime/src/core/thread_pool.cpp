//===- thread_pool.cpp - Shared intra-op thread pool ----------------------===//
#include "thread_pool.h"

#include <algorithm>
#include <atomic>
#include <system_error>

namespace bertc::runtime {
namespace {
thread_local bool tlsInTask = false;

/// Sets tlsInTask for a scope and restores the previous value.
struct InTaskScope {
  bool saved;
  InTaskScope() : saved(tlsInTask) { tlsInTask = true; }
  ~InTaskScope() { tlsInTask = saved; }
};
} // namespace

struct ThreadPool::Job {
  TaskFn fn;
  void *arg;
  int64_t n;
  int64_t chunk;
  int64_t numChunks;
  std::atomic<int64_t> next{0};
  std::atomic<int64_t> done{0};
  std::mutex mu;
  std::condition_variable cv;
  bool finished = false; // guarded by mu
};

ThreadPool &ThreadPool::global() {
  static ThreadPool pool;
  return pool;
}

ThreadPool::~ThreadPool() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
    stopFlag_.store(true);
    queue_.clear();
  }
  cv_.notify_all();
  for (std::thread &t : workers_)
    if (t.joinable())
      t.join();
}

bool ThreadPool::inTask() { return tlsInTask; }

size_t ThreadPool::numWorkers() {
  std::lock_guard<std::mutex> lock(mu_);
  return workers_.size();
}

void ThreadPool::ensureWorkers(size_t count) {
  count = std::min(count, kMaxWorkers);
  std::lock_guard<std::mutex> lock(mu_);
  while (workers_.size() < count && !stop_) {
    try {
      workers_.emplace_back([this] { workerLoop(); });
    } catch (const std::system_error &) {
      // Out of threads: carry on with the workers we have; the caller
      // always takes part, so work still completes.
      break;
    }
  }
}

void ThreadPool::workerLoop() {
  tlsInTask = true; // anything a worker runs is a task: nested calls serialize
  for (;;) {
    std::shared_ptr<Job> job;
    // A model run issues a parallel_for every few hundred microseconds:
    // poll briefly before sleeping, so that the next one does not wait for
    // a futex wake-up of this worker.
    for (int spin = 0; spin < kSpinIterations &&
                       queued_.load(std::memory_order_relaxed) == 0 &&
                       !stopFlag_.load(std::memory_order_relaxed);
         ++spin) {
#if defined(__x86_64__) || defined(__i386__)
      __builtin_ia32_pause();
#else
      std::this_thread::yield();
#endif
    }
    {
      std::unique_lock<std::mutex> lock(mu_);
      cv_.wait(lock, [this] { return stop_ || !queue_.empty(); });
      if (stop_)
        return;
      job = std::move(queue_.front());
      queue_.pop_front();
      queued_.fetch_sub(1, std::memory_order_relaxed);
    }
    runChunks(*job);
  }
}

void ThreadPool::runChunks(Job &job) {
  for (;;) {
    int64_t i = job.next.fetch_add(1, std::memory_order_relaxed);
    if (i >= job.numChunks)
      return;
    int64_t begin = i * job.chunk;
    int64_t end = std::min(job.n, begin + job.chunk);
    job.fn(job.arg, begin, end);
    if (job.done.fetch_add(1, std::memory_order_acq_rel) + 1 == job.numChunks) {
      std::lock_guard<std::mutex> lock(job.mu);
      job.finished = true;
      job.cv.notify_all();
    }
  }
}

void ThreadPool::parallelFor(int64_t n, int64_t grain, int max_threads,
                             TaskFn fn, void *arg) {
  if (n <= 0 || !fn)
    return;
  if (grain < 1)
    grain = 1;
  // Number of grain-sized pieces, without overflowing for huge n.
  int64_t pieces = n / grain + (n % grain != 0);
  int64_t threads = std::min<int64_t>(std::max(max_threads, 1), pieces);
  if (threads <= 1 || tlsInTask) {
    InTaskScope scope;
    fn(arg, 0, n);
    return;
  }
  threads = std::min<int64_t>(threads, kMaxWorkers + 1);
  ensureWorkers(static_cast<size_t>(threads - 1));

  // A few chunks per thread balance uneven tasks; never below the grain.
  auto job = std::make_shared<Job>();
  int64_t chunks = std::min<int64_t>(pieces, threads * 4);
  job->fn = fn;
  job->arg = arg;
  job->n = n;
  job->chunk = n / chunks + (n % chunks != 0);
  job->numChunks = n / job->chunk + (n % job->chunk != 0);

  size_t helpers = static_cast<size_t>(threads - 1);
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (size_t i = 0; i < helpers; ++i)
      queue_.push_back(job);
    queued_.fetch_add(static_cast<int>(helpers), std::memory_order_relaxed);
  }
  if (helpers == 1)
    cv_.notify_one();
  else
    cv_.notify_all();

  {
    InTaskScope scope;
    runChunks(*job);
  }
  if (job->done.load(std::memory_order_acquire) != job->numChunks) {
    std::unique_lock<std::mutex> lock(job->mu);
    job->cv.wait(lock, [&] { return job->finished; });
  }
  // Drop queue entries no worker picked up, so they do not delay other jobs.
  std::lock_guard<std::mutex> lock(mu_);
  size_t before = queue_.size();
  queue_.erase(std::remove(queue_.begin(), queue_.end(), job), queue_.end());
  queued_.fetch_sub(static_cast<int>(before - queue_.size()),
                    std::memory_order_relaxed);
}

} // namespace bertc::runtime
