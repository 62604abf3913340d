//===- LinalgToKernelCalls.cpp - f32 matmuls to the CPU GEMM kernels ------===//
//
// After bufferization, f32 `linalg.matmul`, `linalg.matmul_transpose_b` and
// `linalg.batch_matmul` on memrefs become calls into bertc_cpu_kernels
// (runtime/include/bertc/cpu_kernels.h), which are packed, cache-blocked,
// vectorized and multi-threaded through the runtime's thread pool. Operands
// are passed as fully dynamic strided memrefs, so transposed operands are
// just views. A zero fill of the output that immediately precedes the matmul
// is folded into the call (accumulate = 0).
//
// The kernel dialect's ops on memrefs (bertc_cpu.linear, .qlinear,
// .layer_norm, .attention) become calls of their kernels' C interface, by
// conversion patterns (KernelCall) with a target that makes them illegal.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/kernel_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bertc {
#define GEN_PASS_DEF_LINALGTOKERNELCALLS
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {

MemRefType dynamicStrided(MLIRContext *ctx, int64_t rank, Type elt) {
  SmallVector<int64_t> shape(rank, ShapedType::kDynamic);
  SmallVector<int64_t> strides(rank, ShapedType::kDynamic);
  auto layout = StridedLayoutAttr::get(ctx, ShapedType::kDynamic, strides);
  return MemRefType::get(shape, elt, layout);
}

/// Declares (once) `func.func private @name(memref..., i64)` with the C
/// interface, so calls go to `_mlir_ciface_<name>` with descriptor pointers.
func::FuncOp getOrDeclare(ModuleOp module, StringRef name,
                          ArrayRef<Type> argTypes) {
  if (auto f = module.lookupSymbol<func::FuncOp>(name))
    return f;
  OpBuilder b = OpBuilder::atBlockEnd(module.getBody());
  auto type = b.getFunctionType(argTypes, {});
  auto f = b.create<func::FuncOp>(module.getLoc(), name, type);
  f.setPrivate();
  f->setAttr(LLVM::LLVMDialect::getEmitCWrapperAttrName(), b.getUnitAttr());
  return f;
}

/// A `linalg.fill` of +0.0 into exactly `out`, earlier in the same block
/// with no other use of `out` in between; null otherwise.
linalg::FillOp findZeroFill(Operation *matmul, Value out) {
  for (Operation *op = matmul->getPrevNode(); op; op = op->getPrevNode()) {
    auto fill = dyn_cast<linalg::FillOp>(op);
    if (fill && fill.getOutputs().front() == out) {
      FloatAttr value;
      if (matchPattern(fill.getInputs().front(), m_Constant(&value)) &&
          value.getValue().isZero() && !value.getValue().isNegative())
        return fill;
      return {};
    }
    if (llvm::is_contained(op->getOperands(), out))
      return {};
    if (op->getNumRegions())
      return {};
  }
  return {};
}

/// The C interface call of one kernel-dialect op on memrefs, in the
/// argument order of runtime/include/bertc/cpu_kernels.h: buffers as fully
/// dynamic strided memrefs, the attributes as i64/f32 scalars (codes of
/// bertc/kernel_abi.h), unread placeholders for absent optional operands.
LogicalResult buildKernelCall(Operation *op, OpBuilder &b) {
  MLIRContext *ctx = op->getContext();
  ModuleOp module = op->getParentOfType<ModuleOp>();
  Type f32 = Float32Type::get(ctx);
  Type i64 = IntegerType::get(ctx, 64);
  Location loc = op->getLoc();
  SmallVector<Value> args;
  SmallVector<Type> types;
  auto mem = [&](Value v) {
    auto mt = cast<MemRefType>(v.getType());
    MemRefType t = dynamicStrided(ctx, mt.getRank(), mt.getElementType());
    args.push_back(b.create<memref::CastOp>(loc, t, v));
    types.push_back(t);
  };
  // An absent optional operand: a 1-element buffer of its rank the
  // kernel does not read (its has_* argument is 0).
  auto unread = [&](int64_t rank) {
    mem(b.create<memref::AllocaOp>(
        loc, MemRefType::get(SmallVector<int64_t>(rank, 1), f32)));
  };
  // An optional operand: itself, or the unread placeholder of its rank.
  auto memOr = [&](Value v, int64_t rank) {
    if (v)
      mem(v);
    else
      unread(rank);
  };
  auto i64Arg = [&](int64_t v) {
    args.push_back(b.create<arith::ConstantIntOp>(loc, v, 64));
    types.push_back(i64);
  };
  auto f32Arg = [&](FloatAttr v) {
    args.push_back(b.create<arith::ConstantFloatOp>(
        loc, APFloat(static_cast<float>(v.getValueAsDouble())),
        cast<FloatType>(f32)));
    types.push_back(f32);
  };
  StringRef name;
  if (auto k = dyn_cast<bertc::cpu::LinearOp>(op)) {
    name = k.isPacked() ? BERTC_KERNEL_LINEAR_PACKED_F32
                        : BERTC_KERNEL_LINEAR_F32;
    mem(k.getInput());
    mem(k.getWeight());
    memOr(k.getBias(), 1);
    mem(k.getOuts()[0]);
    i64Arg(static_cast<int64_t>(k.getActivation()));
    i64Arg(k.getHasBias() ? 1 : 0);
  } else if (auto k = dyn_cast<bertc::cpu::QLinearOp>(op)) {
    if (!k.isPacked()) {
      op->emitError("the int8 kernel reads packed weights only: run "
                    "bertc-pack-weights (on tensors) first");
      return failure();
    }
    name = BERTC_KERNEL_QLINEAR_PACKED_F32;
    mem(k.getInput());
    mem(k.getWeight());
    mem(k.getWeightScale());
    mem(k.getWeightColsum());
    memOr(k.getBias(), 1);
    mem(k.getOuts()[0]);
    i64Arg(static_cast<int64_t>(k.getActivation()));
    i64Arg(static_cast<int64_t>(k.getInputQuantization()));
    f32Arg(k.getInputScaleAttr());
    i64Arg(k.getInputZeroPoint());
    i64Arg(k.getHasBias() ? BERTC_QLINEAR_BIAS : 0);
  } else if (auto k = dyn_cast<bertc::cpu::LayerNormOp>(op)) {
    name = k.hasSum() ? BERTC_KERNEL_SKIP_LAYER_NORM_F32
                      : BERTC_KERNEL_LAYER_NORM_F32;
    mem(k.getX());
    mem(k.getGamma());
    mem(k.getBeta() ? k.getBeta() : k.getGamma());
    mem(k.getSkip() ? k.getSkip() : k.getX());
    mem(k.getBias() ? k.getBias() : k.getGamma());
    for (Value o : k.getOuts())
      mem(o);
    f32Arg(k.getEpsilonAttr());
    i64Arg((k.getHasBeta() ? BERTC_LN_BETA : 0) |
           (k.getHasSkip() ? BERTC_LN_SKIP : 0) |
           (k.getHasBias() ? BERTC_LN_BIAS : 0) |
           (k.getRms() ? BERTC_LN_RMS : 0));
  } else {
    auto a = cast<bertc::cpu::AttentionOp>(op);
    name = BERTC_KERNEL_ATTENTION_F32;
    mem(a.getQuery());
    mem(a.getKey());
    mem(a.getValue());
    memOr(a.getKeep(), 2);
    memOr(a.getBias(), 4);
    mem(a.getOuts()[0]);
    i64Arg(a.getNumHeads());
    f32Arg(a.getScaleAttr());
    i64Arg(a.getCausal() ? 1 : 0);
    f32Arg(a.getMaskValueAttr());
    i64Arg(a.getMaskReplace() ? 1 : 0);
    i64Arg(a.getHasMask() ? 1 : 0);
    i64Arg(a.getHasBias() ? 1 : 0);
  }
  func::FuncOp callee = getOrDeclare(module, name, types);
  if (callee.getFunctionType().getInputs() != ArrayRef<Type>(types))
    return op->emitError("kernel ")
           << name << " called with two different signatures";
  b.create<func::CallOp>(loc, callee, args);
  return success();
}

template <typename OpT> struct KernelCall : OpConversionPattern<OpT> {
  using OpConversionPattern<OpT>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OpT op, typename OpT::Adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (op->getNumResults() != 0)
      return failure(); // on tensors: bufferize first
    if (failed(buildKernelCall(op, rewriter)))
      return failure();
    rewriter.eraseOp(op);
    return success();
  }
};

struct LinalgToKernelCallsPass
    : bertc::impl::LinalgToKernelCallsBase<LinalgToKernelCallsPass> {
  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<linalg::LinalgOp> matmuls;
    module.walk([&](linalg::LinalgOp op) {
      if (!isa<linalg::MatmulOp, linalg::MatmulTransposeBOp,
               linalg::BatchMatmulOp>(op))
        return;
      if (!op.hasPureBufferSemantics())
        return;
      for (Value v : op->getOperands()) {
        auto t = dyn_cast<MemRefType>(v.getType());
        if (!t || !t.getElementType().isF32())
          return;
      }
      // linalg.matmul may carry a cast attribute; only the default is ours.
      if (op->getNumOperands() != 3)
        return;
      matmuls.push_back(op);
    });

    MLIRContext *ctx = &getContext();
    Type f32 = Float32Type::get(ctx);
    Type i64 = IntegerType::get(ctx, 64);

    // Kernel-dialect ops on memrefs -> func.call of the C interface
    // (patterns, ConversionTarget: the kernel ops on memrefs are illegal).
    {
      ConversionTarget target(getContext());
      target.addLegalDialect<func::FuncDialect, memref::MemRefDialect,
                             arith::ArithDialect>();
      auto onTensors = [](Operation *op) { return op->getNumResults() != 0; };
      target.addDynamicallyLegalOp<bertc::cpu::LinearOp, bertc::cpu::QLinearOp,
                                   bertc::cpu::LayerNormOp,
                                   bertc::cpu::AttentionOp>(onTensors);
      target.markUnknownOpDynamicallyLegal([](Operation *) { return true; });
      RewritePatternSet patterns(&getContext());
      patterns.add<KernelCall<bertc::cpu::LinearOp>,
                   KernelCall<bertc::cpu::QLinearOp>,
                   KernelCall<bertc::cpu::LayerNormOp>,
                   KernelCall<bertc::cpu::AttentionOp>>(&getContext());
      unsigned before = 0;
      module.walk([&](Operation *op) {
        if (isa<bertc::cpu::LinearOp, bertc::cpu::QLinearOp,
                bertc::cpu::LayerNormOp, bertc::cpu::AttentionOp>(op) &&
            !onTensors(op))
          ++before;
      });
      if (failed(applyPartialConversion(module, target, std::move(patterns))))
        return signalPassFailure();
      numKernelCalls += before;
    }
    for (linalg::LinalgOp op : matmuls) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      bool batched = isa<linalg::BatchMatmulOp>(op);
      int64_t rank = batched ? 3 : 2;
      MemRefType argType = dynamicStrided(ctx, rank, f32);
      Value a = op->getOperand(0), bm = op->getOperand(1),
            c = op->getOperand(2);
      if (isa<linalg::MatmulTransposeBOp>(op)) {
        auto perm = AffineMap::getPermutationMap(ArrayRef<unsigned>{1, 0}, ctx);
        bm = b.create<memref::TransposeOp>(loc, bm, AffineMapAttr::get(perm));
      }
      int64_t accumulate = 1;
      if (linalg::FillOp fill = findZeroFill(op, c)) {
        fill.erase();
        accumulate = 0;
      }
      auto cast = [&](Value v) -> Value {
        return b.create<memref::CastOp>(loc, argType, v);
      };
      Value acc = b.create<arith::ConstantIntOp>(loc, accumulate, 64);
      StringRef name =
          batched ? BERTC_KERNEL_BATCH_MATMUL_F32 : BERTC_KERNEL_MATMUL_F32;
      func::FuncOp callee =
          getOrDeclare(module, name, {argType, argType, argType, i64});
      b.create<func::CallOp>(loc, callee,
                             ValueRange{cast(a), cast(bm), cast(c), acc});
      op->erase();
      ++numKernelCalls;
    }
  }
};
} // namespace
