//===- AttentionScores.h - The scores path of an attention -------*- C++ -*-===//
//
// Between the Q K^T MatMul and the Softmax, exporters put scalings, mask
// terms, relative position biases, Wheres and (DeBERTa) a Reshape of the
// merged [batch * heads] axis. ScoreTerms sorts them into bertc.attention's
// slots: `scale`, the padding mask and its mode, `causal`, and the score
// bias (BiasTerm, built into one operand by buildScoreBias). Masks are
// recognized by evaluating them (AttentionMask.h); any other added term is
// exactly a bias, so only a Where on the scores can refuse.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONSCORES_H
#define BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONSCORES_H

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/PatternMatch.h"
#include "llvm/ADT/SmallVector.h"

#include <string>

namespace bertc::fusion {

/// Why a match failed, and the op where it broke.
struct Failure {
  mlir::Operation *op = nullptr;
  std::string reason;
};

/// Whether dimension `i` of `a` and `j` of `b` are equal by construction
/// (equal static sizes, or the same dynamic origin).
bool sameDim(mlir::Value a, int64_t i, mlir::Value b, int64_t j);

/// One additive score term: `value`, or, with `cond` set, the additive
/// form of Where(cond, scores, filler) (filler where `cond` != keepWhenTrue,
/// else 0), times `factor`.
struct BiasTerm {
  mlir::Value value;
  mlir::Value cond;
  bool keepWhenTrue = true;
  double filler = 0;
  double factor = 1.0;
  /// Path Reshapes from [batch * heads, q, k] to [batch, heads, q, k] that
  /// follow the term: it is expanded to the flat scores and split likewise.
  llvm::SmallVector<onnx::ReshapeOp, 1> reshapes;
  mlir::Operation *op = nullptr; // the path op that adds it
  mlir::Value shaped() const { return value ? value : cond; }
};

/// bertc.attention's slots as the scores path fills them.
struct ScoreSlots {
  double scale = 1.0;
  mlir::Value mask;
  bool causal = false, maskReplace = false, hasPad = false;
  double maskValue = 0;
  /// Additive score terms that are not masks (relative position biases),
  /// each with the factor of the scalings that follow it on the path.
  llvm::SmallVector<BiasTerm> biases;
  mlir::Value qh, kt; // the scores MatMul's operands (sizes of flat biases)
};

/// Sorts the ops on `path` (from the scores MatMul `qk` to the Softmax, in
/// order) into `slots` (whose `scale` holds the Q/K chains' scales): scalar
/// scalings, added terms (masks evaluated; anything else a bias), Wheres
/// with a scalar filler and the [batch * heads] -> [batch, heads] Reshape.
/// Fails with the reason and the op for what bertc.attention cannot
/// express.
mlir::LogicalResult collectScoreTerms(onnx::MatMulOp qk,
                                      llvm::ArrayRef<mlir::Operation *> path,
                                      int64_t heads, ScoreSlots &slots,
                                      Failure &why);

/// The score bias operand for `slots` (null if none): each term raised to
/// rank 4 ([batch, heads, q, k], size 1 where it broadcasts), split from
/// [batch * heads] where it was added before the heads Reshape, scaled by
/// the factors that followed it, and summed. Inserts at `b`'s point.
mlir::Value buildScoreBias(const ScoreSlots &slots, mlir::PatternRewriter &b,
                           mlir::Location loc);

} // namespace bertc::fusion

#endif // BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONSCORES_H
