//===- BertcCPUOps.cpp - The CPU kernel dialect: verifiers, bufferization -===//
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"

using namespace mlir;

using namespace bertc;
using namespace bertc::cpu;

#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsDialect.cpp.inc"

void BertcCPUDialect::initialize() {
  addOperations<
#define GET_OP_LIST
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.cpp.inc"
      >();
}

#define GET_OP_CLASSES
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.cpp.inc"

namespace {

int64_t rankOf(Value v) { return cast<ShapedType>(v.getType()).getRank(); }
int64_t dimOf(Value v, int64_t i) {
  return cast<ShapedType>(v.getType()).getDimSize(i);
}
bool conflict(int64_t a, int64_t b) {
  return !ShapedType::isDynamic(a) && !ShapedType::isDynamic(b) && a != b;
}

/// What every kernel op shares: the operand counts its has_* units imply,
/// and the destination-passing form (results = outs on tensors, none on
/// memrefs, no mixing).
LogicalResult verifyKernelOp(Operation *op, ValueRange ins, ValueRange outs,
                             size_t wantIns, size_t minOuts, size_t maxOuts) {
  if (ins.size() != wantIns)
    return op->emitOpError("expects ")
           << wantIns << " ins for its has_* attributes, got " << ins.size();
  if (outs.size() < minOuts || outs.size() > maxOuts)
  {
    auto diag = op->emitOpError("expects ") << minOuts;
    if (maxOuts != minOuts)
      diag << " to " << maxOuts;
    return diag << " outs, got " << outs.size();
  }
  bool tensors = isa<RankedTensorType>(outs.front().getType());
  for (Value v : op->getOperands())
    if (isa<RankedTensorType>(v.getType()) != tensors)
      return op->emitOpError("operands must be all tensors or all memrefs");
  if (tensors) {
    if (op->getNumResults() != outs.size())
      return op->emitOpError("on tensors, each out needs a result");
    for (auto [o, r] : llvm::zip(outs, op->getResults()))
      if (o.getType() != r.getType())
        return op->emitOpError("result types must match the outs");
  } else if (op->getNumResults()) {
    return op->emitOpError("on memrefs, the op has no results");
  }
  return success();
}

/// On memrefs: reads the ins, writes the outs. On tensors: none.
void kernelEffects(
    MutableOperandRange ins, MutableOperandRange outs,
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  for (OpOperand &o : ins)
    if (isa<MemRefType>(o.get().getType()))
      effects.emplace_back(MemoryEffects::Read::get(), &o,
                           SideEffects::DefaultResource::get());
  for (OpOperand &o : outs)
    if (isa<MemRefType>(o.get().getType()))
      effects.emplace_back(MemoryEffects::Write::get(), &o,
                           SideEffects::DefaultResource::get());
}

} // namespace

LogicalResult cpu::LinearOp::verify() {
  if (failed(verifyKernelOp(*this, getIns(), getOuts(), getHasBias() ? 3 : 2,
                            1, 1)))
    return failure();
  Value a = getInput(), w = getWeight(), c = getOuts()[0];
  if (rankOf(a) != 2 || rankOf(c) != 2)
    return emitOpError("input and output must be 2-D");
  if (rankOf(w) != 2 && rankOf(w) != 3)
    return emitOpError("weight must be [K, N] or packed [panels, K, NR]");
  int64_t k = dimOf(w, isPacked() ? 1 : 0);
  if (conflict(dimOf(a, 1), k))
    return emitOpError("input columns ") << dimOf(a, 1) << " differ from K " << k;
  if (conflict(dimOf(a, 0), dimOf(c, 0)))
    return emitOpError("input and output rows differ");
  if (!isPacked() && conflict(dimOf(w, 1), dimOf(c, 1)))
    return emitOpError("weight columns differ from the output's");
  if (Value b = getBias())
    if (rankOf(b) != 1 || conflict(dimOf(b, 0), dimOf(c, 1)))
      return emitOpError("bias must be [N]");
  return success();
}

LogicalResult cpu::LayerNormOp::verify() {
  size_t want = 2 + getHasBeta() + getHasSkip() + getHasBias();
  if (failed(verifyKernelOp(*this, getIns(), getOuts(), want, 1, 2)))
    return failure();
  Value x = getX(), y = getOuts()[0];
  if (rankOf(x) != 2 || rankOf(y) != 2)
    return emitOpError("x and y must be [rows, C]");
  int64_t c = dimOf(x, 1);
  for (Value v : {getGamma(), getBeta(), getBias()})
    if (v && (rankOf(v) != 1 || conflict(dimOf(v, 0), c)))
      return emitOpError("gamma, beta and bias must be [C]");
  if (Value s = getSkip())
    if (rankOf(s) != 2 || conflict(dimOf(s, 1), c))
      return emitOpError("skip must be [rows, C]");
  for (Value o : getOuts())
    if (rankOf(o) != 2 || conflict(dimOf(o, 1), c) ||
        conflict(dimOf(o, 0), dimOf(x, 0)))
      return emitOpError("y and sum must have x's shape");
  return success();
}

LogicalResult cpu::AttentionOp::verify() {
  size_t want = 3 + getHasMask() + getHasBias();
  if (failed(verifyKernelOp(*this, getIns(), getOuts(), want, 1, 1)))
    return failure();
  Value q = getQuery(), k = getKey(), v = getValue(), o = getOuts()[0];
  for (Value t : {q, k, v, o})
    if (rankOf(t) != 3)
      return emitOpError("query, key, value and output must be "
                         "[batch, seq, hidden]");
  int64_t heads = getNumHeads();
  if (heads <= 0)
    return emitOpError("num_heads must be positive");
  for (Value t : {q, k, v, o})
    if (!ShapedType::isDynamic(dimOf(t, 2)) && dimOf(t, 2) % heads)
      return emitOpError("hidden size ")
             << dimOf(t, 2) << " is not a multiple of num_heads " << heads;
  if (conflict(dimOf(k, 1), dimOf(v, 1)))
    return emitOpError("key and value sequence lengths differ");
  if (Value keep = getKeep())
    if (rankOf(keep) != 2 || conflict(dimOf(keep, 1), dimOf(k, 1)))
      return emitOpError("keep must be [batch, seq_k]");
  if (Value b = getBias()) {
    if (rankOf(b) != 4)
      return emitOpError("bias must be [batch, heads, seq_q, seq_k]");
    int64_t want4[4] = {dimOf(q, 0), heads, dimOf(q, 1), dimOf(k, 1)};
    for (int i = 0; i < 4; ++i)
      if (dimOf(b, i) != 1 && conflict(dimOf(b, i), want4[i]))
        return emitOpError("bias dimension ") << i << " neither 1 nor "
                                              << want4[i];
  }
  return success();
}

void cpu::LinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &e) {
  kernelEffects(getInsMutable(), getOutsMutable(), e);
}
void cpu::LayerNormOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &e) {
  kernelEffects(getInsMutable(), getOutsMutable(), e);
}
void cpu::AttentionOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>> &e) {
  kernelEffects(getInsMutable(), getOutsMutable(), e);
}

namespace {
/// Kernels read their ins and overwrite their outs entirely: the same op on
/// the buffers, with no results.
template <typename OpTy>
struct KernelBufferization
    : bufferization::DstBufferizableOpInterfaceExternalModel<
          KernelBufferization<OpTy>, OpTy> {
  bool bufferizesToMemoryRead(Operation *op, OpOperand &operand,
                              const bufferization::AnalysisState &) const {
    return !cast<DestinationStyleOpInterface>(op).isDpsInit(&operand);
  }
  LogicalResult
  bufferize(Operation *op, RewriterBase &rewriter,
            const bufferization::BufferizationOptions &options) const {
    auto k = cast<OpTy>(op);
    SmallVector<Value> ins, outs;
    for (Value v : k.getIns()) {
      auto buf = bufferization::getBuffer(rewriter, v, options);
      if (failed(buf))
        return failure();
      ins.push_back(*buf);
    }
    for (Value v : k.getOuts()) {
      auto buf = bufferization::getBuffer(rewriter, v, options);
      if (failed(buf))
        return failure();
      outs.push_back(*buf);
    }
    SmallVector<Value> operands(ins);
    operands.append(outs);
    // Same attributes (the segment sizes count the same operands).
    rewriter.create<OpTy>(op->getLoc(), TypeRange{}, operands,
                          op->getAttrDictionary().getValue());
    bufferization::replaceOpWithBufferizedValues(rewriter, op, outs);
    return success();
  }
};
} // namespace

void bertc::cpu::registerBufferizationInterfaces(DialectRegistry &registry) {
  registry.addExtension(+[](MLIRContext *ctx, BertcCPUDialect *) {
    LinearOp::attachInterface<KernelBufferization<LinearOp>>(*ctx);
    LayerNormOp::attachInterface<KernelBufferization<LayerNormOp>>(*ctx);
    AttentionOp::attachInterface<KernelBufferization<AttentionOp>>(*ctx);
  });
}
