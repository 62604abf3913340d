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
//   AttentionScores.{h,cpp} the terms on the scores path sorted into the
//                           op's slots: scale, mask, causal, score bias
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
#include "AttentionScores.h"
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

/// A proven attention: the scores path's slots (AttentionScores.h), the
/// head views and the value the fused op replaces.
struct Match : ScoreSlots {
  HeadView q, k, v;
  Value output; // the heads-merged value to replace
  bool outSeqFirst = false;
  bool outFlat = false; // [tokens, hidden]
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
  if (auto r = dyn_cast<onnx::ReshapeOp>(d))
    return isScoresLike(r.getInput(), depth + 1);
  return false;
}

/// [batch * heads, q, k] scores (or probabilities) reshaped to [batch,
/// heads, q, k] (`split`), or back (`!split`), with `heads` static heads.
bool isHeadsReshape(onnx::ReshapeOp r, bool split, int64_t heads) {
  Value in = r.getInput(), out = r.getResult();
  auto it = cast<RankedTensorType>(in.getType()),
       ot = cast<RankedTensorType>(out.getType());
  Value m = split ? out : in, f = split ? in : out; // merged-4D, flat-3D
  auto mt = split ? ot : it, ft = split ? it : ot;
  if (mt.getRank() != 4 || ft.getRank() != 3 || mt.isDynamicDim(1) ||
      (heads > 0 && mt.getDimSize(1) != heads))
    return false;
  return sameDim(m, 2, f, 1) && sameDim(m, 3, f, 2);
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
    if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
      if (isHeadsReshape(r, /*split=*/true, 0) &&
          isScoresLike(r.getInput(), 0))
        next = r.getInput();
    } else if (isa<onnx::WhereOp, onnx::AddOp, onnx::MulOp, onnx::DivOp,
                   onnx::SubOp>(op)) {
      SmallVector<Value> cands;
      for (Value v : op->getOperands())
        if (isScoresLike(v, 0))
          cands.push_back(v);
      if (cands.size() == 1)
        next = cands[0];
    }
    if (!next) {
      if (isa<onnx::ReshapeOp>(op))
        why = {op, "the scores are reshaped other than from [batch * heads, "
                   "q, k] to [batch, heads, q, k]"};
      else if (!isa<onnx::WhereOp, onnx::AddOp, onnx::MulOp, onnx::DivOp,
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

/// A head view that does not trace to a [batch, seq, hidden] source but is
/// itself a [batch, heads, seq, d] tensor (K^T: [batch, heads, d, seq])
/// with static heads and d: Q and K after a rotary embedding (ModernBERT,
/// LLaMA-style) applied per head. The attention reads that tensor with its
/// heads merged back, which the rewrite materializes; the scores are
/// unchanged (Q_h K^T_h is the same product), so this is exact for any
/// per-head computation. Only for rank-4 scores whose heads are static.
FailureOr<HeadView> perHeadView(Value v, bool keyT, RankedTensorType scores) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() != 4 || scores.getRank() != 4 ||
      scores.isDynamicDim(1) || t.getDimSize(1) != scores.getDimSize(1))
    return failure();
  int64_t d = t.getDimSize(keyT ? 2 : 3);
  if (ShapedType::isDynamic(d))
    return failure();
  HeadView hv;
  hv.perHead = v;
  hv.keyT = keyT;
  hv.heads = scores.getDimSize(1);
  hv.headDim = d;
  return hv;
}

/// The batch and sequence dimensions of a head view's source, as (value,
/// dim) pairs.
std::pair<std::pair<Value, int64_t>, std::pair<Value, int64_t>>
viewDims(const HeadView &hv) {
  if (hv.perHead)
    return {{hv.perHead, 0}, {hv.perHead, hv.keyT ? 3 : 2}};
  return {{hv.source, hv.batchAxis}, {hv.source, 1 - hv.batchAxis}};
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
  if (failed(q))
    q = perHeadView(qk.getLhs(), /*keyT=*/false, st);
  if (failed(q)) {
    why = {qk, "query is not a head split of a [batch, seq, hidden] tensor" +
                   headFailureDetail(qk.getLhs())};
    return failure();
  }
  auto k = traceHeadView(qk.getRhs(), /*keyT=*/true);
  if (failed(k))
    k = perHeadView(qk.getRhs(), /*keyT=*/true, st);
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
  if (failed(collectScoreTerms(qk, path->second, q->heads, m, why)))
    return failure();
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
  // [batch, heads, q, k] probabilities merged back to [batch * heads, q, k]
  // for a batched P V (DeBERTa).
  if (auto r = dyn_cast<onnx::ReshapeOp>(pUsers[0]);
      r && isHeadsReshape(r, /*split=*/false, q->heads)) {
    p = r.getResult();
    pUsers = dataUsers(p);
    if (pUsers.size() != 1) {
      why = {r, "attention probabilities are used outside the attention"};
      return failure();
    }
  }
  auto pv = dyn_cast<onnx::MatMulOp>(pUsers[0]);
  if (!pv || pv.getLhs() != p) {
    why = {pUsers[0], "softmax output does not feed P x V"};
    return failure();
  }
  auto v = traceHeadView(pv.getRhs(), /*keyT=*/false);
  if (failed(v))
    v = perHeadView(pv.getRhs(), /*keyT=*/false, st);
  if (failed(v) || v->heads != q->heads || v->scale != 1.0) {
    why = {pv, "value is not a head split of a [batch, seq, hidden] tensor"};
    return failure();
  }
  m.v = *v;
  // Per-head views come with no source whose layout proves that Q, K and V
  // agree in batch and K and V in sequence: check the dimensions.
  if (q->perHead || k->perHead || v->perHead) {
    auto [qb, qs] = viewDims(*q);
    auto [kb, ks] = viewDims(*k);
    auto [vb, vs] = viewDims(*v);
    if (!sameDim(qb.first, qb.second, vb.first, vb.second) ||
        !sameDim(kb.first, kb.second, vb.first, vb.second) ||
        !sameDim(ks.first, ks.second, vs.first, vs.second)) {
      why = {qk, "per-head query/key (e.g. after a rotary embedding) whose "
                 "batch or sequence cannot be proven to match the value's"};
      return failure();
    }
  }
  // Heads merged back: follow Transpose/Reshape down from P V.
  Layout ctx;
  int b = q->perHead ? 0 : q->batchAxis;
  Atom batchAtom{b == 0 ? Kind::A0 : Kind::A1, kDyn};
  Atom seqAtom{b == 0 ? Kind::A1 : Kind::A0, kDyn};
  auto [qbd, qsd] = viewDims(*q);
  batchAtom.size =
      cast<RankedTensorType>(qbd.first.getType()).getDimSize(qbd.second);
  seqAtom.size =
      cast<RankedTensorType>(qsd.first.getType()).getDimSize(qsd.second);
  Dim bd = batchAtom.size == 1 ? Dim{} : Dim{batchAtom};
  Dim sd = seqAtom.size == 1 ? Dim{} : Dim{seqAtom};
  Atom headsAtom{Kind::Heads, q->heads}, dimAtom{Kind::HeadDim, v->headDim};
  if (cast<RankedTensorType>(pv.getType()).getRank() == 4)
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

void rewriteAttention(const Match &m, PatternRewriter &b) {
    Operation *anchor = m.output.getDefiningOp();
    b.setInsertionPoint(anchor);
    Location loc = anchor->getLoc();
    auto batchMajor = [&](const HeadView &hv) -> Value {
      if (hv.perHead) {
        // [b, h, s, d] (K^T: [b, h, d, s]) -> [b, s, h, d] -> [b, s, h * d].
        auto t = cast<RankedTensorType>(hv.perHead.getType());
        int64_t s = t.getDimSize(hv.keyT ? 3 : 2);
        auto tt = RankedTensorType::get(
            {t.getDimSize(0), s, hv.heads, hv.headDim}, t.getElementType());
        Value tr = b.create<onnx::TransposeOp>(
            loc, tt, hv.perHead,
            b.getDenseI64ArrayAttr(hv.keyT ? ArrayRef<int64_t>{0, 3, 1, 2}
                                           : ArrayRef<int64_t>{0, 2, 1, 3}));
        auto shapeType = RankedTensorType::get({3}, b.getI64Type());
        Value shape = b.create<onnx::ConstantOp>(
            loc, shapeType,
            DenseElementsAttr::get(
                shapeType, ArrayRef<int64_t>{0, 0, hv.heads * hv.headDim}));
        return b.create<onnx::ReshapeOp>(
            loc,
            RankedTensorType::get({t.getDimSize(0), s, hv.heads * hv.headDim},
                                  t.getElementType()),
            tr, shape, b.getI64IntegerAttr(0));
      }
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
    Value bias = buildScoreBias(m, b, loc);
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
