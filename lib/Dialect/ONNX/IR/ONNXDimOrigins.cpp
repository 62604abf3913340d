//===- ONNXDimOrigins.cpp - Which dynamic dimensions are the same ---------===//
//
// Real exports compute Reshape targets such as Concat(batch, seq, -1, 64)
// from Shape ops of other tensors than the one reshaped. Resolving the -1
// needs to know that `batch` and `seq` are the same run-time sizes as the
// dynamic dimensions of the reshaped tensor. This file gives each dynamic
// dimension a canonical origin by following the ops that pass a dimension
// through unchanged (elementwise ops, MatMul's row/column dims, Transpose,
// Unsqueeze, Reshape entries that came from a Shape, Range(0, n, 1), ...),
// and tells, for each entry of a shape tensor, which dynamic dimension it
// equals. Two dimensions with the same origin are equal at run time for every
// input the graph accepts.
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/Matchers.h"
#include "mlir/Interfaces/FunctionInterfaces.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/StringMap.h"

#include <mutex>

using namespace mlir;
using namespace bertc::onnx;

namespace {
/// What the -1 of a Reshape target stands for, from the element counts: a
/// static size, or one dynamic dimension of the input (view(-1, seq) of a
/// [batch, seq] tensor is [batch, seq]).
struct MinusOne {
  std::optional<int64_t> size;
  std::optional<DimRef> dim;
};
std::optional<MinusOne> resolveMinusOne(Value input, Value shape,
                                        bool allowZero);

std::mutex rowwiseMutex;
llvm::StringMap<unsigned> &rowwiseOps() {
  static llvm::StringMap<unsigned> ops;
  return ops;
}
std::optional<unsigned> rowwiseOperand(Operation *op) {
  std::lock_guard<std::mutex> lock(rowwiseMutex);
  auto it = rowwiseOps().find(op->getName().getStringRef());
  if (it == rowwiseOps().end())
    return std::nullopt;
  return it->second;
}
constexpr int kMaxSteps = 4096;
constexpr int kMaxDepth = 24;

bool isDynamicDim(Value v, int64_t d) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  return t && d >= 0 && d < t.getRank() && t.isDynamicDim(d);
}

/// Ops whose result has the shape of their (broadcast) operands.
bool isElementwise(Operation *op) {
  return isa<AddOp, SubOp, MulOp, DivOp, PowOp, MaxOp, MinOp, EqualOp, LessOp,
             GreaterOp, LessOrEqualOp, GreaterOrEqualOp, XorOp, AndOp, OrOp,
             WhereOp, SqrtOp, ErfOp, TanhOp, SigmoidOp, ExpOp, LogOp,
             ReciprocalOp, ReluOp, NegOp, AbsOp, NotOp, IdentityOp, CastOp,
             SoftmaxOp, CumSumOp, TriluOp, ModOp, SignOp, CeilOp, FloorOp,
             RoundOp, CosOp, SinOp, IsNaNOp, GeluOp, ClipOp>(op) ||
         (isa<LayerNormalizationOp>(op));
}
} // namespace

/// Graph inputs whose dims carry the same name (ONNX dim_param, kept by the
/// importer as `bertc.dim_names`) are the same size: the first such dim is
/// the origin of all of them.
static DimRef canonicalArgDim(BlockArgument arg, int64_t dim) {
  auto func = dyn_cast_or_null<FunctionOpInterface>(arg.getOwner()->getParentOp());
  if (!func || arg.getOwner() != &func.getFunctionBody().front())
    return {arg, dim};
  auto nameOf = [&](unsigned argNo, int64_t d) -> StringRef {
    auto names = func.getArgAttrOfType<ArrayAttr>(argNo, "bertc.dim_names");
    if (!names || d >= (int64_t)names.size())
      return {};
    auto s = dyn_cast<StringAttr>(names[d]);
    return s ? s.getValue() : StringRef();
  };
  StringRef name = nameOf(arg.getArgNumber(), dim);
  if (name.empty())
    return {arg, dim};
  for (unsigned i = 0; i <= arg.getArgNumber(); ++i) {
    Value a = func.getArgument(i);
    auto t = dyn_cast<RankedTensorType>(a.getType());
    if (!t)
      continue;
    for (int64_t d = 0; d < t.getRank(); ++d)
      if (t.isDynamicDim(d) && nameOf(i, d) == name)
        return {a, d};
  }
  return {arg, dim};
}

using OriginMemo = llvm::DenseMap<std::pair<Value, int64_t>, DimRef>;
static DimRef originImpl(Value v, int64_t dim, OriginMemo &memo, int depth);

/// Memoized per query: residual connections make two operands of an Add lead
/// back to the same values, which would otherwise be walked exponentially often.
static DimRef origin(Value v, int64_t dim, OriginMemo &memo, int depth) {
  auto key = std::make_pair(v, dim);
  if (auto it = memo.find(key); it != memo.end())
    return it->second;
  DimRef r = depth > 256 ? DimRef{v, dim} : originImpl(v, dim, memo, depth + 1);
  memo[key] = r;
  return r;
}

/// One query (and the queries it makes: Shape entries of Reshape targets
/// ask for origins of other tensors) shares one memo, so that chains of
/// Reshape -> op -> Reshape are walked once, not once per path. The IR must
/// not change during a query.
using RefMemo = llvm::DenseMap<Value, SmallVector<std::optional<DimRef>>>;
thread_local OriginMemo *activeMemo = nullptr;
thread_local RefMemo *activeRefMemo = nullptr;

namespace {
struct QuerySession {
  OriginMemo memo;
  RefMemo refs;
  bool owner;
  QuerySession() : owner(!activeMemo) {
    if (owner) {
      activeMemo = &memo;
      activeRefMemo = &refs;
    }
  }
  ~QuerySession() {
    if (owner) {
      activeMemo = nullptr;
      activeRefMemo = nullptr;
    }
  }
};
} // namespace

DimRef bertc::onnx::getDimOrigin(Value v, int64_t dim) {
  QuerySession session;
  return origin(v, dim, *activeMemo, 0);
}

static DimRef originImpl(Value v, int64_t dim, OriginMemo &memo, int depth) {
  for (int step = 0; step < kMaxSteps; ++step) {
    DimRef self{v, dim};
    if (!isDynamicDim(v, dim))
      return self;
    if (auto arg = dyn_cast<BlockArgument>(v))
      return canonicalArgDim(arg, dim);
    Operation *op = v.getDefiningOp();
    if (!op)
      return self;
    int64_t rank = cast<RankedTensorType>(v.getType()).getRank();
    if (auto idx = rowwiseOperand(op)) {
      Value o = *idx < op->getNumOperands() ? op->getOperand(*idx) : Value();
      auto ot = o ? dyn_cast<RankedTensorType>(o.getType()) : nullptr;
      if (!ot || ot.getRank() != rank || dim == rank - 1 ||
          !ot.isDynamicDim(dim))
        return self;
      v = o;
      continue;
    }
    if (!isa<ONNXDialect>(op->getDialect()))
      return self;
    // Moves to operand `o`'s dim `d` if that one is dynamic too.
    auto into = [&](Value o, int64_t d) {
      if (!isDynamicDim(o, d))
        return false;
      v = o;
      dim = d;
      return true;
    };
    // Broadcast: the operands whose aligned dim is dynamic must all agree.
    auto broadcast = [&](ValueRange operands, int64_t d) {
      SmallVector<DimRef> origins;
      for (Value o : operands) {
        auto t = cast<RankedTensorType>(o.getType());
        int64_t od = d - (rank - t.getRank());
        if (od >= 0 && t.isDynamicDim(od))
          origins.push_back(origin(o, od, memo, depth));
      }
      if (origins.empty())
        return self;
      for (const DimRef &o : origins)
        if (!(o == origins[0]))
          return self;
      return origins[0];
    };
    if (isa<LayerNormalizationOp, SoftmaxOp, CumSumOp, TriluOp>(op)) {
      if (!into(op->getOperand(0), dim))
        return self;
      continue;
    }
    if (isElementwise(op)) {
      Value only;
      int dynamicOperands = 0;
      int64_t onlyDim = 0;
      for (Value o : op->getOperands()) {
        auto t = cast<RankedTensorType>(o.getType());
        int64_t od = dim - (rank - t.getRank());
        if (od >= 0 && t.isDynamicDim(od)) {
          ++dynamicOperands;
          only = o;
          onlyDim = od;
        }
      }
      if (dynamicOperands == 1 && into(only, onlyDim))
        continue;
      return broadcast(op->getOperands(), dim);
    }
    if (auto mm = dyn_cast<MatMulOp>(op)) {
      auto lt = cast<RankedTensorType>(mm.getLhs().getType());
      auto rt = cast<RankedTensorType>(mm.getRhs().getType());
      if (lt.getRank() < 2 || rt.getRank() < 2)
        return self;
      if (dim == rank - 1) {
        if (!into(mm.getRhs(), rt.getRank() - 1))
          return self;
        continue;
      }
      if (dim == rank - 2) {
        if (!into(mm.getLhs(), lt.getRank() - 2))
          return self;
        continue;
      }
      // Batch dims: broadcast of the operands' leading dims.
      SmallVector<DimRef> origins;
      for (auto [o, t] : {std::pair(mm.getLhs(), lt), std::pair(mm.getRhs(), rt)}) {
        int64_t od = dim - (rank - t.getRank());
        if (od >= 0 && od < t.getRank() - 2 && t.isDynamicDim(od))
          origins.push_back(origin(o, od, memo, depth));
      }
      if (origins.empty() ||
          (origins.size() == 2 && !(origins[0] == origins[1])))
        return self;
      return origins[0];
    }
    if (auto t = dyn_cast<TransposeOp>(op)) {
      if (!into(t.getInput(), t.getPerm()[dim]))
        return self;
      continue;
    }
    if (auto u = dyn_cast<UnsqueezeOp>(op)) {
      SmallVector<int64_t> axes;
      for (int64_t a : u.getAxes())
        axes.push_back(a < 0 ? a + rank : a);
      if (llvm::is_contained(axes, dim))
        return self;
      int64_t below = llvm::count_if(axes, [&](int64_t a) { return a < dim; });
      if (!into(u.getInput(), dim - below))
        return self;
      continue;
    }
    if (auto s = dyn_cast<SqueezeOp>(op)) {
      auto in = cast<RankedTensorType>(s.getInput().getType());
      SmallVector<int64_t> axes;
      for (int64_t a : s.getAxes())
        axes.push_back(a < 0 ? a + in.getRank() : a);
      int64_t d = -1, kept = -1;
      for (int64_t i = 0; i < in.getRank() && d < 0; ++i)
        if (!llvm::is_contained(axes, i) && ++kept == dim)
          d = i;
      if (d < 0 || !into(s.getInput(), d))
        return self;
      continue;
    }
    if (auto r = dyn_cast<ReshapeOp>(op)) {
      auto refs = getShapeDimRefs(r.getShape());
      auto known = getKnownIntValues(r.getShape());
      if (known && dim < (int64_t)known->size() && (*known)[dim] == 0 &&
          r.getAllowzero() == 0) {
        if (!into(r.getInput(), dim))
          return self;
        continue;
      }
      if (dim < (int64_t)refs.size() && refs[dim])
        return *refs[dim];
      if (known && dim < (int64_t)known->size() && (*known)[dim] == -1)
        if (auto mo = resolveMinusOne(r.getInput(), r.getShape(),
                                      r.getAllowzero()))
          if (mo->dim)
            return *mo->dim;
      return self;
    }
    if (auto x = dyn_cast<ExpandOp>(op)) {
      auto refs = getShapeDimRefs(x.getShape());
      auto known = getKnownIntValues(x.getShape());
      auto in = cast<RankedTensorType>(x.getInput().getType());
      int64_t sd = dim - (rank - (int64_t)refs.size());
      int64_t id = dim - (rank - in.getRank());
      std::optional<DimRef> fromShape;
      if (sd >= 0 && sd < (int64_t)refs.size() && refs[sd])
        fromShape = refs[sd];
      bool shapeIsOne = known && sd >= 0 && sd < (int64_t)known->size() &&
                        (*known)[sd] == 1;
      bool inDyn = id >= 0 && in.isDynamicDim(id);
      if (inDyn && (shapeIsOne || sd < 0)) {
        if (!into(x.getInput(), id))
          return self;
        continue;
      }
      if (fromShape && (!inDyn || origin(x.getInput(), id, memo, depth) == *fromShape))
        return *fromShape;
      if (fromShape && id >= 0 && !in.isDynamicDim(id) && in.getDimSize(id) == 1)
        return *fromShape;
      return self;
    }
    if (auto sp = dyn_cast<SplitOp>(op)) {
      if (dim == sp.getAxis() || !into(sp.getInput(), dim))
        return self;
      continue;
    }
    if (auto c = dyn_cast<ConcatOp>(op)) {
      if (dim == c.getAxis())
        return self;
      return broadcast(c.getInputs(), dim);
    }
    if (auto s = dyn_cast<SliceOp>(op)) {
      auto axes = getConstantIntValues(s.getAxes());
      if (!axes)
        return self;
      for (auto [i, a] : llvm::enumerate(*axes))
        if ((a < 0 ? a + rank : a) == dim) {
          // x[0:n] along a static axis (position ids, a causal buffer cut
          // to the sequence): n, for every n the consumers accept (they
          // broadcast it against n-sized dims).
          auto st = getKnownIntValues(s.getStarts());
          auto sp = getKnownIntValues(s.getSteps());
          auto en = getShapeDimRefs(s.getEnds());
          if (st && sp && i < st->size() && i < sp->size() && i < en.size() &&
              (*st)[i] == 0 && (*sp)[i] == 1 && en[i])
            return *en[i];
          return self;
        }
      if (!into(s.getData(), dim))
        return self;
      continue;
    }
    if (auto g = dyn_cast<GatherOp>(op)) {
      int64_t a = g.getAxis();
      int64_t ir = cast<RankedTensorType>(g.getIndices().getType()).getRank();
      bool ok = dim < a                ? into(g.getData(), dim)
                : dim < a + ir         ? into(g.getIndices(), dim - a)
                                       : into(g.getData(), dim - ir + 1);
      if (!ok)
        return self;
      continue;
    }
    if (auto r = dyn_cast<RangeOp>(op)) {
      auto start = getConstantIntValues(r.getStart());
      auto delta = getConstantIntValues(r.getDelta());
      auto refs = getShapeDimRefs(r.getLimit());
      if (start && delta && start->size() == 1 && delta->size() == 1 &&
          (*start)[0] == 0 && (*delta)[0] == 1 && refs.size() == 1 && refs[0])
        return *refs[0];
      return self;
    }
    if (auto c = dyn_cast<ConstantOfShapeOp>(op)) {
      auto refs = getShapeDimRefs(c.getShape());
      if (dim < (int64_t)refs.size() && refs[dim])
        return *refs[dim];
      return self;
    }
    if (auto f = dyn_cast<FlattenOp>(op)) {
      (void)f;
      return self;
    }
    if (auto gnd = dyn_cast<GatherNDOp>(op)) {
      // [indices[:-1], data[batch_dims + q:]] (batch dims lead both).
      auto it = cast<RankedTensorType>(gnd.getIndices().getType());
      if (it.getRank() < 1 || it.isDynamicDim(it.getRank() - 1) ||
          gnd.getBatchDims() != 0)
        return self;
      int64_t q = it.getDimSize(it.getRank() - 1), lead = it.getRank() - 1;
      bool ok = dim < lead ? into(gnd.getIndices(), dim)
                           : into(gnd.getData(), dim - lead + q);
      if (!ok)
        return self;
      continue;
    }
    if (auto ge = dyn_cast<GatherElementsOp>(op)) {
      if (!into(ge.getIndices(), dim))
        return self;
      continue;
    }
    if (isa<ReduceMeanOp, ReduceSumOp, ReduceMaxOp, ReduceMinOp, ReduceProdOp,
            ReduceL2Op, ArgMaxOp>(op)) {
      auto in = cast<RankedTensorType>(op->getOperand(0).getType());
      if (in.getRank() != rank) // keepdims = 0
        return self;
      if (!into(op->getOperand(0), dim))
        return self;
      continue;
    }
    return self;
  }
  return DimRef{v, dim};
}

void bertc::onnx::registerRowwiseOp(StringRef opName, unsigned operandIndex) {
  std::lock_guard<std::mutex> lock(rowwiseMutex);
  rowwiseOps()[opName] = operandIndex;
}

static SmallVector<std::optional<DimRef>> dimRefs(Value v, int depth);

static std::optional<int64_t> smallCount(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() > 1 || !t.hasStaticShape() || t.getNumElements() > 64 ||
      !t.getElementType().isIntOrIndex())
    return std::nullopt;
  return t.getNumElements();
}

static SmallVector<std::optional<DimRef>> dimRefsImpl(Operation *op, Value v,
                                                      int depth) {
  int64_t n = *smallCount(v);
  SmallVector<std::optional<DimRef>> none(n);
  if (auto s = dyn_cast<ShapeOp>(op)) {
    SmallVector<std::optional<DimRef>> out;
    for (int64_t i = s.getStart(); i < s.getEnd(); ++i)
      out.push_back(isDynamicDim(s.getInput(), i)
                        ? std::optional(getDimOrigin(s.getInput(), i))
                        : std::nullopt);
    return out;
  }
  if (auto g = dyn_cast<GatherOp>(op)) {
    auto idx = getConstantIntValues(g.getIndices());
    if (!idx || g.getAxis() != 0)
      return none;
    auto data = dimRefs(g.getData(), depth + 1);
    SmallVector<std::optional<DimRef>> out;
    for (int64_t i : *idx) {
      if (i < 0)
        i += data.size();
      if (i < 0 || i >= (int64_t)data.size())
        return none;
      out.push_back(data[i]);
    }
    return out;
  }
  if (isa<UnsqueezeOp, SqueezeOp, IdentityOp, ReshapeOp, CastOp>(op)) {
    auto in = dimRefs(op->getOperand(0), depth + 1);
    return (int64_t)in.size() == n ? in : none;
  }
  if (auto c = dyn_cast<ConcatOp>(op)) {
    SmallVector<std::optional<DimRef>> out;
    for (Value in : c.getInputs()) {
      auto piece = dimRefs(in, depth + 1);
      if (piece.empty() && smallCount(in).value_or(0) != 0)
        return none;
      llvm::append_range(out, piece);
    }
    return (int64_t)out.size() == n ? out : none;
  }
  if (auto s = dyn_cast<SliceOp>(op)) {
    auto data = dimRefs(s.getData(), depth + 1);
    auto st = getConstantIntValues(s.getStarts());
    auto en = getConstantIntValues(s.getEnds());
    auto sp = getConstantIntValues(s.getSteps());
    if (data.empty() || !st || !en || !sp || st->size() != 1 ||
        en->size() != 1 || sp->size() != 1 || (*sp)[0] <= 0)
      return none;
    int64_t size = data.size(), b = (*st)[0], e = (*en)[0];
    if (b < 0)
      b += size;
    if (e < 0)
      e += size;
    b = std::clamp<int64_t>(b, 0, size);
    e = std::clamp<int64_t>(e, 0, size);
    SmallVector<std::optional<DimRef>> out;
    for (int64_t i = b; i < e; i += (*sp)[0])
      out.push_back(data[i]);
    return (int64_t)out.size() == n ? out : none;
  }
  if (auto w = dyn_cast<WhereOp>(op)) {
    // Where(c, x, y) with c known false (or true) everywhere picks y (or x):
    // the exporters' `Where(shape == -1, 1, shape)` guards.
    auto c = getKnownIntValues(w.getCondition());
    if (!c || (int64_t)c->size() != n)
      return none;
    auto x = dimRefs(w.getX(), depth + 1), y = dimRefs(w.getY(), depth + 1);
    SmallVector<std::optional<DimRef>> out(n);
    // Equal(e, k) with k < 0 is false where e is a size (has an origin).
    std::optional<SmallVector<int64_t>> negConst;
    SmallVector<std::optional<DimRef>> sizes;
    if (auto eq = w.getCondition().getDefiningOp<EqualOp>()) {
      for (auto [a, b] : {std::pair(eq.getLhs(), eq.getRhs()),
                          std::pair(eq.getRhs(), eq.getLhs())})
        if (auto k = getConstantIntValues(b)) {
          negConst = k;
          sizes = dimRefs(a, depth + 1);
          break;
        }
    }
    for (int64_t i = 0; i < n; ++i) {
      int64_t ci = (*c)[i];
      if (ci == kUnknownValue && negConst && (int64_t)sizes.size() == n &&
          sizes[i] && (*negConst)[negConst->size() == 1 ? 0 : i] < 0)
        ci = 0;
      if (ci == kUnknownValue)
        continue;
      auto &src = ci ? x : y;
      if ((int64_t)src.size() == n)
        out[i] = src[i];
      else if (src.size() == 1)
        out[i] = src[0];
    }
    return out;
  }
  return none;
}

static SmallVector<std::optional<DimRef>> dimRefsUncached(Value v, int depth);

static SmallVector<std::optional<DimRef>> dimRefs(Value v, int depth) {
  QuerySession session;
  if (auto it = activeRefMemo->find(v); it != activeRefMemo->end())
    return it->second;
  auto r = dimRefsUncached(v, depth);
  (*activeRefMemo)[v] = r;
  return r;
}

static SmallVector<std::optional<DimRef>> dimRefsUncached(Value v, int depth) {
  auto n = smallCount(v);
  if (!n)
    return {};
  Operation *op = v.getDefiningOp();
  if (!op || depth > kMaxDepth || !isa<ONNXDialect>(op->getDialect()) ||
      matchPattern(v, m_Constant()))
    return SmallVector<std::optional<DimRef>>(*n);
  return dimRefsImpl(op, v, depth);
}

SmallVector<std::optional<DimRef>> bertc::onnx::getShapeDimRefs(Value v) {
  if (!v)
    return {};
  return dimRefs(v, 0);
}

namespace {
std::optional<MinusOne> resolveMinusOne(Value input, Value shape,
                                        bool allowZero) {
  QuerySession session;
  auto in = dyn_cast<RankedTensorType>(input.getType());
  auto known = getKnownIntValues(shape);
  if (!in || !known)
    return std::nullopt;
  auto refs = getShapeDimRefs(shape);
  if (refs.size() != known->size())
    return std::nullopt;
  // The input's element count: a static product times dynamic dims.
  int64_t inStatic = 1;
  SmallVector<DimRef> inSyms;
  for (int64_t i = 0; i < in.getRank(); ++i) {
    if (in.isDynamicDim(i))
      inSyms.push_back(getDimOrigin(input, i));
    else
      inStatic *= in.getDimSize(i);
  }
  int64_t outStatic = 1, inferAt = -1;
  for (auto [i, v] : llvm::enumerate(*known)) {
    if (v == -1) {
      if (inferAt >= 0)
        return std::nullopt;
      inferAt = i;
      continue;
    }
    if (v == 0 && !allowZero) {
      if ((int64_t)i >= in.getRank())
        return std::nullopt;
      if (!in.isDynamicDim(i)) {
        outStatic *= in.getDimSize(i);
        continue;
      }
      refs[i] = getDimOrigin(input, i);
    } else if (v != kUnknownValue) {
      if (v < 0)
        return std::nullopt;
      outStatic *= v;
      continue;
    }
    if (!refs[i])
      return std::nullopt;
    auto it = llvm::find(inSyms, *refs[i]);
    if (it == inSyms.end())
      return std::nullopt;
    inSyms.erase(it);
  }
  if (inferAt < 0 || outStatic <= 0 || inStatic % outStatic != 0)
    return std::nullopt;
  if (inSyms.empty())
    return MinusOne{inStatic / outStatic, std::nullopt};
  if (inSyms.size() == 1 && inStatic == outStatic)
    return MinusOne{std::nullopt, inSyms[0]};
  return std::nullopt;
}
} // namespace

std::optional<int64_t>
bertc::onnx::inferReshapeMinusOne(Value input, Value shape, bool allowZero) {
  auto r = resolveMinusOne(input, shape, allowZero);
  return r ? r->size : std::nullopt;
}
