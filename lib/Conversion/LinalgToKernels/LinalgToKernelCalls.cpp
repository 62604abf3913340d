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
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/kernel_abi.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/Matchers.h"

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

    // bertc.call_kernel on memrefs -> func.call of the C interface.
    SmallVector<bertc::CallKernelOp> calls;
    module.walk([&](bertc::CallKernelOp op) {
      if (op->getNumResults() == 0)
        calls.push_back(op);
    });
    for (bertc::CallKernelOp op : calls) {
      OpBuilder b(op);
      Location loc = op.getLoc();
      SmallVector<Value> args;
      SmallVector<Type> types;
      for (Value v : op->getOperands()) {
        if (auto mt = dyn_cast<MemRefType>(v.getType())) {
          MemRefType t = dynamicStrided(ctx, mt.getRank(), mt.getElementType());
          args.push_back(b.create<memref::CastOp>(loc, t, v));
          types.push_back(t);
        } else {
          args.push_back(v);
          types.push_back(v.getType());
        }
      }
      for (Attribute p : op.getParams()) {
        Value c;
        if (auto i = dyn_cast<IntegerAttr>(p))
          c = b.create<arith::ConstantIntOp>(loc, i.getInt(), 64);
        else
          c = b.create<arith::ConstantFloatOp>(
              loc, APFloat(static_cast<float>(cast<FloatAttr>(p).getValueAsDouble())),
              cast<FloatType>(f32));
        args.push_back(c);
        types.push_back(c.getType());
      }
      func::FuncOp callee = getOrDeclare(module, op.getCallee(), types);
      if (callee.getFunctionType().getInputs() != ArrayRef<Type>(types)) {
        op.emitError("kernel ") << op.getCallee()
                                << " called with two different signatures";
        return signalPassFailure();
      }
      b.create<func::CallOp>(loc, callee, args);
      op->erase();
      ++numKernelCalls;
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
