// concurrent_run MODEL.so THREADS ITERATIONS
//
// Thread-safety check on a real compiled model (test/e2e/concurrent-runs.test):
// every thread runs the same loaded model on its own inputs (token ids for
// int64 inputs, 1s for inputs named *mask*; batch and sequence differ per
// thread), with 1 or 2 intra-op threads, and compares each output bit for bit
// with a reference run made alone beforehand. Exits 1 on any difference.
#include "bertc/runtime.hpp"

#include <atomic>
#include <cstdio>
#include <cstring>
#include <thread>
#include <vector>

namespace {

struct Inputs {
  std::vector<std::vector<int64_t>> i64;
  std::vector<std::vector<float>> f32;
  std::vector<bertc::Tensor> tensors;
};

/// Inputs for `model` with dynamic dims bound to (batch, seq) in order.
Inputs makeInputs(const bertc::Model &model, int64_t batch, int64_t seq,
                  int seed) {
  Inputs in;
  in.i64.reserve(model.num_inputs());
  in.f32.reserve(model.num_inputs());
  for (size_t i = 0; i < model.num_inputs(); ++i) {
    bertc::TensorInfo info = model.input(i);
    std::vector<int64_t> dims;
    int dyn = 0;
    int64_t count = 1;
    for (int64_t d : info.dims) {
      dims.push_back(d >= 0 ? d : (dyn++ == 0 ? batch : seq));
      count *= dims.back();
    }
    if (info.dtype == BERTC_DTYPE_I64) {
      std::vector<int64_t> v(count);
      bool mask = info.name.find("mask") != std::string::npos;
      bool types = info.name.find("type") != std::string::npos;
      for (int64_t k = 0; k < count; ++k)
        v[k] = mask ? 1 : types ? 0 : (k * 7 + seed * 13) % 97;
      in.i64.push_back(std::move(v));
      in.tensors.push_back(bertc::Tensor::view(dims, in.i64.back().data()));
    } else {
      std::vector<float> v(count);
      for (int64_t k = 0; k < count; ++k)
        v[k] = 0.01f * float((k * 3 + seed) % 50) - 0.25f;
      in.f32.push_back(std::move(v));
      in.tensors.push_back(bertc::Tensor::view(dims, in.f32.back().data()));
    }
  }
  return in;
}

std::vector<std::vector<char>> bytes(const std::vector<bertc::Tensor> &outs) {
  std::vector<std::vector<char>> r;
  for (const bertc::Tensor &t : outs) {
    const char *p = static_cast<const char *>(t.raw_data());
    r.emplace_back(p, p + t.byte_size());
  }
  return r;
}

} // namespace

int main(int argc, char **argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: concurrent_run MODEL.so THREADS ITERATIONS\n");
    return 2;
  }
  int threads = std::atoi(argv[2]), iterations = std::atoi(argv[3]);
  try {
    bertc::Model model(argv[1]);
    struct Work {
      int64_t batch, seq;
      Inputs in;
      std::vector<std::vector<char>> expected;
    };
    std::vector<Work> work(threads);
    for (int t = 0; t < threads; ++t) {
      work[t].batch = 1 + t % 3;
      work[t].seq = 5 + 3 * t;
      work[t].in = makeInputs(model, work[t].batch, work[t].seq, t);
      bertc::RunOptions alone;
      alone.set_num_threads(1);
      work[t].expected = bytes(model.run(work[t].in.tensors, &alone));
    }
    std::atomic<int> mismatches{0}, failures{0};
    std::vector<std::thread> pool;
    for (int t = 0; t < threads; ++t)
      pool.emplace_back([&, t] {
        bertc::RunOptions opts;
        opts.set_num_threads(1 + t % 2);
        for (int it = 0; it < iterations; ++it) {
          try {
            if (bytes(model.run(work[t].in.tensors, &opts)) != work[t].expected)
              ++mismatches;
          } catch (const bertc::Error &e) {
            std::fprintf(stderr, "thread %d: %s\n", t, e.what());
            ++failures;
          }
        }
      });
    for (auto &th : pool)
      th.join();
    std::printf("%d threads x %d runs: %d mismatches, %d failures\n", threads,
                iterations, mismatches.load(), failures.load());
    return mismatches || failures ? 1 : 0;
  } catch (const bertc::Error &e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
