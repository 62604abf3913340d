//===- AttentionScores.cpp - The scores path of an attention --------------===//
//
// See AttentionScores.h.
//
//===----------------------------------------------------------------------===//
#include "AttentionScores.h"

#include "AttentionMask.h"
#include "FusionUtils.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

/// Whether dimension `i` of `a` and `j` of `b` are equal by construction
/// (equal static sizes, or the same dynamic origin).
bool bertc::fusion::sameDim(Value a, int64_t i, Value b, int64_t j) {
  auto at = cast<RankedTensorType>(a.getType()),
       bt = cast<RankedTensorType>(b.getType());
  if (!at.isDynamicDim(i) || !bt.isDynamicDim(j))
    return at.getDimSize(i) == bt.getDimSize(j);
  return onnx::getDimOrigin(a, i) == onnx::getDimOrigin(b, j);
}

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

/// The terms on the scores path between the Q K^T MatMul and the Softmax,
/// sorted into bertc.attention's slots: scalings (scale), mask terms
/// evaluated on probe inputs (mask, causal, mask_value, mask_replace) and
/// additive terms that are neither, which become the score bias. An
/// additive term is always exactly a bias, so only a Where on the scores
/// can refuse the match.
struct ScoreTerms {
  ScoreTerms(ScoreSlots &m, mlir::RankedTensorType scores, int64_t heads)
      : m(m), scores(scores), heads(heads) {}

  void scaleBy(double f) {
    m.scale *= f;
    if (seenMask)
      m.maskValue *= f;
    for (auto &b : biases)
      b.factor *= f;
  }

  /// scores + term: a mask if it evaluates to one that fits the mask slot;
  /// else split along Add and Where(c, X, finfo.min / -inf); else a bias.
  LogicalResult addAdditive(Value term, Operation *op, int depth,
                            Failure &why) {
    MaskFailure mf;
    auto table = evaluate(term, mf);
    std::string unused;
    if (succeeded(table) && applyAdditive(*table, op, unused))
      return success();
    Operation *d = term.getDefiningOp();
    if (d && depth < 4) {
      if (auto add = dyn_cast<onnx::AddOp>(d))
        return success(
            succeeded(addAdditive(add.getLhs(), op, depth + 1, why)) &&
            succeeded(addAdditive(add.getRhs(), op, depth + 1, why)));
      // Where(c, X, f) with f <= -1e30: kept keys get X, the others f, which
      // absorbs the scores in f32; that is Where(c, scores + X, f).
      if (auto w = dyn_cast<onnx::WhereOp>(d)) {
        auto fx = getScalarFloat(w.getX()), fy = getScalarFloat(w.getY());
        if (fx.has_value() != fy.has_value()) {
          double f = fx ? *fx : *fy;
          Value rest = fx ? w.getY() : w.getX();
          MaskFailure cf;
          auto cond = evaluate(w.getCondition(), cf);
          std::string reason;
          if (f <= -1e30 && succeeded(cond) &&
              applyWhere(*cond, /*keepWhenTrue=*/!fx, f, reason))
            return addAdditive(rest, op, depth + 1, why);
        }
      }
    }
    return addBias(term, op, why);
  }

  /// Where(cond, scores, filler) or Where(cond, filler, scores). A
  /// condition that is no mask (a sliding window, a mask over queries)
  /// with filler <= -1e30 is the additive term Where(cond, 0, filler):
  /// the filler absorbs the scores in f32, so it becomes part of the bias.
  LogicalResult addWhere(Value cond, bool keepWhenTrue, double filler,
                         Operation *op, Failure &why) {
    MaskFailure mf;
    auto table = evaluate(cond, mf);
    std::string reason;
    if (succeeded(table) &&
        applyWhere(*table, keepWhenTrue, filler, reason))
      return success();
    if (filler <= -1e30) {
      BiasTerm t;
      t.cond = cond;
      t.keepWhenTrue = keepWhenTrue;
      t.filler = filler;
      t.op = op;
      if (succeeded(checkBiasShape(cond, op, why))) {
        biases.push_back(t);
        seenMask = true;
        return success();
      }
      return failure();
    }
    if (failed(table))
      why = {mf.op ? mf.op : op, "mask: " + mf.reason};
    else
      why = {op, reason};
    return failure();
  }

  SmallVector<BiasTerm> biases;

private:
  FailureOr<MaskTable> evaluate(Value term, MaskFailure &mf) {
    int rank = scores.getRank();
    int64_t batchLen = rank == 4 ? scores.getDimSize(0)
                       : scores.isDynamicDim(0) || scores.getDimSize(0) % heads
                           ? kDyn
                           : scores.getDimSize(0) / heads;
    return evaluateMaskTerm(term, rank, heads, batchLen,
                            scores.getDimSize(rank - 2),
                            scores.getDimSize(rank - 1), mf);
  }

  static bool excluded(double v) { return v <= -1e4; }

  /// Takes an additive mask table if it fits the mask slot (0 for attended
  /// keys, at most one padding term, causal terms that exclude).
  bool applyAdditive(const MaskTable &t, Operation *op, std::string &reason) {
    if (t.value[1][0] != 0) {
      reason = "additive mask is not 0 for attended tokens";
      return false;
    }
    bool pad = t.usesPad && t.value[0][0] != 0;
    if (pad && (m.hasPad || (m.mask && m.mask != t.padInput))) {
      reason = "two padding terms";
      return false;
    }
    if (t.usesCausal && !excluded(t.value[1][1])) {
      reason = "causal term does not exclude future keys";
      return false;
    }
    if (pad) {
      m.hasPad = true;
      m.maskReplace = false;
      m.maskValue = t.value[0][0];
      m.mask = t.padInput;
    }
    if (t.usesCausal)
      m.causal = true;
    seenMask = true;
    return true;
  }

  bool applyWhere(const MaskTable &t, bool keepWhenTrue, double filler,
                  std::string &reason) {
    auto keeps = [&](int mm, int tri) {
      return (t.value[mm][tri] != 0) == keepWhenTrue;
    };
    if (!keeps(1, 0)) {
      reason = "Where mask drops attended tokens";
      return false;
    }
    bool pad = t.usesPad && !keeps(0, 0);
    if (pad && (m.hasPad || (m.mask && m.mask != t.padInput))) {
      reason = m.mask && m.mask != t.padInput ? "two different padding masks"
                                              : "two padding terms";
      return false;
    }
    if (t.usesCausal && (keeps(1, 1) || !excluded(filler))) {
      reason = "causal Where does not exclude future keys";
      return false;
    }
    if (pad) {
      m.hasPad = true;
      m.maskReplace = true;
      m.maskValue = filler;
      m.mask = t.padInput;
    }
    if (t.usesCausal)
      m.causal = true;
    seenMask = true;
    return true;
  }

  /// A score bias must broadcast to [batch, heads, query, key]; over scores
  /// with batch and heads merged ([batch * heads, query, key]) only a bias
  /// shared by every batch row and head can be restated.
  LogicalResult addBias(Value term, Operation *op, Failure &why) {
    auto t = dyn_cast<RankedTensorType>(term.getType());
    if (!t || !t.getElementType().isF32()) {
      why = {op, "an additive score term that is not an f32 tensor"};
      return failure();
    }
    if (failed(checkBiasShape(term, op, why)))
      return failure();
    BiasTerm b;
    b.value = term;
    b.op = op;
    biases.push_back(b);
    return success();
  }

public:
  /// The scores pass `r`, [batch * heads, q, k] -> [batch, heads, q, k]. A
  /// bias so far that is shared by all rows of the merged axis broadcasts
  /// as it is; any other is expanded to the scores' [batch * heads, q, k]
  /// and split the same way in the rewrite.
  LogicalResult splitHeads(onnx::ReshapeOp r, Failure &why) {
    for (BiasTerm &b : biases) {
      auto t = cast<RankedTensorType>(b.shaped().getType());
      if (t.getRank() < 3 || t.getDimSize(0) == 1)
        continue;
      b.reshapes.push_back(r);
    }
    scores = cast<RankedTensorType>(r.getType());
    return success();
  }

  /// After the path: over [batch * heads, q, k] scores, a bias that is not
  /// shared by every batch x head row has no place in bertc.attention.
  LogicalResult finish(Failure &why) {
    if (scores.getRank() != 3)
      return success();
    for (BiasTerm &b : biases) {
      auto t = cast<RankedTensorType>(b.shaped().getType());
      if (t.getRank() == 3 && t.getDimSize(0) != 1) {
        why = {b.op, "a score bias over the merged batch x heads axis: "
                     "bertc.attention's bias is [batch, heads, query, key]"};
        return failure();
      }
    }
    return success();
  }
private:


  LogicalResult checkBiasShape(Value term, Operation *op, Failure &why) {
    auto t = dyn_cast<RankedTensorType>(term.getType());
    int rank = scores.getRank();
    if (!t || t.getRank() > rank) {
      why = {op, "a score term of higher rank than the scores"};
      return failure();
    }
    for (int i = 0; i < t.getRank(); ++i) {
      int64_t d = t.getDimSize(i),
              s = scores.getDimSize(rank - t.getRank() + i);
      if (d != 1 && !ShapedType::isDynamic(d) && !ShapedType::isDynamic(s) &&
          d != s) {
        why = {op, "an additive score term that does not broadcast to the "
                   "scores"};
        return failure();
      }
    }
    return success();
  }

  ScoreSlots &m;
  RankedTensorType scores;
  int64_t heads;
  bool seenMask = false;
};

} // namespace

LogicalResult bertc::fusion::collectScoreTerms(onnx::MatMulOp qk,
                                              ArrayRef<Operation *> path,
                                              int64_t heads, ScoreSlots &m,
                                              Failure &why) {
  ScoreTerms terms(m, cast<RankedTensorType>(qk.getType()), heads);
  Value prev = qk.getResult();
  for (Operation *op : path) {
    Value pathV = prev;
    prev = op->getResult(0);
    if (isa<onnx::MulOp, onnx::DivOp>(op)) {
      Value other = otherOperand(op, pathV);
      auto c = getScalarFloat(other);
      if (!c || (isa<onnx::DivOp>(op) && op->getOperand(0) != pathV)) {
        why = {op, "scores scaled by something other than a scalar constant"};
        return failure();
      }
      terms.scaleBy(isa<onnx::MulOp>(op) ? *c : 1.0 / *c);
      continue;
    }
    if (auto add = dyn_cast<onnx::AddOp>(op)) {
      if (failed(terms.addAdditive(otherOperand(add, pathV), op, 0, why)))
        return failure();
      continue;
    }
    if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
      // [batch * heads, q, k] -> [batch, heads, q, k] (DeBERTa): the terms
      // so far are over the merged axis.
      if (failed(terms.splitHeads(r, why)))
        return failure();
      continue;
    }
    if (auto w = dyn_cast<onnx::WhereOp>(op)) {
      Value fill = w.getX() == pathV ? w.getY() : w.getX();
      auto f = getScalarFloat(fill);
      if (!f) {
        why = {op, "Where on the scores without a scalar filler"};
        return failure();
      }
      if (failed(terms.addWhere(w.getCondition(), w.getX() == pathV, *f, op,
                                why)))
        return failure();
      continue;
    }
    why = {op, "unexpected op between the scores MatMul and the Softmax"};
    return failure();
  }
  if (failed(terms.finish(why)))
    return failure();
  m.biases = terms.biases;
  m.qh = qk.getLhs();
  m.kt = qk.getRhs();
  return success();
}

/// The score bias operand: the bias terms, each raised to rank 4
/// ([batch, heads, query, key], size-1 where they broadcast), scaled by the
/// factors that followed them on the path, and summed.
Value bertc::fusion::buildScoreBias(const ScoreSlots &m, PatternRewriter &b,
                                   Location loc) {
  Value sum;
  for (const BiasTerm &bt : m.biases) {
    double factor = bt.factor;
    Value v = bt.value;
    if (bt.cond) {
      // Where(cond, 0, filler) (or Where(cond, filler, 0)) in f32.
      auto ct = cast<RankedTensorType>(bt.cond.getType());
      auto st = RankedTensorType::get({}, b.getF32Type());
      Value zero = b.create<onnx::ConstantOp>(
          loc, st, DenseElementsAttr::get(st, 0.0f));
      Value fill = b.create<onnx::ConstantOp>(
          loc, st,
          DenseElementsAttr::get(st, static_cast<float>(bt.filler)));
      v = b.create<onnx::WhereOp>(
          loc, RankedTensorType::get(ct.getShape(), b.getF32Type()), bt.cond,
          bt.keepWhenTrue ? zero : fill, bt.keepWhenTrue ? fill : zero);
    }
    for (onnx::ReshapeOp r : bt.reshapes) {
      // Expand to the flat scores [Q.0, Q.1, K^T.2] (sizes read off the
      // MatMul's operands, not the scores, which are not computed), then
      // split the merged axis: [-1, heads, q, k].
      auto i64 = b.getI64Type();
      auto dims = [&](Value x, int64_t s, int64_t e) -> Value {
        return b.create<onnx::ShapeOp>(
            loc, RankedTensorType::get({e - s}, i64), x,
            b.getI64IntegerAttr(s), b.getI64IntegerAttr(e));
      };
      Value q01 = dims(m.qh, 0, 2), q1 = dims(m.qh, 1, 2),
            k2 = dims(m.kt, 2, 3);
      Value full = b.create<onnx::ConcatOp>(
          loc, RankedTensorType::get({3}, i64), ValueRange{q01, k2},
          b.getI64IntegerAttr(0));
      auto ft = cast<RankedTensorType>(r.getInput().getType());
      v = b.create<onnx::ExpandOp>(
          loc, RankedTensorType::get(ft.getShape(), b.getF32Type()), v, full);
      auto ct = RankedTensorType::get({2}, i64);
      Value lead = b.create<onnx::ConstantOp>(
          loc, ct,
          DenseElementsAttr::get(
              ct, ArrayRef<int64_t>{-1, cast<RankedTensorType>(r.getType())
                                            .getDimSize(1)}));
      Value target = b.create<onnx::ConcatOp>(
          loc, RankedTensorType::get({4}, i64), ValueRange{lead, q1, k2},
          b.getI64IntegerAttr(0));
      v = b.create<onnx::ReshapeOp>(
          loc,
          RankedTensorType::get(
              cast<RankedTensorType>(r.getType()).getShape(), b.getF32Type()),
          v, target, b.getI64IntegerAttr(0));
    }
    auto t = cast<RankedTensorType>(v.getType());
    if (t.getRank() < 4) {
      SmallVector<int64_t> axes, shape(4 - t.getRank(), 1);
      for (int i = 0; i < 4 - t.getRank(); ++i)
        axes.push_back(i);
      shape.append(t.getShape().begin(), t.getShape().end());
      v = b.create<onnx::UnsqueezeOp>(
          loc, RankedTensorType::get(shape, t.getElementType()), v,
          b.getDenseI64ArrayAttr(axes));
    }
    if (factor != 1.0) {
      auto st = RankedTensorType::get({}, b.getF32Type());
      Value c = b.create<onnx::ConstantOp>(
          loc, st,
          DenseElementsAttr::get(st, static_cast<float>(factor)));
      v = b.create<onnx::MulOp>(loc, v.getType(), v, c);
    }
    if (!sum) {
      sum = v;
      continue;
    }
    auto a = cast<RankedTensorType>(sum.getType()).getShape();
    auto c = cast<RankedTensorType>(v.getType()).getShape();
    SmallVector<int64_t> shape;
    for (int i = 0; i < 4; ++i)
      shape.push_back(a[i] == 1                    ? c[i]
                      : c[i] == 1                  ? a[i]
                      : ShapedType::isDynamic(a[i]) ? c[i]
                                                    : a[i]);
    sum = b.create<onnx::AddOp>(
        loc, RankedTensorType::get(shape, b.getF32Type()), sum, v);
  }
  return sum;
}
