//===- PackWeights.cpp - Constant linear weights in the GEMM's layout -----===//
//
// bertc-pack-weights: see the pass description in
// include/bertc/Conversion/Passes.td. The layout is the packed kernel's
// (runtime/include/bertc/cpu_kernels.h, BERTC_GEMM_NR in kernel_abi.h):
// packed[p][k][j] = W[k][p * NR + j], zero past N.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/Dialect/ONNX/IR/ConstantData.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/kernel_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"

namespace bertc {
#define GEN_PASS_DEF_PACKWEIGHTS
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;

namespace {

/// The elements of a constant defined by onnx.Constant or arith.constant.
ElementsAttr constantElements(Value v) {
  if (auto c = v.getDefiningOp<onnx::ConstantOp>())
    return c.getValue();
  if (auto c = v.getDefiningOp<arith::ConstantOp>())
    return dyn_cast<ElementsAttr>(c.getValue());
  return {};
}

/// `w` [K, N] packed as [ceil(N / NR), K, NR], as the same kind of constant
/// op, before `user`; null if `w` is not a static f32 [K, N] constant with
/// readable data.
Value packWeight(OpBuilder &b, Value w) {
  ElementsAttr attr = constantElements(w);
  if (!attr)
    return {};
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.getElementType().isF32() || type.getRank() != 2 ||
      !type.hasStaticShape())
    return {};
  auto src = onnx::readConstantFloats(attr);
  if (!src)
    return {};
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  constexpr int64_t nr = BERTC_GEMM_NR;
  int64_t panels = (n + nr - 1) / nr;
  std::vector<float> packed(size_t(panels * k * nr), 0.0f);
  for (int64_t p = 0; p < panels; ++p)
    for (int64_t kk = 0; kk < k; ++kk)
      for (int64_t j = 0; j < nr && p * nr + j < n; ++j)
        packed[(p * k + kk) * nr + j] = (*src)[kk * n + p * nr + j];
  auto packedType = RankedTensorType::get({panels, k, nr}, b.getF32Type());
  ElementsAttr data = onnx::makeElements(
      packedType,
      ArrayRef<char>(reinterpret_cast<const char *>(packed.data()),
                     packed.size() * sizeof(float)),
      "weight_packed");
  Location loc = w.getLoc();
  if (w.getDefiningOp<onnx::ConstantOp>())
    return b.create<onnx::ConstantOp>(loc, packedType, data);
  return b.create<arith::ConstantOp>(loc, packedType, cast<TypedAttr>(data));
}

struct PackWeightsPass : bertc::impl::PackWeightsBase<PackWeightsPass> {
  void runOnOperation() override {
    SmallVector<cpu::LinearOp> linears;
    getOperation().walk([&](cpu::LinearOp op) {
      if (op->getNumResults() == 1 && !op.isPacked())
        linears.push_back(op);
    });
    // One packed copy per weight, however many linears read it.
    llvm::DenseMap<Value, Value> packedOf;
    for (cpu::LinearOp op : linears) {
      Value w = op.getWeight();
      Value &packed = packedOf[w];
      if (!packed) {
        OpBuilder b(w.getDefiningOp() ? w.getDefiningOp() : op.getOperation());
        if (w.getDefiningOp())
          b.setInsertionPointAfter(w.getDefiningOp());
        packed = packWeight(b, w);
        if (!packed)
          continue;
        ++numPacked;
      }
      op.getInsMutable()[1].set(packed);
    }
    // Unpacked weights no longer read are dropped.
    for (auto [w, packed] : packedOf)
      if (packed && w.use_empty())
        if (Operation *d = w.getDefiningOp())
          d->erase();
  }
};

} // namespace
