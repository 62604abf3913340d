//===- thread_pool_test.cpp - Tests of the runtime's thread pool ----------===//
#include "thread_pool.h"

#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using bertc::runtime::ThreadPool;

namespace {

struct Coverage {
  std::vector<std::atomic<int>> hits;
  std::atomic<int64_t> minRange{INT64_MAX};
  std::atomic<int> calls{0};
  explicit Coverage(int64_t n) : hits(static_cast<size_t>(n)) {}
  static void task(void *arg, int64_t b, int64_t e) {
    auto *c = static_cast<Coverage *>(arg);
    ++c->calls;
    int64_t len = e - b, cur = c->minRange.load();
    while (len < cur && !c->minRange.compare_exchange_weak(cur, len)) {
    }
    for (int64_t i = b; i < e; ++i)
      c->hits[static_cast<size_t>(i)]++;
  }
  bool exactlyOnce() const {
    for (const auto &h : hits)
      if (h.load() != 1)
        return false;
    return true;
  }
};

TEST(ThreadPool, CoversRangeExactlyOnce) {
  ThreadPool pool;
  for (int64_t n : {1, 2, 7, 64, 1000, 12345})
    for (int64_t grain : {1, 3, 100})
      for (int threads : {1, 2, 4, 9}) {
        Coverage c(n);
        pool.parallelFor(n, grain, threads, Coverage::task, &c);
        EXPECT_TRUE(c.exactlyOnce()) << n << " " << grain << " " << threads;
        EXPECT_LE(c.calls.load(), (n + grain - 1) / grain);
      }
}

TEST(ThreadPool, SerialCases) {
  ThreadPool pool;
  Coverage c(10);
  pool.parallelFor(10, 100, 8, Coverage::task, &c); // one grain: serial
  EXPECT_EQ(c.calls.load(), 1);
  pool.parallelFor(0, 1, 8, Coverage::task, &c); // nothing to do
  pool.parallelFor(-5, 1, 8, Coverage::task, &c);
  pool.parallelFor(10, 1, 8, nullptr, &c);
  EXPECT_EQ(c.calls.load(), 1);
  EXPECT_TRUE(c.exactlyOnce());
  EXPECT_EQ(pool.numWorkers(), 0u); // no worker needed so far
}

TEST(ThreadPool, UsesAtMostMaxThreads) {
  ThreadPool pool;
  for (int threads : {1, 2, 3}) {
    std::mutex mu;
    std::set<std::thread::id> ids;
    struct Arg {
      std::mutex *mu;
      std::set<std::thread::id> *ids;
    } arg{&mu, &ids};
    pool.parallelFor(
        300, 1, threads,
        [](void *p, int64_t, int64_t) {
          auto *a = static_cast<Arg *>(p);
          std::this_thread::sleep_for(std::chrono::microseconds(100));
          std::lock_guard<std::mutex> lock(*a->mu);
          a->ids->insert(std::this_thread::get_id());
        },
        &arg);
    EXPECT_LE(ids.size(), static_cast<size_t>(threads));
    EXPECT_GE(ids.size(), 1u);
  }
  EXPECT_EQ(pool.numWorkers(), 2u); // grown lazily to threads - 1
}

struct Nested {
  ThreadPool *pool;
  std::atomic<int64_t> inner{0};
  static void innerTask(void *arg, int64_t b, int64_t e) {
    static_cast<Nested *>(arg)->inner += e - b;
  }
  static void outerTask(void *arg, int64_t b, int64_t e) {
    auto *n = static_cast<Nested *>(arg);
    EXPECT_TRUE(ThreadPool::inTask());
    for (int64_t i = b; i < e; ++i)
      n->pool->parallelFor(100, 1, 4, innerTask, n);
  }
};

TEST(ThreadPool, NestedCallsDoNotDeadlock) {
  ThreadPool pool;
  Nested n{&pool};
  pool.parallelFor(64, 1, 4, Nested::outerTask, &n);
  EXPECT_EQ(n.inner.load(), 6400);
  EXPECT_FALSE(ThreadPool::inTask());
}

TEST(ThreadPool, ConcurrentCallersShareThePool) {
  ThreadPool pool;
  std::vector<std::thread> callers;
  std::atomic<int> bad{0};
  for (int t = 0; t < 8; ++t)
    callers.emplace_back([&, t] {
      for (int i = 0; i < 50; ++i) {
        Coverage c(257 + t);
        pool.parallelFor(257 + t, 2, 1 + (t + i) % 4, Coverage::task, &c);
        if (!c.exactlyOnce())
          ++bad;
        Nested n{&pool};
        pool.parallelFor(8, 1, 3, Nested::outerTask, &n);
        if (n.inner.load() != 800)
          ++bad;
      }
    });
  for (auto &c : callers)
    c.join();
  EXPECT_EQ(bad.load(), 0);
}

TEST(ThreadPool, GlobalIsShared) {
  EXPECT_EQ(&ThreadPool::global(), &ThreadPool::global());
}

} // namespace
