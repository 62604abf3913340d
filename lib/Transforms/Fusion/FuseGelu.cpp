//===- FuseGelu.cpp - GELU subgraphs to bertc.gelu ------------------------===//
//
// bertc-fuse-gelu recognises the three GELU forms exporters emit:
//   erf:   x * 0.5 * (1 + erf(x / sqrt(2)))        (BERT, torch GELU(),
//          also x * (1 / sqrt 2) inside the erf)
//   tanh:  0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3)))
//          (GPT-2 gelu_new; x^3 as Pow(x, 3) or x * x * x)
//   quick: x * sigmoid(1.702 * x)                   (CLIP / some ViTs)
// The products may be associated and commuted in any order; every
// intermediate value must have no use outside the pattern.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

#include <cmath>

static constexpr double kSqrt2 = 1.4142135623730951;
static constexpr double kPi = 3.141592653589793;

namespace bertc {
#define GEN_PASS_DEF_FUSEGELU
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

/// Leaves of the tree of single-use Muls rooted at `root`.
void mulLeaves(onnx::MulOp root, SmallVectorImpl<Value> &leaves,
               SmallVectorImpl<Operation *> &inner) {
  inner.push_back(root);
  for (Value v : {root.getLhs(), root.getRhs()}) {
    if (auto m = singleUseDef<onnx::MulOp>(v))
      mulLeaves(m, leaves, inner);
    else
      leaves.push_back(v);
  }
}

/// Finds the Mul that computes exactly x * one_plus * 0.5 (any association),
/// starting from the user of `onePlus`. Returns it, or null.
onnx::MulOp matchHalfProduct(Value x, Value onePlus) {
  auto cur = onlyUser<onnx::MulOp>(onePlus);
  for (int depth = 0; cur && depth < 3; ++depth) {
    SmallVector<Value> leaves;
    SmallVector<Operation *> inner;
    mulLeaves(cur, leaves, inner);
    if (leaves.size() == 3) {
      bool hasX = false, hasOne = false, hasHalf = false;
      for (Value l : leaves) {
        if (l == x && !hasX)
          hasX = true;
        else if (l == onePlus && !hasOne)
          hasOne = true;
        else if (isScalarFloat(l, 0.5, 1e-6) && !hasHalf)
          hasHalf = true;
      }
      if (hasX && hasOne && hasHalf)
        return cur;
    }
    if (leaves.size() >= 3)
      return {};
    cur = onlyUser<onnx::MulOp>(cur.getResult());
  }
  return {};
}

/// `1 + v` (either order) as the only user of v.
onnx::AddOp onePlus(Value v) {
  auto add = onlyUser<onnx::AddOp>(v);
  if (!add || !isScalarFloat(otherOperand(add, v), 1.0, 1e-6))
    return {};
  return add;
}

LogicalResult replaceWithGelu(PatternRewriter &rewriter, Operation *root,
                              Value x, Activation kind) {
  if (root->getResult(0).getType() != x.getType())
    return failure(); // the constants broadcast x to another shape
  rewriter.replaceOpWithNewOp<GeluOp>(root, x, kind);
  return success();
}

struct ErfGelu : OpRewritePattern<onnx::ErfOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::ErfOp erf,
                                PatternRewriter &rewriter) const override {
    Operation *arg = erf.getInput().getDefiningOp();
    if (!arg || !erf.getInput().hasOneUse())
      return failure();
    Value x;
    if (auto div = dyn_cast<onnx::DivOp>(arg)) {
      if (isScalarFloat(div.getRhs(), kSqrt2))
        x = div.getLhs();
    } else if (auto mul = dyn_cast<onnx::MulOp>(arg)) {
      for (Value v : {mul.getLhs(), mul.getRhs()})
        if (isScalarFloat(otherOperand(mul, v), 1.0 / kSqrt2))
          x = v;
    }
    if (!x)
      return failure();
    auto add = onePlus(erf.getResult());
    if (!add)
      return failure();
    auto root = matchHalfProduct(x, add.getResult());
    if (!root)
      return failure();
    return replaceWithGelu(rewriter, root, x, Activation::gelu_erf);
  }
};

/// x^3 as Pow(x, 3), Mul(Mul(x, x), x) or Mul(x, Mul(x, x)).
bool isCube(Value v, Value x) {
  if (auto pow = singleUseDef<onnx::PowOp>(v))
    return pow.getLhs() == x && isScalarFloat(pow.getRhs(), 3.0, 1e-6);
  if (auto mul = singleUseDef<onnx::MulOp>(v)) {
    SmallVector<Value> leaves;
    SmallVector<Operation *> inner;
    mulLeaves(mul, leaves, inner);
    return leaves.size() == 3 &&
           llvm::all_of(leaves, [&](Value l) { return l == x; });
  }
  return false;
}

struct TanhGelu : OpRewritePattern<onnx::TanhOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::TanhOp tanh,
                                PatternRewriter &rewriter) const override {
    // sqrt(2/pi) * inner
    auto scale = singleUseDef<onnx::MulOp>(tanh.getInput());
    if (!scale)
      return failure();
    Value inner;
    for (Value v : {scale.getLhs(), scale.getRhs()})
      if (isScalarFloat(otherOperand(scale, v), std::sqrt(2.0 / kPi)))
        inner = v;
    // inner = x + 0.044715 * x^3
    auto add = singleUseDef<onnx::AddOp>(inner);
    if (!add)
      return failure();
    Value x;
    for (Value v : {add.getLhs(), add.getRhs()}) {
      auto cubic = singleUseDef<onnx::MulOp>(otherOperand(add, v));
      if (!cubic)
        continue;
      for (Value c : {cubic.getLhs(), cubic.getRhs()})
        if (isScalarFloat(c, 0.044715) && isCube(otherOperand(cubic, c), v))
          x = v;
    }
    if (!x)
      return failure();
    auto plus = onePlus(tanh.getResult());
    if (!plus)
      return failure();
    auto root = matchHalfProduct(x, plus.getResult());
    if (!root)
      return failure();
    return replaceWithGelu(rewriter, root, x, Activation::gelu_tanh);
  }
};

struct QuickGelu : OpRewritePattern<onnx::SigmoidOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::SigmoidOp sig,
                                PatternRewriter &rewriter) const override {
    auto scale = singleUseDef<onnx::MulOp>(sig.getInput());
    auto root = onlyUser<onnx::MulOp>(sig.getResult());
    if (!scale || !root)
      return failure();
    Value x = otherOperand(root, sig.getResult());
    if (!x || otherOperand(scale, x) == Value() ||
        !isScalarFloat(otherOperand(scale, x), 1.702))
      return failure();
    return replaceWithGelu(rewriter, root, x, Activation::quick_gelu);
  }
};

/// The opset-20 Gelu op (the dynamo exporter's default form).
struct OnnxGelu : OpRewritePattern<onnx::GeluOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::GeluOp op,
                                PatternRewriter &rewriter) const override {
    Activation kind;
    if (op.getApproximate() == "none")
      kind = Activation::gelu_erf;
    else if (op.getApproximate() == "tanh")
      kind = Activation::gelu_tanh;
    else
      return failure();
    return replaceWithGelu(rewriter, op, op.getInput(), kind);
  }
};

struct FuseGeluPass : bertc::impl::FuseGeluBase<FuseGeluPass> {
  FuseGeluPass() = default;
  explicit FuseGeluPass(FusionReport *report) : report(report) {}
  FusionReport *report = nullptr;
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<ErfGelu, TanhGelu, QuickGelu, OnnxGelu>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    uint64_t n = 0;
    getOperation().walk([&](GeluOp) { ++n; });
    numGelus += n;
    if (report)
      report->addCount("gelu", n);
  }
};
} // namespace

std::unique_ptr<Pass> bertc::createFuseGelu(FusionReport *report) {
  return std::make_unique<FuseGeluPass>(report);
}
