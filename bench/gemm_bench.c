/* gemm_bench: GFLOP/s of bertc's SGEMM (bertc_matmul_f32,
 * bertc_batch_matmul_f32 and bertc_cpu_sgemm_packed_b) at BERT-base shapes,
 * with 1 and 2 threads, against the machine's measured fp32 peak: a
 * register-only FMA loop run on as many threads at once as the GEMM uses.
 *
 *   ninja -C build gemm_bench && build/bin/gemm_bench
 *   gemm_bench [--quick] [--threads T] [--min-time S] [--isa avx512|avx2|generic]
 *              [--packed] [--transb] [--batch B] [--int8] [--qisa vnni|avx2|generic]
 *              [M N K ...]
 *     --quick      tiny shapes, one timing round (a smoke test; ctest runs it)
 *     --threads T  the second column's thread count (default 2)
 *     --isa        force a micro-kernel (default: the best the CPU has)
 *     custom shapes: --packed B pre-packed, --transb B given as [N, K],
 *     --batch B batch_matmul over B matrices
 *     --int8       the int8 linear (bertc_qlinear_packed_f32, each activation
 *                  quantization mode) against the fp32 packed linear
 *                  (bertc_linear_packed_f32), both with bias, at BERT-base
 *                  shapes (or the custom ones): GOPS (2 M N K / s) and
 *                  speedup; --quick runs a tiny int8 shape after the fp32 ones
 *     --qisa       force an int8 kernel (default: the best the CPU has)
 *
 * Threads run through an exec ctx whose parallel_for is a persistent pthread
 * pool (dynamic chunks, like the runtime's pool), installed with
 * bertc_cpu_set_exec_ctx, exactly as model.so code sees it. Numbers are only
 * meaningful on an otherwise idle machine. */
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

/* From runtime/src/cpu/gemm_dispatch.h (internal to the kernel library,
 * which the bench links statically): 0 generic, 1 AVX2, 2 AVX-512; int8:
 * 0 generic, 1 AVX2, 3 AVX-512 VNNI. */
int bertc_cpu_gemm_set_isa(int isa);
int bertc_cpu_gemm_isa(void);
int bertc_cpu_qgemm_set_isa(int isa);
int bertc_cpu_qgemm_isa(void);

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

/* The same with vpdpbusd (64 u8 x s8 multiply-adds = 128 ops each). */
__attribute__((target("avx512f,avx512bw,avx512vnni"), noinline)) static double
peak_vnni(long it) {
  __m512i x = _mm512_set1_epi32(0x01010101), y = _mm512_set1_epi32(0x02020202);
#undef DECL
#undef STEP
#undef SUM
#define DECL(i) __m512i a##i = _mm512_set1_epi32(i);
#define STEP(i) a##i = _mm512_dpbusd_epi32(a##i, x, y);
#define SUM(i) s = _mm512_add_epi32(s, a##i);
  CHAINS(DECL)
  double t = now();
  for (long i = 0; i < it; i++) {
    CHAINS(STEP)
    __asm__ volatile("" ::: "memory");
  }
  t = now() - t;
  __m512i s = _mm512_setzero_si512();
  CHAINS(SUM)
  volatile int sink = _mm512_reduce_add_epi32(s);
  (void)sink;
  return it * 16.0 * 128 / t / 1e9;
}
#endif

static const char *peak_isa = "none";

static int peak_int8; /* 1: measure the vpdpbusd loop instead (GOPS) */

static double peak_once(long it) {
#ifdef BENCH_X86
  if (peak_int8)
    return __builtin_cpu_supports("avx512vnni") ? peak_vnni(it) : 0;
  if (__builtin_cpu_supports("avx512f"))
    return peak_isa = "avx512", peak_avx512(it);
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
    return peak_isa = "avx2", peak_avx2(it);
#endif
  (void)it;
  return 0;
}

typedef struct {
  pthread_barrier_t *start;
  long it;
  double gflops;
} peak_arg;

static void *peak_thread(void *v) {
  peak_arg *pa = (peak_arg *)v;
  pthread_barrier_wait(pa->start);
  pa->gflops = peak_once(pa->it);
  return NULL;
}

/* Sum of the FMA loop's GFLOP/s over `threads` threads running it at the
 * same time (best of 3): the peak the GEMM can reach with that many threads.
 * On hosts where the vCPUs share a physical core this is far below threads
 * times the single-core figure. */
static double peak_gflops(int threads, int quick) {
#ifdef BENCH_X86
  __builtin_cpu_init();
#endif
  long it = quick ? 2000000 : 20000000;
  double best = 0;
  for (int r = 0; r < 3; r++) {
    pthread_barrier_t start;
    pthread_barrier_init(&start, NULL, (unsigned)threads);
    pthread_t th[64];
    peak_arg args[64];
    for (int t = 0; t < threads; t++)
      args[t] = (peak_arg){&start, it, 0};
    for (int t = 1; t < threads; t++)
      pthread_create(&th[t], NULL, peak_thread, &args[t]);
    peak_thread(&args[0]);
    double sum = args[0].gflops;
    for (int t = 1; t < threads; t++) {
      pthread_join(th[t], NULL);
      sum += args[t].gflops;
    }
    pthread_barrier_destroy(&start);
    if (sum > best)
      best = sum;
  }
  return best;
}

/*===------------------------- thread pool exec ctx ----------------------===*/

#define MAX_THREADS 64

/* Workers block on a condition variable (no spinning: on a loaded or
 * oversubscribed machine a spinning waiter burns the time slice of the
 * thread it waits for). */
typedef struct {
  bertc_abi_exec_ctx ctx; /* first: the kernels see a bertc_abi_exec_ctx */
  int workers;
  pthread_t th[MAX_THREADS];
  pthread_mutex_t mu;
  pthread_cond_t cv, done_cv;
  long gen;     /* job generation, guarded by mu */
  int finished; /* workers done with the current job, guarded by mu */
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

static void *worker(void *varg) {
  pool_t *p = (pool_t *)varg;
  long seen = 0;
  pthread_mutex_lock(&p->mu);
  for (;;) {
    while (p->gen == seen && !p->stop)
      pthread_cond_wait(&p->cv, &p->mu);
    if (p->stop)
      break;
    seen = p->gen;
    pthread_mutex_unlock(&p->mu);
    run_chunks(p);
    pthread_mutex_lock(&p->mu);
    if (++p->finished == p->workers)
      pthread_cond_signal(&p->done_cv);
  }
  pthread_mutex_unlock(&p->mu);
  return NULL;
}

/* Like the runtime's pool: the caller takes part, up to 4 chunks per
 * thread handed out dynamically, never below the grain. */
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
  pthread_mutex_lock(&p->mu);
  p->fn = fn;
  p->arg = arg;
  p->n = n;
  p->chunk = (n + chunks - 1) / chunks;
  p->chunks = (n + p->chunk - 1) / p->chunk;
  atomic_store(&p->next, 0);
  p->finished = 0;
  p->gen++;
  pthread_cond_broadcast(&p->cv);
  pthread_mutex_unlock(&p->mu);
  run_chunks(p);
  pthread_mutex_lock(&p->mu);
  while (p->finished != p->workers)
    pthread_cond_wait(&p->done_cv, &p->mu);
  pthread_mutex_unlock(&p->mu);
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
  pthread_cond_init(&p->done_cv, NULL);
  for (int w = 0; w < p->workers; w++)
    pthread_create(&p->th[w], NULL, worker, p);
  return p;
}

static void pool_destroy(pool_t *p) {
  pthread_mutex_lock(&p->mu);
  p->stop = 1;
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
  int packed;   /* B packed at compile time (bertc_cpu_sgemm_packed_b) */
} shape_t;

static float *make(int64_t n, int seed) {
  float *p = aligned_alloc(64, ((size_t)(n ? n : 1) * 4 + 63) / 64 * 64);
  for (int64_t i = 0; i < n; i++)
    p[i] = 1e-2f * (float)((i * 7 + seed) % 13 - 6);
  return p;
}

static double min_time = 0.25;

/* Seconds per call of call(arg), best of a few timing rounds (at least 3
 * and min_time seconds; one call in --quick). */
static double time_calls(void (*call)(void *), void *arg) {
  call(arg); /* warm up */
  double best = 1e30, spent = 0;
  int rounds = 0;
  while (spent < min_time || rounds < 3) {
    int it = 1;
    double t;
    for (;;) {
      t = now();
      for (int i = 0; i < it; i++)
        call(arg);
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
  return best;
}

typedef struct {
  const shape_t *s;
  bertc_memref2d_f32 *A2, *C2, *B2;
  bertc_memref3d_f32 *A3, *B3, *C3;
  const float *bp;
} fp32_call;

static void call_fp32(void *arg) {
  const fp32_call *f = (const fp32_call *)arg;
  if (f->s->packed)
    bertc_cpu_sgemm_packed_b(f->A2, f->bp, f->C2, NULL, NULL);
  else if (f->s->batch == 1 && !f->s->bcast_b)
    _mlir_ciface_bertc_matmul_f32(f->A2, f->B2, f->C2, 0);
  else
    _mlir_ciface_bertc_batch_matmul_f32(f->A3, f->B3, f->C3, 0);
}

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
  /* The compile-time weight layout: [ceil(N/NR)][K][NR], zero past N. */
  float *bp = NULL;
  if (s->packed) {
    int64_t nr = BERTC_GEMM_NR, panels = (n + nr - 1) / nr;
    bp = make(panels * k * nr, 0);
    for (int64_t p = 0; p < panels; p++)
      for (int64_t kk = 0; kk < k; kk++)
        for (int64_t j = 0; j < nr; j++)
          bp[(p * k + kk) * nr + j] = p * nr + j < n ? b[kk * n + p * nr + j] : 0.0f;
  }
  fp32_call fc = {s, &A2, &C2, &B2, &A3, &B3, &C3, bp};
  double best = time_calls(call_fp32, &fc);
  free(a), free(b), free(c), free(bp);
  return best;
}

/*===------------------------------ int8 --------------------------------===*/

typedef struct {
  bertc_memref2d_f32 *a, *c;
  bertc_memref3d_f32 *wf;       /* fp32 packed weights */
  bertc_memref3d_i8 *wq;        /* int8 packed weights */
  bertc_memref1d_f32 *bias, *scale;
  bertc_memref1d_i32 *colsum;
  int mode;                     /* -1: the fp32 linear */
} qcall;

static void call_linear(void *arg) {
  const qcall *q = (const qcall *)arg;
  if (q->mode < 0)
    _mlir_ciface_bertc_linear_packed_f32(q->a, q->wf, q->bias, q->c,
                                         BERTC_ACT_NONE, 1);
  else
    _mlir_ciface_bertc_qlinear_packed_f32(q->a, q->wq, q->scale, q->colsum,
                                          q->bias, q->c, BERTC_ACT_NONE,
                                          q->mode, 0.05f, 128,
                                          BERTC_QLINEAR_BIAS);
}

#define NQMODES 4 /* fp32, then the three BERTC_QUANT_* modes */

/* Seconds per call of the fp32 packed linear and of the int8 linear in
 * each mode, M x N x K, bias, no activation. */
static void time_linears(int64_t m, int64_t n, int64_t k, double *sec) {
  float *a = make(m * k, 1), *w = make(k * n, 2), *c = make(m * n, 3),
        *bias = make(n, 4);
  /* fp32 compile-time layout [ceil(N/NR)][K][NR] */
  int64_t nr = BERTC_GEMM_NR, panels = (n + nr - 1) / nr;
  float *wf = make(panels * k * nr, 0);
  for (int64_t p = 0; p < panels; p++)
    for (int64_t kk = 0; kk < k; kk++)
      for (int64_t j = 0; j < nr; j++)
        wf[(p * k + kk) * nr + j] = p * nr + j < n ? w[kk * n + p * nr + j] : 0.0f;
  /* int8: quantized and packed as the compiler does */
  int8_t *wq = malloc((size_t)(k * n ? k * n : 1));
  float *scale = malloc((size_t)n * sizeof(float));
  int32_t *colsum = malloc((size_t)n * sizeof(int32_t));
  int64_t qbytes = bertc_cpu_qweight_packed_bytes(k, n);
  int8_t *wp = aligned_alloc(64, ((size_t)qbytes + 64) / 64 * 64);
  bertc_cpu_quantize_qweight_s8(w, k, n, n, wq, n, scale);
  bertc_cpu_pack_qweight_s8(wq, k, n, n, wp, colsum);
  int64_t qp = (n + BERTC_QGEMM_NR - 1) / BERTC_QGEMM_NR, kq = (k + 3) / 4;
  bertc_memref2d_f32 A = {a, a, 0, {m, k}, {k, 1}};
  bertc_memref2d_f32 C = {c, c, 0, {m, n}, {n, 1}};
  bertc_memref3d_f32 WF = {wf, wf, 0, {panels, k, nr}, {k * nr, nr, 1}};
  bertc_memref3d_i8 WQ = {wp, wp, 0, {qp, kq, BERTC_QGEMM_NR * 4},
                          {kq * BERTC_QGEMM_NR * 4, BERTC_QGEMM_NR * 4, 1}};
  bertc_memref1d_f32 B = {bias, bias, 0, {n}, {1}};
  bertc_memref1d_f32 S = {scale, scale, 0, {n}, {1}};
  bertc_memref1d_i32 CS = {colsum, colsum, 0, {n}, {1}};
  for (int i = 0; i < NQMODES; i++) {
    qcall q = {&A, &C, &WF, &WQ, &B, &S, &CS, i - 1};
    sec[i] = time_calls(call_linear, &q);
  }
  free(a), free(w), free(c), free(bias), free(wf), free(wq), free(scale);
  free(colsum), free(wp);
}

/* The int8 table: per shape, fp32 GFLOP/s and int8 GOPS per mode and the
 * speedup over fp32, for each thread count. */
static void run_int8(int quick, const int *nthreads, int ncols,
                     int64_t (*custom)[3], int ncustom) {
  double vpeak[2];
  peak_int8 = 1;
  for (int c = 0; c < ncols; c++)
    vpeak[c] = peak_gflops(nthreads[c], quick);
  peak_int8 = 0;
  static const char *qnames[] = {"generic C", "AVX2 (generic C vectorized)",
                                 "", "AVX-512 VNNI 12x32"};
  printf("int8 vpdpbusd peak (register loop): 1 thread %.1f GOPS", vpeak[0]);
  if (ncols > 1)
    printf(", %d threads %.1f GOPS", nthreads[1], vpeak[1]);
  printf("\nint8 micro-kernel: %s; fp32: bertc_linear_packed_f32; both with bias\n",
         qnames[bertc_cpu_qgemm_isa()]);
  printf("int8 modes: row = dynamic per row, tensor = dynamic per tensor "
         "(DynamicQuantizeLinear), static; GOPS = 2 M N K / time\n\n");
  int64_t shapes[16][3];
  int ns = 0;
  if (ncustom)
    for (int i = 0; i < ncustom && ns < 16; i++, ns++)
      memcpy(shapes[ns], custom[i], sizeof shapes[ns]);
  else if (quick) {
    int64_t q[3] = {37, 70, 100};
    memcpy(shapes[ns++], q, sizeof q);
  } else {
    static const int64_t ms[] = {128, 1024};
    static const int64_t nk[][2] = {{768, 768}, {3072, 768}, {768, 3072}};
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 3; j++) {
        shapes[ns][0] = ms[i];
        shapes[ns][1] = nk[j][0];
        shapes[ns][2] = nk[j][1];
        ns++;
      }
  }
  double res[16][2][NQMODES];
  for (int c = 0; c < ncols; c++) {
    pool_t *p = pool_create(nthreads[c]);
    bertc_cpu_set_exec_ctx(&p->ctx);
    for (int i = 0; i < ns; i++)
      time_linears(shapes[i][0], shapes[i][1], shapes[i][2], res[i][c]);
    bertc_cpu_set_exec_ctx(NULL);
    pool_destroy(p);
  }
  printf("| M x N x K |");
  for (int c = 0; c < ncols; c++)
    printf(" %dT fp32 GFLOP/s | %dT int8 GOPS row / tensor / static | %dT speedup row / tensor / static |",
           nthreads[c], nthreads[c], nthreads[c]);
  printf("\n|---|");
  for (int c = 0; c < ncols; c++)
    printf("---|---|---|");
  printf("\n");
  for (int i = 0; i < ns; i++) {
    double ops = 2.0 * shapes[i][0] * shapes[i][1] * shapes[i][2];
    printf("| %ld x %ld x %ld |", (long)shapes[i][0], (long)shapes[i][1],
           (long)shapes[i][2]);
    for (int c = 0; c < ncols; c++) {
      const double *r = res[i][c];
      printf(" %.1f | %.1f / %.1f / %.1f | %.2fx / %.2fx / %.2fx |",
             ops / r[0] / 1e9, ops / r[1] / 1e9, ops / r[2] / 1e9,
             ops / r[3] / 1e9, r[0] / r[1], r[0] / r[2], r[0] / r[3]);
    }
    printf("\n");
  }
}

int main(int argc, char **argv) {
  int quick = 0;
  int max_threads = 2;
  int64_t custom[64][3];
  int ncustom = 0, packed_custom = 0, transb_custom = 0, int8 = 0;
  int64_t batch_custom = 1;
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--quick"))
      quick = 1;
    else if (!strcmp(argv[i], "--threads") && i + 1 < argc)
      max_threads = atoi(argv[++i]);
    else if (!strcmp(argv[i], "--isa") && i + 1 < argc) {
      const char *name = argv[++i];
      int isa = !strcmp(name, "avx512") ? 2 : !strcmp(name, "avx2") ? 1 : 0;
      if (bertc_cpu_gemm_set_isa(isa) != isa)
        fprintf(stderr, "--isa %s: not supported by this CPU\n", name);
    } else if (!strcmp(argv[i], "--batch") && i + 1 < argc)
      batch_custom = atol(argv[++i]);
    else if (!strcmp(argv[i], "--packed"))
      packed_custom = 1;
    else if (!strcmp(argv[i], "--int8"))
      int8 = 1;
    else if (!strcmp(argv[i], "--qisa") && i + 1 < argc) {
      const char *name = argv[++i];
      int isa = !strcmp(name, "vnni") ? 3 : !strcmp(name, "avx2") ? 1 : 0;
      if (bertc_cpu_qgemm_set_isa(isa) != isa)
        fprintf(stderr, "--qisa %s: not supported by this CPU\n", name);
    }
    else if (!strcmp(argv[i], "--transb"))
      transb_custom = 1;
    else if (!strcmp(argv[i], "--min-time") && i + 1 < argc)
      min_time = atof(argv[++i]);
    else if (i + 2 < argc && ncustom < 64) {
      custom[ncustom][0] = atol(argv[i]);
      custom[ncustom][1] = atol(argv[i + 1]);
      custom[ncustom][2] = atol(argv[i + 2]);
      ncustom++;
      i += 2;
    } else {
      fprintf(stderr, "usage: %s [--quick] [--threads T] [--min-time S] [--isa avx512|avx2|generic] [--packed] [--transb] [--batch B] [--int8] [--qisa vnni|avx2|generic] [M N K ...]\n",
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

  if (max_threads > 64)
    max_threads = 64;
  int nthreads[2] = {1, max_threads};
  int ncols = max_threads > 1 ? 2 : 1;
  if (int8) {
    run_int8(quick, nthreads, ncols, custom, ncustom);
    int32_t err = bertc_cpu_take_error();
    if (err)
      fprintf(stderr, "kernel reported error %d\n", err);
    return err != 0;
  }
  double peak[2];
  for (int c = 0; c < ncols; c++)
    peak[c] = peak_gflops(nthreads[c], quick);
  printf("fp32 FMA peak (%s register loop, all threads at once): 1 thread %.1f GFLOP/s",
         peak_isa, peak[0]);
  if (ncols > 1)
    printf(", %d threads %.1f GFLOP/s (%.2fx)", nthreads[1], peak[1], peak[1] / peak[0]);
  static const char *isa_names[] = {"generic C", "AVX2 6x16", "AVX-512 12x32"};
  printf("\nGEMM micro-kernel: %s\n", isa_names[bertc_cpu_gemm_isa()]);
  printf("%% peak = GFLOP/s / peak measured with the same number of threads\n\n");

  shape_t shapes[64];
  int ns = 0;
  if (ncustom) {
    for (int i = 0; i < ncustom; i++)
      shapes[ns++] = (shape_t){"custom", batch_custom, custom[i][0], custom[i][1], custom[i][2], transb_custom, 0, packed_custom};
  } else if (quick) {
    shapes[ns++] = (shape_t){"linear", 1, 64, 96, 80, 0, 0, 0};
    shapes[ns++] = (shape_t){"linear packed", 1, 64, 96, 80, 0, 0, 1};
    shapes[ns++] = (shape_t){"QK^T", 4, 32, 32, 16, 1, 0};
  } else {
    static const int64_t ms[] = {128, 1024};
    static const int64_t nk[][2] = {{768, 768}, {768, 3072}, {3072, 768}, {2304, 768}};
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        shapes[ns++] = (shape_t){"linear", 1, ms[i], nk[j][0], nk[j][1], 0, 0, 0};
    /* the same with weights packed at compile time, as BERT's linears run */
    for (int i = 0; i < 2; i++)
      for (int j = 0; j < 4; j++)
        shapes[ns++] = (shape_t){"linear packed", 1, ms[i], nk[j][0], nk[j][1], 0, 0, 1};
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
             peak[c] > 0 ? 100 * gf / peak[c] : 0.0);
    }
    printf("\n");
  }
  if (quick) { /* smoke-test the int8 linear too */
    printf("\n");
    run_int8(quick, nthreads, ncols, NULL, 0);
  }
  int32_t err = bertc_cpu_take_error();
  if (err) {
    fprintf(stderr, "kernel reported error %d\n", err);
    failed = 1;
  }
  return failed;
}
