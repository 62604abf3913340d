//===- BertcOps.cpp - The bertc dialect: verifiers, bufferization ---------===//
#include "bertc/Dialect/Bertc/IR/BertcOps.h"

#include <cmath>
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/kernel_abi.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/TypeSwitch.h"

// The dialect's activation codes are the kernels' (bertc/kernel_abi.h).
static_assert(static_cast<int>(bertc::Activation::none) == BERTC_ACT_NONE);
static_assert(static_cast<int>(bertc::Activation::relu) == BERTC_ACT_RELU);
static_assert(static_cast<int>(bertc::Activation::gelu_erf) ==
              BERTC_ACT_GELU_ERF);
static_assert(static_cast<int>(bertc::Activation::gelu_tanh) ==
              BERTC_ACT_GELU_TANH);
static_assert(static_cast<int>(bertc::Activation::quick_gelu) ==
              BERTC_ACT_QUICK_GELU);

using namespace mlir;
using namespace bertc;

#include "bertc/Dialect/Bertc/IR/BertcOpsDialect.cpp.inc"
#include "bertc/Dialect/Bertc/IR/BertcOpsEnums.cpp.inc"
#define GET_ATTRDEF_CLASSES
#include "bertc/Dialect/Bertc/IR/BertcOpsAttributes.cpp.inc"

void BertcDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bertc/Dialect/Bertc/IR/BertcOpsAttributes.cpp.inc"
      >();
  addOperations<
#define GET_OP_LIST
#include "bertc/Dialect/Bertc/IR/BertcOps.cpp.inc"
      >();
  // The fused ops keep their input's leading (batch, sequence) dims: the
  // onnx shape analysis follows dimensions through them.
  for (StringRef name : {"bertc.layer_norm", "bertc.gelu", "bertc.linear",
                         "bertc.attention"})
    onnx::registerRowwiseOp(name, 0);
}

#define GET_OP_CLASSES
#include "bertc/Dialect/Bertc/IR/BertcOps.cpp.inc"

namespace {
RankedTensorType rtt(Value v) { return cast<RankedTensorType>(v.getType()); }

/// Static sizes that differ (dynamic sizes match anything).
bool sizesConflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}
} // namespace

LogicalResult LinearOp::verify() {
  auto in = rtt(getInput()), w = rtt(getWeight()), out = rtt(getResult());
  if (in.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (w.getRank() != 2)
    return emitOpError("weight must be [K, N], got rank ") << w.getRank();
  if (in.getElementType() != w.getElementType() ||
      in.getElementType() != out.getElementType())
    return emitOpError("input, weight and result element types differ");
  if (sizesConflict(in.getShape().back(), w.getDimSize(0)))
    return emitOpError("input has ")
           << in.getShape().back() << " features but the weight expects "
           << w.getDimSize(0);
  if (Value b = getBias()) {
    auto bt = rtt(b);
    if (bt.getRank() != 1 || sizesConflict(bt.getDimSize(0), w.getDimSize(1)))
      return emitOpError("bias must be [N] with N = ") << w.getDimSize(1);
  }
  if (out.getRank() != in.getRank())
    return emitOpError("result rank must equal the input rank");
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (sizesConflict(in.getDimSize(i), out.getDimSize(i)))
      return emitOpError("result dimension ") << i << " differs from the input";
  if (sizesConflict(out.getShape().back(), w.getDimSize(1)))
    return emitOpError("result has ")
           << out.getShape().back() << " features, the weight gives "
           << w.getDimSize(1);
  return success();
}

LogicalResult QuantizedLinearOp::verify() {
  auto in = rtt(getInput()), w = rtt(getWeight()), out = rtt(getResult());
  if (in.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  if (w.getRank() != 2)
    return emitOpError("weight must be [K, N], got rank ") << w.getRank();
  int64_t n = w.getDimSize(1);
  if (sizesConflict(in.getShape().back(), w.getDimSize(0)))
    return emitOpError("input has ")
           << in.getShape().back() << " features but the weight expects "
           << w.getDimSize(0);
  auto ws = rtt(getWeightScale());
  if (ws.getRank() != 1 || sizesConflict(ws.getDimSize(0), n))
    return emitOpError("weight_scale must be [N] with N = ") << n;
  if (Value b = getBias()) {
    auto bt = rtt(b);
    if (bt.getRank() != 1 || sizesConflict(bt.getDimSize(0), n))
      return emitOpError("bias must be [N] with N = ") << n;
  }
  bool isStatic = getInputQuantization() == InputQuantization::static_;
  if (isStatic != (getInputScale().has_value() && getInputZeroPoint().has_value()))
    return emitOpError(isStatic
                           ? "static input quantization needs input_scale and "
                             "input_zero_point"
                           : "input_scale and input_zero_point are for static "
                             "input quantization only");
  if (isStatic) {
    float scale = getInputScale()->convertToFloat();
    if (!(scale > 0.0f) || !std::isfinite(scale))
      return emitOpError("input_scale must be finite and > 0, got ") << scale;
    int32_t zp = *getInputZeroPoint();
    if (zp < 0 || zp > 255)
      return emitOpError("input_zero_point must be in [0, 255] (u8), got ")
             << zp;
  }
  if (out.getRank() != in.getRank())
    return emitOpError("result rank must equal the input rank");
  for (int64_t i = 0; i + 1 < in.getRank(); ++i)
    if (sizesConflict(in.getDimSize(i), out.getDimSize(i)))
      return emitOpError("result dimension ") << i << " differs from the input";
  if (sizesConflict(out.getShape().back(), n))
    return emitOpError("result has ") << out.getShape().back()
                                      << " features, the weight gives " << n;
  return success();
}

LogicalResult GeluOp::verify() {
  Activation a = getApproximation();
  if (a != Activation::gelu_erf && a != Activation::gelu_tanh &&
      a != Activation::quick_gelu)
    return emitOpError("approximation must be gelu_erf, gelu_tanh or "
                       "quick_gelu, got ")
           << stringifyActivation(a);
  return success();
}

LogicalResult LayerNormOp::verify() {
  auto in = rtt(getInput());
  if (in.getRank() < 1)
    return emitOpError("input must have rank >= 1");
  int64_t c = in.getShape().back();
  auto checkVec = [&](Value v, StringRef what) -> LogicalResult {
    if (!v)
      return success();
    auto t = rtt(v);
    if (t.getRank() != 1 || sizesConflict(t.getDimSize(0), c))
      return emitOpError() << what << " must be a vector of the last "
                           << "dimension's size (" << c << "), got " << t;
    if (t.getElementType() != in.getElementType())
      return emitOpError() << what << " element type differs from the input";
    return success();
  };
  if (failed(checkVec(getGamma(), "gamma")) ||
      failed(checkVec(getBeta(), "beta")) ||
      failed(checkVec(getBias(), "bias")))
    return failure();
  if (Value s = getSkip()) {
    // The input's shape, or broadcast along leading dims of size 1 (position
    // embeddings [1, seq, hidden] added to [batch, seq, hidden]).
    auto st = rtt(s);
    bool ok = st.getRank() == in.getRank();
    bool leading = true;
    for (int64_t i = 0; ok && i < st.getRank(); ++i) {
      int64_t a = st.getDimSize(i), b = in.getDimSize(i);
      if (leading && a == 1)
        continue;
      leading = false;
      ok = !sizesConflict(a, b) && !(a == 1 && b != 1);
    }
    if (!ok)
      return emitOpError("skip must have the input's shape (or broadcast "
                         "along leading dims of size 1), got ")
             << st;
  }
  for (Value r : getResults()) {
    auto rt = rtt(r);
    if (rt.getElementType() != in.getElementType() ||
        rt.getRank() != in.getRank())
      return emitOpError("results must have the input's type");
  }
  if (getEpsilon().convertToFloat() < 0)
    return emitOpError("epsilon must be >= 0");
  return success();
}

LogicalResult AttentionOp::verify() {
  auto q = rtt(getQuery()), k = rtt(getKey()), v = rtt(getValue());
  if (q.getRank() != 3 || k.getRank() != 3 || v.getRank() != 3)
    return emitOpError("query, key and value must be [batch, seq, hidden]");
  int64_t heads = getNumHeads();
  if (heads <= 0)
    return emitOpError("num_heads must be positive");
  for (auto t : {q, k, v})
    if (!ShapedType::isDynamic(t.getDimSize(2)) && t.getDimSize(2) % heads)
      return emitOpError("hidden size ")
             << t.getDimSize(2) << " is not a multiple of num_heads " << heads;
  if (sizesConflict(q.getDimSize(2), k.getDimSize(2)))
    return emitOpError("query and key hidden sizes differ");
  if (sizesConflict(k.getDimSize(1), v.getDimSize(1)))
    return emitOpError("key and value sequence lengths differ");
  if (Value m = getMask()) {
    auto mt = rtt(m);
    if (mt.getRank() != 2)
      return emitOpError("mask must be [batch, seq_k], got ") << mt;
    if (sizesConflict(mt.getDimSize(1), k.getDimSize(1)))
      return emitOpError("mask length differs from the key sequence length");
  }
  if (Value b = getBias()) {
    auto bt = rtt(b);
    if (bt.getRank() != 4)
      return emitOpError("bias must be [batch, num_heads, seq_q, seq_k], got ")
             << bt;
    int64_t want[4] = {q.getDimSize(0), heads, q.getDimSize(1),
                       k.getDimSize(1)};
    static const char *names[4] = {"batch", "num_heads", "seq_q", "seq_k"};
    for (int i = 0; i < 4; ++i)
      if (bt.getDimSize(i) != 1 && sizesConflict(bt.getDimSize(i), want[i]))
        return emitOpError("bias dimension ")
               << i << " is " << bt.getDimSize(i) << ": neither 1 nor "
               << names[i] << " (" << want[i] << ")";
  }
  auto r = rtt(getResult());
  if (r.getRank() != 3 || sizesConflict(r.getDimSize(2), v.getDimSize(2)))
    return emitOpError("result must be [batch, seq_q, value hidden]");
  return success();
}

