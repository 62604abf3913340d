//===- BertcToKernels.cpp - Fused bertc ops to CPU kernel calls -----------===//
//
// Each fused op becomes one bertc_cpu kernel op on tensors (see the pass
// description in include/bertc/Conversion/Passes.td); the kernels' C
// signatures (runtime/include/bertc/cpu_kernels.h) are the concern of
// bertc-linalg-to-kernel-calls, which lowers those ops to calls.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Conversion/RuntimeChecks.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"
#include "mlir/IR/PatternMatch.h"
#include "mlir/Dialect/SCF/IR/SCF.h"
#include "mlir/Transforms/DialectConversion.h"

namespace bertc {
#define GEN_PASS_DEF_CONVERTBERTCTOKERNELS
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;

namespace {

SmallVector<OpFoldResult> dims(OpBuilder &b, Location loc, Value v) {
  return tensor::getMixedSizes(b, loc, v);
}

/// [d0, ..., dn-2, C] -> [d0 * ... * dn-2, C]
Value collapseRows(OpBuilder &b, Location loc, Value v) {
  auto t = cast<RankedTensorType>(v.getType());
  if (t.getRank() == 2)
    return v;
  ReassociationIndices rows;
  for (int64_t i = 0; i + 1 < t.getRank(); ++i)
    rows.push_back(i);
  SmallVector<ReassociationIndices> reassoc = {rows, {t.getRank() - 1}};
  if (t.getRank() == 1)
    reassoc = {};
  return b.create<tensor::CollapseShapeOp>(loc, v, reassoc);
}

/// Inverse of collapseRows, with the leading sizes of `like`. Uses
/// tensor.reshape with a run-time shape: tensor.expand_shape with several
/// dynamic sizes in one group does not bufferize in MLIR 19.
Value expandRows(OpBuilder &b, Location loc, Value v, Value like,
                 RankedTensorType resultType) {
  if (resultType.getRank() == 2)
    return v;
  SmallVector<Value> sizes;
  for (int64_t i = 0; i + 1 < resultType.getRank(); ++i)
    sizes.push_back(b.create<arith::IndexCastOp>(
        loc, b.getI64Type(), b.create<tensor::DimOp>(loc, like, i)));
  sizes.push_back(b.create<arith::IndexCastOp>(
      loc, b.getI64Type(), b.create<tensor::DimOp>(loc, v, 1)));
  Value shape = b.create<tensor::FromElementsOp>(loc, sizes);
  return b.create<tensor::ReshapeOp>(loc, resultType, v, shape);
}

Value emptyLike2D(OpBuilder &b, Location loc, Value rowsOf, OpFoldResult cols,
                  Type elt) {
  OpFoldResult rows = tensor::getMixedSize(b, loc, rowsOf, 0);
  return b.create<tensor::EmptyOp>(loc, ArrayRef<OpFoldResult>{rows, cols},
                                   elt);
}

bool allF32(Operation *op) {
  return llvm::all_of(op->getOperandTypes(),
                      [](Type t) {
                        auto rt = dyn_cast<RankedTensorType>(t);
                        return rt && (rt.getElementType().isF32() ||
                                      !isa<FloatType>(rt.getElementType()));
                      }) &&
         llvm::all_of(op->getResultTypes(), [](Type t) {
           return cast<RankedTensorType>(t).getElementType().isF32();
         });
}

/// Replaces a linear `op` by a [rows, N] kernel op: `build(a, out)` makes it
/// from the input collapsed to [rows, K] and an empty [rows, N] output, and
/// its result is expanded back to the op's leading dims.
template <typename BuildFn>
void replaceWithRowKernel(ConversionPatternRewriter &rewriter, Operation *op,
                          Value input, Value weight, BuildFn build) {
  Location loc = op->getLoc();
  Value a = collapseRows(rewriter, loc, input);
  OpFoldResult n = tensor::getMixedSize(rewriter, loc, weight, 1);
  Value out = emptyLike2D(rewriter, loc, a, n, rewriter.getF32Type());
  Value r = build(a, out);
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  rewriter.replaceOp(op, expandRows(rewriter, loc, r, input, type));
}

struct LowerLinear : OpConversionPattern<LinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!allF32(op))
      return failure();
    Value bias = adaptor.getBias();
    replaceWithRowKernel(
        rewriter, op, adaptor.getInput(), adaptor.getWeight(),
        [&](Value a, Value out) {
          SmallVector<Value> ins{a, adaptor.getWeight()};
          if (bias)
            ins.push_back(bias);
          auto k = rewriter.create<cpu::LinearOp>(
              op.getLoc(), TypeRange{out.getType()}, ins, ValueRange{out});
          k.setActivation(op.getActivation());
          k.setHasBias(bias != nullptr);
          return k.getResults()[0];
        });
    return success();
  }
};

struct LowerQuantizedLinear : OpConversionPattern<QuantizedLinearOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(QuantizedLinearOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value bias = adaptor.getBias();
    float scale = 1.0f;
    int32_t zeroPoint = 0;
    if (auto s = op.getInputScale())
      scale = s->convertToFloat();
    if (auto z = op.getInputZeroPoint())
      zeroPoint = *z;
    replaceWithRowKernel(
        rewriter, op, adaptor.getInput(), adaptor.getWeight(),
        [&](Value a, Value out) {
          SmallVector<Value> ins{a, adaptor.getWeight(),
                                 adaptor.getWeightScale()};
          if (bias)
            ins.push_back(bias);
          auto k = rewriter.create<cpu::QLinearOp>(
              op.getLoc(), TypeRange{out.getType()}, ins, ValueRange{out},
              op.getActivation(), op.getInputQuantization(), APFloat(scale),
              static_cast<uint32_t>(zeroPoint), bias != nullptr);
          return k.getResults()[0];
        });
    return success();
  }
};

/// The kernel reads row i of x with row i % skip_rows of skip, which is the
/// broadcast only if every non-unit leading dim of skip equals x's. Dims
/// known only at run time are checked there (an error naming the node that
/// ends the run before the kernel is called).
static void checkSkipShape(OpBuilder &b, Location loc, Value x, Value skip) {
  auto xt = cast<RankedTensorType>(x.getType());
  auto st = cast<RankedTensorType>(skip.getType());
  int64_t off = xt.getRank() - st.getRank();
  ModuleOp module = bertc::lowering::enclosingModule(b);
  for (int64_t d = 0; d < st.getRank(); ++d) {
    if (st.getDimSize(d) == 1 ||
        (!st.isDynamicDim(d) && !xt.isDynamicDim(d + off)))
      continue;
    Value xd = b.createOrFold<tensor::DimOp>(loc, x, d + off);
    Value sd = b.createOrFold<tensor::DimOp>(loc, skip, d);
    bertc::lowering::emitDimEqualCheck(b, loc, module, xd, sd, d + off);
  }
}

struct LowerLayerNorm : OpConversionPattern<LayerNormOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(LayerNormOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!allF32(op))
      return failure();
    Location loc = op.getLoc();
    Value x = collapseRows(rewriter, loc, adaptor.getInput());
    bool hasSum = adaptor.getSkip() || adaptor.getBias();
    bool needSum = hasSum && !op.getSum().use_empty();
    SmallVector<Value> ins{x, adaptor.getGamma()};
    if (adaptor.getBeta())
      ins.push_back(adaptor.getBeta());
    if (adaptor.getSkip()) {
      checkSkipShape(rewriter, loc, adaptor.getInput(), adaptor.getSkip());
      ins.push_back(collapseRows(rewriter, loc, adaptor.getSkip()));
    }
    if (adaptor.getBias())
      ins.push_back(adaptor.getBias());
    OpFoldResult c = tensor::getMixedSize(rewriter, loc, x, 1);
    SmallVector<Value> outs{
        emptyLike2D(rewriter, loc, x, c, rewriter.getF32Type())};
    if (needSum)
      outs.push_back(emptyLike2D(rewriter, loc, x, c, rewriter.getF32Type()));
    // A skip broadcast along leading dims has fewer rows: the kernel reads
    // row i of x with row i % skip_rows of skip.
    auto unit = [&](bool on) { return on ? rewriter.getUnitAttr() : UnitAttr(); };
    auto call = rewriter.create<cpu::LayerNormOp>(
        loc, TypeRange(ValueRange(outs)), ins, outs, op.getEpsilonAttr(),
        unit(adaptor.getBeta() != nullptr), unit(adaptor.getSkip() != nullptr),
        unit(adaptor.getBias() != nullptr), unit(op.getRms()));
    auto type = cast<RankedTensorType>(op.getOutput().getType());
    Value y = expandRows(rewriter, loc, call.getResults()[0], adaptor.getInput(), type);
    Value sum = needSum ? expandRows(rewriter, loc, call.getResults()[1],
                                     adaptor.getInput(), type)
                        : adaptor.getInput();
    rewriter.replaceOp(op, ValueRange{y, sum});
    return success();
  }
};

struct LowerAttention : OpConversionPattern<AttentionOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(AttentionOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    if (!allF32(op))
      return failure();
    Location loc = op.getLoc();
    Type f32 = rewriter.getF32Type();
    Value keep;
    if (Value mask = adaptor.getMask()) {
      // keep[b, j] = mask[b, j] != 0 ? 1 : 0, as f32.
      auto mt = cast<RankedTensorType>(mask.getType());
      Value init =
          rewriter.create<tensor::EmptyOp>(loc, dims(rewriter, loc, mask), f32);
      AffineMap id = rewriter.getMultiDimIdentityMap(2);
      keep =
          rewriter
              .create<linalg::GenericOp>(
                  loc, TypeRange{init.getType()}, ValueRange{mask},
                  ValueRange{init}, ArrayRef<AffineMap>{id, id},
                  SmallVector<utils::IteratorType>(
                      2, utils::IteratorType::parallel),
                  [&](OpBuilder &b, Location l, ValueRange args) {
                    Value m = args[0];
                    Type et = mt.getElementType();
                    Value zero =
                        b.create<arith::ConstantOp>(l, b.getZeroAttr(et));
                    Value ne = isa<FloatType>(et)
                                   ? b.create<arith::CmpFOp>(
                                          l, arith::CmpFPredicate::UNE, m, zero)
                                         .getResult()
                                   : b.create<arith::CmpIOp>(
                                          l, arith::CmpIPredicate::ne, m, zero)
                                         .getResult();
                    Value r = b.create<arith::UIToFPOp>(l, b.getF32Type(), ne);
                    b.create<linalg::YieldOp>(l, r);
                  })
              .getResult(0);
    }
    auto q = adaptor.getQuery();
    SmallVector<Value> ins{q, adaptor.getKey(), adaptor.getValue()};
    if (keep)
      ins.push_back(keep);
    if (adaptor.getBias())
      ins.push_back(adaptor.getBias());
    SmallVector<OpFoldResult> outShape = dims(rewriter, loc, q);
    outShape[2] = tensor::getMixedSize(rewriter, loc, adaptor.getValue(), 2);
    Value out = rewriter.create<tensor::EmptyOp>(loc, outShape, f32);
    auto unit = [&](bool on) { return on ? rewriter.getUnitAttr() : UnitAttr(); };
    auto call = rewriter.create<cpu::AttentionOp>(
        loc, TypeRange{out.getType()}, ins, ValueRange{out},
        op.getNumHeadsAttr(), op.getScaleAttr(), unit(op.getCausal()),
        op.getMaskValueAttr(), unit(op.getMaskReplace()),
        unit(keep != nullptr), unit(adaptor.getBias() != nullptr));
    Value r = call.getResults()[0];
    if (r.getType() != op.getType())
      r = rewriter.create<tensor::CastOp>(loc, op.getType(), r);
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// bertc.gelu -> elementwise linalg.generic (fused with its neighbours by
/// linalg elementwise fusion).
struct LowerGelu : OpConversionPattern<GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto type = cast<RankedTensorType>(op.getType());
    Value init = rewriter.create<tensor::EmptyOp>(
        loc, dims(rewriter, loc, adaptor.getInput()), type.getElementType());
    AffineMap id = rewriter.getMultiDimIdentityMap(type.getRank());
    Activation kind = op.getApproximation();
    auto generic = rewriter.create<linalg::GenericOp>(
        loc, TypeRange{type}, ValueRange{adaptor.getInput()}, ValueRange{init},
        ArrayRef<AffineMap>{id, id},
        SmallVector<utils::IteratorType>(type.getRank(),
                                         utils::IteratorType::parallel),
        [&](OpBuilder &b, Location l, ValueRange args) {
          Value x = args[0];
          Type et = x.getType();
          auto c = [&](double v) {
            return b.create<arith::ConstantOp>(l, b.getFloatAttr(et, v));
          };
          Value r;
          if (kind == Activation::quick_gelu) {
            Value s = b.create<arith::MulFOp>(l, x, c(-1.702));
            Value e = b.create<math::ExpOp>(l, s);
            Value d = b.create<arith::AddFOp>(l, e, c(1.0));
            r = b.create<arith::DivFOp>(l, x, d);
          } else {
            Value t;
            if (kind == Activation::gelu_tanh) {
              Value x3 = b.create<arith::MulFOp>(
                  l, b.create<arith::MulFOp>(l, x, x), x);
              Value in = b.create<arith::AddFOp>(
                  l, x, b.create<arith::MulFOp>(l, x3, c(0.044715)));
              t = b.create<math::TanhOp>(
                  l, b.create<arith::MulFOp>(l, in, c(0.7978845608028654)));
            } else {
              t = b.create<math::ErfOp>(
                  l, b.create<arith::MulFOp>(l, x, c(0.7071067811865476)));
            }
            Value onePlus = b.create<arith::AddFOp>(l, t, c(1.0));
            r = b.create<arith::MulFOp>(
                l, b.create<arith::MulFOp>(l, x, c(0.5)), onePlus);
          }
          b.create<linalg::YieldOp>(l, r);
        });
    rewriter.replaceOp(op, generic.getResult(0));
    return success();
  }
};

struct ConvertBertcToKernelsPass
    : bertc::impl::ConvertBertcToKernelsBase<ConvertBertcToKernelsPass> {
  using ConvertBertcToKernelsBase::ConvertBertcToKernelsBase;
  void runOnOperation() override {
    // The kernels are f32: an op they cannot run is an error naming it,
    // before anything is rewritten.
    bool unsupported = false;
    getOperation().walk([&](Operation *op) {
      if (isa<LinearOp, LayerNormOp, AttentionOp>(op) && !allF32(op)) {
        op->emitError("no CPU kernel for this op with these element types");
        unsupported = true;
      }
    });
    if (unsupported)
      return signalPassFailure();

    ConversionTarget target(getContext());
    target.addIllegalDialect<BertcDialect>();
    target.addLegalDialect<cpu::BertcCPUDialect, arith::ArithDialect,
                           linalg::LinalgDialect, math::MathDialect,
                           scf::SCFDialect, tensor::TensorDialect,
                           func::FuncDialect, onnx::ONNXDialect>();
    RewritePatternSet patterns(&getContext());
    populateBertcToKernelsPatterns(patterns);
    if (failed(applyPartialConversion(getOperation(), target,
                                      std::move(patterns))))
      return signalPassFailure();
    getOperation().walk([&](Operation *op) {
      if (isa<cpu::LinearOp, cpu::QLinearOp, cpu::LayerNormOp,
              cpu::AttentionOp>(op))
        ++numKernelCalls;
    });
  }
};
} // namespace

void bertc::populateBertcToKernelsPatterns(RewritePatternSet &patterns) {
  patterns.add<LowerLinear, LowerQuantizedLinear, LowerLayerNorm,
               LowerAttention, LowerGelu>(
      patterns.getContext());
}
