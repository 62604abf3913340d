//===- FuseLayerNorm.cpp - LayerNorm subgraphs to bertc.layer_norm --------===//
//
// bertc-fuse-layer-norm folds
//   * the decomposed LayerNorm that exporters emit for torch.nn.LayerNorm
//     before opset 17:
//       mean = ReduceMean(x, last axis); d = Sub(x, mean)
//       var  = ReduceMean(Pow(d, 2) | Mul(d, d), last axis)
//       n    = Div(d, Sqrt(Add(var, eps))) | Mul(d, Reciprocal(Sqrt(...)))
//       y    = Add(Mul(n, gamma), beta)        (commuted operands allowed)
//   * opset-17 LayerNormalization over the last axis
// into bertc.layer_norm. Epsilon is read from the graph. The match is
// refused when an intermediate value is used outside the pattern, epsilon is
// not a scalar constant, gamma/beta are not constant vectors of the last
// dimension's size, or the reduction is not over the last axis alone.
//   * RMSNorm (T5, LLaMA-style) into bertc.layer_norm {rms = true}.
//
// The residual Add before a LayerNorm is folded later, by
// bertc-fuse-skip-layer-norm (FuseSkipLayerNorm.cpp).
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"
#include "llvm/ADT/SetVector.h"

namespace bertc {
#define GEN_PASS_DEF_FUSELAYERNORM
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

bool isReduceMeanLast(onnx::ReduceMeanOp op) {
  auto t = cast<RankedTensorType>(op.getInput().getType());
  return isLastAxisOnly(op.getAxes(), t.getRank()) && op.getKeepdims() == 1;
}

/// True if `v` is `d * d` or `d ** 2` for one of the Sub ops `subs`.
Operation *matchSquare(Operation *op, ArrayRef<onnx::SubOp> subs) {
  auto isD = [&](Value v) {
    return llvm::any_of(subs,
                        [&](onnx::SubOp s) { return s.getResult() == v; });
  };
  if (auto pow = dyn_cast<onnx::PowOp>(op))
    if (isD(pow.getLhs()) && isScalarFloat(pow.getRhs(), 2.0, 1e-6))
      return op;
  if (auto mul = dyn_cast<onnx::MulOp>(op))
    if (mul.getLhs() == mul.getRhs() && isD(mul.getLhs()))
      return op;
  return nullptr;
}

struct DecomposedLayerNorm : OpRewritePattern<onnx::ReduceMeanOp> {
  DecomposedLayerNorm(MLIRContext *ctx, MissCollector *misses)
      : OpRewritePattern(ctx), misses(misses) {}
  MissCollector *misses;
  LogicalResult matchAndRewrite(onnx::ReduceMeanOp mean,
                                PatternRewriter &rewriter) const override {
    if (!isReduceMeanLast(mean))
      return failure();
    Value x = mean.getInput();
    auto xType = cast<RankedTensorType>(x.getType());
    auto c = lastDim(x);
    if (!c || !isa<FloatType>(xType.getElementType()))
      return failure();
    // All users of the mean are d = x - mean.
    SmallVector<onnx::SubOp> subs;
    for (Operation *u : mean->getUsers()) {
      auto sub = dyn_cast<onnx::SubOp>(u);
      if (!sub || sub.getLhs() != x || sub.getRhs() != mean.getResult())
        return failure(); // a mean used elsewhere: not a LayerNorm mean
      subs.push_back(sub);
    }
    // Among the users of d: the square (-> variance) and the normalization.
    Operation *square = nullptr, *normalize = nullptr;
    onnx::SqrtOp sqrt;
    onnx::ReciprocalOp recip;
    llvm::SetVector<Operation *> dUsers;
    for (onnx::SubOp sub : subs)
      dUsers.insert(sub->user_begin(), sub->user_end());
    for (Operation *u : dUsers) {
      if (!square && matchSquare(u, subs)) {
        square = u;
        continue;
      }
      if (isa<onnx::DivOp, onnx::MulOp>(u) && !normalize) {
        normalize = u;
        continue;
      }
      return failure();
    }
    if (!square || !normalize)
      return failure();
    auto var = onlyUser<onnx::ReduceMeanOp>(square->getResult(0));
    if (!var || !isReduceMeanLast(var))
      return failure();
    auto addEps = onlyUser<onnx::AddOp>(var.getResult());
    if (!addEps)
      return failure();
    Value epsV = otherOperand(addEps, var.getResult());
    auto eps = getScalarFloat(epsV);
    if (!eps || *eps < 0) {
      misses->note(mean, addEps,
                       "epsilon is not a non-negative scalar constant");
      return failure();
    }
    sqrt = onlyUser<onnx::SqrtOp>(addEps.getResult());
    if (!sqrt)
      return failure();
    // normalize = d / sqrt  or  d * (1 / sqrt).
    if (auto div = dyn_cast<onnx::DivOp>(normalize)) {
      if (div.getRhs() != sqrt.getResult() || !sqrt->hasOneUse())
        return failure();
    } else {
      recip = onlyUser<onnx::ReciprocalOp>(sqrt.getResult());
      if (!recip || !otherOperand(normalize, recip.getResult()) ||
          !recip->hasOneUse())
        return failure();
    }
    // * gamma (+ beta).
    auto mulGamma = onlyUser<onnx::MulOp>(normalize->getResult(0));
    if (!mulGamma) {
      misses->note(mean, normalize,
                       "normalized value is not scaled by gamma alone");
      return failure();
    }
    Value gammaV = otherOperand(mulGamma, normalize->getResult(0));
    if (!isLastAxisVector(gammaV, *c)) {
      misses->note(mean, mulGamma,
                       "gamma is not a constant vector of the last dimension");
      return failure();
    }
    Operation *last = mulGamma;
    Value betaV;
    if (auto addBeta = onlyUser<onnx::AddOp>(mulGamma.getResult())) {
      Value v = otherOperand(addBeta, mulGamma.getResult());
      if (getConstant(v)) {
        if (!isLastAxisVector(v, *c)) {
          misses->note(mean, addBeta,
                           "beta is not a vector of the last dimension");
          return failure();
        }
        betaV = v;
        last = addBeta;
      }
    }
    auto outType = cast<RankedTensorType>(last->getResult(0).getType());
    if (outType != xType)
      return failure(); // gamma/beta broadcast to another shape
    rewriter.setInsertionPoint(last);
    Value gamma = getLastAxisVector(rewriter, gammaV, *c);
    Value beta = betaV ? getLastAxisVector(rewriter, betaV, *c) : Value();
    auto ln = rewriter.create<LayerNormOp>(
        last->getLoc(), TypeRange{outType, xType}, x, gamma, beta, Value(),
        Value(), rewriter.getF32FloatAttr(static_cast<float>(*eps)),
        rewriter.getBoolAttr(false));
    rewriter.replaceOp(last, ln.getOutput());
    return success();
  }
};

/// RMSNorm (T5LayerNorm, LLaMA RMSNorm):
///   ms = ReduceMean(Pow(x, 2) | Mul(x, x), last axis)
///   r  = Reciprocal(Sqrt(Add(ms, eps)))   | Div(1, Sqrt(...))
///   y  = Mul(Mul(x, r), gamma)             | Mul(Div(x, Sqrt(...)), gamma)
/// (operands in either order; Casts to the same type are looked through).
struct DecomposedRMSNorm : OpRewritePattern<onnx::ReduceMeanOp> {
  DecomposedRMSNorm(MLIRContext *ctx, MissCollector *misses)
      : OpRewritePattern(ctx, /*benefit=*/2), misses(misses) {}
  MissCollector *misses;

  static Value throughCasts(Value v) {
    while (auto c = v.getDefiningOp<onnx::CastOp>())
      if (c.getInput().getType() == c.getType())
        v = c.getInput();
      else
        break;
    return v;
  }

  LogicalResult matchAndRewrite(onnx::ReduceMeanOp ms,
                                PatternRewriter &rewriter) const override {
    if (!isReduceMeanLast(ms))
      return failure();
    Operation *square = ms.getInput().getDefiningOp();
    Value x;
    if (auto pow = dyn_cast_or_null<onnx::PowOp>(square)) {
      if (!isScalarFloat(pow.getRhs(), 2.0, 1e-6))
        return failure();
      x = pow.getLhs();
    } else if (auto mul = dyn_cast_or_null<onnx::MulOp>(square)) {
      if (mul.getLhs() != mul.getRhs())
        return failure();
      x = mul.getLhs();
    } else {
      return failure();
    }
    // LayerNorm squares x - mean(x): that is the other pattern.
    if (x.getDefiningOp<onnx::SubOp>())
      return failure();
    auto xType = cast<RankedTensorType>(x.getType());
    auto c = lastDim(x);
    if (!c || !isa<FloatType>(xType.getElementType()) || !square->hasOneUse())
      return failure();
    auto addEps = onlyUser<onnx::AddOp>(ms.getResult());
    if (!addEps)
      return failure();
    auto eps = getScalarFloat(otherOperand(addEps, ms.getResult()));
    if (!eps || *eps < 0) {
      misses->note(ms, addEps, "RMSNorm epsilon is not a non-negative scalar constant");
      return failure();
    }
    auto sqrt = onlyUser<onnx::SqrtOp>(addEps.getResult());
    if (!sqrt || !sqrt->hasOneUse())
      return failure();
    Operation *inv = *sqrt->getUsers().begin();
    // normalized = x * (1 / sqrt)  or  x / sqrt.
    Operation *normalize = nullptr;
    SmallVector<Operation *> dead{sqrt, addEps, ms, square};
    if (auto div = dyn_cast<onnx::DivOp>(inv)) {
      if (div.getRhs() != sqrt.getResult())
        return failure();
      if (throughCasts(div.getLhs()) == throughCasts(x)) {
        normalize = div;
      } else if (isScalarFloat(div.getLhs(), 1.0, 1e-6) && div->hasOneUse()) {
        normalize = *div->getUsers().begin();
        dead.insert(dead.begin(), div);
      } else {
        return failure();
      }
    } else if (isa<onnx::ReciprocalOp>(inv) && inv->hasOneUse()) {
      normalize = *inv->getUsers().begin();
      dead.insert(dead.begin(), inv);
    } else {
      return failure();
    }
    if (!isa<onnx::MulOp, onnx::DivOp>(normalize))
      return failure();
    if (auto mul = dyn_cast<onnx::MulOp>(normalize)) {
      Value other = otherOperand(mul, dead.front()->getResult(0));
      if (!other || throughCasts(other) != throughCasts(x))
        return failure();
    }
    if (normalize->getResult(0).getType() != xType || !normalize->hasOneUse())
      return failure();
    auto mulGamma = onlyUser<onnx::MulOp>(normalize->getResult(0));
    Value gammaV = mulGamma ? otherOperand(mulGamma, normalize->getResult(0))
                            : Value();
    if (!mulGamma || !isLastAxisVector(gammaV, *c)) {
      misses->note(ms, mulGamma ? mulGamma.getOperation() : normalize,
                   "RMSNorm output is not scaled by a constant gamma vector");
      return failure();
    }
    if (mulGamma.getType() != xType)
      return failure();
    rewriter.setInsertionPoint(mulGamma);
    Value gamma = getLastAxisVector(rewriter, gammaV, *c);
    auto ln = rewriter.create<LayerNormOp>(
        mulGamma.getLoc(), TypeRange{xType, xType}, throughCasts(x), gamma,
        Value(), Value(), Value(),
        rewriter.getF32FloatAttr(static_cast<float>(*eps)),
        rewriter.getBoolAttr(true));
    rewriter.replaceOp(mulGamma, ln.getOutput());
    return success();
  }
};

struct NativeLayerNorm : OpRewritePattern<onnx::LayerNormalizationOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::LayerNormalizationOp op,
                                PatternRewriter &rewriter) const override {
    auto xType = cast<RankedTensorType>(op.getX().getType());
    auto c = lastDim(op.getX());
    if ((int64_t)op.getAxis() != xType.getRank() - 1 || !c)
      return failure();
    auto vecOk = [&](Value v) {
      return !v || isLastAxisVector(v, *c) ||
             cast<RankedTensorType>(v.getType()).getRank() == 1;
    };
    if (!vecOk(op.getScale()) || !vecOk(op.getBias()))
      return failure();
    auto vec = [&](Value v) -> Value {
      if (!v || !isLastAxisVector(v, *c))
        return v;
      return getLastAxisVector(rewriter, v, *c);
    };
    Value gamma = vec(op.getScale()), beta = vec(op.getBias());
    auto ln = rewriter.create<LayerNormOp>(
        op.getLoc(), TypeRange{op.getType(), xType}, op.getX(), gamma, beta,
        Value(), Value(), op.getEpsilonAttr(), rewriter.getBoolAttr(false));
    rewriter.replaceOp(op, ln.getOutput());
    return success();
  }
};

struct FuseLayerNormPass : bertc::impl::FuseLayerNormBase<FuseLayerNormPass> {
  FuseLayerNormPass() = default;
  explicit FuseLayerNormPass(FusionReport *report) : report(report) {}
  void runOnOperation() override {
    MissCollector misses;
    RewritePatternSet patterns(&getContext());
    patterns.add<DecomposedLayerNorm, DecomposedRMSNorm>(&getContext(),
                                                         &misses);
    patterns.add<NativeLayerNorm>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    uint64_t n = 0, rms = 0;
    getOperation().walk([&](LayerNormOp op) {
      ++n;
      rms += op.getRms() ? 1 : 0;
    });
    numLayerNorms += n;
    if (report) {
      report->addCount("layer_norm", n);
      report->addCount("layer_norm.rms", rms);
    }
    misses.flush(getOperation(), report, "layer_norm");
  }
  FusionReport *report = nullptr;
};

} // namespace

std::unique_ptr<Pass> bertc::createFuseLayerNorm(FusionReport *report) {
  return std::make_unique<FuseLayerNormPass>(report);
}
