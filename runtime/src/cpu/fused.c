/*===- fused.c - Fused transformer kernels (linear, LayerNorm, attention) --===*
 *
 * Called by model.so code generated from the bertc dialect (see
 * lib/Conversion/BertcToKernels). Each kernel makes one pass over its rows:
 *   linear      packed-weight GEMM; bias + activation applied to each 12-row
 *               panel of C right after its last K slice (still in L1)
 *   layer_norm  residual/bias add, mean/variance and normalization in one
 *               read and one write of each row (plus the sum, if asked)
 *   attention   per (batch, head) and tile of query rows: scores = Q . K^T,
 *               masked softmax, out = P . V (normalized on the output rows);
 *               only one [rows, seq_k] tile of scores in memory, never the
 *               [batch, heads, seq, seq] tensor
 * All are parallel over rows (or batch x heads) through the runtime's
 * parallel_for. Hot loops are compiled for AVX-512, AVX2 and baseline x86-64
 * and dispatched at the GEMM's ISA (see MULTIVERSION).
 *===----------------------------------------------------------------------===*/
#include "bertc/cpu_kernels.h"
#include "act_math.h"
#include "gemm_dispatch.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Hot loops are written once as always-inline bodies (`*_impl`) and
 * compiled three times, for AVX-512F, AVX2+FMA and baseline x86-64; a
 * dispatcher picks the version of the ISA the GEMM uses
 * (bertc_cpu_gemm_isa: the best the CPU has, capped by the model's
 * --mcpu/--mattr, or forced by the unit tests), so every kernel of a model
 * runs at one ISA level. */
#define INLINE __attribute__((always_inline)) static inline
#if defined(__x86_64__) && defined(__GNUC__)
#define MULTIVERSION(name, params, args)                                        \
  __attribute__((target("avx512f"))) static void name##_avx512 params {         \
    name##_impl args;                                                          \
  }                                                                            \
  __attribute__((target("avx2,fma"))) static void name##_avx2 params {          \
    name##_impl args;                                                          \
  }                                                                            \
  static void name##_base params { name##_impl args; }                          \
  static void name params {                                                    \
    switch (bertc_cpu_gemm_isa()) {                                            \
    case BERTC_GEMM_ISA_AVX512:                                                \
      name##_avx512 args;                                                      \
      return;                                                                  \
    case BERTC_GEMM_ISA_AVX2:                                                  \
      name##_avx2 args;                                                        \
      return;                                                                  \
    default:                                                                   \
      name##_base args;                                                        \
    }                                                                          \
  }
#else
#define MULTIVERSION(name, params, args)                                        \
  static void name params { name##_impl args; }
#endif

#define AT2(m, i, j) ((m)->aligned[(m)->offset + (i) * (m)->strides[0] + (j) * (m)->strides[1]])
#define AT1(m, i) ((m)->aligned[(m)->offset + (i) * (m)->strides[0]])

/*===------------------------ lane reductions ----------------------------===*/
/* Without -ffast-math the compiler keeps a float reduction (sum, max) in
 * source order, i.e. scalar. These keep VL partial results in a vector
 * (GCC vector extensions: one AVX-512 register, two AVX2 or four SSE ones,
 * whichever clone runs) and combine them at the end: vector speed, and a
 * fixed, deterministic summation order. */
#define VL 16
typedef float vf __attribute__((vector_size(VL * sizeof(float))));
typedef int32_t vi __attribute__((vector_size(VL * sizeof(float))));

INLINE vf vload(const float *p) {
  vf v;
  memcpy(&v, p, sizeof v);
  return v;
}
INLINE void vstore(float *p, vf v) { memcpy(p, &v, sizeof v); }
INLINE vf vsplat(float x) { return (vf){0} + x; }
INLINE vf vmax(vf a, vf b) {
  vi m = a > b;
  return (vf)(((vi)a & m) | ((vi)b & ~m));
}
INLINE float hsum(vf v) {
  float t = 0;
  for (int l = 0; l < VL; ++l)
    t += v[l];
  return t;
}

INLINE float lanes_sum(const float *p, int64_t n) {
  vf part = {0};
  int64_t j = 0;
  for (; j + VL <= n; j += VL)
    part += vload(p + j);
  float t = hsum(part);
  for (; j < n; ++j)
    t += p[j];
  return t;
}

/* sum_j (p[j] - m)^2 */
INLINE float lanes_sqdev(const float *p, int64_t n, float m) {
  vf part = {0}, mv = vsplat(m);
  int64_t j = 0;
  for (; j + VL <= n; j += VL) {
    vf d = vload(p + j) - mv;
    part += d * d;
  }
  float t = hsum(part);
  for (; j < n; ++j) {
    float d = p[j] - m;
    t += d * d;
  }
  return t;
}

INLINE float lanes_max(const float *p, int64_t n) {
  vf part = vsplat(-INFINITY);
  int64_t j = 0;
  for (; j + VL <= n; j += VL)
    part = vmax(part, vload(p + j));
  float t = -INFINITY;
  for (int l = 0; l < VL; ++l)
    t = part[l] > t ? part[l] : t;
  for (; j < n; ++j)
    t = p[j] > t ? p[j] : t;
  return t;
}

/* p[j] = exp(p[j] - m); returns the sum. The exps are computed by the
 * auto-vectorized loop (fast_exp is branch-free); only the sum uses lanes. */
INLINE float lanes_exp_sum(float *p, int64_t n, float m) {
  for (int64_t j = 0; j < n; ++j)
    p[j] = fast_exp(p[j] - m);
  return lanes_sum(p, n);
}

/*===------------------------------ linear -------------------------------===*/


typedef struct {
  bertc_memref2d_f32 *c;
  const bertc_memref1d_f32 *bias;
  int64_t act, has_bias;
} epilogue_args;

INLINE void epilogue_rows_impl(void *arg, int64_t begin, int64_t end) {
  const epilogue_args *a = (const epilogue_args *)arg;
  bertc_memref2d_f32 *c = a->c;
  int64_t n = c->sizes[1];
  float *bias = NULL;
  float biasbuf[1];
  (void)biasbuf;
  for (int64_t i = begin; i < end; ++i) {
    float *row = &AT2(c, i, 0);
    if (c->strides[1] != 1) { /* generic strides: slow path */
      for (int64_t j = 0; j < n; ++j) {
        float x = AT2(c, i, j) + (a->has_bias ? AT1(a->bias, j) : 0.0f);
        AT2(c, i, j) = act_scalar(a->act, x);
      }
      continue;
    }
    if (a->has_bias) {
      const bertc_memref1d_f32 *b = a->bias;
      if (b->strides[0] == 1) {
        bias = b->aligned + b->offset;
        for (int64_t j = 0; j < n; ++j)
          row[j] += bias[j];
      } else {
        for (int64_t j = 0; j < n; ++j)
          row[j] += AT1(b, j);
      }
    }
    act_row(a->act, row, n);
  }
}
MULTIVERSION(epilogue_rows, (void *arg, int64_t begin, int64_t end), (arg, begin, end))

static void linear_epilogue(bertc_memref2d_f32 *c, bertc_memref1d_f32 *bias,
                            int64_t act, int64_t has_bias);

/* Bias + activation on one finished GEMM block (called from the GEMM),
 * written as separate simple loops so that each vectorizes. */
INLINE void epilogue_block_impl(void *ctx, float *c, int64_t ldc, int64_t cs,
                           int64_t rows, int64_t cols, int64_t col0) {
  const epilogue_args *a = (const epilogue_args *)ctx;
  const bertc_memref1d_f32 *b = a->bias;
  if (cs != 1 || (a->has_bias && b->strides[0] != 1)) {
    bertc_memref2d_f32 view = {c, c, 0, {rows, cols}, {ldc, cs}};
    bertc_memref1d_f32 bview = {b->allocated, b->aligned,
                                b->offset + col0 * b->strides[0], {cols},
                                {b->strides[0]}};
    epilogue_args sub = {&view, &bview, a->act, a->has_bias};
    epilogue_rows(&sub, 0, rows);
    return;
  }
  const float *bias = a->has_bias ? b->aligned + b->offset + col0 : NULL;
  for (int64_t i = 0; i < rows; ++i) {
    float *row = c + i * ldc;
    if (bias)
      for (int64_t j = 0; j < cols; ++j)
        row[j] += bias[j];
    act_row(a->act, row, cols);
  }
}
MULTIVERSION(epilogue_block, (void *ctx, float *c, int64_t ldc, int64_t cs, int64_t rows, int64_t cols, int64_t col0), (ctx, c, ldc, cs, rows, cols, col0))

void _mlir_ciface_bertc_linear_packed_f32(bertc_memref2d_f32 *a,
                                          bertc_memref3d_f32 *wp,
                                          bertc_memref1d_f32 *bias,
                                          bertc_memref2d_f32 *c, int64_t act,
                                          int64_t has_bias) {
  if (wp->sizes[2] != BERTC_GEMM_NR || wp->sizes[1] != a->sizes[1] ||
      wp->sizes[0] * BERTC_GEMM_NR < c->sizes[1]) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_INTERNAL,
                           "linear: packed weight does not match the operands");
    return;
  }
  if (!has_bias && act == BERTC_ACT_NONE) {
    bertc_cpu_sgemm_packed_b(a, wp->aligned + wp->offset, c, NULL, NULL);
    return;
  }
  epilogue_args args = {c, bias, act, has_bias};
  bertc_cpu_sgemm_packed_b(a, wp->aligned + wp->offset, c, epilogue_block,
                           &args);
}

void _mlir_ciface_bertc_linear_f32(bertc_memref2d_f32 *a, bertc_memref2d_f32 *w,
                                   bertc_memref1d_f32 *bias, bertc_memref2d_f32 *c,
                                   int64_t act, int64_t has_bias) {
  _mlir_ciface_bertc_matmul_f32(a, w, c, 0);
  linear_epilogue(c, bias, act, has_bias);
}

static void linear_epilogue(bertc_memref2d_f32 *c, bertc_memref1d_f32 *bias,
                            int64_t act, int64_t has_bias) {
  if (!has_bias && act == BERTC_ACT_NONE)
    return;
  epilogue_args args = {c, bias, act, has_bias};
  int64_t m = c->sizes[0];
  int64_t grain = c->sizes[1] > 0 ? (16384 + c->sizes[1] - 1) / c->sizes[1] : m;
  bertc_cpu_parallel_for(m, grain < 1 ? 1 : grain, epilogue_rows, &args);
}

/*===---------------------------- layer norm -----------------------------===*/

typedef struct {
  const bertc_memref2d_f32 *x, *skip;
  const bertc_memref1d_f32 *gamma, *beta, *bias;
  bertc_memref2d_f32 *y, *sum;
  float eps;
  int64_t flags;
} ln_args;

INLINE void ln_rows_impl(void *arg, int64_t begin, int64_t end) {
  const ln_args *a = (const ln_args *)arg;
  int64_t n = a->x->sizes[1];
  int has_beta = (a->flags & BERTC_LN_BETA) != 0,
      has_skip = (a->flags & BERTC_LN_SKIP) != 0,
      has_bias = (a->flags & BERTC_LN_BIAS) != 0,
      rms = (a->flags & BERTC_LN_RMS) != 0;
  /* skip may broadcast along leading dims: fewer rows, repeating. */
  int64_t skip_rows = has_skip && a->skip->sizes[0] > 0 ? a->skip->sizes[0] : 1;
  float *tmp = NULL;
  if (!a->sum) {
    tmp = (float *)malloc((size_t)(n > 0 ? n : 1) * sizeof(float));
    if (!tmp) {
      bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "layer_norm: out of memory");
      return;
    }
  }
  /* Fast path: every row and vector contiguous (what the compiler emits). */
  int contiguous = a->x->strides[1] == 1 && a->y->strides[1] == 1 &&
                   a->gamma->strides[0] == 1 &&
                   (!has_beta || a->beta->strides[0] == 1) &&
                   (!has_skip || a->skip->strides[1] == 1) &&
                   (!has_bias || a->bias->strides[0] == 1) &&
                   (!a->sum || a->sum->strides[1] == 1);
  if (contiguous) {
    const float *gamma = a->gamma->aligned + a->gamma->offset;
    const float *beta = has_beta ? a->beta->aligned + a->beta->offset : NULL;
    const float *bias = has_bias ? a->bias->aligned + a->bias->offset : NULL;
    for (int64_t i = begin; i < end; ++i) {
      const float *x = &AT2(a->x, i, 0);
      float *y = &AT2(a->y, i, 0);
      const float *src = x; /* the row to normalize */
      if (has_skip || has_bias || a->sum) {
        float *s = a->sum ? &AT2(a->sum, i, 0) : tmp;
        const float *sk = has_skip ? &AT2(a->skip, i % skip_rows, 0) : NULL;
        if (sk && bias)
          for (int64_t j = 0; j < n; ++j)
            s[j] = x[j] + sk[j] + bias[j];
        else if (sk)
          for (int64_t j = 0; j < n; ++j)
            s[j] = x[j] + sk[j];
        else if (bias)
          for (int64_t j = 0; j < n; ++j)
            s[j] = x[j] + bias[j];
        else
          memcpy(s, x, (size_t)n * sizeof(float));
        src = s;
      }
      /* RMSNorm: the mean square about 0. */
      float m = rms ? 0.0f : lanes_sum(src, n) / (float)n;
      float var = lanes_sqdev(src, n, m) / (float)n; /* two-pass: exact */
      float inv = 1.0f / sqrtf(var + a->eps);
      if (beta)
        for (int64_t j = 0; j < n; ++j)
          y[j] = (src[j] - m) * inv * gamma[j] + beta[j];
      else
        for (int64_t j = 0; j < n; ++j)
          y[j] = (src[j] - m) * inv * gamma[j];
    }
    free(tmp);
    return;
  }
  for (int64_t i = begin; i < end; ++i) {
    float *s = a->sum ? &AT2(a->sum, i, 0) : tmp;
    int64_t ss = a->sum ? a->sum->strides[1] : 1;
    /* 1. sum = x (+ skip) (+ bias), and its mean. */
    double mean = 0;
    for (int64_t j = 0; j < n; ++j) {
      float v = AT2(a->x, i, j);
      if (has_skip)
        v += AT2(a->skip, i % skip_rows, j);
      if (has_bias)
        v += AT1(a->bias, j);
      s[j * ss] = v;
      mean += v;
    }
    mean /= (double)n;
    /* 2. variance (two-pass: exact for large offsets); RMSNorm: about 0. */
    float m = rms ? 0.0f : (float)mean;
    float var = 0;
    for (int64_t j = 0; j < n; ++j) {
      float d = s[j * ss] - m;
      var += d * d;
    }
    var /= (float)n;
    float inv = 1.0f / sqrtf(var + a->eps);
    /* 3. normalize. */
    for (int64_t j = 0; j < n; ++j) {
      float v = (s[j * ss] - m) * inv * AT1(a->gamma, j);
      if (has_beta)
        v += AT1(a->beta, j);
      AT2(a->y, i, j) = v;
    }
  }
  free(tmp);
}
MULTIVERSION(ln_rows, (void *arg, int64_t begin, int64_t end), (arg, begin, end))

static void layer_norm(bertc_memref2d_f32 *x, bertc_memref1d_f32 *gamma,
                       bertc_memref1d_f32 *beta, bertc_memref2d_f32 *skip,
                       bertc_memref1d_f32 *bias, bertc_memref2d_f32 *y,
                       bertc_memref2d_f32 *sum, float eps, int64_t flags) {
  ln_args args = {x, skip, gamma, beta, bias, y, sum, eps, flags};
  int64_t n = x->sizes[1];
  int64_t grain = n > 0 ? (8192 + n - 1) / n : 1;
  bertc_cpu_parallel_for(x->sizes[0], grain < 1 ? 1 : grain, ln_rows, &args);
}

void _mlir_ciface_bertc_layer_norm_f32(bertc_memref2d_f32 *x, bertc_memref1d_f32 *gamma,
                                       bertc_memref1d_f32 *beta, bertc_memref2d_f32 *skip,
                                       bertc_memref1d_f32 *bias, bertc_memref2d_f32 *y,
                                       float eps, int64_t flags) {
  layer_norm(x, gamma, beta, skip, bias, y, NULL, eps, flags);
}

void _mlir_ciface_bertc_skip_layer_norm_f32(
    bertc_memref2d_f32 *x, bertc_memref1d_f32 *gamma, bertc_memref1d_f32 *beta,
    bertc_memref2d_f32 *skip, bertc_memref1d_f32 *bias, bertc_memref2d_f32 *y,
    bertc_memref2d_f32 *sum, float eps, int64_t flags) {
  layer_norm(x, gamma, beta, skip, bias, y, sum, eps, flags);
}

/*===---------------------------- attention ------------------------------===*/

typedef struct {
  const bertc_memref3d_f32 *q, *k, *v;
  const bertc_memref2d_f32 *keep;
  const bertc_memref4d_f32 *bias;
  bertc_memref3d_f32 *out;
  int64_t heads, dk, dv, causal, replace, has_mask, has_bias;
  float scale, mask_value;
} attn_args;

/* One (batch, head)'s rows of the score bias: row i, key j at
 * base[i * rs + j * cs] (rs, cs 0 where that dimension broadcasts). */
typedef struct {
  const float *base;
  int64_t rs, cs;
} bias_rows;

static bias_rows bias_for(const attn_args *a, int64_t b, int64_t h) {
  bias_rows r = {NULL, 0, 0};
  if (!a->has_bias)
    return r;
  const bertc_memref4d_f32 *m = a->bias;
  int64_t off = m->offset + (m->sizes[0] == 1 ? 0 : b * m->strides[0]) +
                (m->sizes[1] == 1 ? 0 : h * m->strides[1]);
  r.base = m->aligned + off;
  r.rs = m->sizes[2] == 1 ? 0 : m->strides[2];
  r.cs = m->sizes[3] == 1 ? 0 : m->strides[3];
  return r;
}

#define AT3(m, b, i, j) \
  ((m)->aligned[(m)->offset + (b) * (m)->strides[0] + (i) * (m)->strides[1] + (j) * (m)->strides[2]])

/* Copies the head's [seq, d] slice to a contiguous buffer. */
static void gather_head(const bertc_memref3d_f32 *t, int64_t b, int64_t col0,
                        int64_t seq, int64_t d, float *dst) {
  for (int64_t i = 0; i < seq; ++i) {
    if (t->strides[2] == 1)
      memcpy(dst + i * d, &AT3(t, b, i, col0), (size_t)d * sizeof(float));
    else
      for (int64_t c = 0; c < d; ++c)
        dst[i * d + c] = AT3(t, b, i, col0 + c);
  }
}

/* K of one head, transposed to [d, ld] (ld >= seq; columns past seq are
 * zero) so that the score loop runs over keys in vectors. */
static void gather_head_t(const bertc_memref3d_f32 *t, int64_t b, int64_t col0,
                          int64_t seq, int64_t d, int64_t ld, float *dst) {
  for (int64_t c = 0; c < d; ++c)
    for (int64_t i = seq; i < ld; ++i)
      dst[c * ld + i] = 0.0f;
  for (int64_t i = 0; i < seq; ++i)
    for (int64_t c = 0; c < d; ++c)
      dst[c * ld + i] = AT3(t, b, i, col0 + c);
}

/* A head's [seq, d] slice into rows of ld >= d floats (zeros past d). */
static void gather_head_pad(const bertc_memref3d_f32 *t, int64_t b,
                            int64_t col0, int64_t seq, int64_t d, int64_t ld,
                            float *dst) {
  for (int64_t i = 0; i < seq; ++i) {
    if (t->strides[2] == 1)
      memcpy(dst + i * ld, &AT3(t, b, i, col0), (size_t)d * sizeof(float));
    else
      for (int64_t c = 0; c < d; ++c)
        dst[i * ld + c] = AT3(t, b, i, col0 + c);
    for (int64_t c = d; c < ld; ++c)
      dst[i * ld + c] = 0.0f;
  }
}

/* GEMM-based path: per (batch, head) and block of query rows, scores =
 * Q_blk . K^T and out = P . V run on the packed SGEMM over strided views of
 * the inputs (no copies); the softmax works on one [rows, seq_k] tile. */
#define ATTN_ROWS 128

/* Per batch row: the mask as a per-key additive term (add mode) or a keep
 * flag (replace mode), so the score loops are branch-free. */
static void mask_terms(const attn_args *a, int64_t b, int64_t sk, float *addv,
                       float *keepv) {
  for (int64_t j = 0; j < sk; ++j) {
    int keep = !a->has_mask || AT2(a->keep, b, j) != 0.0f;
    keepv[j] = keep ? 1.0f : 0.0f;
    addv[j] = keep || a->replace ? 0.0f : a->mask_value;
  }
}

/* Rows of raw scores -> unnormalized probabilities exp(v - max), where
 * v = scale * s (+ bias) (+ mask); inv[r] = 1 / sum (0 if every key is
 * excluded). Normalization is applied to the P.V output rows instead
 * (head_size values per row instead of seq_k). */
INLINE void softmax_rows_impl(const attn_args *a, int64_t i0, int64_t rows,
                         float *sc, int64_t ld, int64_t sk, int64_t sq,
                         const float *addv, const float *keepv,
                         bias_rows br, float *inv) {
  const float scale = a->scale, mv = a->mask_value;
  const int replace = a->has_mask && a->replace;
  for (int64_t r = 0; r < rows; ++r) {
    float *row = sc + r * ld;
    int64_t i = i0 + r;
    int64_t limit = a->causal ? (i + (sk - sq) + 1) : sk;
    if (limit > sk)
      limit = sk;
    if (limit < 0)
      limit = 0;
    if (br.base) {
      const float *bi = br.base + i * br.rs;
      if (br.cs == 1)
        for (int64_t j = 0; j < limit; ++j)
          row[j] = row[j] * scale + bi[j];
      else
        for (int64_t j = 0; j < limit; ++j)
          row[j] = row[j] * scale + bi[j * br.cs];
      if (replace)
        for (int64_t j = 0; j < limit; ++j)
          row[j] = keepv[j] != 0.0f ? row[j] : mv;
      else
        for (int64_t j = 0; j < limit; ++j)
          row[j] += addv[j];
    } else if (replace)
      for (int64_t j = 0; j < limit; ++j)
        row[j] = keepv[j] != 0.0f ? row[j] * scale : mv;
    else
      for (int64_t j = 0; j < limit; ++j)
        row[j] = row[j] * scale + addv[j];
    float mx = lanes_max(row, limit);
    if (limit == 0 || mx == -INFINITY) {
      for (int64_t j = 0; j < sk; ++j)
        row[j] = 0.0f;
      inv[r] = 0.0f;
      continue;
    }
    float total = lanes_exp_sum(row, limit, mx);
    for (int64_t j = limit; j < sk; ++j)
      row[j] = 0.0f;
    inv[r] = 1.0f / total;
  }
}
MULTIVERSION(softmax_rows, (const attn_args *a, int64_t i0, int64_t rows, float *sc, int64_t ld, int64_t sk, int64_t sq, const float *addv, const float *keepv, bias_rows br, float *inv), (a, i0, rows, sc, ld, sk, sq, addv, keepv, br, inv))

static void attn_head_gemm(const attn_args *a, int64_t b, int64_t h,
                           float *sc, const float *addv, const float *keepv,
                           float *inv) {
  const bertc_memref3d_f32 *q = a->q, *k = a->k, *v = a->v;
  bertc_memref3d_f32 *o = a->out;
  int64_t sq = q->sizes[1], sk = k->sizes[1], dk = a->dk, dv = a->dv;
  for (int64_t i0 = 0; i0 < sq; i0 += ATTN_ROWS) {
    int64_t rows = sq - i0 < ATTN_ROWS ? sq - i0 : ATTN_ROWS;
    bertc_memref2d_f32 Q = {q->allocated, q->aligned,
                            q->offset + b * q->strides[0] + i0 * q->strides[1] +
                                h * dk * q->strides[2],
                            {rows, dk}, {q->strides[1], q->strides[2]}};
    bertc_memref2d_f32 KT = {k->allocated, k->aligned,
                             k->offset + b * k->strides[0] + h * dk * k->strides[2],
                             {dk, sk}, {k->strides[2], k->strides[1]}};
    bertc_memref2d_f32 S = {sc, sc, 0, {rows, sk}, {sk, 1}};
    _mlir_ciface_bertc_matmul_f32(&Q, &KT, &S, 0);
    softmax_rows(a, i0, rows, sc, sk, sk, sq, addv, keepv, bias_for(a, b, h),
                 inv);
    bertc_memref2d_f32 V = {v->allocated, v->aligned,
                            v->offset + b * v->strides[0] + h * dv * v->strides[2],
                            {sk, dv}, {v->strides[1], v->strides[2]}};
    bertc_memref2d_f32 O = {o->allocated, o->aligned,
                            o->offset + b * o->strides[0] + i0 * o->strides[1] +
                                h * dv * o->strides[2],
                            {rows, dv}, {o->strides[1], o->strides[2]}};
    _mlir_ciface_bertc_matmul_f32(&S, &V, &O, 0);
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t c = 0; c < dv; ++c)
        O.aligned[O.offset + r * O.strides[0] + c * O.strides[1]] *= inv[r];
  }
}

/* C[m, 0:n] = A[m, 0:k] . B[k, 0:n], n a multiple of VL, on 8 x VL
 * register tiles (8 independent accumulator chains). For attention's small
 * heads, where a call into the blocked SGEMM costs more than the work. */
INLINE void small_gemm(int64_t m, int64_t n, int64_t k, const float *a,
                              int64_t lda, const float *b, int64_t ldb,
                              float *c, int64_t ldc) {
  int64_t i = 0;
  for (; i + 8 <= m; i += 8)
    for (int64_t j = 0; j < n; j += VL) {
      vf c0 = {0}, c1 = {0}, c2 = {0}, c3 = {0}, c4 = {0}, c5 = {0}, c6 = {0},
         c7 = {0};
      const float *ai = a + i * lda;
      for (int64_t kk = 0; kk < k; ++kk) {
        vf bv = vload(b + kk * ldb + j);
        c0 += ai[kk] * bv;
        c1 += ai[lda + kk] * bv;
        c2 += ai[2 * lda + kk] * bv;
        c3 += ai[3 * lda + kk] * bv;
        c4 += ai[4 * lda + kk] * bv;
        c5 += ai[5 * lda + kk] * bv;
        c6 += ai[6 * lda + kk] * bv;
        c7 += ai[7 * lda + kk] * bv;
      }
      float *ci = c + i * ldc + j;
      vstore(ci, c0);
      vstore(ci + ldc, c1);
      vstore(ci + 2 * ldc, c2);
      vstore(ci + 3 * ldc, c3);
      vstore(ci + 4 * ldc, c4);
      vstore(ci + 5 * ldc, c5);
      vstore(ci + 6 * ldc, c6);
      vstore(ci + 7 * ldc, c7);
    }
  for (; i < m; ++i)
    for (int64_t j = 0; j < n; j += VL) {
      vf c0 = {0};
      for (int64_t kk = 0; kk < k; ++kk)
        c0 += a[i * lda + kk] * vload(b + kk * ldb + j);
      vstore(c + i * ldc + j, c0);
    }
}

/* Small heads (seq_k < 64 or few query rows): the head's Q, K^T and V are
 * gathered into buffers padded to whole vectors, scores = Q . K^T and
 * out = P . V run on small_gemm, the softmax is the GEMM path's. */
INLINE void attn_head_small_impl(const attn_args *a, int64_t b, int64_t h,
                            float *buf, const float *addv, const float *keepv) {
  int64_t sq = a->q->sizes[1], sk = a->k->sizes[1], dk = a->dk, dv = a->dv;
  int64_t skp = (sk + VL - 1) / VL * VL, dvp = (dv + VL - 1) / VL * VL;
  float *qh = buf, *kt = qh + sq * dk, *vh = kt + dk * skp, *sc = vh + sk * dvp,
        *ob = sc + sq * skp, *inv = ob + sq * dvp;
  gather_head(a->q, b, h * dk, sq, dk, qh);
  gather_head_t(a->k, b, h * dk, sk, dk, skp, kt);
  gather_head_pad(a->v, b, h * dv, sk, dv, dvp, vh);
  small_gemm(sq, skp, dk, qh, dk, kt, skp, sc, skp);
  softmax_rows_impl(a, 0, sq, sc, skp, sk, sq, addv, keepv, bias_for(a, b, h),
                    inv);
  small_gemm(sq, dvp, sk, sc, skp, vh, dvp, ob, dvp);
  for (int64_t i = 0; i < sq; ++i) {
    const float s = inv[i];
    const float *oi = ob + i * dvp;
    if (a->out->strides[2] == 1) {
      float *dst = &AT3(a->out, b, i, h * dv);
      for (int64_t c = 0; c < dv; ++c)
        dst[c] = oi[c] * s;
    } else {
      for (int64_t c = 0; c < dv; ++c)
        AT3(a->out, b, i, h * dv + c) = oi[c] * s;
    }
  }
}
MULTIVERSION(attn_head_small, (const attn_args *a, int64_t b, int64_t h, float *buf, const float *addv, const float *keepv), (a, b, h, buf, addv, keepv))

static void attn_tasks(void *arg, int64_t begin, int64_t end) {
  const attn_args *a = (const attn_args *)arg;
  int64_t sq = a->q->sizes[1], sk = a->k->sizes[1];
  /* Short sequences: small register-tiled GEMMs on gathered heads;
   * longer: the blocked SGEMM on tiles of query rows. */
  int use_gemm = sk >= 64 && sq >= 16;
  int64_t skp = (sk + VL - 1) / VL * VL, dvp = (a->dv + VL - 1) / VL * VL;
  size_t floats =
      use_gemm ? (size_t)ATTN_ROWS * (size_t)sk + 2 * (size_t)sk + ATTN_ROWS + 64
               : (size_t)(sq * a->dk + a->dk * skp + sk * dvp + sq * skp +
                          sq * dvp + sq) +
                     2 * (size_t)sk + 64;
  float *buf = (float *)malloc(floats * sizeof(float));
  if (!buf) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_OUT_OF_MEMORY, "attention: out of memory");
    return;
  }
  /* Per batch row: the mask as per-key terms (tasks of one batch row share
   * them). */
  float *addv = buf + floats - 2 * (size_t)sk - 64, *keepv = addv + sk;
  int64_t maskedBatch = -1;
  if (use_gemm) {
    /* The per-head GEMMs run serially inside this task: no nested
     * parallel_for on whichever thread runs it. */
    bertc_abi_exec_ctx *saved = bertc_cpu_get_exec_ctx();
    bertc_cpu_set_exec_ctx(NULL);
    float *sc = buf, *inv = sc + (size_t)ATTN_ROWS * sk;
    for (int64_t t = begin; t < end; ++t) {
      int64_t b = t / a->heads;
      if (b != maskedBatch) {
        mask_terms(a, b, sk, addv, keepv);
        maskedBatch = b;
      }
      attn_head_gemm(a, b, t % a->heads, sc, addv, keepv, inv);
    }
    bertc_cpu_set_exec_ctx(saved);
    free(buf);
    return;
  }
  for (int64_t t = begin; t < end; ++t) {
    int64_t b = t / a->heads;
    if (b != maskedBatch) {
      mask_terms(a, b, sk, addv, keepv);
      maskedBatch = b;
    }
    attn_head_small(a, b, t % a->heads, buf, addv, keepv);
  }
  free(buf);
}

void _mlir_ciface_bertc_attention_f32(bertc_memref3d_f32 *q, bertc_memref3d_f32 *k,
                                      bertc_memref3d_f32 *v, bertc_memref2d_f32 *keep,
                                      bertc_memref4d_f32 *bias,
                                      bertc_memref3d_f32 *out, int64_t num_heads,
                                      float scale, int64_t causal, float mask_value,
                                      int64_t mask_replace, int64_t has_mask,
                                      int64_t has_bias) {
  if (num_heads <= 0 || q->sizes[2] % num_heads || v->sizes[2] % num_heads) {
    bertc_cpu_report_error(BERTC_ABI_ERROR_INTERNAL,
                           "attention: hidden size is not a multiple of the heads");
    return;
  }
  if (has_bias) {
    int64_t want[4] = {q->sizes[0], num_heads, q->sizes[1], k->sizes[1]};
    for (int d = 0; d < 4; ++d)
      if (bias->sizes[d] != 1 && bias->sizes[d] != want[d]) {
        bertc_cpu_report_error(BERTC_ABI_ERROR_INVALID_INPUT,
                               "attention: the score bias does not broadcast "
                               "to [batch, heads, seq_q, seq_k]");
        return;
      }
  }
  attn_args args = {q, k, v, keep, bias, out, num_heads,
                    q->sizes[2] / num_heads, v->sizes[2] / num_heads, causal,
                    mask_replace, has_mask, has_bias, scale, mask_value};
  bertc_cpu_parallel_for(q->sizes[0] * num_heads, 1, attn_tasks, &args);
}
