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

/// A new constant of the same kind of op as `like`.
Value constantLike(OpBuilder &b, Value like, RankedTensorType type,
                   ArrayRef<char> bytes, StringRef name) {
  ElementsAttr data = onnx::makeElements(type, bytes, name);
  Location loc = like.getLoc();
  if (like.getDefiningOp<onnx::ConstantOp>())
    return b.create<onnx::ConstantOp>(loc, type, data);
  return b.create<arith::ConstantOp>(loc, type, cast<TypedAttr>(data));
}

/// `w` [K, N] packed as [ceil(N / NR), K, NR], as the same kind of constant
/// op, before `user`; null if `w` is not a static f32 [K, N] constant with
/// readable data.
Value packWeight(OpBuilder &b, Value w) {
  ElementsAttr attr = onnx::constantElements(w);
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
  return constantLike(
      b, w, RankedTensorType::get({panels, k, nr}, b.getF32Type()),
      ArrayRef<char>(reinterpret_cast<const char *>(packed.data()),
                     packed.size() * sizeof(float)),
      "weight_packed");
}

/// The int8 weight `wq` [K, N] packed for vpdpbusd (kernel_abi.h:
/// packed[p][q][4 j + t] = Wq[4 q + t][p NR + j], zero past K and N) and
/// its column sums; null if `wq` is not a static i8 [K, N] constant.
std::pair<Value, Value> packQuantizedWeight(OpBuilder &b, Value wq) {
  ElementsAttr attr = onnx::constantElements(wq);
  if (!attr)
    return {};
  auto type = dyn_cast<RankedTensorType>(attr.getType());
  if (!type || !type.getElementType().isInteger(8) || type.getRank() != 2 ||
      !type.hasStaticShape())
    return {};
  auto src = onnx::readConstantBytes(attr);
  if (!src)
    return {};
  int64_t k = type.getDimSize(0), n = type.getDimSize(1);
  constexpr int64_t nr = BERTC_QGEMM_NR, kg = BERTC_QGEMM_KG;
  int64_t panels = (n + nr - 1) / nr, kq = (k + kg - 1) / kg;
  std::vector<char> packed(size_t(panels * kq * nr * kg), 0);
  std::vector<int32_t> colsum(n, 0);
  for (int64_t kk = 0; kk < k; ++kk)
    for (int64_t col = 0; col < n; ++col) {
      int8_t v = static_cast<int8_t>((*src)[kk * n + col]);
      int64_t p = col / nr, j = col % nr, q = kk / kg, t = kk % kg;
      packed[((p * kq + q) * nr + j) * kg + t] = static_cast<char>(v);
      colsum[col] += v;
    }
  Value pw = constantLike(
      b, wq, RankedTensorType::get({panels, kq, nr * kg}, b.getIntegerType(8)),
      packed, "weight_s8_packed");
  Value cs = constantLike(
      b, wq, RankedTensorType::get({n}, b.getIntegerType(32)),
      ArrayRef<char>(reinterpret_cast<const char *>(colsum.data()),
                     colsum.size() * sizeof(int32_t)),
      "weight_colsum");
  return {pw, cs};
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
    // int8 weights: packed plus column sums, inserted after the weight.
    SmallVector<cpu::QLinearOp> qlinears;
    getOperation().walk([&](cpu::QLinearOp op) {
      if (op->getNumResults() == 1 && !op.isPacked())
        qlinears.push_back(op);
    });
    llvm::DenseMap<Value, std::pair<Value, Value>> qpackedOf;
    for (cpu::QLinearOp op : qlinears) {
      Value w = op.getWeight();
      auto &pc = qpackedOf[w];
      if (!pc.first) {
        OpBuilder b(op);
        if (Operation *d = w.getDefiningOp())
          b.setInsertionPointAfter(d);
        pc = packQuantizedWeight(b, w);
        if (!pc.first)
          continue;
        ++numPacked;
      }
      // ins(input, weight, scale[, bias]) -> ins(input, packed, scale,
      // colsum[, bias]).
      SmallVector<Value> ins(op.getIns());
      ins[1] = pc.first;
      ins.insert(ins.begin() + 3, pc.second);
      op.getInsMutable().assign(ins);
      packedOf[w] = pc.first;
    }
    // Unpacked weights no longer read are dropped.
    for (auto [w, packed] : packedOf)
      if (packed && w.use_empty())
        if (Operation *d = w.getDefiningOp())
          d->erase();
  }
};

} // namespace
