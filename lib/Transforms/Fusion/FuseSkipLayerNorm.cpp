//===- FuseSkipLayerNorm.cpp - Residual Add into bertc.layer_norm ---------===//
//
// bertc-fuse-skip-layer-norm folds a residual Add feeding a bertc.layer_norm
// into its `skip` operand (one read of each input, the sum written once);
// other users of the Add read the op's `sum` result (pre-norm blocks). Runs
// after attention and linear fusion, whose results are the residual terms.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/Transforms/GreedyPatternRewriteDriver.h"

namespace bertc {
#define GEN_PASS_DEF_FUSESKIPLAYERNORM
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

/// `t` equals `full`, or has leading dims of size 1 and then `full`'s dims
/// (which must not be 1 where `t` has a non-1 size).
bool isLeadingBroadcast(RankedTensorType t, RankedTensorType full) {
  if (t == full)
    return true;
  if (t.getRank() != full.getRank() ||
      t.getElementType() != full.getElementType())
    return false;
  bool leading = true;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    int64_t a = t.getDimSize(i), b = full.getDimSize(i);
    if (leading && a == 1 && b != 1)
      continue;
    leading = false;
    if (a != b)
      return false;
  }
  return true;
}

/// layer_norm(Add(a, b)) -> layer_norm(a skip b); other users of the Add
/// read `sum`. Only when a and b have the same type (no broadcasting), so
/// that the kernel reads both row by row.
struct SkipLayerNorm : OpRewritePattern<LayerNormOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(LayerNormOp ln,
                                PatternRewriter &rewriter) const override {
    if (ln.getSkip())
      return failure();
    auto add = ln.getInput().getDefiningOp<onnx::AddOp>();
    if (!add)
      return failure();
    auto type = cast<RankedTensorType>(add.getType());
    // A static 1 might broadcast against a dynamic size: require none.
    if (llvm::is_contained(type.getShape(), 1) && type.getNumDynamicDims())
      return failure();
    // x: the operand with the sum's shape; skip: the same shape, or a
    // leading-ones broadcast of it (embedding + position embeddings).
    Value x = add.getLhs(), skip = add.getRhs();
    if (x.getType() != type)
      std::swap(x, skip);
    if (x.getType() != type ||
        !isLeadingBroadcast(cast<RankedTensorType>(skip.getType()), type))
      return failure();
    auto fused = rewriter.create<LayerNormOp>(
        ln.getLoc(), ln.getResultTypes(), x, ln.getGamma(), ln.getBeta(), skip,
        ln.getBias(), ln.getEpsilonAttr(), ln.getRmsAttr());
    Value oldSum = ln.getSum();
    // Users of the sum placed before the LayerNorm (a Shape of the residual,
    // in CLIP's TorchScript export) keep reading the Add: the fused op does
    // not dominate them.
    rewriter.replaceUsesWithIf(add.getResult(), fused.getSum(), [&](OpOperand &u) {
      Operation *user = u.getOwner();
      return user->getBlock() == fused->getBlock() &&
             fused->isBeforeInBlock(user);
    });
    rewriter.replaceAllUsesWith(oldSum, fused.getSum());
    rewriter.replaceOp(ln, ValueRange{fused.getOutput(), fused.getSum()});
    if (add->use_empty())
      rewriter.eraseOp(add);
    return success();
  }
};

struct FuseSkipLayerNormPass
    : bertc::impl::FuseSkipLayerNormBase<FuseSkipLayerNormPass> {
  FuseSkipLayerNormPass() = default;
  explicit FuseSkipLayerNormPass(FusionReport *report) : report(report) {}
  void runOnOperation() override {
    RewritePatternSet patterns(&getContext());
    patterns.add<SkipLayerNorm>(&getContext());
    if (failed(
            applyPatternsAndFoldGreedily(getOperation(), std::move(patterns))))
      return signalPassFailure();
    uint64_t n = 0;
    getOperation().walk([&](LayerNormOp op) { n += op.getSkip() ? 1 : 0; });
    numSkipLayerNorms += n;
    if (report)
      report->addCount("layer_norm.skip", n);
  }
  FusionReport *report = nullptr;
};
} // namespace

std::unique_ptr<Pass> bertc::createFuseSkipLayerNorm(FusionReport *report) {
  return std::make_unique<FuseSkipLayerNormPass>(report);
}
