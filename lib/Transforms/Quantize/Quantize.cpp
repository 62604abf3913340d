//===- Quantize.cpp - bertc.linear to int8 bertc.quantized_linear ---------===//
//
// bertc-quantize (see include/bertc/Transforms/Passes.td): weights are
// quantized here, at compile time, per output column and symmetric, with
// exactly the rounding of the kernels' reference
// (bertc_cpu_quantize_qweight_s8 in runtime/include/bertc/cpu_kernels.h):
// f32 division, round half to even, saturation to [-127, 127].
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ConstantData.h"
#include "bertc/Transforms/Passes.h"
#include "bertc/kernel_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

#include <cfenv>
#include <cmath>

namespace bertc {
#define GEN_PASS_DEF_QUANTIZE
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;

namespace {

struct QuantizedWeight {
  std::vector<int8_t> q; // [K, N] row-major
  std::vector<float> scale; // [N]
  float maxScale = 0.0f;
  double worstColumnError = 0.0; // max_n ||W - q s||_2 / ||W||_2 of column n
};

QuantizedWeight quantizeWeight(ArrayRef<float> w, int64_t k, int64_t n) {
  QuantizedWeight r;
  r.q.resize(k * n);
  r.scale.assign(n, 0.0f);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j)
      r.scale[j] = std::max(r.scale[j], std::fabs(w[i * n + j]));
  for (float &s : r.scale) {
    if (s == 0.0f) {
      s = 1.0f; // an all-zero column: any scale gives q = 0
      continue;
    }
    s /= 127.0f;
    r.maxScale = std::max(r.maxScale, s);
  }
  std::vector<double> err(n, 0.0), norm(n, 0.0);
  for (int64_t i = 0; i < k; ++i)
    for (int64_t j = 0; j < n; ++j) {
      float x = w[i * n + j];
      float v = std::nearbyintf(x / r.scale[j]); // ties to even
      v = std::min(127.0f, std::max(-127.0f, v));
      r.q[i * n + j] = static_cast<int8_t>(v);
      double d = double(x) - double(v) * r.scale[j];
      err[j] += d * d;
      norm[j] += double(x) * x;
    }
  for (int64_t j = 0; j < n; ++j)
    if (norm[j] > 0)
      r.worstColumnError =
          std::max(r.worstColumnError, std::sqrt(err[j] / norm[j]));
  return r;
}

struct QuantizePass : bertc::impl::QuantizeBase<QuantizePass> {
  using QuantizeBase::QuantizeBase;

  void runOnOperation() override {
    InputQuantization mode;
    if (input == "row")
      mode = InputQuantization::dynamic_row;
    else if (input == "tensor")
      mode = InputQuantization::dynamic_tensor;
    else {
      getOperation().emitError()
          << "bertc-quantize: input='" << input
          << "' is not a run-time input quantization (row or tensor)";
      return signalPassFailure();
    }
    SmallVector<LinearOp> linears;
    getOperation().walk([&](LinearOp op) { linears.push_back(op); });
    // One quantized copy per weight, however many linears share it (ALBERT's
    // cross-layer sharing stays shared).
    struct Quantized {
      Value weight, scale;
      float maxScale;
      double error;
    };
    llvm::DenseMap<Value, Quantized> quantizedOf;
    for (LinearOp op : linears) {
      auto wType = cast<RankedTensorType>(op.getWeight().getType());
      ElementsAttr wAttr = onnx::constantElements(op.getWeight());
      auto keep = [&](StringRef why) {
        ++numKeptF32;
        if (report)
          op.emitRemark() << "linear kept in f32: " << why;
      };
      if (!op.getType().getElementType().isF32() || !wAttr ||
          !wType.hasStaticShape()) {
        keep("its weight is not a constant f32 [K, N]");
        continue;
      }
      int64_t k = wType.getDimSize(0), n = wType.getDimSize(1);
      if (k > BERTC_QGEMM_MAX_K) {
        keep("K is too large for exact int32 accumulation");
        continue;
      }
      std::optional<std::vector<float>> w = onnx::readConstantFloats(wAttr);
      if (!w) {
        keep("its weight data is not available");
        continue;
      }
      Quantized &qd = quantizedOf[op.getWeight()];
      if (!qd.weight) {
        QuantizedWeight qw = quantizeWeight(*w, k, n);
        OpBuilder cb(op);
        if (Operation *d = op.getWeight().getDefiningOp())
          cb.setInsertionPointAfter(d);
        Location wloc = op.getWeight().getLoc();
        auto qType = RankedTensorType::get({k, n}, cb.getIntegerType(8));
        qd.weight = onnx::makeConstant(
            cb, wloc, qType,
            ArrayRef<char>(reinterpret_cast<const char *>(qw.q.data()),
                           qw.q.size()),
            "weight_s8");
        qd.scale = onnx::makeConstant(
            cb, wloc, RankedTensorType::get({n}, cb.getF32Type()),
            ArrayRef<float>(qw.scale), "weight_scale");
        qd.maxScale = qw.maxScale;
        qd.error = qw.worstColumnError;
      }
      OpBuilder b(op);
      Location loc = op.getLoc();
      Value wq = qd.weight, ws = qd.scale;
      auto q = b.create<QuantizedLinearOp>(
          loc, op.getType(), op.getInput(), wq, ws, op.getBias(),
          op.getActivation(), mode, /*input_scale=*/FloatAttr(),
          /*input_zero_point=*/IntegerAttr());
      if (report)
        q.emitRemark() << "quantized linear [" << k << " x " << n
                       << "]: int8 weight per column (largest scale "
                       << qd.maxScale << ", worst column rounding error "
                       << qd.error << " relative), u8 input "
                       << stringifyInputQuantization(mode);
      op.replaceAllUsesWith(q.getResult());
      op.erase();
      ++numQuantized;
    }
    // f32 weights no longer read are dropped.
    for (auto &[w, qd] : quantizedOf)
      if (qd.weight && w.use_empty())
        if (Operation *d = w.getDefiningOp())
          d->erase();
  }
};
} // namespace
