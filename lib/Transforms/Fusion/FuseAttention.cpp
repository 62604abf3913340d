//===- FuseAttention.cpp - Multi-head attention to bertc.attention --------===//
//
// bertc-fuse-attention starts at each Softmax over the last axis and proves,
// from the dataflow alone, that the subgraph around it is multi-head
// scaled-dot-product attention:
//
//   softmax(mask(scale * Q_h K_h^T)) V_h, heads merged back
//
// Layouts are tracked symbolically ("atoms"): the Q, K and V sources are
// rank-3 tensors [A0, A1, H]; Reshape and Transpose ops move and split their
// dimensions (H into heads x head_size), and the head views must come out as
// [batch, heads, seq, d] (Hugging Face exports) or [batch * heads, seq, d]
// (torch.nn.MultiheadAttention, sequence-first, A0 = seq) -- with K
// transposed either way. Reshape targets computed at run time are read with
// the shape-value analysis; scalar Mul/Div anywhere on the Q/K chains or on
// the scores are folded into `scale`.
//
// The mask is evaluated, not pattern-matched: each term on the scores path
// (an Add, or a Where with a scalar filler) is interpreted as a function of
// the 2-D attention-mask input m in {0, 1} and of the causal position
// (key after query or not), through Cast, Equal, Not, Sub/Add/Mul/Div by
// constants, Where, Unsqueeze/Reshape/Expand, Trilu of a constant and Slices
// of a lower-triangular constant buffer. The result gives the padding value
// and mode (added, or replacing the score) and whether the mask is causal;
// its layout must broadcast exactly as [batch, *, *, key].
//
// The heads-merged output (through Transpose/Reshape after the second
// MatMul, rank 3 or the rank-2 [tokens, hidden] form) is replaced by
// bertc.attention on batch-major [batch, seq, hidden] sources (a Transpose
// is inserted for sequence-first graphs). Softmax ops that are not fused are
// reported with the node where the match broke (bertc --fusion-report).
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Transforms/Passes.h"

#include "llvm/ADT/SetVector.h"

#include <cmath>

namespace bertc {
#define GEN_PASS_DEF_FUSEATTENTION
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

constexpr int64_t kDyn = ShapedType::kDynamic;

//===----------------------------------------------------------------------===//
// Symbolic layouts
//===----------------------------------------------------------------------===//

enum class Kind {
  A0, A1, Hidden, Heads, HeadDim, Batch, Key, Query, Expanded,
  Iota // positions 0..n-1 along an axis (a Range), before it is compared
};

struct Atom {
  Kind kind;
  int64_t size; // kDyn if dynamic
  bool operator==(const Atom &o) const {
    return kind == o.kind && size == o.size;
  }
};
using Dim = SmallVector<Atom, 2>;
using Layout = SmallVector<Dim, 4>;

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
/// the input dim (allowzero = 0). kDyn where unknown.
std::optional<SmallVector<int64_t>> reshapeTarget(onnx::ReshapeOp op,
                                                  const Layout &in) {
  auto rt = cast<RankedTensorType>(op.getType());
  SmallVector<int64_t> target(rt.getRank(), kDyn);
  auto known = onnx::getKnownIntValues(op.getShape());
  for (int64_t i = 0; i < rt.getRank(); ++i) {
    if (!rt.isDynamicDim(i))
      target[i] = rt.getDimSize(i);
    if (known && (int64_t)known->size() == rt.getRank()) {
      int64_t v = (*known)[i];
      if (v > 0)
        target[i] = v;
      else if (v == 0 && op.getAllowzero() == 0 && i < (int64_t)in.size() &&
               i < 64)
        target[i] = -2 - i; // copy input dim i (encoded)
    }
  }
  return target;
}

/// Groups the flattened atoms of `in` into the dims of `target`. A static
/// target takes static atoms whose product is its size (none for 1); a
/// dynamic one takes a run with at least one dynamic atom (longest first, so
/// static factors attach to the left, as [batch * heads] does). The hidden
/// atom is split into heads x head_dim when the last target dim asks for it.
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

/// Layout of a value reached from `source` (layout `src`) through `ops`
/// (Transpose, Reshape, scalar Mul/Div, Identity); multiplies `scale`.
FailureOr<Layout> applyChain(Layout layout, ArrayRef<Operation *> ops,
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

/// A head view (Q_h, K_h^T or V_h) traced back to its rank-3 source.
struct HeadView {
  Value source;      // [A0, A1, hidden]
  int batchAxis = 0; // which source axis is the batch (the other: seq)
  int64_t heads = 0, headDim = 0;
  double scale = 1.0;
};

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

/// Traces `v` (a head view) up to the nearest rank-3 source for which the
/// layout works out.
FailureOr<HeadView> traceHeadView(Value v, bool keyT) {
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

//===----------------------------------------------------------------------===//
// Mask evaluation
//===----------------------------------------------------------------------===//

/// A mask term as a function of m (the 2-D mask input, 0 or 1) and of the
/// causal position (tri = 1 when the key comes after the query).
struct MaskExpr {
  double table[2][2] = {{0, 0}, {0, 0}}; // [m][tri]
  bool usesM = false, usesTri = false;
  bool iota = false; // the value is the position along its Iota axis
  Value m;
  Layout layout; // kinds Batch, Key, Query, Expanded
};

struct MaskFailure {
  Operation *op = nullptr;
  std::string reason;
};

/// Right-aligned broadcast of two layouts; a dim is empty (broadcast) or
/// equal in both.
std::optional<Layout> broadcastLayouts(const Layout &a, const Layout &b) {
  size_t n = std::max(a.size(), b.size());
  Layout out(n);
  for (size_t i = 0; i < n; ++i) {
    const Dim *da = i + a.size() >= n ? &a[i + a.size() - n] : nullptr;
    const Dim *db = i + b.size() >= n ? &b[i + b.size() - n] : nullptr;
    if (da && !da->empty() && db && !db->empty()) {
      if (*da != *db)
        return std::nullopt;
      out[i] = *da;
    } else if (da && !da->empty()) {
      out[i] = *da;
    } else if (db) {
      out[i] = *db;
    }
  }
  return out;
}

/// For a constant [1, ..., 1, S, S] (S > 1) whose entries are `lower` on and
/// below the diagonal and `upper` above it (lower != upper): the two values.
std::optional<std::pair<double, double>> triangularValues(ElementsAttr attr) {
  auto t = cast<ShapedType>(attr.getType());
  if (t.getRank() < 2 || !t.hasStaticShape())
    return std::nullopt;
  int64_t r = t.getDimSize(t.getRank() - 2), c = t.getDimSize(t.getRank() - 1);
  if (r != c || r < 2 || t.getNumElements() != r * c || r * c > (1 << 22))
    return std::nullopt;
  SmallVector<double> vals;
  Type e = t.getElementType();
  if (isa<FloatType>(e)) {
    for (APFloat x : attr.getValues<APFloat>())
      vals.push_back(x.convertToDouble());
  } else if (isa<IntegerType>(e)) {
    for (APInt x : attr.getValues<APInt>())
      vals.push_back(e.isInteger(1) ? (double)x.getZExtValue()
                                    : (double)x.getSExtValue());
  } else {
    return std::nullopt;
  }
  double lower = vals[0], upper = vals[1];
  if (lower == upper)
    return std::nullopt;
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j)
      if (vals[i * c + j] != (j <= i ? lower : upper))
        return std::nullopt;
  return std::make_pair(lower, upper);
}

bool isTrilConstant(ElementsAttr attr) {
  auto t = cast<ShapedType>(attr.getType());
  if (t.getRank() < 2)
    return false;
  int64_t r = t.getDimSize(t.getRank() - 2), c = t.getDimSize(t.getRank() - 1);
  if (r != c || r * c > (1 << 22) || t.getNumElements() != r * c)
    return false;
  auto nonzero = [&](int64_t idx) -> std::optional<bool> {
    Type e = t.getElementType();
    if (isa<FloatType>(e))
      return !(*(attr.value_begin<APFloat>() + idx)).isZero();
    if (isa<IntegerType>(e))
      return !(*(attr.value_begin<APInt>() + idx)).isZero();
    return std::nullopt;
  };
  for (int64_t i = 0; i < r; ++i)
    for (int64_t j = 0; j < c; ++j) {
      auto nz = nonzero(i * c + j);
      if (!nz || *nz != (j <= i))
        return false;
    }
  return true;
}

class MaskEvaluator {
public:
  MaskFailure failure;

  std::optional<MaskExpr> eval(Value v, int depth = 0) {
    if (depth > 24)
      return fail(v.getDefiningOp(), "mask subgraph too deep");
    auto type = dyn_cast<RankedTensorType>(v.getType());
    if (!type)
      return fail(v.getDefiningOp(), "unranked mask value");
    // The 2-D mask input.
    if (isa<BlockArgument>(v)) {
      if (type.getRank() != 2)
        return fail(nullptr, "a mask input that is not [batch, sequence]");
      MaskExpr e;
      e.usesM = true;
      e.m = v;
      for (int t = 0; t < 2; ++t) {
        e.table[0][t] = 0;
        e.table[1][t] = 1;
      }
      e.layout = {Dim{Atom{Kind::Batch, type.getDimSize(0)}},
                  Dim{Atom{Kind::Key, type.getDimSize(1)}}};
      if (type.getDimSize(0) == 1)
        e.layout[0].clear();
      return e;
    }
    Operation *op = v.getDefiningOp();
    if (auto c = getScalarFloat(v))
      return constant(*c);
    if (auto c = getScalarInt(v))
      return constant(static_cast<double>(*c));
    if (auto cos = dyn_cast<onnx::ConstantOfShapeOp>(op)) {
      auto val = cos.getValue();
      double c = isa<FloatType>(val.getElementType())
                     ? (*val.value_begin<APFloat>()).convertToDouble()
                     : (double)(*val.value_begin<APInt>()).getSExtValue();
      return constant(c); // a constant broadcasts like a scalar
    }
    if (auto id = dyn_cast<onnx::IdentityOp>(op))
      return eval(id.getInput(), depth + 1);
    if (ElementsAttr c = getConstant(v)) {
      // A folded causal mask (static sizes): [..., S, S] with one value on
      // and below the diagonal and another above it.
      if (auto tri = triangularValues(c)) {
        MaskExpr e;
        e.usesTri = true;
        for (int m = 0; m < 2; ++m) {
          e.table[m][0] = tri->first;
          e.table[m][1] = tri->second;
        }
        auto ct = cast<ShapedType>(c.getType());
        e.layout.resize(ct.getRank());
        e.layout[ct.getRank() - 2].push_back(Atom{Kind::Query, kDyn});
        e.layout[ct.getRank() - 1].push_back(Atom{Kind::Key, kDyn});
        return e;
      }
      // A folded Range(0, n, 1) (static sizes): positions.
      auto ct = cast<ShapedType>(c.getType());
      if (ct.getRank() == 1 && isa<IntegerType>(ct.getElementType()) &&
          ct.getNumElements() > 1) {
        int64_t i = 0;
        bool arange = true;
        for (APInt x : c.getValues<APInt>())
          arange &= x.getSExtValue() == i++;
        if (arange) {
          MaskExpr e;
          e.iota = true;
          e.layout = {Dim{Atom{Kind::Iota, kDyn}}};
          return e;
        }
      }
    }
    if (auto range = dyn_cast<onnx::RangeOp>(op)) {
      // Range(0, n, 1): positions along a new axis (query or key positions,
      // told apart when two of them are compared).
      auto start = getScalarInt(range.getStart()), delta = getScalarInt(range.getDelta());
      if (!start || !delta || *start != 0 || *delta != 1)
        return fail(op, "Range that does not count from 0 by 1");
      MaskExpr e;
      e.iota = true;
      e.layout = {Dim{Atom{Kind::Iota, kDyn}}};
      return e;
    }
    if (isa<onnx::GreaterOp, onnx::LessOp, onnx::GreaterOrEqualOp,
            onnx::LessOrEqualOp>(op)) {
      auto a = eval(op->getOperand(0), depth + 1);
      if (!a)
        return a;
      auto b = eval(op->getOperand(1), depth + 1);
      if (!b)
        return b;
      if (a->iota && b->iota)
        return comparePositions(op, *a, *b);
      if (a->iota || b->iota)
        return fail(op, "comparison of positions with something else");
      return combine(op, *a, *b, [&](double x, double y) {
        if (isa<onnx::GreaterOp>(op)) return x > y ? 1.0 : 0.0;
        if (isa<onnx::LessOp>(op)) return x < y ? 1.0 : 0.0;
        if (isa<onnx::GreaterOrEqualOp>(op)) return x >= y ? 1.0 : 0.0;
        return x <= y ? 1.0 : 0.0;
      });
    }
    if (auto cast = dyn_cast<onnx::CastOp>(op)) {
      auto e = eval(cast->getOperand(0), depth + 1);
      if (e && e->iota)
        return e; // positions keep their values through integer/float casts
      if (e && cast.getType().getElementType().isInteger(1))
        map(*e, [](double x) { return x != 0 ? 1.0 : 0.0; });
      return e;
    }
    if (auto n = dyn_cast<onnx::NotOp>(op)) {
      auto e = eval(n.getInput(), depth + 1);
      if (e)
        map(*e, [](double x) { return x != 0 ? 0.0 : 1.0; });
      return e;
    }
    if (auto u = dyn_cast<onnx::UnsqueezeOp>(op)) {
      auto e = eval(u.getInput(), depth + 1);
      if (!e)
        return e;
      int64_t rank = cast<RankedTensorType>(u.getType()).getRank();
      SmallVector<int64_t> axes;
      for (int64_t a : u.getAxes())
        axes.push_back(a < 0 ? a + rank : a);
      llvm::sort(axes);
      for (int64_t a : axes) {
        if (a < 0 || a > (int64_t)e->layout.size())
          return fail(op, "bad Unsqueeze axes");
        e->layout.insert(e->layout.begin() + a, Dim{});
      }
      return e;
    }
    if (auto r = dyn_cast<onnx::ReshapeOp>(op)) {
      auto e = eval(r.getInput(), depth + 1);
      if (!e)
        return e;
      auto target = reshapeTarget(r, e->layout);
      auto l = target ? reshapeLayout(e->layout, *target) : FailureOr<Layout>();
      if (!target || failed(l))
        return fail(op, "cannot follow this Reshape of the mask");
      e->layout = *l;
      return e;
    }
    if (auto x = dyn_cast<onnx::ExpandOp>(op)) {
      auto e = eval(x.getInput(), depth + 1);
      if (!e)
        return e;
      auto rt = cast<RankedTensorType>(x.getType());
      auto known = onnx::getKnownIntValues(x.getShape());
      Layout out(rt.getRank());
      if ((int64_t)e->layout.size() > rt.getRank())
        return fail(op, "Expand to a lower rank");
      size_t off = rt.getRank() - e->layout.size();
      for (int64_t i = 0; i < rt.getRank(); ++i) {
        if (i >= (int64_t)off && !e->layout[i - off].empty()) {
          out[i] = e->layout[i - off];
          continue;
        }
        int64_t s = rt.getDimSize(i);
        if (known && (int64_t)known->size() == rt.getRank() && (*known)[i] > 0)
          s = (*known)[i];
        if (s != kDyn && s > 1)
          out[i].push_back(Atom{Kind::Expanded, s});
      }
      e->layout = out;
      return e;
    }
    if (auto t = dyn_cast<onnx::TriluOp>(op)) {
      // Trilu of a constant fill: the causal pattern.
      auto fill = t.getInput().getDefiningOp<onnx::ConstantOfShapeOp>();
      std::optional<int64_t> k = t.getK() ? getScalarInt(t.getK()) : 0;
      if (!fill || !k || cast<RankedTensorType>(t.getType()).getRank() != 2)
        return fail(op, "Trilu of something other than a constant fill");
      auto val = fill.getValue();
      double c = isa<FloatType>(val.getElementType())
                     ? (*val.value_begin<APFloat>()).convertToDouble()
                     : (double)(*val.value_begin<APInt>()).getSExtValue();
      MaskExpr e;
      e.usesTri = true;
      bool upperStrict = t.getUpper() == 1 && *k == 1; // c where key > query
      bool lowerIncl = t.getUpper() == 0 && *k == 0;   // c where key <= query
      if (!upperStrict && !lowerIncl)
        return fail(op, "Trilu diagonal is not the causal one");
      for (int m = 0; m < 2; ++m) {
        e.table[m][1] = upperStrict ? c : 0;
        e.table[m][0] = upperStrict ? 0 : c;
      }
      e.layout = {Dim{Atom{Kind::Query, kDyn}}, Dim{Atom{Kind::Key, kDyn}}};
      return e;
    }
    if (auto s = dyn_cast<onnx::SliceOp>(op)) {
      // Slices of a lower-triangular constant buffer (HF GPT-2 `bias`):
      // rows [k - q, k), columns [0, k).
      Value base = s.getData();
      while (auto inner = base.getDefiningOp<onnx::SliceOp>())
        base = inner.getData();
      ElementsAttr attr = getConstant(base);
      if (!attr || !isTrilConstant(attr))
        return fail(op, "Slice of something other than a causal buffer");
      MaskExpr e;
      e.usesTri = true;
      for (int m = 0; m < 2; ++m) {
        e.table[m][0] = 1;
        e.table[m][1] = 0;
      }
      auto rt = cast<RankedTensorType>(s.getType());
      e.layout.resize(rt.getRank());
      e.layout[rt.getRank() - 2].push_back(Atom{Kind::Query, kDyn});
      e.layout[rt.getRank() - 1].push_back(Atom{Kind::Key, kDyn});
      return e;
    }
    if (isa<onnx::AddOp, onnx::SubOp, onnx::MulOp, onnx::DivOp, onnx::EqualOp>(
            op)) {
      auto a = eval(op->getOperand(0), depth + 1);
      if (!a)
        return a;
      auto b = eval(op->getOperand(1), depth + 1);
      if (!b)
        return b;
      return combine(op, *a, *b, [&](double x, double y) {
        if (isa<onnx::AddOp>(op))
          return x + y;
        if (isa<onnx::SubOp>(op))
          return x - y;
        if (isa<onnx::MulOp>(op)) {
          // 0 * inf: treat the masked-out constant as absorbing zero.
          if (x == 0 || y == 0)
            return 0.0;
          return x * y;
        }
        if (isa<onnx::DivOp>(op))
          return x / y;
        return x == y ? 1.0 : 0.0;
      });
    }
    if (auto w = dyn_cast<onnx::WhereOp>(op)) {
      auto c = eval(w.getCondition(), depth + 1);
      if (!c)
        return c;
      auto x = eval(w.getX(), depth + 1);
      if (!x)
        return x;
      auto y = eval(w.getY(), depth + 1);
      if (!y)
        return y;
      auto xy = combine(op, *x, *y, [](double p, double) { return p; });
      if (!xy)
        return xy;
      auto all = combine(op, *c, *xy, [](double p, double) { return p; });
      if (!all)
        return all;
      for (int m = 0; m < 2; ++m)
        for (int t = 0; t < 2; ++t)
          all->table[m][t] =
              c->table[m][t] != 0 ? x->table[m][t] : y->table[m][t];
      return all;
    }
    return fail(op, "unsupported op in the mask subgraph");
  }

private:
  /// Compares two position vectors: one along the last axis (keys), one
  /// along the one before (queries). key > query is the causal exclusion
  /// (tri); key <= query its complement. Relations that include or exclude
  /// only the diagonal differently are not causal masks.
  std::optional<MaskExpr> comparePositions(Operation *op, const MaskExpr &a,
                                           const MaskExpr &b) {
    size_t n = std::max(a.layout.size(), b.layout.size());
    auto axisOf = [&](const MaskExpr &e) -> int64_t {
      int64_t found = -1;
      for (size_t i = 0; i < e.layout.size(); ++i)
        if (!e.layout[i].empty()) {
          if (found >= 0 || e.layout[i].size() != 1 ||
              e.layout[i][0].kind != Kind::Iota)
            return -2;
          found = int64_t(i + n - e.layout.size());
        }
      return found;
    };
    int64_t pa = axisOf(a), pb = axisOf(b);
    int64_t key = int64_t(n) - 1, query = int64_t(n) - 2;
    bool aKey = pa == key && pb == query, bKey = pb == key && pa == query;
    if (!aKey && !bKey)
      return fail(op, "positions compared along axes other than query/key");
    // Normalize to "key REL query".
    bool gt = isa<onnx::GreaterOp>(op), lt = isa<onnx::LessOp>(op),
         ge = isa<onnx::GreaterOrEqualOp>(op);
    if (bKey) { // query REL key -> key REL' query
      std::swap(gt, lt);
      if (ge)
        ge = false; // q >= k  ==  k <= q
      else if (!gt && !lt)
        ge = true;  // q <= k  ==  k >= q
    }
    MaskExpr e;
    e.usesTri = true;
    e.layout.resize(n);
    e.layout[query].push_back(Atom{Kind::Query, kDyn});
    e.layout[key].push_back(Atom{Kind::Key, kDyn});
    bool leq = !gt && !lt && !ge; // key <= query
    if (!gt && !leq)
      return fail(op, "position comparison that is not the causal diagonal");
    for (int m = 0; m < 2; ++m) {
      e.table[m][1] = gt ? 1.0 : 0.0; // key after query
      e.table[m][0] = gt ? 0.0 : 1.0;
    }
    return e;
  }

  std::optional<MaskExpr> fail(Operation *op, StringRef reason) {
    if (failure.reason.empty()) {
      failure.op = op;
      failure.reason = reason.str();
    }
    return std::nullopt;
  }
  static MaskExpr constant(double c) {
    MaskExpr e;
    for (int m = 0; m < 2; ++m)
      for (int t = 0; t < 2; ++t)
        e.table[m][t] = c;
    return e;
  }
  template <typename F> static void map(MaskExpr &e, F f) {
    for (int m = 0; m < 2; ++m)
      for (int t = 0; t < 2; ++t)
        e.table[m][t] = f(e.table[m][t]);
  }
  template <typename F>
  std::optional<MaskExpr> combine(Operation *op, const MaskExpr &a,
                                  const MaskExpr &b, F f) {
    if (a.iota || b.iota)
      return fail(op, "arithmetic on positions (only comparisons are understood)");
    if (a.usesM && b.usesM && a.m != b.m)
      return fail(op, "two different mask inputs");
    auto l = broadcastLayouts(a.layout, b.layout);
    if (!l)
      return fail(op, "mask broadcast that mixes batch, query and key axes");
    MaskExpr e;
    e.usesM = a.usesM || b.usesM;
    e.usesTri = a.usesTri || b.usesTri;
    e.m = a.usesM ? a.m : b.m;
    e.layout = *l;
    for (int m = 0; m < 2; ++m)
      for (int t = 0; t < 2; ++t)
        e.table[m][t] = f(a.table[m][t], b.table[m][t]);
    return e;
  }
};

/// The mask's layout must broadcast like [batch, heads, query, key] (or
/// [batch * heads, query, key]) -- with no other axis mixed in.
bool maskLayoutFits(const Layout &mask, int scoresRank, int64_t heads) {
  SmallVector<SmallVector<Kind, 2>> want;
  if (scoresRank == 4)
    want = {{Kind::Batch}, {Kind::Heads}, {Kind::Query}, {Kind::Key}};
  else
    want = {{Kind::Batch, Kind::Heads}, {Kind::Query}, {Kind::Key}};
  if ((int)mask.size() > scoresRank)
    return false;
  size_t off = scoresRank - mask.size();
  for (size_t i = 0; i < mask.size(); ++i) {
    const Dim &d = mask[i];
    if (d.empty())
      continue;
    const auto &w = want[i + off];
    // Only Expanded atoms: the values are replicated along this axis, which
    // is a broadcast (e.g. a [batch, 1, query, key] expansion of a key
    // mask), unless the axis is the merged [batch * heads] one.
    bool replicated =
        llvm::all_of(d, [](const Atom &a) { return a.kind == Kind::Expanded; });
    if (replicated && w.size() == 1)
      continue;
    // [batch] alone may stand for [batch, heads] only if heads == 1.
    if (d.size() != w.size() && !(w.size() == 2 && d.size() == 1 &&
                                  d[0].kind == Kind::Batch && heads == 1))
      return false;
    for (size_t k = 0; k < d.size(); ++k) {
      Kind got = d[k].kind, exp = w[k];
      if (exp == Kind::Heads) {
        if (got != Kind::Expanded || d[k].size != heads)
          return false;
      } else if (got != exp) {
        return false;
      }
    }
  }
  return true;
}

//===----------------------------------------------------------------------===//
// The pattern
//===----------------------------------------------------------------------===//

struct Match {
  HeadView q, k, v;
  double scale = 1.0;
  Value mask;
  bool causal = false, maskReplace = false, hasPad = false;
  double maskValue = 0;
  Value output; // the heads-merged value to replace
  bool outSeqFirst = false;
  bool outFlat = false; // [tokens, hidden]
};

struct Failure {
  Operation *op = nullptr;
  std::string reason;
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
      why = {op, "cannot tell the scores from the mask at this node"};
      return failure();
    }
    cur = next;
  }
  why = {input.getDefiningOp(), "no scores MatMul within 8 ops of the Softmax"};
  return failure();
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
    why = {qk, "query is not a head split of a [batch, seq, hidden] tensor"};
    return failure();
  }
  auto k = traceHeadView(qk.getRhs(), /*keyT=*/true);
  if (failed(k)) {
    why = {
        qk,
        "key is not a transposed head split of a [batch, seq, hidden] tensor"};
    return failure();
  }
  m.q = *q;
  m.k = *k;
  m.scale = q->scale * k->scale;
  if (q->heads != k->heads || q->headDim != k->headDim) {
    why = {qk, "query and key head shapes differ"};
    return failure();
  }
  // Scale and mask terms on the path.
  bool seenMask = false;
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
      double f = isa<onnx::MulOp>(op) ? *c : 1.0 / *c;
      m.scale *= f;
      if (seenMask)
        m.maskValue *= f;
      continue;
    }
    MaskEvaluator ev;
    std::optional<MaskExpr> e;
    bool isWhere = false, keepWhenTrue = true;
    double filler = 0;
    if (auto add = dyn_cast<onnx::AddOp>(op)) {
      e = ev.eval(otherOperand(add, pathV));
    } else if (auto w = dyn_cast<onnx::WhereOp>(op)) {
      isWhere = true;
      Value fill = w.getX() == pathV ? w.getY() : w.getX();
      keepWhenTrue = w.getX() == pathV;
      auto f = getScalarFloat(fill);
      if (!f) {
        why = {op, "Where on the scores without a scalar filler"};
        return failure();
      }
      filler = *f;
      e = ev.eval(w.getCondition());
    } else {
      why = {op, "unexpected op between the scores MatMul and the Softmax"};
      return failure();
    }
    if (!e) {
      why = {ev.failure.op ? ev.failure.op : op, "mask: " + ev.failure.reason};
      return failure();
    }
    if (!maskLayoutFits(e->layout, st.getRank(), q->heads)) {
      why = {op, "mask broadcast does not match [batch, heads, query, key]"};
      return failure();
    }
    if (e->usesM) {
      if (m.hasPad && m.mask != e->m) {
        why = {op, "two different padding masks"};
        return failure();
      }
      m.mask = e->m;
    }
    auto excluded = [](double v) { return v <= -1e4; };
    if (!isWhere) {
      if (e->table[1][0] != 0) {
        why = {op, "additive mask is not 0 for attended tokens"};
        return failure();
      }
      if (e->usesM && e->table[0][0] != 0) {
        if (m.hasPad) {
          why = {op, "two padding terms"};
          return failure();
        }
        m.hasPad = true;
        m.maskReplace = false;
        m.maskValue = e->table[0][0];
      }
      if (e->usesTri) {
        if (!excluded(e->table[1][1])) {
          why = {op, "causal term does not exclude future keys"};
          return failure();
        }
        m.causal = true;
      }
    } else {
      auto keeps = [&](int mm, int t) {
        return (e->table[mm][t] != 0) == keepWhenTrue;
      };
      if (!keeps(1, 0)) {
        why = {op, "Where mask drops attended tokens"};
        return failure();
      }
      if (e->usesM && !keeps(0, 0)) {
        if (m.hasPad) {
          why = {op, "two padding terms"};
          return failure();
        }
        m.hasPad = true;
        m.maskReplace = true;
        m.maskValue = filler;
      }
      if (e->usesTri) {
        if (keeps(1, 1) || !excluded(filler)) {
          why = {op, "causal Where does not exclude future keys"};
          return failure();
        }
        m.causal = true;
      }
    }
    seenMask = true;
  }
  if (!m.hasPad)
    m.mask = Value();
  // P V.
  Value p = softmax.getResult();
  auto pUsers = dataUsers(p);
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

struct FuseAttentionPass : bertc::impl::FuseAttentionBase<FuseAttentionPass> {
  void runOnOperation() override {
    SmallVector<onnx::SoftmaxOp> softmaxes;
    getOperation().walk([&](onnx::SoftmaxOp op) { softmaxes.push_back(op); });
    for (onnx::SoftmaxOp sm : softmaxes) {
      Failure why;
      auto match = matchAttention(sm, why);
      if (failed(match)) {
        ++numMissed;
        noteMissedFusion(sm, "attention", why.op, why.reason);
        continue;
      }
      rewrite(*match);
      ++numAttentions;
    }
  }

  void rewrite(Match m) {
    Operation *anchor = m.output.getDefiningOp();
    OpBuilder b(anchor);
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
    Value att = b.create<AttentionOp>(
        loc, outType, q, k, v, m.mask, b.getI64IntegerAttr(m.q.heads),
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
    m.output.replaceAllUsesWith(out);
  }
};
} // namespace
