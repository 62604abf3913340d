/*===- act_math.h - Activation math of the linear epilogues (internal) ---===*
 *
 * The vectorizable exp/erf/tanh approximations and the BERTC_ACT_*
 * activations built on them, shared by the fp32 linear epilogue (fused.c),
 * the int8 linear (qgemm.c) and attention's softmax. Everything here is
 * always-inline, so each caller compiles it for its own target ISA (the
 * MULTIVERSION clones in fused.c, the per-ISA int8 kernels).
 *===----------------------------------------------------------------------===*/
#ifndef BERTC_CPU_ACT_MATH_H
#define BERTC_CPU_ACT_MATH_H

#include "bertc/kernel_abi.h"

#include <stdint.h>

#define ACT_INLINE __attribute__((always_inline)) static inline

/*===------------------- vectorizable exp, erf, tanh ---------------------===*/
/* Branch-free float approximations that the compiler vectorizes (libm's
 * scalar calls were ~10% of BERT's run time). exp: Cephes polynomial,
 * ~1 ulp; erf: Abramowitz-Stegun 7.1.26, |error| < 1.5e-7. */

ACT_INLINE float fast_exp(float x) {
  const float hi = 88.3762626647949f, lo = -87.3365478515625f;
  float xc = x > hi ? hi : (x < lo ? lo : x);
  float n = __builtin_rintf(xc * 1.44269504088896341f);
  float r = xc - n * 0.693359375f + n * 2.12194440e-4f;
  float p = 1.9875691500E-4f;
  p = p * r + 1.3981999507E-3f;
  p = p * r + 8.3334519073E-3f;
  p = p * r + 4.1665795894E-2f;
  p = p * r + 1.6666665459E-1f;
  p = p * r + 5.0000001201E-1f;
  p = p * r * r + r + 1.0f;
  union { int32_t i; float f; } e;
  e.i = ((int32_t)n + 127) << 23;
  float y = p * e.f;
  return x < lo ? 0.0f : y;
}

ACT_INLINE float fast_erf(float x) {
  float ax = x < 0 ? -x : x;
  float t = 1.0f / (1.0f + 0.3275911f * ax);
  float poly = ((((1.061405429f * t - 1.453152027f) * t + 1.421413741f) * t -
                 0.284496736f) * t + 0.254829592f) * t;
  float y = 1.0f - poly * fast_exp(-ax * ax);
  return x < 0 ? -y : y;
}

ACT_INLINE float fast_tanh(float x) {
  /* tanh(x) = 1 - 2 / (exp(2x) + 1), saturating for large |x| */
  return 1.0f - 2.0f / (fast_exp(2.0f * x) + 1.0f);
}

/* act(x) for one value (BERTC_ACT_*; unknown codes: identity). */
ACT_INLINE float act_scalar(int64_t act, float x) {
  switch (act) {
  case BERTC_ACT_RELU: return x > 0 ? x : 0;
  case BERTC_ACT_GELU_ERF: return 0.5f * x * (1.0f + fast_erf(x * 0.70710678118654752f));
  case BERTC_ACT_GELU_TANH: return 0.5f * x * (1.0f + fast_tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
  case BERTC_ACT_QUICK_GELU: return x / (1.0f + fast_exp(-1.702f * x));
  default: return x;
  }
}

/* row[0:n] = act(row[0:n]), contiguous: one simple loop per activation, so
 * that each vectorizes (the switch is outside the loops). */
ACT_INLINE void act_row(int64_t act, float *row, int64_t n) {
  switch (act) {
  case BERTC_ACT_RELU:
    for (int64_t j = 0; j < n; ++j)
      row[j] = row[j] > 0 ? row[j] : 0;
    break;
  case BERTC_ACT_GELU_ERF:
    for (int64_t j = 0; j < n; ++j)
      row[j] = 0.5f * row[j] * (1.0f + fast_erf(row[j] * 0.70710678118654752f));
    break;
  case BERTC_ACT_GELU_TANH:
    for (int64_t j = 0; j < n; ++j) {
      float x = row[j];
      row[j] = 0.5f * x * (1.0f + fast_tanh(0.7978845608028654f * (x + 0.044715f * x * x * x)));
    }
    break;
  case BERTC_ACT_QUICK_GELU:
    for (int64_t j = 0; j < n; ++j)
      row[j] = row[j] / (1.0f + fast_exp(-1.702f * row[j]));
    break;
  default:
    break;
  }
}

#endif /* BERTC_CPU_ACT_MATH_H */
