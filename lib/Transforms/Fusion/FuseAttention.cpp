//===- FuseAttention.cpp - Multi-head attention to bertc.attention --------===//
//
// bertc-fuse-attention starts at each Softmax over the last axis and proves,
// from the dataflow alone, that the subgraph around it is multi-head
// scaled-dot-product attention:
//
//   softmax(mask(scale * Q_h K_h^T)) V_h, heads merged back
//
// The pieces:
//   AttentionHeads.{h,cpp}  head layouts: Q/K/V traced back through
//                           Reshape/Transpose to [batch, seq, hidden] sources
//   AttentionMask.{h,cpp}   mask terms evaluated on probe inputs into a
//                           function of (padding mask, causal position)
//   this file               the scores path (scales, mask terms), the SDPA
//                           NaN guard, P V and the merged output; the rewrite
//
// The match is an OpRewritePattern on onnx.Softmax; the reasons it gives to
// notifyMatchFailure are what `bertc --fusion-report` prints (FusionReport),
// or remarks without a report (bertc-opt).
//
//===----------------------------------------------------------------------===//
#include "AttentionHeads.h"
#include "AttentionMask.h"
#include "FusionUtils.h"

#include "bertc/Transforms/FusionReport.h"
#include "bertc/Transforms/Passes.h"

#include <cmath>
#include <functional>

namespace bertc {
#define GEN_PASS_DEF_FUSEATTENTION
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;
using namespace bertc::fusion::heads;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

struct Match {
  HeadView q, k, v;
  double scale = 1.0;
  Value mask;
  bool causal = false, maskReplace = false, hasPad = false;
  double maskValue = 0;
  /// Additive score terms that are not masks (relative position biases),
  /// each with the factor of the scalings that follow it on the path.
  SmallVector<std::pair<Value, double>> biases;
  Value output; // the heads-merged value to replace
  bool outSeqFirst = false;
  bool outFlat = false; // [tokens, hidden]
};

struct Failure {
  Operation *op = nullptr;
  std::string reason;
};

/// The terms on the scores path between the Q K^T MatMul and the Softmax,
/// sorted into bertc.attention's slots: scalings (scale), mask terms
/// evaluated on probe inputs (mask, causal, mask_value, mask_replace) and
/// additive terms that are neither, which become the score bias. An
/// additive term is always exactly a bias, so only a Where on the scores
/// can refuse the match.
struct ScoreTerms {
  ScoreTerms(Match &m, RankedTensorType scores, int64_t heads)
      : m(m), scores(scores), heads(heads) {}

  void scaleBy(double f) {
    m.scale *= f;
    if (seenMask)
      m.maskValue *= f;
    for (auto &b : biases)
      b.second *= f;
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

  /// Where(cond, scores, filler) or Where(cond, filler, scores).
  LogicalResult addWhere(Value cond, bool keepWhenTrue, double filler,
                         Operation *op, Failure &why) {
    MaskFailure mf;
    auto table = evaluate(cond, mf);
    if (failed(table)) {
      why = {mf.op ? mf.op : op, "mask: " + mf.reason};
      return failure();
    }
    std::string reason;
    if (!applyWhere(*table, keepWhenTrue, filler, reason)) {
      why = {op, reason};
      return failure();
    }
    return success();
  }

  SmallVector<std::pair<Value, double>> biases;

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
    int rank = scores.getRank();
    if (!t || !t.getElementType().isF32() || t.getRank() > rank) {
      why = {op, "an additive score term that is not an f32 tensor of at most "
                 "the scores' rank"};
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
    if (rank == 3 && t.getRank() == 3 && t.getDimSize(0) != 1) {
      why = {op, "a score bias over the merged batch x heads axis: "
                 "bertc.attention's bias is [batch, heads, query, key]"};
      return failure();
    }
    biases.push_back({term, 1.0});
    return success();
  }

  Match &m;
  RankedTensorType scores;
  int64_t heads;
  bool seenMask = false;
};

/// Users other than onnx.Shape (shape computations only read the sizes,
/// which the fused op preserves).
SmallVector<Operation *> dataUsers(Value v) {
  SmallVector<Operation *> users;
  for (Operation *u : v.getUsers())
    if (!isa<onnx::ShapeOp>(u))
      users.push_back(u);
  return users;
}

/// True if `v` is computed from a MatMul of two non-constant operands
/// through scalar scaling, additions and Where (the attention scores).
bool isScoresLike(Value v, int depth) {
  Operation *d = v.getDefiningOp();
  if (!d || depth > 8)
    return false;
  if (auto mm = dyn_cast<onnx::MatMulOp>(d))
    return !getConstant(mm.getRhs()) &&
           cast<RankedTensorType>(mm.getType()).getRank() >= 3;
  if (isa<onnx::MulOp, onnx::DivOp, onnx::AddOp, onnx::SubOp, onnx::WhereOp>(d))
    return llvm::any_of(d->getOperands(),
                        [&](Value o) { return isScoresLike(o, depth + 1); });
  return false;
}

/// For an op on the scores path none of whose operands is scores-like:
/// the first op off the Mul/Div/Add/Sub/Where vocabulary on the way back to
/// a rank >= 3 MatMul of activations (e.g. DeBERTa's Reshape of
/// [batch * heads, q, k] scores to [batch, heads, q, k]), if any.
Operation *scoresReachedThrough(Operation *op) {
  for (Value o : op->getOperands()) {
    Operation *d = o.getDefiningOp();
    if (!d || isa<onnx::ConstantOp>(d))
      continue;
    if (d->getNumOperands() >= 1 &&
        isa<onnx::ReshapeOp, onnx::TransposeOp, onnx::CastOp>(d) &&
        isScoresLike(d->getOperand(0), 0))
      return d;
  }
  return nullptr;
}

/// Finds the scores MatMul and the path of ops from it to the Softmax input.
FailureOr<std::pair<onnx::MatMulOp, SmallVector<Operation *>>>
findScoresPath(Value input, Failure &why) {
  SmallVector<Operation *> path;
  Value cur = input;
  for (int steps = 0; steps < 8; ++steps) {
    Operation *op = cur.getDefiningOp();
    if (!op) {
      why = {nullptr, "softmax input is not computed from a MatMul"};
      return failure();
    }
    if (auto mm = dyn_cast<onnx::MatMulOp>(op)) {
      std::reverse(path.begin(), path.end());
      return std::make_pair(mm, path);
    }
    if (dataUsers(cur).size() != 1) {
      why = {op, "attention scores are used outside the attention"};
      return failure();
    }
    path.push_back(op);
    // Follow the operand that carries the scores (reaches the MatMul);
    // the others are scalars or mask terms.
    Value next;
    if (isa<onnx::WhereOp, onnx::AddOp, onnx::MulOp, onnx::DivOp, onnx::SubOp>(
            op)) {
      SmallVector<Value> cands;
      for (Value v : op->getOperands())
        if (isScoresLike(v, 0))
          cands.push_back(v);
      if (cands.size() == 1)
        next = cands[0];
    }
    if (!next) {
      if (!isa<onnx::WhereOp, onnx::AddOp, onnx::MulOp, onnx::DivOp,
               onnx::SubOp>(op))
        why = {op, ("unexpected op between the scores MatMul and the "
                    "Softmax (" +
                    op->getName().getStringRef() + ")")
                       .str()};
      else if (Operation *via = scoresReachedThrough(op))
        why = {via, ("the scores reach the Softmax through " +
                     via->getName().getStringRef() +
                     ", which bertc.attention cannot express")
                        .str()};
      else
        why = {op, "cannot tell the scores from the other terms at this "
                   "node (both operands are computed from products of "
                   "activations)"};
      return failure();
    }
    cur = next;
  }
  why = {input.getDefiningOp(), "no scores MatMul within 8 ops of the Softmax"};
  return failure();
}

/// Why a Q/K/V chain did not trace: the first op on it that only moves data
/// or scales by a scalar does not explain, named, and a rotary embedding
/// (Cos/Sin of positions within a few ops) recognized as such.
std::string headFailureDetail(Value v) {
  Operation *stop = nullptr;
  for (int steps = 0; steps < 16 && v; ++steps) {
    Operation *op = v.getDefiningOp();
    if (!op)
      break;
    if (isa<onnx::TransposeOp, onnx::ReshapeOp, onnx::IdentityOp>(op)) {
      v = op->getOperand(0);
      continue;
    }
    stop = op;
    break;
  }
  if (!stop)
    return "";
  std::function<bool(Operation *, int)> usesRotation = [&](Operation *op,
                                                           int depth) {
    if (!op || depth > 6)
      return false;
    if (isa<onnx::CosOp, onnx::SinOp>(op))
      return true;
    return llvm::any_of(op->getOperands(), [&](Value o) {
      return usesRotation(o.getDefiningOp(), depth + 1);
    });
  };
  std::string name = stop->getName().getStringRef().str();
  if (usesRotation(stop, 0))
    return " (the chain stops at " + name +
           ": a rotary position embedding (Cos/Sin), which bertc.attention "
           "does not apply)";
  return " (the chain stops at " + name + ")";
}

FailureOr<Match> matchAttention(onnx::SoftmaxOp softmax, Failure &why) {
  Match m;
  auto st = cast<RankedTensorType>(softmax.getType());
  if ((int64_t)softmax.getAxis() != st.getRank() - 1 ||
      (st.getRank() != 3 && st.getRank() != 4)) {
    why = {softmax, "softmax is not over the last axis of a rank-3/4 tensor"};
    return failure();
  }
  auto path = findScoresPath(softmax.getInput(), why);
  if (failed(path))
    return failure();
  onnx::MatMulOp qk = path->first;
  // Q_h and K_h^T.
  auto q = traceHeadView(qk.getLhs(), /*keyT=*/false);
  if (failed(q)) {
    why = {qk, "query is not a head split of a [batch, seq, hidden] tensor" +
                   headFailureDetail(qk.getLhs())};
    return failure();
  }
  auto k = traceHeadView(qk.getRhs(), /*keyT=*/true);
  if (failed(k)) {
    why = {
        qk,
        "key is not a transposed head split of a [batch, seq, hidden] tensor" +
            headFailureDetail(qk.getRhs())};
    return failure();
  }
  m.q = *q;
  m.k = *k;
  m.scale = q->scale * k->scale;
  if (q->heads != k->heads || q->headDim != k->headDim) {
    why = {qk, "query and key head shapes differ"};
    return failure();
  }
  // Scale, mask and bias terms on the path.
  ScoreTerms terms(m, st, q->heads);
  Value prev = qk.getResult();
  for (Operation *op : path->second) {
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
  m.biases = terms.biases;
  if (!m.hasPad)
    m.mask = Value();
  // P V, possibly through the SDPA guard Where(IsNaN(P), 0, P), which turns
  // rows whose keys are all excluded (all -inf) into zeros: bertc.attention
  // gives those rows 0 too.
  Value p = softmax.getResult();
  auto pUsers = dataUsers(p);
  if (pUsers.size() == 2) {
    Operation *isNaN = nullptr;
    onnx::WhereOp guard;
    for (Operation *u : pUsers) {
      if (u->getName().getStringRef() == "onnx.IsNaN")
        isNaN = u;
      else
        guard = dyn_cast<onnx::WhereOp>(u);
    }
    if (isNaN && guard && isNaN->hasOneUse() &&
        guard.getCondition() == isNaN->getResult(0) && guard.getY() == p &&
        isScalarFloat(guard.getX(), 0.0, 0.0) &&
        guard.getType() == softmax.getType()) {
      p = guard.getResult();
      pUsers = dataUsers(p);
    }
  }
  if (pUsers.size() != 1) {
    why = {softmax, "attention probabilities are used outside the attention"};
    return failure();
  }
  auto pv = dyn_cast<onnx::MatMulOp>(pUsers[0]);
  if (!pv || pv.getLhs() != p) {
    why = {pUsers[0], "softmax output does not feed P x V"};
    return failure();
  }
  auto v = traceHeadView(pv.getRhs(), /*keyT=*/false);
  if (failed(v) || v->heads != q->heads || v->scale != 1.0) {
    why = {pv, "value is not a head split of a [batch, seq, hidden] tensor"};
    return failure();
  }
  m.v = *v;
  // Heads merged back: follow Transpose/Reshape down from P V.
  Layout ctx;
  int b = q->batchAxis;
  Atom batchAtom{b == 0 ? Kind::A0 : Kind::A1, kDyn};
  Atom seqAtom{b == 0 ? Kind::A1 : Kind::A0, kDyn};
  auto qType = cast<RankedTensorType>(q->source.getType());
  batchAtom.size = qType.getDimSize(b);
  seqAtom.size = qType.getDimSize(1 - b);
  Dim bd = batchAtom.size == 1 ? Dim{} : Dim{batchAtom};
  Dim sd = seqAtom.size == 1 ? Dim{} : Dim{seqAtom};
  Atom headsAtom{Kind::Heads, q->heads}, dimAtom{Kind::HeadDim, v->headDim};
  if (st.getRank() == 4)
    ctx = {bd, Dim{headsAtom}, sd, Dim{dimAtom}};
  else {
    Dim merged = bd;
    merged.push_back(headsAtom);
    ctx = {merged, sd, Dim{dimAtom}};
  }
  Value cur = pv.getResult();
  Layout layout = ctx;
  for (int steps = 0; steps < 6; ++steps) {
    Dim hidden{headsAtom, dimAtom};
    if (layout.size() == 3 && layout[2] == hidden &&
        ((layout[0] == bd && layout[1] == sd) ||
         (layout[0] == sd && layout[1] == bd)) &&
        cur != pv.getResult()) {
      m.output = cur;
      m.outSeqFirst = !(layout[0] == bd && layout[1] == sd);
      return m;
    }
    if (layout.size() == 2 && layout[1] == hidden) {
      Dim bs = bd, sb = sd;
      bs.append(sd.begin(), sd.end());
      sb.append(bd.begin(), bd.end());
      if (layout[0] == bs || layout[0] == sb) {
        m.output = cur;
        m.outFlat = true;
        m.outSeqFirst = layout[0] != bs;
        return m;
      }
    }
    auto users = dataUsers(cur);
    if (users.size() != 1)
      break;
    Operation *user = users[0];
    double unused = 1;
    if (!isa<onnx::TransposeOp, onnx::ReshapeOp>(user))
      break;
    auto l = applyChain(layout, {user}, unused);
    if (failed(l))
      break;
    layout = *l;
    cur = user->getResult(0);
  }
  why = {pv, "attention output is not merged back to [batch, seq, hidden]"};
  return failure();
}

/// The score bias operand: the bias terms, each raised to rank 4
/// ([batch, heads, query, key], size-1 where they broadcast), scaled by the
/// factors that followed them on the path, and summed.
Value buildBias(const Match &m, PatternRewriter &b, Location loc) {
  Value sum;
  for (auto [term, factor] : m.biases) {
    auto t = cast<RankedTensorType>(term.getType());
    Value v = term;
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

void rewriteAttention(const Match &m, PatternRewriter &b) {
    Operation *anchor = m.output.getDefiningOp();
    b.setInsertionPoint(anchor);
    Location loc = anchor->getLoc();
    auto batchMajor = [&](const HeadView &hv) -> Value {
      if (hv.batchAxis == 0)
        return hv.source;
      auto t = cast<RankedTensorType>(hv.source.getType());
      auto type = RankedTensorType::get(
          {t.getDimSize(1), t.getDimSize(0), t.getDimSize(2)},
          t.getElementType());
      return b.create<onnx::TransposeOp>(loc, type, hv.source,
                                         b.getDenseI64ArrayAttr({1, 0, 2}));
    };
    Value q = batchMajor(m.q), k = batchMajor(m.k), v = batchMajor(m.v);
    auto qt = cast<RankedTensorType>(q.getType());
    auto vt = cast<RankedTensorType>(v.getType());
    auto outType = RankedTensorType::get(
        {qt.getDimSize(0), qt.getDimSize(1), vt.getDimSize(2)},
        qt.getElementType());
    Value bias = buildBias(m, b, loc);
    Value att = b.create<AttentionOp>(
        loc, outType, q, k, v, m.mask, bias, b.getI64IntegerAttr(m.q.heads),
        b.getF32FloatAttr(static_cast<float>(m.scale)), b.getBoolAttr(m.causal),
        b.getF32FloatAttr(static_cast<float>(
            std::isinf(m.maskValue) ? (m.maskValue < 0 ? -INFINITY : INFINITY)
                                    : m.maskValue)),
        b.getBoolAttr(m.maskReplace));
    Value out = att;
    if (m.outSeqFirst) {
      auto type = RankedTensorType::get(
          {outType.getDimSize(1), outType.getDimSize(0), outType.getDimSize(2)},
          outType.getElementType());
      out = b.create<onnx::TransposeOp>(loc, type, out,
                                        b.getDenseI64ArrayAttr({1, 0, 2}));
    }
    auto want = cast<RankedTensorType>(m.output.getType());
    if (m.outFlat) {
      auto shapeType = RankedTensorType::get({2}, b.getI64Type());
      Value shape = b.create<onnx::ConstantOp>(
          loc, shapeType,
          DenseElementsAttr::get(shapeType,
                                 ArrayRef<int64_t>{-1, want.getDimSize(1)}));
      out = b.create<onnx::ReshapeOp>(loc, want, out, shape,
                                      b.getI64IntegerAttr(0));
    }
    if (out.getType() != want) {
      // Same shape, possibly differently static: restate through Identity.
      out = b.create<onnx::IdentityOp>(loc, want, out);
    }
    b.replaceAllUsesWith(m.output, out);
  }

/// softmax(scores) V with the scores, mask and heads as proven by
/// matchAttention, replaced by bertc.attention.
struct AttentionPattern : OpRewritePattern<onnx::SoftmaxOp> {
  using OpRewritePattern::OpRewritePattern;
  LogicalResult matchAndRewrite(onnx::SoftmaxOp softmax,
                                PatternRewriter &rewriter) const override {
    Failure why;
    auto match = matchAttention(softmax, why);
    if (failed(match))
      return rewriter.notifyMatchFailure(why.op ? why.op : softmax.getOperation(),
                                         why.reason);
    rewriteAttention(*match, rewriter);
    return success();
  }
};

/// Records the reason of the last match failure (and the op it names).
struct FailureListener : RewriterBase::Listener {
  std::string reason;
  std::optional<Location> where;
  void notifyMatchFailure(Location loc,
                          function_ref<void(Diagnostic &)> reasonCallback) override {
    Diagnostic diag(loc, DiagnosticSeverity::Remark);
    reasonCallback(diag);
    reason = diag.str();
    where = loc;
  }
};

struct Rewriter : PatternRewriter {
  Rewriter(MLIRContext *ctx, FailureListener *l) : PatternRewriter(ctx) {
    setListener(l);
  }
};

struct FuseAttentionPass : bertc::impl::FuseAttentionBase<FuseAttentionPass> {
  FuseAttentionPass() = default;
  explicit FuseAttentionPass(FusionReport *report) : report(report) {}

  void runOnOperation() override {
    SmallVector<onnx::SoftmaxOp> softmaxes;
    getOperation().walk([&](onnx::SoftmaxOp op) { softmaxes.push_back(op); });
    AttentionPattern pattern(&getContext());
    uint64_t fused = 0;
    for (onnx::SoftmaxOp sm : softmaxes) {
      FailureListener listener;
      Rewriter rewriter(&getContext(), &listener);
      if (succeeded(pattern.matchAndRewrite(sm, rewriter))) {
        ++fused;
        continue;
      }
      ++numMissed;
      // The failure names the op where the match broke; find it by location.
      Operation *culprit = sm;
      if (listener.where)
        getOperation().walk([&](Operation *op) {
          if (op->getLoc() == *listener.where) {
            culprit = op;
            return WalkResult::interrupt();
          }
          return WalkResult::advance();
        });
      reportMissedFusion(report, sm, "attention", culprit, listener.reason);
    }
    numAttentions += fused;
    if (report)
      report->addCount("attention", fused);
  }

  FusionReport *report = nullptr;
};
} // namespace

std::unique_ptr<Pass> bertc::createFuseAttention(FusionReport *report) {
  return std::make_unique<FuseAttentionPass>(report);
}
