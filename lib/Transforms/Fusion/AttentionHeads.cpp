//===- AttentionHeads.cpp - Head layouts of attention operands -----------===//
//
// See AttentionHeads.h.
//
//===----------------------------------------------------------------------===//
#include "AttentionHeads.h"

#include "FusionUtils.h"

#include <algorithm>
#include <functional>

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;
using namespace bertc::fusion::heads;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;


int64_t product(ArrayRef<Atom> atoms) {
  int64_t p = 1;
  for (const Atom &a : atoms) {
    if (a.size == kDyn)
      return kDyn;
    p *= a.size;
  }
  return p;
}

/// Target sizes of a Reshape: known values, then static result dims; 0 copies
/// the input dim (allowzero = 0); -1 (the remainder) stays -1. kDyn where
/// unknown.
std::optional<SmallVector<int64_t>> reshapeTarget(onnx::ReshapeOp op,
                                                  const Layout &in) {
  auto rt = cast<RankedTensorType>(op.getType());
  SmallVector<int64_t> target(rt.getRank(), kDyn);
  auto known = onnx::getKnownIntValues(op.getShape());
  auto refs = onnx::getShapeDimRefs(op.getShape());
  auto inType = cast<RankedTensorType>(op.getInput().getType());
  for (int64_t i = 0; i < rt.getRank(); ++i) {
    // Shape(x)[j] of a dim equal (by origin) to input dim j: a copy of it.
    if (i < (int64_t)refs.size() && refs[i] && rt.isDynamicDim(i))
      for (int64_t j = 0; j < inType.getRank() && j < (int64_t)in.size() && j < 64; ++j)
        if (inType.isDynamicDim(j) &&
            onnx::getDimOrigin(op.getInput(), j) == *refs[i]) {
          target[i] = -2 - j;
          break;
        }
    if (!rt.isDynamicDim(i))
      target[i] = rt.getDimSize(i);
    if (known && (int64_t)known->size() == rt.getRank()) {
      int64_t v = (*known)[i];
      if (target[i] <= -2 && target[i] != kDyn)
        continue; // a copy of an input dim
      if (v > 0 || (v == -1 && rt.isDynamicDim(i)))
        target[i] = v;
      else if (v == 0 && op.getAllowzero() == 0 && i < (int64_t)in.size() &&
               i < 64)
        target[i] = -2 - i; // copy input dim i (encoded)
    }
  }
  return target;
}

/// Groups the flattened atoms of `in` into the dims of `target`. A static
/// target takes static atoms whose product is its size (none for 1); a copy
/// of an input dim takes exactly that dim's atoms; the -1 entry takes
/// whatever run leaves the others theirs; a dynamic one takes a run with at
/// least one dynamic atom (longest first, so static factors attach to the
/// left, as [batch * heads] does). The hidden atom is split into heads x
/// head_dim when the last target dim asks for it.
FailureOr<Layout> reshapeLayout(const Layout &in, ArrayRef<int64_t> targetIn) {
  SmallVector<Atom> flat;
  for (const Dim &d : in)
    flat.append(d.begin(), d.end());
  SmallVector<int64_t> target(targetIn);
  SmallVector<std::optional<Dim>> copied(target.size());
  for (size_t i = 0; i < target.size(); ++i)
    if (target[i] <= -2 && target[i] > -2 - 64) {
      if (-2 - target[i] >= (int64_t)in.size())
        return failure();
      copied[i] = in[-2 - target[i]];
      target[i] = product(*copied[i]);
    }
  if (!flat.empty() && !target.empty() && flat.back().kind == Kind::Hidden &&
      target.back() != kDyn && target.back() > 1 && flat.back().size != kDyn &&
      target.back() < flat.back().size &&
      flat.back().size % target.back() == 0) {
    int64_t h = flat.back().size;
    flat.back() = Atom{Kind::Heads, h / target.back()};
    flat.push_back(Atom{Kind::HeadDim, target.back()});
  }
  Layout out(target.size());
  std::function<bool(size_t, size_t)> assign = [&](size_t ai, size_t ti) {
    if (ti == target.size())
      return ai == flat.size();
    int64_t t = target[ti];
    if (copied[ti]) {
      size_t n = copied[ti]->size();
      if (ai + n > flat.size() ||
          !std::equal(copied[ti]->begin(), copied[ti]->end(),
                      flat.begin() + ai))
        return false;
      out[ti] = *copied[ti];
      return assign(ai + n, ti + 1);
    }
    if (t == -1) {
      for (size_t aj = flat.size() + 1; aj-- > ai;) {
        out[ti].assign(flat.begin() + ai, flat.begin() + aj);
        if (assign(aj, ti + 1))
          return true;
      }
      return false;
    }
    if (t != kDyn) {
      size_t aj = ai;
      int64_t p = 1;
      while (p < t && aj < flat.size() && flat[aj].size != kDyn) {
        p *= flat[aj].size;
        ++aj;
      }
      if (p != t)
        return false;
      out[ti].assign(flat.begin() + ai, flat.begin() + aj);
      return assign(aj, ti + 1);
    }
    for (size_t aj = flat.size(); aj > ai; --aj) {
      bool hasDyn = false;
      for (size_t k = ai; k < aj; ++k)
        hasDyn |= flat[k].size == kDyn;
      if (!hasDyn)
        continue;
      out[ti].assign(flat.begin() + ai, flat.begin() + aj);
      if (assign(aj, ti + 1))
        return true;
    }
    return false;
  };
  if (!assign(0, 0))
    return failure();
  return out;
}

Layout transposeLayout(const Layout &in, ArrayRef<int64_t> perm) {
  Layout out;
  for (int64_t p : perm)
    out.push_back(in[p]);
  return out;
}

} // namespace

FailureOr<Layout> heads::applyChain(Layout layout, ArrayRef<Operation *> ops,
                             double &scale) {
  for (Operation *op : ops) {
    if (auto t = dyn_cast<onnx::TransposeOp>(op)) {
      if ((int64_t)t.getPerm().size() != (int64_t)layout.size())
        return failure();
      layout = transposeLayout(layout, t.getPerm());
    } else if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
      auto target = reshapeTarget(r, layout);
      if (!target)
        return failure();
      auto l = reshapeLayout(layout, *target);
      if (failed(l))
        return failure();
      layout = *l;
    } else if (auto m = dyn_cast<onnx::MulOp>(op)) {
      auto c = getScalarFloat(m.getLhs()) ? getScalarFloat(m.getLhs())
                                          : getScalarFloat(m.getRhs());
      scale *= *c;
    } else if (auto d = dyn_cast<onnx::DivOp>(op)) {
      scale /= *getScalarFloat(d.getRhs());
    }
  }
  return layout;
}

namespace {
/// Ops that only move data or scale by a scalar, walking up from `v`.
Operation *chainStep(Value v, Value &next) {
  Operation *op = v.getDefiningOp();
  if (!op)
    return nullptr;
  if (auto t = dyn_cast<onnx::TransposeOp>(op)) {
    next = t.getInput();
    return op;
  }
  if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
    next = r.getInput();
    return op;
  }
  if (auto i = dyn_cast<onnx::IdentityOp>(op)) {
    next = i.getInput();
    return op;
  }
  if (auto m = dyn_cast<onnx::MulOp>(op)) {
    if (getScalarFloat(m.getRhs()) && m.getType() == m.getLhs().getType()) {
      next = m.getLhs();
      return op;
    }
    if (getScalarFloat(m.getLhs()) && m.getType() == m.getRhs().getType()) {
      next = m.getRhs();
      return op;
    }
  }
  if (auto d = dyn_cast<onnx::DivOp>(op))
    if (getScalarFloat(d.getRhs()) && d.getType() == d.getLhs().getType()) {
      next = d.getLhs();
      return op;
    }
  return nullptr;
}

/// Expected head-view forms: [batch, heads, seq, d] or [batch * heads,
/// seq, d] (K^T: d before seq). Batch or seq may be empty (static size 1).
bool matchHeadForm(const Layout &l, bool keyT, HeadView &hv) {
  auto seqOrBatch = [](const Dim &d) {
    return d.empty() ||
           (d.size() == 1 && (d[0].kind == Kind::A0 || d[0].kind == Kind::A1));
  };
  Dim batch;
  const Dim *seq = nullptr, *dim = nullptr;
  int64_t heads = 0;
  if (l.size() == 4) {
    if (!seqOrBatch(l[0]) || l[1].size() != 1 || l[1][0].kind != Kind::Heads)
      return false;
    heads = l[1][0].size;
    batch = l[0];
    seq = keyT ? &l[3] : &l[2];
    dim = keyT ? &l[2] : &l[3];
  } else if (l.size() == 3) {
    // [batch * heads, ...]: batch-major, heads-minor.
    if (l[0].empty() || l[0].back().kind != Kind::Heads || l[0].size() > 2)
      return false;
    heads = l[0].back().size;
    batch.assign(l[0].begin(), l[0].end() - 1);
    if (!seqOrBatch(batch))
      return false;
    seq = keyT ? &l[2] : &l[1];
    dim = keyT ? &l[1] : &l[2];
  } else {
    return false;
  }
  if (!seqOrBatch(*seq) || dim->size() != 1 || (*dim)[0].kind != Kind::HeadDim)
    return false;
  if (!batch.empty() && !seq->empty() && batch[0].kind == (*seq)[0].kind)
    return false;
  if (!batch.empty())
    hv.batchAxis = batch[0].kind == Kind::A0 ? 0 : 1;
  else if (!seq->empty())
    hv.batchAxis = (*seq)[0].kind == Kind::A0 ? 1 : 0;
  else
    hv.batchAxis = 0;
  hv.heads = heads;
  hv.headDim = (*dim)[0].size;
  return true;
}

/// Initial layout of a rank-3 source [A0, A1, H] (unit dims are empty).
std::optional<Layout> sourceLayout(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() != 3 || t.isDynamicDim(2) ||
      !isa<FloatType>(t.getElementType()))
    return std::nullopt;
  Layout l(3);
  if (t.getDimSize(0) != 1)
    l[0].push_back(Atom{Kind::A0, t.getDimSize(0)});
  if (t.getDimSize(1) != 1)
    l[1].push_back(Atom{Kind::A1, t.getDimSize(1)});
  l[2].push_back(Atom{Kind::Hidden, t.getDimSize(2)});
  return l;
}

} // namespace

FailureOr<HeadView> heads::traceHeadView(Value v, bool keyT) {
  SmallVector<Operation *> ops; // from v upward
  Value cur = v;
  for (int steps = 0; steps < 16; ++steps) {
    if (auto l = sourceLayout(cur); l && cur != v) {
      SmallVector<Operation *> down(llvm::reverse(ops));
      HeadView hv;
      auto layout = applyChain(*l, down, hv.scale);
      if (succeeded(layout) && matchHeadForm(*layout, keyT, hv)) {
        hv.source = cur;
        if (hv.heads * hv.headDim ==
            cast<RankedTensorType>(cur.getType()).getDimSize(2))
          return hv;
      }
    }
    Value next;
    Operation *op = chainStep(cur, next);
    if (!op)
      break;
    ops.push_back(op);
    cur = next;
  }
  return failure();
}

