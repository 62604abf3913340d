/* gemm_bench: GFLOP/s of bertc's SGEMM (bertc_matmul_f32 and
 * bertc_batch_matmul_f32) at BERT-base shapes, 1 and 2 threads, against the
 * machine's measured fp32 peak (a register-only FMA loop on one core, times
 * the number of threads).
 *
 *   ninja -C build gemm_bench && build/bin/gemm_bench
 *   gemm_bench [--quick] [--threads T] [--min-time S] [M N K ...]
 *
 * Threads run through an exec ctx whose parallel_for is a persistent pthread
 * pool (dynamic chunks, like the runtime's pool), installed with
 * bertc_cpu_set_exec_ctx, exactly as model.so code sees it. */
#define _GNU_SOURCE
#include "bertc/cpu_kernels.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define BENCH_X86 1
#endif

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

/*===---------------------------- peak FLOP/s ----------------------------===*/

/* 16 independent FMA chains in registers: enough to cover the FMA latency
 * (4 cycles) times the number of FMA pipes (2). Returns GFLOP/s. */
#ifdef BENCH_X86
#define CHAINS(X) X(0) X(1) X(2) X(3) X(4) X(5) X(6) X(7) X(8) X(9) X(10) X(11) X(12) X(13) X(14) X(15)
__attribute__((target("avx512f"), noinline)) static double peak_avx512(long it) {
  __m512 x = _mm512_set1_ps(1.0000001f), y = _mm512_set1_ps(-1e-7f);
#define DECL(i) __m512 a##i = _mm512_set1_ps((float)i);
#define STEP(i) a##i = _mm512_fmadd_ps(a##i, x, y);
#define SUM(i) s = _mm512_add_ps(s, a##i);
  CHAINS(DECL)
  double t = now();
  for (long i = 0; i < it; i++) {
    CHAINS(STEP)
    __asm__ volatile("" ::: "memory");
  }
  t = now() - t;
  __m512 s = _mm512_setzero_ps();
  CHAINS(SUM)
  volatile float sink = _mm512_reduce_add_ps(s);
  (void)sink;
  return it * 16.0 * 32 / t / 1e9;
}

__attribute__((target("avx2,fma"), noinline)) static double peak_avx2(long it) {
  __m256 x = _mm256_set1_ps(1.0000001f), y = _mm256_set1_ps(-1e-7f);
#undef DECL
#undef SUM
#define DECL(i) __m256 a##i = _mm256_set1_ps((float)i);
#undef STEP
#define STEP(i) a##i = _mm256_fmadd_ps(a##i, x, y);
#define SUM(i) s = _mm256_add_ps(s, a##i);
  CHAINS(DECL)
  double t = now();
  for (long i = 0; i < it; i++) {
    CHAINS(STEP)
    __asm__ volatile("" ::: "memory");
  }
  t = now() - t;
  __m256 s = _mm256_setzero_ps();
  CHAINS(SUM)
  float f[8];
  _mm256_storeu_ps(f, s);
  volatile float sink = f[0];
  (void)sink;
  return it * 16.0 * 16 / t / 1e9;
}
#endif

static const char *peak_isa = "scalar";

/* Best of a few runs (the first warms the clock up). */
static double peak_gflops(int quick) {
  double best = 0;
#ifdef BENCH_X86
  __builtin_cpu_init();
  long it = quick ? 2000000 : 20000000;
  for (int r = 0; r < 3; r++) {
    double g;
    if (__builtin_cpu_supports("avx512f"))
      g = peak_avx512(it), peak_isa = "avx512";
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      g = peak_avx2(it), peak_isa = "avx2";
    else
      return 0;
    if (g > best)
      best = g;
  }
#endif
  (void)quick;
  return best;
}

/*===------------------------- thread pool exec ctx ----------------------===*/

#define MAX_THREADS 64

typedef struct {
  bertc_abi_exec_ctx ctx; /* first: the kernels see a bertc_abi_exec_ctx */
  int workers;
  pthread_t th[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t cv;
  atomic_long gen;
  atomic_long ack[MAX_THREADS];
  int stop;
  /* the current job */
  bertc_abi_task_fn fn;
  void *arg;
  int64_t n, chunk, chunks;
  atomic_long next;
} pool_t;

static void run_chunks(pool_t *p) {
  for (;;) {
    int64_t i = atomic_fetch_add(&p->next, 1);
    if (i >= p->chunks)
      return;
    int64_t b = i * p->chunk, e = b + p->chunk < p->n ? b + p->chunk : p->n;
    p->fn(p->arg, b, e);
  }
}

typedef struct {
  pool_t *p;
  int id;
} worker_arg;

static void *worker(void *varg) {
  worker_arg *wa = (worker_arg *)varg;
  pool_t *p = wa->p;
  int id = wa->id;
  free(wa);
  long seen = 0;
  for (;;) {
    long g;
    int spins = 0;
    while ((g = atomic_load(&p->gen)) == seen) {
      if (++spins < 200000) {
#ifdef BENCH_X86
        _mm_pause();
#endif
        continue;
      }
      pthread_mutex_lock(&p->mu);
      while ((g = atomic_load(&p->gen)) == seen && !p->stop)
        pthread_cond_wait(&p->cv, &p->mu);
      pthread_mutex_unlock(&p->mu);
      break;
    }
    if (p->stop)
      return NULL;
    seen = g;
    run_chunks(p);
    atomic_store(&p->ack[id], g);
  }
}

static void pool_parallel_for(bertc_abi_exec_ctx *ctx, int64_t n, int64_t grain,
                              bertc_abi_task_fn fn, void *arg) {
  pool_t *p = (pool_t *)ctx;
  if (grain < 1)
    grain = 1;
  int64_t pieces = (n + grain - 1) / grain;
  if (p->workers == 0 || pieces <= 1) {
    fn(arg, 0, n);
    return;
  }
  int64_t chunks = pieces < 4 * (p->workers + 1) ? pieces : 4 * (p->workers + 1);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = (n + chunks - 1) / chunks;
  p->chunks = (n + p->chunk - 1) / p->chunk;
  atomic_store(&p->next, 0);
  pthread_mutex_lock(&p->mu);
  long g = atomic_load(&p->gen) + 1;
  atomic_store(&p->gen, g);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  run_chunks(p);
  for (int w = 0; w < p->workers; w++)
    while (atomic_load(&p->ack[w]) != g) {
#ifdef BENCH_X86
      _mm_pause();
#endif
    }
}

static void report_error(bertc_abi_exec_ctx *ctx, int32_t code, const char *m) {
  (void)ctx;
  fprintf(stderr, "kernel error %d: %s\n", code, m ? m : "");
}

static pool_t *pool_create(int threads) {
  pool_t *p = calloc(1, sizeof *p);
  p->ctx.abi_version = BERTC_ABI_VERSION;
  p->ctx.num_threads = threads;
  p->ctx.parallel_for = pool_parallel_for;
  p->ctx.report_error = report_error;
  p->workers = threads - 1;
  pthread_mutex_init(&p->mu, NULL);
  pthread_cond_init(&p->cv, NULL);
  for (int w = 0; w < p->workers; w++) {
    worker_arg *wa = malloc(sizeof *wa);
    wa->p = p, wa->id = w;
    pthread_create(&p->th[w], NULL, worker, wa);
  }
  return p;
}

static void pool_destroy(pool_t *p) {
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
  atomic_fetch_add(&p->gen, 1);
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  for (int w = 0; w < p->workers; w++)
    pthread_join(p->th[w], NULL);
  free(p);
}

/*===------------------------------ shapes -------------------------------===*/

typedef struct {
  const char *what;
  int64_t batch, m, n, k;
  int transb;   /* B given as [N, K] row-major (strides {1, K}) */
  int bcast_b;  /* batch stride 0 for B (shared weights) */
} shape_t;

static float *make(int64_t n, int seed) {
  float *p = aligned_alloc(64, ((size_t)(n ? n : 1) * 4 + 63) / 64 * 64);
  for (int64_t i = 0; i < n; i++)
    p[i] = 1e-2f * (float)((i * 7 + seed) % 13 - 6);
  return p;
}

static double min_time = 0.25;

/* Seconds per call, best of a few timing rounds. */
static double time_shape(const shape_t *s) {
  int64_t bt = s->batch, m = s->m, n = s->n, k = s->k;
  int64_t bb = s->bcast_b ? 1 : bt;
  float *a = make(bt * m * k, 1), *b = make(bb * k * n, 2), *c = make(bt * m * n, 3);
  bertc_memref3d_f32 A3 = {a, a, 0, {bt, m, k}, {m * k, k, 1}};
  bertc_memref3d_f32 B3 = {b, b, 0, {bt, k, n},
                           {s->bcast_b ? 0 : k * n, s->transb ? 1 : n, s->transb ? k : 1}};
  bertc_memref3d_f32 C3 = {c, c, 0, {bt, m, n}, {m * n, n, 1}};
  bertc_memref2d_f32 A2 = {a, a, 0, {m, k}, {k, 1}};
  bertc_memref2d_f32 B2 = {b, b, 0, {k, n}, {s->transb ? 1 : n, s->transb ? k : 1}};
  bertc_memref2d_f32 C2 = {c, c, 0, {m, n}, {n, 1}};
#define CALL()                                                  \
  do {                                                          \
    if (bt == 1 && !s->bcast_b)                                 \
      _mlir_ciface_bertc_matmul_f32(&A2, &B2, &C2, 0);          \
    else                                                        \
      _mlir_ciface_bertc_batch_matmul_f32(&A3, &B3, &C3, 0);    \
  } while (0)
  CALL(); /* warm up */
  double best = 1e30, spent = 0;
  int rounds = 0;
  while (spent < min_time || rounds < 3) {
    int it = 1;
    double t;
    for (;;) {
      t = now();
      for (int i = 0; i < it; i++)
        CALL();
      t = now() - t;
      if (t > 0.02 || it >= 1 << 20)
        break;
      it *= 2;
    }
    spent += t;
    if (t / it < best)
      best = t / it;
    rounds++;
    if (min_time < 0.01 && rounds >= 1)
      break;
  }
#undef CALL
  free(a), free(b), free(c);
  return best;
}

int main(int argc, char **argv) {
  int quick = 0;
  int max_threads = 2;
  int64_t custom[64][3];
  int ncustom = 0;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      max_threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
      min_time = atof(argv[++i]);
    else if (i + 2 < argc && ncustom < 64) {
      custom[ncustom][0] = atol(argv[i]);
      custom[ncustom][1] = atol(argv[i + 1]);
      custom[ncustom][2] = atol(argv[i + 2]);
      ncustom++;
      i += 2;
    } else {
      fprintf(stderr, "usage: %s [--quick] [--threads T] [--min-time S] [M N K ...]\n",
              argv[0]);
      return 2;
    }
  }
  if (max_threads < 1)
    max_threads = 1;
  if (max_threads > MAX_THREADS)
    max_threads = MAX_THREADS;
  if (quick)
    min_time = 0.0;

  double peak1 = peak_gflops(quick);
  printf("fp32 FMA peak (%s register loop): %.1f GFLOP/s per core\n\n", peak_isa,
         peak1);

  shape_t shapes[64];
  int ns = 0;
  if (ncustom) {
    for (int i = 0; i < ncustom; i++)
      shapes[ns++] = (shape_t){"custom", 1, custom[i][0], custom[i][1], custom[i][2], 0, 0};
  } else if (quick) {
    shapes[ns++] = (shape_t){"linear", 1, 64, 96, 80, 0, 0};
    shapes[ns++] = (shape_t){"QK^T", 4, 32, 32, 16, 1, 0};
  } else {
    static const int64_t ms[] = {128, 1024};
    static const int64_t nk[][2] = {{768, 768}, {768, 3072}, {3072, 768}, {2304, 768}};
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        shapes[ns++] = (shape_t){"linear", 1, ms[i], nk[j][0], nk[j][1], 0, 0};
    /* attention, batch 1 and 8 x 12 heads, seq 128: QK^T and P.V */
    shapes[ns++] = (shape_t){"QK^T b1", 12, 128, 128, 64, 1, 0};
    shapes[ns++] = (shape_t){"PV b1", 12, 128, 64, 128, 0, 0};
    shapes[ns++] = (shape_t){"QK^T b8", 96, 128, 128, 64, 1, 0};
    shapes[ns++] = (shape_t){"PV b8", 96, 128, 64, 128, 0, 0};
    shapes[ns++] = (shape_t){"QK^T s384", 12, 384, 384, 64, 1, 0};
    shapes[ns++] = (shape_t){"PV s384", 12, 384, 64, 384, 0, 0};
    /* batch_matmul with shared weights (batch stride 0 for B) */
    shapes[ns++] = (shape_t){"bcast W", 8, 128, 768, 768, 0, 1};
  }

  int nthreads[2] = {1, max_threads};
  int ncols = max_threads > 1 ? 2 : 1;
  printf("| kind | batch | M x N x K |");
  for (int c = 0; c < ncols; c++)
    printf(" %dT ms | %dT GFLOP/s | %dT %% peak |", nthreads[c], nthreads[c], nthreads[c]);
  printf("\n|---|---|---|");
  for (int c = 0; c < ncols; c++)
    printf("---|---|---|");
  printf("\n");

  double res[64][2];
  for (int c = 0; c < ncols; c++) {
    pool_t *p = pool_create(nthreads[c]);
    bertc_cpu_set_exec_ctx(&p->ctx);
    for (int i = 0; i < ns; i++)
      res[i][c] = time_shape(&shapes[i]);
    bertc_cpu_set_exec_ctx(NULL);
    pool_destroy(p);
  }
  int failed = 0;
  for (int i = 0; i < ns; i++) {
    const shape_t *s = &shapes[i];
    double flops = 2.0 * s->batch * s->m * s->n * s->k;
    printf("| %s | %ld | %ld x %ld x %ld |", s->what, (long)s->batch, (long)s->m,
           (long)s->n, (long)s->k);
    for (int c = 0; c < ncols; c++) {
      double gf = flops / res[i][c] / 1e9;
      printf(" %.3f | %.1f | %.0f%% |", res[i][c] * 1e3, gf,
             peak1 > 0 ? 100 * gf / (peak1 * nthreads[c]) : 0.0);
    }
    printf("\n");
  }
  int32_t err = bertc_cpu_take_error();
  if (err) {
    fprintf(stderr, "kernel reported error %d\n", err);
    failed = 1;
  }
  return failed;
}
