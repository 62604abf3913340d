/*===- qgemm.c - int8 linear: dynamic/static activation quantization -------===*
 *
 * _mlir_ciface_bertc_qlinear_packed_f32 (cpu_kernels.h): C = act(dequant(
 * quant_u8(A) . Wq) + bias) for fp32 A and C and int8 weights quantized
 * (symmetric, per output column) and packed for vpdpbusd at compile time
 * (layout: BERTC_QGEMM_NR in kernel_abi.h; reference packing below,
 * bertc_cpu_pack_qweight_s8, which the compiler mirrors).
 *
 *   1. Scale and zero point of A: per row from the row's min/max
 *      (BERTC_QUANT_DYNAMIC_ROW), from the whole tensor's min/max
 *      (BERTC_QUANT_DYNAMIC_TENSOR: ONNX DynamicQuantizeLinear; a parallel
 *      min/max pass first) or given (BERTC_QUANT_STATIC).
 *   2. C is cut into a grid of tasks (12-row x 32-column panels, as the
 *      fp32 GEMM: bertc_gemm_choose_grid) run through
 *      bertc_cpu_parallel_for. A is quantized once per call into 12-row
 *      panels [Kq][12][4] (u8) shared by all tasks, each panel on first
 *      use by whichever task needs it first (as the fp32 GEMM packs A).
 *      Per block of columns whose packed weights stay in L2, a task runs
 *      the micro-kernel (qgemm_kernels.c) on every 12 x 32 tile; the
 *      kernel applies the epilogue to the tile while it is in registers:
 *        y = (acc - zp_a[m] * w_colsum[n]) * (scale_a[m] * w_scale[n])
 *            + bias[n], then the activation (act_math.h, as the fp32
 *        linear).
 * K is never sliced: each tile's int32 accumulators see all of K, so the
 * integers are exact and C is written once.
 *
 * ISA (gemm_dispatch.h): AVX-512 VNNI, or the generic C code (compiled
 * for AVX2 too), the best the CPU has, capped by the model's kernel ISA.
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"
#include "gemm_dispatch.h"
#include "qgemm_internal.h"
#include "sgemm_internal.h"

#include <math.h>
#include <sched.h>
#include <string.h>

/*===------------------ reference weight preparation --------------------===*/

void bertc_cpu_quantize_qweight_s8(const float *w, int64_t k, int64_t n,
                                   int64_t ldw, int8_t *wq, int64_t ldq,
                                   float *w_scale) {
  for (int64_t j = 0; j < n; ++j) {
    float amax = 0.0f;
    for (int64_t kk = 0; kk < k; ++kk) {
      float x = fabsf(w[kk * ldw + j]);
      amax = x > amax ? x : amax;
    }
    float s = amax > 0.0f && amax <= 3.4e38f ? amax / 127.0f : 1.0f;
    w_scale[j] = s;
    for (int64_t kk = 0; kk < k; ++kk) {
      float v = w[kk * ldw + j] / s;
      v = v >= -127.0f ? v : (v == v ? -127.0f : 0.0f); /* NaN -> 0 */
      v = v <= 127.0f ? v : 127.0f;
      wq[kk * ldq + j] = (int8_t)__builtin_rintf(v);
    }
  }
}

int64_t bertc_cpu_qweight_packed_bytes(int64_t k, int64_t n) {
  return cdiv(n, QNR) * cdiv(k, 4) * QNR * 4;
}

void bertc_cpu_pack_qweight_s8(const int8_t *wq, int64_t k, int64_t n,
                               int64_t ldq, int8_t *packed, int32_t *colsum) {
  int64_t kq = cdiv(k, 4), panels = cdiv(n, QNR);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t q = 0; q < kq; ++q)
      for (int64_t j = 0; j < QNR; ++j)
        for (int64_t t = 0; t < 4; ++t) {
          int64_t kk = 4 * q + t, col = p * QNR + j;
          packed[((p * kq + q) * QNR + j) * 4 + t] =
              kk < k && col < n ? wq[kk * ldq + col] : 0;
        }
  for (int64_t j = 0; j < n; ++j) {
    int32_t s = 0;
    for (int64_t kk = 0; kk < k; ++kk)
      s += wq[kk * ldq + j];
    colsum[j] = s;
  }
}

/*===----------------------------- dispatch -----------------------------===*/

static int qisa_best = -1, qisa_forced = -1;

/* Emitted by bertc into each model.so (see sgemm.c); absent (weak, NULL)
 * in tests and tools that link the kernels directly. */
extern const int32_t bertc_model_kernel_isa __attribute__((weak, visibility("hidden")));

int bertc_cpu_qgemm_best_isa(void) {
  int v = __atomic_load_n(&qisa_best, __ATOMIC_RELAXED);
  if (v < 0) {
    v = BERTC_QGEMM_ISA_GENERIC;
#ifdef BERTC_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni"))
      v = BERTC_QGEMM_ISA_VNNI;
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
      v = BERTC_QGEMM_ISA_AVX2;
#endif
    if (&bertc_model_kernel_isa) {
      int cap = bertc_model_kernel_isa;
      if (v == BERTC_QGEMM_ISA_VNNI && cap < BERTC_ISA_AVX512_VNNI)
        v = BERTC_QGEMM_ISA_AVX2;
      if (v == BERTC_QGEMM_ISA_AVX2 && cap < BERTC_ISA_AVX2)
        v = BERTC_QGEMM_ISA_GENERIC;
    }
    __atomic_store_n(&qisa_best, v, __ATOMIC_RELAXED);
  }
  return v;
}

int bertc_cpu_qgemm_isa(void) {
  int f = __atomic_load_n(&qisa_forced, __ATOMIC_RELAXED);
  return f >= 0 ? f : bertc_cpu_qgemm_best_isa();
}

int bertc_cpu_qgemm_set_isa(int isa) {
  int best = bertc_cpu_qgemm_best_isa(), v;
  if (isa < 0)
    v = -1;
  else {
    v = isa >= BERTC_QGEMM_ISA_VNNI   ? BERTC_QGEMM_ISA_VNNI
        : isa >= BERTC_QGEMM_ISA_AVX2 ? BERTC_QGEMM_ISA_AVX2
                                      : BERTC_QGEMM_ISA_GENERIC;
    if (v > best) /* GENERIC < AVX2 < VNNI */
      v = best;
  }
  __atomic_store_n(&qisa_forced, v, __ATOMIC_RELAXED);
  return bertc_cpu_qgemm_isa();
}

typedef struct {
  bertc_qgemm_kern_fn kern;
  bertc_qgemm_quant_fn quant;
  bertc_qgemm_minmax_fn minmax;
  int a_bytes; /* bytes per element of a quantized A panel */
} qgemm_fns;

static qgemm_fns select_fns(void) {
  qgemm_fns f = {bertc_qgemm_kern_generic, bertc_qgemm_quant_generic,
                 bertc_qgemm_minmax_generic, 1};
#ifdef BERTC_X86
  switch (bertc_cpu_qgemm_isa()) {
  case BERTC_QGEMM_ISA_VNNI:
    f = (qgemm_fns){bertc_qgemm_kern_vnni, bertc_qgemm_quant_vnni,
                    bertc_qgemm_minmax_vnni, 1};
    break;
  case BERTC_QGEMM_ISA_AVX2:
    f = (qgemm_fns){bertc_qgemm_kern_avx2, bertc_qgemm_quant_avx2,
                    bertc_qgemm_minmax_avx2, 2};
    break;
  default:
    break;
  }
#endif
  return f;
}

/*===------------------------------ driver ------------------------------===*/

typedef struct {
  const float *a;
  int64_t sam, sak;
  const int8_t *w; /* packed [ceil(n / QNR)][kq][QNR * 4] */
  const float *w_scale;
  const int32_t *w_colsum;
  const float *bias; /* or NULL */
  float *c;
  int64_t scm, scn;
  int64_t m, n, k, kq;
  int per_row;   /* BERTC_QUANT_DYNAMIC_ROW */
  float scale;   /* otherwise: A's scale and zero point */
  int32_t zp;
  int64_t act;
  int64_t mpb, npb; /* QMR-row / QNR-column panels per task */
  int64_t tasks_n;  /* tasks along N */
  int64_t nc;       /* columns per block (a multiple of QNR) */
  qgemm_fns fns;
  size_t pb;         /* bytes per quantized A panel */
  uint8_t *qa;       /* quantized A: ceil(m / QMR) panels, quantized lazily */
  float *sa;         /* [ceil(m / QMR) * QMR]: each row's scale */
  int32_t *za;       /* and zero point */
  int *qstate;       /* per panel: 0 not quantized, 1 being quantized, 2 done */
} qgemm_job;

/* Bytes of one quantized A panel, kept a multiple of 64. */
static size_t panel_bytes(int64_t kq, int a_bytes) {
  return ((size_t)kq * QMR * 4 * (size_t)a_bytes + 63) & ~(size_t)63;
}

/* A quantized panel, with its rows' parameters. */
typedef struct {
  const uint8_t *q;
  const float *sa;
  const int32_t *za;
} qpanel;

static void quant_panel(const qgemm_job *g, int64_t i, uint8_t *q, float *sa,
                        int32_t *za) {
  int64_t i0 = i * QMR;
  g->fns.quant(g->a + i0 * g->sam, g->sam, g->sak, min64(QMR, g->m - i0), g->k,
               g->per_row, g->scale, g->zp, q, sa, za);
}

/* Quantized A panel i. As the fp32 GEMM packs A: on first use, by
 * whichever task gets there first (tasks along N start at different
 * panels), so quantization needs no pass of its own and is not repeated
 * per task; a task that finds the panel being quantized right now
 * quantizes a private copy into `scratch` rather than wait. */
static qpanel a_panel(const qgemm_job *g, int64_t i, bertc_cpu_pack_buf *scratch) {
  uint8_t *q = g->qa + i * g->pb;
  float *sa = g->sa + i * QMR;
  int32_t *za = g->za + i * QMR;
  qpanel p = {q, sa, za};
  int st = __atomic_load_n(&g->qstate[i], __ATOMIC_ACQUIRE);
  if (st == 2)
    return p;
  if (st == 0 && __atomic_compare_exchange_n(&g->qstate[i], &st, 1, 0,
                                             __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE)) {
    quant_panel(g, i, q, sa, za);
    __atomic_store_n(&g->qstate[i], 2, __ATOMIC_RELEASE);
    return p;
  }
  if (st == 2)
    return p;
  if (!scratch->p) {
    *scratch = bertc_cpu_buf_get(g->pb + QMR * (sizeof(float) + sizeof(int32_t)));
    if (!scratch->p) { /* out of memory: wait for the other task instead */
      while (__atomic_load_n(&g->qstate[i], __ATOMIC_ACQUIRE) != 2)
        sched_yield();
      return p;
    }
  }
  q = (uint8_t *)scratch->p;
  sa = (float *)(q + g->pb);
  za = (int32_t *)(sa + QMR);
  quant_panel(g, i, q, sa, za);
  return (qpanel){q, sa, za};
}

static void qgemm_task(void *arg, int64_t begin, int64_t end) {
  const qgemm_job *g = (const qgemm_job *)arg;
  bertc_cpu_pack_buf scratch = {NULL, 0};
  for (int64_t t = begin; t < end; ++t) {
    int64_t mi = t / g->tasks_n, ni = t % g->tasks_n;
    int64_t m0 = mi * g->mpb * QMR, m1 = min64(g->m, m0 + g->mpb * QMR);
    int64_t n0 = ni * g->npb * QNR, n1 = min64(g->n, n0 + g->npb * QNR);
    int64_t p0 = m0 / QMR, np = cdiv(m1 - m0, QMR);
    int64_t rot = ni * np / g->tasks_n;
    for (int64_t nb0 = n0; nb0 < n1; nb0 += g->nc) {
      int64_t nb1 = min64(nb0 + g->nc, n1);
      for (int64_t ip = 0; ip < np; ++ip) {
        int64_t pi = p0 + (ip + rot) % np, i0 = pi * QMR;
        int64_t rows = min64(QMR, m1 - i0);
        qpanel ap = a_panel(g, pi, &scratch);
        for (int64_t c0 = nb0; c0 < nb1; c0 += QNR) {
          bertc_qgemm_epi e = {ap.sa, ap.za, g->w_scale + c0, g->w_colsum + c0,
                               g->bias ? g->bias + c0 : NULL, g->act};
          g->fns.kern(g->kq, ap.q, g->w + (c0 / QNR) * g->kq * QNR * 4,
                      g->c + i0 * g->scm + c0 * g->scn, g->scm, g->scn, rows,
                      min64(QNR, nb1 - c0), &e);
        }
      }
    }
  }
  bertc_cpu_buf_put(scratch);
}

typedef struct {
  const qgemm_job *g;
  float *mn, *mx;
} minmax_job;

static void minmax_task(void *arg, int64_t begin, int64_t end) {
  const minmax_job *j = (const minmax_job *)arg;
  j->g->fns.minmax(j->g->a + begin * j->g->sam, j->g->sam, j->g->sak,
                   end - begin, j->g->k, j->mn + begin, j->mx + begin);
}

/* ONNX DynamicQuantizeLinear's parameters over all of A. */
static int tensor_params(qgemm_job *g, int64_t threads) {
  bertc_cpu_pack_buf buf = bertc_cpu_buf_get((size_t)g->m * 2 * sizeof(float));
  if (!buf.p)
    return 0;
  minmax_job j = {g, (float *)buf.p, (float *)buf.p + g->m};
  int64_t grain = cdiv(16384, g->k > 0 ? g->k : 1);
  if (threads > 1 && g->m > grain)
    bertc_cpu_parallel_for(g->m, grain, minmax_task, &j);
  else
    minmax_task(&j, 0, g->m);
  float mn = 0.0f, mx = 0.0f;
  for (int64_t i = 0; i < g->m; ++i) {
    mn = j.mn[i] < mn ? j.mn[i] : mn;
    mx = j.mx[i] > mx ? j.mx[i] : mx;
  }
  bertc_cpu_buf_put(buf);
  bertc_qparams_dynamic(mn, mx, &g->scale, &g->zp);
  return 1;
}

/* `v` as a contiguous array: itself if unit-stride, else copied to dst. */
static const void *contiguous(const void *base, int64_t stride, int64_t n,
                              size_t elem, void *dst) {
  if (stride == 1 || n <= 1)
    return base;
  for (int64_t i = 0; i < n; ++i)
    memcpy((char *)dst + i * elem, (const char *)base + i * stride * elem, elem);
  return dst;
}

static int dims_ok(const bertc_memref3d_i8 *wp, int64_t k, int64_t n) {
  int64_t kq = cdiv(k, 4);
  if (wp->sizes[2] != QNR * 4 || wp->sizes[1] != kq || wp->sizes[0] * QNR < n)
    return 0;
  /* contiguous (a dimension of size 1 may have any stride) */
  return (wp->sizes[2] <= 1 || wp->strides[2] == 1) &&
         (wp->sizes[1] <= 1 || wp->strides[1] == QNR * 4) &&
         (wp->sizes[0] <= 1 || wp->strides[0] == kq * QNR * 4);
}

void _mlir_ciface_bertc_qlinear_packed_f32(
    bertc_memref2d_f32 *a, bertc_memref3d_i8 *wp, bertc_memref1d_f32 *w_scale,
    bertc_memref1d_i32 *w_colsum, bertc_memref1d_f32 *bias,
    bertc_memref2d_f32 *c, int64_t act, int64_t mode, float a_scale,
    int64_t a_zero_point, int64_t flags) {
  int64_t m = c->sizes[0], n = c->sizes[1], k = a->sizes[1];
  int has_bias = (flags & BERTC_QLINEAR_BIAS) != 0;
  if (!dims_ok(wp, k, n) || a->sizes[0] != m || w_scale->sizes[0] < n ||
      w_colsum->sizes[0] < n || (has_bias && bias->sizes[0] < n)) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_INTERNAL,
                           "qlinear: packed weight does not match the operands");
    return;
  }
  if (k > BERTC_QGEMM_MAX_K) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_INTERNAL,
                           "qlinear: K too large for int32 accumulation");
    return;
  }
  if (mode != BERTC_QUANT_DYNAMIC_ROW && mode != BERTC_QUANT_DYNAMIC_TENSOR &&
      (mode != BERTC_QUANT_STATIC || !(a_scale > 0.0f && a_scale <= 3.4e38f) ||
       a_zero_point < 0 || a_zero_point > 255)) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_INTERNAL,
                           "qlinear: invalid activation quantization parameters");
    return;
  }
  if (m <= 0 || n <= 0)
    return;

  /* Per-column vectors, contiguous (compile-time constants already are). */
  bertc_cpu_pack_buf vbuf = {NULL, 0};
  int strided = w_scale->strides[0] != 1 || w_colsum->strides[0] != 1 ||
                (has_bias && bias->strides[0] != 1);
  if (strided) {
    vbuf = bertc_cpu_buf_get((size_t)n * 3 * 4);
    if (!vbuf.p) {
      bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "qlinear: out of memory");
      return;
    }
  }
  char *vb = (char *)vbuf.p;
  qgemm_job g;
  memset(&g, 0, sizeof g);
  g.a = a->aligned + a->offset;
  g.sam = a->strides[0];
  g.sak = a->strides[1];
  g.w = wp->aligned + wp->offset;
  g.w_scale = (const float *)contiguous(w_scale->aligned + w_scale->offset,
                                        w_scale->strides[0], n, 4, vb);
  g.w_colsum = (const int32_t *)contiguous(w_colsum->aligned + w_colsum->offset,
                                           w_colsum->strides[0], n, 4,
                                           vb + (size_t)n * 4);
  g.bias = has_bias ? (const float *)contiguous(bias->aligned + bias->offset,
                                                bias->strides[0], n, 4,
                                                vb + (size_t)n * 8)
                    : NULL;
  g.c = c->aligned + c->offset;
  g.scm = c->strides[0];
  g.scn = c->strides[1];
  g.m = m;
  g.n = n;
  g.k = k;
  g.kq = cdiv(k, 4);
  g.act = act;
  g.fns = select_fns();

  bertc_abi_exec_ctx *ctx = bertc_cpu_get_exec_ctx();
  int64_t threads = ctx && ctx->num_threads > 1 ? ctx->num_threads : 1;
  /* Below ~1 M multiply-adds a second thread costs more than it saves. */
  if ((double)m * (double)n * (double)k < 1e6)
    threads = 1;

  g.per_row = mode == BERTC_QUANT_DYNAMIC_ROW;
  if (mode == BERTC_QUANT_STATIC) {
    g.scale = a_scale;
    g.zp = (int32_t)a_zero_point;
  } else if (mode == BERTC_QUANT_DYNAMIC_TENSOR && !tensor_params(&g, threads)) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "qlinear: out of memory");
    bertc_cpu_buf_put(vbuf);
    return;
  }

  /* Column blocks whose packed weights (nc x Kp bytes) stay in L2. */
  int64_t nc = ((int64_t)(512 << 10) / (g.kq * 4 > 0 ? g.kq * 4 : 1)) / QNR * QNR;
  g.nc = nc < QNR ? QNR : nc;
  int64_t pm = cdiv(m, QMR), pn = cdiv(n, QNR);
  /* Quantized A for all tasks: pm panels, their rows' parameters, states. */
  g.pb = panel_bytes(g.kq, g.fns.a_bytes);
  size_t qbytes = (size_t)pm * g.pb, pbytes = (size_t)pm * QMR * 4;
  bertc_cpu_pack_buf abuf =
      bertc_cpu_buf_get(qbytes + 2 * pbytes + (size_t)pm * sizeof(int));
  if (!abuf.p) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "qlinear: out of memory");
    bertc_cpu_buf_put(vbuf);
    return;
  }
  g.qa = (uint8_t *)abuf.p;
  g.sa = (float *)(g.qa + qbytes);
  g.za = (int32_t *)((char *)g.sa + pbytes);
  g.qstate = (int *)((char *)g.za + pbytes);
  memset(g.qstate, 0, (size_t)pm * sizeof(int));
  bertc_gemm_choose_grid(pm, pn, threads, &g.mpb, &g.npb);
  g.tasks_n = cdiv(pn, g.npb);
  int64_t tasks = g.tasks_n * cdiv(pm, g.mpb);
  if (tasks > 1)
    bertc_cpu_parallel_for(tasks, 1, qgemm_task, &g);
  else
    qgemm_task(&g, 0, 1);
  bertc_cpu_buf_put(abuf);
  bertc_cpu_buf_put(vbuf);
}
