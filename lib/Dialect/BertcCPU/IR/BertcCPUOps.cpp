//===- BertcCPUOps.cpp - The CPU kernel dialect: verifiers, bufferization -===//
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/kernel_abi.h"
#include "bertc/model_abi.h"

#include "mlir/Dialect/Bufferization/IR/BufferizableOpInterface.h"
#include "mlir/Dialect/Bufferization/IR/DstBufferizableOpInterfaceImpl.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "mlir/Interfaces/FunctionInterfaces.h"

#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;

using namespace bertc;
using namespace bertc::cpu;

#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsDialect.cpp.inc"

#define GET_ATTRDEF_CLASSES
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsAttributes.cpp.inc"

void BertcCPUDialect::initialize() {
  addAttributes<
#define GET_ATTRDEF_LIST
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOpsAttributes.cpp.inc"
      >();
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

LogicalResult cpu::QLinearOp::verify() {
  if (getIns().size() < 3)
    return emitOpError("expects at least input, weight and weight_scale");
  size_t want = 3 + (isPacked() ? 1 : 0) + (getHasBias() ? 1 : 0);
  if (failed(verifyKernelOp(*this, getIns(), getOuts(), want, 1, 1)))
    return failure();
  auto elt = [](Value v) {
    return cast<ShapedType>(v.getType()).getElementType();
  };
  Value a = getInput(), w = getWeight(), c = getOuts()[0];
  if (!elt(a).isF32() || !elt(getWeightScale()).isF32() ||
      (getBias() && !elt(getBias()).isF32()))
    return emitOpError("input, weight_scale and bias must be f32");
  if (!elt(w).isInteger(8))
    return emitOpError("weight must be i8");
  if (Value cs = getWeightColsum(); cs && !elt(cs).isInteger(32))
    return emitOpError("weight_colsum must be i32");
  if (rankOf(a) != 2 || rankOf(c) != 2)
    return emitOpError("input and output must be 2-D");
  if (rankOf(w) != 2 && rankOf(w) != 3)
    return emitOpError("weight must be [K, N] or packed [panels, ceil(K / 4), "
                       "NR * 4]");
  if (isPacked()) {
    if (conflict(dimOf(w, 2), BERTC_QGEMM_NR * BERTC_QGEMM_KG))
      return emitOpError("packed weight rows must hold ")
             << BERTC_QGEMM_NR * BERTC_QGEMM_KG << " bytes (BERTC_QGEMM_NR)";
    if (conflict(dimOf(w, 1), (dimOf(a, 1) + BERTC_QGEMM_KG - 1) /
                                  BERTC_QGEMM_KG) &&
        !ShapedType::isDynamic(dimOf(a, 1)))
      return emitOpError("packed weight has ")
             << dimOf(w, 1) << " groups of 4 for K = " << dimOf(a, 1);
  } else {
    if (conflict(dimOf(a, 1), dimOf(w, 0)))
      return emitOpError("input columns ")
             << dimOf(a, 1) << " differ from K " << dimOf(w, 0);
    if (conflict(dimOf(w, 1), dimOf(c, 1)))
      return emitOpError("weight columns differ from the output's");
  }
  if (conflict(dimOf(a, 0), dimOf(c, 0)))
    return emitOpError("input and output rows differ");
  for (Value v : {getWeightScale(), getWeightColsum(), getBias()})
    if (v && (rankOf(v) != 1 || conflict(dimOf(v, 0), dimOf(c, 1))))
      return emitOpError("weight_scale, weight_colsum and bias must be [N]");
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
void cpu::QLinearOp::getEffects(
    SmallVectorImpl<SideEffects::EffectInstance<MemoryEffects::Effect>>
        &effects) {
  kernelEffects(getInsMutable(), getOutsMutable(), effects);
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
    QLinearOp::attachInterface<KernelBufferization<QLinearOp>>(*ctx);
    LayerNormOp::attachInterface<KernelBufferization<LayerNormOp>>(*ctx);
    AttentionOp::attachInterface<KernelBufferization<AttentionOp>>(*ctx);
  });
}

//===----------------------------------------------------------------------===//
// Entry point
//===----------------------------------------------------------------------===//

int32_t cpu::abiDtypeOf(Type t) {
  if (t.isF32()) return BERTC_DTYPE_F32;
  if (t.isF16()) return BERTC_DTYPE_F16;
  if (t.isBF16()) return BERTC_DTYPE_BF16;
  if (t.isF64()) return BERTC_DTYPE_F64;
  if (t.isInteger(1)) return BERTC_DTYPE_BOOL;
  if (t.isUnsignedInteger(8)) return BERTC_DTYPE_U8;
  if (t.isInteger(8)) return BERTC_DTYPE_I8;
  if (t.isInteger(16)) return BERTC_DTYPE_I16;
  if (t.isInteger(32)) return BERTC_DTYPE_I32;
  if (t.isInteger(64)) return BERTC_DTYPE_I64;
  return BERTC_DTYPE_INVALID;
}

// #bertc_cpu.tensor<"name" : tensor<...>[, dims ["a", ""]][, owned]>
Attribute TensorSignatureAttr::parse(AsmParser &p, Type) {
  std::string name;
  RankedTensorType type;
  SmallVector<StringAttr> dimNames;
  bool owned = false;
  if (p.parseLess() || p.parseString(&name) || p.parseColon() ||
      p.parseType(type))
    return {};
  while (succeeded(p.parseOptionalComma())) {
    if (succeeded(p.parseOptionalKeyword("owned"))) {
      owned = true;
      continue;
    }
    if (p.parseKeyword("dims") ||
        p.parseCommaSeparatedList(AsmParser::Delimiter::Square, [&] {
          std::string d;
          if (p.parseString(&d))
            return failure();
          dimNames.push_back(StringAttr::get(p.getContext(), d));
          return success();
        }))
      return {};
  }
  if (p.parseGreater())
    return {};
  if (dimNames.empty())
    dimNames.assign(type.getRank(), StringAttr::get(p.getContext(), ""));
  return getChecked([&] { return p.emitError(p.getCurrentLocation()); },
                    p.getContext(), name, type, dimNames, owned);
}

void TensorSignatureAttr::print(AsmPrinter &p) const {
  p << "<";
  p.printString(getName());
  p << " : " << getType();
  if (llvm::any_of(getDimNames(),
                   [](StringAttr s) { return !s.getValue().empty(); })) {
    p << ", dims [";
    llvm::interleaveComma(getDimNames(), p,
                          [&](StringAttr s) { p.printString(s.getValue()); });
    p << "]";
  }
  if (getOwned())
    p << ", owned";
  p << ">";
}

LogicalResult
TensorSignatureAttr::verify(function_ref<InFlightDiagnostic()> emitError,
                            StringRef name, RankedTensorType type,
                            ArrayRef<StringAttr> dimNames, bool owned) {
  if ((int64_t)dimNames.size() != type.getRank())
    return emitError() << "tensor '" << name << "' of rank " << type.getRank()
                       << " has " << dimNames.size() << " dim names";
  if (abiDtypeOf(type.getElementType()) == BERTC_DTYPE_INVALID)
    return emitError() << "tensor '" << name << "' has element type "
                       << type.getElementType()
                       << ", which the model.so ABI cannot carry";
  for (auto [i, d] : llvm::enumerate(dimNames))
    if (!d.getValue().empty() && !ShapedType::isDynamic(type.getDimSize(i)))
      return emitError() << "tensor '" << name << "' names its static dim #"
                         << i;
  return success();
}

LogicalResult EntryPointOp::verify() {
  auto module = (*this)->getParentOfType<ModuleOp>();
  if (!module || (*this)->getParentOp() != module)
    return emitOpError("must be at the top level of a module");
  auto func = module.lookupSymbol<FunctionOpInterface>(getFunction());
  // Once lowered to the LLVM dialect the function's types are gone; the
  // signature is checked while it is still a func on tensors.
  if (!func)
    return success();
  auto type = dyn_cast<FunctionType>(func.getFunctionType());
  if (!type)
    return success();
  auto check = [&](TypeRange types, ArrayAttr sigs,
                   StringRef what) -> LogicalResult {
    if (types.size() != sigs.size())
      return emitOpError() << "has " << sigs.size() << " " << what
                           << ", but @" << getFunction() << " has "
                           << types.size();
    for (auto [i, t, a] : llvm::enumerate(types, sigs)) {
      auto sig = cast<TensorSignatureAttr>(a);
      // Bufferization turns the function's tensors into memrefs.
      auto shaped = dyn_cast<ShapedType>(t);
      if (!shaped || shaped.getElementType() != sig.getType().getElementType() ||
          shaped.getShape() != sig.getType().getShape())
        return emitOpError() << what << " #" << i << " '" << sig.getName()
                             << "' is " << sig.getType() << ", but @"
                             << getFunction() << " has " << t;
    }
    return success();
  };
  if (failed(check(type.getInputs(), getInputs(), "inputs")) ||
      failed(check(type.getResults(), getOutputs(), "outputs")))
    return failure();
  for (Attribute a : getInputs())
    if (cast<TensorSignatureAttr>(a).getOwned())
      return emitOpError("inputs are the caller's: none can be `owned`");
  return success();
}

int32_t EntryPointOp::addErrorSite(StringRef name) {
  SmallVector<Attribute> sites(getErrorSites().begin(), getErrorSites().end());
  for (auto [i, a] : llvm::enumerate(sites))
    if (cast<StringAttr>(a).getValue() == name)
      return static_cast<int32_t>(i);
  sites.push_back(StringAttr::get(getContext(), name));
  setErrorSitesAttr(ArrayAttr::get(getContext(), sites));
  return static_cast<int32_t>(sites.size() - 1);
}

EntryPointOp EntryPointOp::lookup(ModuleOp module) {
  auto ops = module.getOps<EntryPointOp>();
  return ops.empty() ? EntryPointOp() : *ops.begin();
}
