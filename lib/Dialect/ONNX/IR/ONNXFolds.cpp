//===- ONNXFolds.cpp - Constant folding of onnx ops -----------------------===//
//
// Two kinds of folding: (1) small shape tensors whose values are fully known
// at compile time (see ONNXShapeValues.cpp) become constants, which is what
// turns exporters' Shape/Gather/Concat subgraphs into plain reshapes; (2)
// elementwise and data-movement ops on small dense constants are evaluated.
// Weights (dense_resource blobs) and large tensors are never folded here.
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"

#include <cmath>
#include <limits>
#include <optional>

using namespace mlir;
using namespace bertc::onnx;

/// Integer arithmetic of folds wraps around as the generated code does
/// (two's complement), instead of the undefined behaviour of signed
/// overflow: shape values come from the model file.
static int64_t wrapAdd(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) + static_cast<uint64_t>(y));
}
static int64_t wrapSub(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) - static_cast<uint64_t>(y));
}
static int64_t wrapMul(int64_t x, int64_t y) {
  return static_cast<int64_t>(static_cast<uint64_t>(x) * static_cast<uint64_t>(y));
}
/// x / y, or nothing where it is undefined (by 0, INT64_MIN / -1).
static std::optional<int64_t> checkedDiv(int64_t x, int64_t y) {
  if (y == 0 || (x == std::numeric_limits<int64_t>::min() && y == -1))
    return std::nullopt;
  return x / y;
}
/// A double as int64 (truncated), or nothing when out of range or NaN
/// (such a conversion is undefined behaviour).
static std::optional<int64_t> toInt64(double v) {
  if (!(v >= -9223372036854775808.0 && v < 9223372036854775808.0))
    return std::nullopt;
  return static_cast<int64_t>(v);
}

/// Larger constants are left to run time: folding them would bloat the IR.
static constexpr int64_t kMaxFoldElements = 1 << 16;

static DenseElementsAttr smallDense(Attribute a) {
  auto d = dyn_cast_or_null<DenseElementsAttr>(a);
  if (!d || !staticSizeOf(d.getType()) ||
      d.getNumElements() > kMaxFoldElements)
    return nullptr;
  return d;
}

static bool isSmallStatic(Type t) {
  auto r = dyn_cast<RankedTensorType>(t);
  return r && r.hasStaticShape() && staticSizeOf(r) &&
         r.getNumElements() <= kMaxFoldElements;
}

/// Builds an integer or float DenseElementsAttr of `type` from doubles or
/// int64s (whichever matches the element type).
static Attribute makeDense(RankedTensorType type, ArrayRef<double> f,
                           ArrayRef<int64_t> i) {
  Type elt = type.getElementType();
  if (auto ft = dyn_cast<FloatType>(elt)) {
    SmallVector<APFloat> vals;
    for (double d : f) {
      APFloat v(d);
      bool lost;
      v.convert(ft.getFloatSemantics(), APFloat::rmNearestTiesToEven, &lost);
      vals.push_back(v);
    }
    return DenseElementsAttr::get(type, vals);
  }
  if (auto it = dyn_cast<IntegerType>(elt)) {
    SmallVector<APInt> vals;
    for (int64_t v : i)
      vals.push_back(APInt(64, (uint64_t)v, /*isSigned=*/true)
                         .sextOrTrunc(it.getWidth()));
    return DenseElementsAttr::get(type, vals);
  }
  return nullptr;
}

static void readDense(DenseElementsAttr a, SmallVectorImpl<double> &f,
                      SmallVectorImpl<int64_t> &i) {
  Type elt = a.getElementType();
  if (isa<FloatType>(elt)) {
    for (APFloat v : a.getValues<APFloat>())
      f.push_back(v.convertToDouble());
  } else if (elt.isInteger(1)) {
    for (APInt v : a.getValues<APInt>())
      i.push_back((int64_t)v.getZExtValue());
  } else {
    for (APInt v : a.getValues<APInt>())
      i.push_back(v.getSExtValue());
  }
}

/// Linear index into an operand of shape `in` for each element of `out`
/// under numpy broadcasting.
static SmallVector<int64_t> broadcastIndex(ArrayRef<int64_t> in,
                                           ArrayRef<int64_t> out) {
  int64_t n = 1;
  for (int64_t d : out)
    n *= d;
  SmallVector<int64_t> idx(n);
  size_t lead = out.size() - in.size();
  for (int64_t lin = 0; lin < n; ++lin) {
    int64_t rem = lin, src = 0, stride = 1;
    for (int64_t d = out.size() - 1; d >= 0; --d) {
      int64_t coord = rem % out[d];
      rem /= out[d];
      if ((size_t)d >= lead) {
        int64_t size = in[d - lead];
        src += (size == 1 ? 0 : coord) * stride;
        stride *= size;
      }
    }
    idx[lin] = src;
  }
  return idx;
}

/// Folds a broadcasting binary op on two small constants.
template <typename FloatFn, typename IntFn>
static OpFoldResult foldBinary(Operation *op, Attribute lhs, Attribute rhs,
                               FloatFn ffn, IntFn ifn) {
  auto a = smallDense(lhs), b = smallDense(rhs);
  auto resultType = cast<RankedTensorType>(op->getResult(0).getType());
  if (!a || !b || !isSmallStatic(resultType))
    return {};
  SmallVector<double> af, bf;
  SmallVector<int64_t> ai, bi;
  readDense(a, af, ai);
  readDense(b, bf, bi);
  auto ia = broadcastIndex(a.getType().getShape(), resultType.getShape());
  auto ib = broadcastIndex(b.getType().getShape(), resultType.getShape());
  SmallVector<double> rf;
  SmallVector<int64_t> ri;
  bool isFloat = !af.empty() || (ai.empty() && isa<FloatType>(a.getElementType()));
  bool resultFloat = isa<FloatType>(resultType.getElementType());
  for (size_t k = 0; k < ia.size(); ++k) {
    if (isFloat) {
      double v = ffn(af[ia[k]], bf.empty() ? (double)bi[ib[k]] : bf[ib[k]]);
      if (resultFloat) {
        rf.push_back(v);
      } else {
        auto iv = toInt64(v);
        if (!iv)
          return {};
        ri.push_back(*iv);
      }
    } else {
      std::optional<int64_t> y =
          bi.empty() ? toInt64(bf[ib[k]]) : std::optional<int64_t>(bi[ib[k]]);
      if (!y)
        return {};
      std::optional<int64_t> v = ifn(ai[ia[k]], *y);
      if (!v)
        return {};
      ri.push_back(*v);
    }
  }
  return makeDense(resultType, rf, ri);
}

/// Folds a small integer tensor whose values are all known at compile time.
static OpFoldResult foldKnownInts(Value result) {
  auto type = dyn_cast<RankedTensorType>(result.getType());
  if (!type || type.getRank() > 1 || !type.hasStaticShape() ||
      !type.getElementType().isIntOrIndex())
    return {};
  auto vals = getKnownIntValues(result);
  if (!vals || llvm::is_contained(*vals, kUnknownValue) ||
      (int64_t)vals->size() != type.getNumElements())
    return {};
  return makeDense(type, {}, *vals);
}

#define FOLD_BINARY(OP, FEXPR, IEXPR)                                          \
  OpFoldResult OP::fold(FoldAdaptor adaptor) {                                 \
    if (auto r = foldKnownInts(getResult()))                                   \
      return r;                                                                \
    return foldBinary(                                                         \
        *this, adaptor.getLhs(), adaptor.getRhs(),                             \
        [](double x, double y) -> double { return FEXPR; },                    \
        [](int64_t x, int64_t y) -> std::optional<int64_t> { return IEXPR; }); \
  }

FOLD_BINARY(AddOp, x + y, wrapAdd(x, y))
FOLD_BINARY(SubOp, x - y, wrapSub(x, y))
FOLD_BINARY(MulOp, x *y, wrapMul(x, y))
FOLD_BINARY(DivOp, x / y, checkedDiv(x, y))
FOLD_BINARY(PowOp, std::pow(x, y),
            y < 0 ? std::optional<int64_t>()
                  : toInt64(std::pow((double)x, (double)y)))
FOLD_BINARY(MaxOp, std::max(x, y), std::max(x, y))
FOLD_BINARY(MinOp, std::min(x, y), std::min(x, y))
FOLD_BINARY(EqualOp, (double)(x == y), (int64_t)(x == y))
FOLD_BINARY(LessOp, (double)(x < y), (int64_t)(x < y))
FOLD_BINARY(GreaterOp, (double)(x > y), (int64_t)(x > y))
FOLD_BINARY(LessOrEqualOp, (double)(x <= y), (int64_t)(x <= y))
FOLD_BINARY(GreaterOrEqualOp, (double)(x >= y), (int64_t)(x >= y))
FOLD_BINARY(XorOp, (double)((x != 0) != (y != 0)), (int64_t)((x != 0) != (y != 0)))
FOLD_BINARY(AndOp, (double)(x && y), (int64_t)(x && y))
FOLD_BINARY(OrOp, (double)(x || y), (int64_t)(x || y))
#undef FOLD_BINARY

OpFoldResult WhereOp::fold(FoldAdaptor adaptor) {
  if (auto r = foldKnownInts(getResult()))
    return r;
  // A splat condition selects one side when that side already has the
  // result's type.
  if (auto c = dyn_cast_or_null<DenseElementsAttr>(adaptor.getCondition());
      c && c.isSplat()) {
    Value side = c.getSplatValue<bool>() ? getX() : getY();
    if (side.getType() == getType())
      return side;
  }
  auto c = smallDense(adaptor.getCondition());
  auto x = smallDense(adaptor.getX()), y = smallDense(adaptor.getY());
  auto type = getType();
  if (!c || !x || !y || !isSmallStatic(type))
    return {};
  SmallVector<double> cf, xf, yf;
  SmallVector<int64_t> ci, xi, yi;
  readDense(c, cf, ci);
  readDense(x, xf, xi);
  readDense(y, yf, yi);
  auto ic = broadcastIndex(c.getType().getShape(), type.getShape());
  auto ix = broadcastIndex(x.getType().getShape(), type.getShape());
  auto iy = broadcastIndex(y.getType().getShape(), type.getShape());
  SmallVector<double> rf;
  SmallVector<int64_t> ri;
  for (size_t k = 0; k < ic.size(); ++k) {
    bool take = ci[ic[k]] != 0;
    if (!xf.empty())
      rf.push_back(take ? xf[ix[k]] : yf[iy[k]]);
    else
      ri.push_back(take ? xi[ix[k]] : yi[iy[k]]);
  }
  return makeDense(type, rf, ri);
}

OpFoldResult NegOp::fold(FoldAdaptor adaptor) {
  auto a = smallDense(adaptor.getInput());
  if (!a)
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  for (double &v : f)
    v = -v;
  for (int64_t &v : i)
    v = -v;
  return makeDense(cast<RankedTensorType>(a.getType()), f, i);
}

/// Float unary ops on small constants (scales computed from shapes, e.g.
/// torch 2.x SDPA exports: 1 / sqrt(Cast(Shape(q)[-1]))).
template <typename Fn>
static OpFoldResult foldFloatUnary(Attribute input, Fn fn) {
  auto a = smallDense(input);
  if (!a || !isa<FloatType>(a.getElementType()))
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  for (double &v : f)
    v = fn(v);
  return makeDense(cast<RankedTensorType>(a.getType()), f, i);
}

OpFoldResult SqrtOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(), [](double x) { return std::sqrt(x); });
}

OpFoldResult ReciprocalOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(), [](double x) { return 1.0 / x; });
}

OpFoldResult NotOp::fold(FoldAdaptor adaptor) {
  auto a = smallDense(adaptor.getInput());
  if (!a)
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  for (int64_t &v : i)
    v = !v;
  return makeDense(cast<RankedTensorType>(a.getType()), f, i);
}

OpFoldResult IdentityOp::fold(FoldAdaptor) { return getInput(); }

OpFoldResult CastOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType())
    return getInput();
  if (auto r = foldKnownInts(getResult()))
    return r;
  auto a = smallDense(adaptor.getInput());
  if (!a || !isSmallStatic(getType()))
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  Type to = getTo();
  SmallVector<double> rf;
  SmallVector<int64_t> ri;
  if (isa<FloatType>(to)) {
    if (!f.empty())
      rf = f;
    else
      for (int64_t v : i)
        rf.push_back((double)v);
  } else if (to.isInteger(1)) {
    if (!f.empty())
      for (double v : f)
        ri.push_back(v != 0.0);
    else
      for (int64_t v : i)
        ri.push_back(v != 0);
  } else {
    if (!f.empty()) {
      for (double v : f) {
        auto iv = toInt64(std::trunc(v));
        if (!iv)
          return {}; // out of range: left to run time
        ri.push_back(*iv);
      }
    } else {
      ri = i;
    }
  }
  return makeDense(getType(), rf, ri);
}

OpFoldResult ConstantOp::fold(FoldAdaptor) { return getValue(); }

OpFoldResult ConstantOfShapeOp::fold(FoldAdaptor) {
  auto type = getType();
  auto value = dyn_cast<DenseElementsAttr>(getValue());
  if (!type.hasStaticShape() || !value || value.getNumElements() != 1)
    return {};
  return DenseElementsAttr::get(type, value.getValues<Attribute>()[0]);
}

OpFoldResult ShapeOp::fold(FoldAdaptor) { return foldKnownInts(getResult()); }

OpFoldResult ReshapeOp::fold(FoldAdaptor adaptor) {
  if (auto r = foldKnownInts(getResult()))
    return r;
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  if (auto a = smallDense(adaptor.getInput()); a && getType().hasStaticShape())
    return a.reshape(getType());
  return {};
}

OpFoldResult ExpandOp::fold(FoldAdaptor adaptor) {
  if (getInput().getType() == getType() && getType().hasStaticShape())
    return getInput();
  if (auto a = dyn_cast_or_null<SplatElementsAttr>(adaptor.getInput());
      a && getType().hasStaticShape())
    return SplatElementsAttr::get(getType(), a.getSplatValue<Attribute>());
  return {};
}

OpFoldResult TransposeOp::fold(FoldAdaptor adaptor) {
  auto perm = getPerm();
  bool identity = true;
  for (auto [i, p] : llvm::enumerate(perm))
    identity &= (int64_t)i == p;
  if (identity && getInput().getType() == getType())
    return getInput();
  auto a = smallDense(adaptor.getInput());
  if (!a || !getType().hasStaticShape())
    return {};
  if (a.isSplat())
    return a.reshape(getType());
  auto inShape = a.getType().getShape();
  auto outShape = getType().getShape();
  SmallVector<int64_t> inStrides(inShape.size(), 1);
  for (int64_t d = (int64_t)inShape.size() - 2; d >= 0; --d)
    inStrides[d] = inStrides[d + 1] * inShape[d + 1];
  auto values = llvm::to_vector(a.getValues<Attribute>());
  SmallVector<Attribute> out;
  int64_t n = getType().getNumElements();
  for (int64_t lin = 0; lin < n; ++lin) {
    int64_t rem = lin, src = 0;
    for (int64_t d = outShape.size() - 1; d >= 0; --d) {
      src += (rem % outShape[d]) * inStrides[perm[d]];
      rem /= outShape[d];
    }
    out.push_back(values[src]);
  }
  return DenseElementsAttr::get(getType(), out);
}

static OpFoldResult foldReshapeLike(Operation *op, Attribute input) {
  auto type = cast<RankedTensorType>(op->getResult(0).getType());
  if (auto r = foldKnownInts(op->getResult(0)))
    return r;
  if (auto a = smallDense(input); a && type.hasStaticShape())
    return a.reshape(type);
  if (op->getOperand(0).getType() == type)
    return op->getOperand(0);
  return {};
}

OpFoldResult UnsqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}

OpFoldResult SqueezeOp::fold(FoldAdaptor adaptor) {
  return foldReshapeLike(*this, adaptor.getInput());
}

OpFoldResult ConcatOp::fold(FoldAdaptor adaptor) {
  if (getInputs().size() == 1 && getInputs()[0].getType() == getType())
    return getInputs()[0];
  if (auto r = foldKnownInts(getResult()))
    return r;
  // Concatenation of small constants along the leading axis.
  if (getAxis() != 0 || !isSmallStatic(getType()))
    return {};
  SmallVector<Attribute> out;
  for (Attribute a : adaptor.getInputs()) {
    auto d = smallDense(a);
    if (!d)
      return {};
    llvm::append_range(out, d.getValues<Attribute>());
  }
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult SliceOp::fold(FoldAdaptor) {
  if (auto r = foldKnownInts(getResult()))
    return r;
  if (getData().getType() == getType() && getType().hasStaticShape())
    return getData();
  return {};
}

OpFoldResult GatherOp::fold(FoldAdaptor adaptor) {
  if (auto r = foldKnownInts(getResult()))
    return r;
  // Gather of a small constant with constant indices along axis 0.
  auto data = smallDense(adaptor.getData());
  auto idx = smallDense(adaptor.getIndices());
  if (!data || !idx || !isSmallStatic(getType()) || getAxis() != 0)
    return {};
  auto shape = data.getType().getShape();
  int64_t inner = 1;
  for (int64_t d : shape.drop_front())
    inner *= d;
  auto values = llvm::to_vector(data.getValues<Attribute>());
  SmallVector<Attribute> out;
  for (APInt i : idx.getValues<APInt>()) {
    int64_t row = i.getSExtValue();
    if (row < 0)
      row += shape[0];
    if (row < 0 || row >= shape[0])
      return {};
    for (int64_t k = 0; k < inner; ++k)
      out.push_back(values[row * inner + k]);
  }
  return DenseElementsAttr::get(getType(), out);
}

OpFoldResult RangeOp::fold(FoldAdaptor adaptor) {
  auto type = getType();
  auto s = smallDense(adaptor.getStart()), l = smallDense(adaptor.getLimit()),
       d = smallDense(adaptor.getDelta());
  if (!s || !l || !d || !isSmallStatic(type))
    return {};
  SmallVector<double> sf, lf, df, rf;
  SmallVector<int64_t> si, li, di, ri;
  readDense(s, sf, si);
  readDense(l, lf, li);
  readDense(d, df, di);
  int64_t n = type.getNumElements();
  for (int64_t k = 0; k < n; ++k) {
    if (!sf.empty())
      rf.push_back(sf[0] + k * df[0]);
    else
      ri.push_back(si[0] + k * di[0]);
  }
  return makeDense(type, rf, ri);
}

//===----------------------------------------------------------------------===//
// Ops added for the transformers 5 exports (rotary embeddings, dynamo
// masks, generation heads). Shape subgraphs in those exports run through
// Clip, Tile, Gather{ND,Elements}, ArgMax and Sign on small constants, so
// these all fold when their operands are constant.
//===----------------------------------------------------------------------===//

OpFoldResult SignOp::fold(FoldAdaptor adaptor) {
  auto a = smallDense(adaptor.getInput());
  if (!a)
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  for (double &v : f)
    v = v > 0 ? 1.0 : v < 0 ? -1.0 : v == 0 ? 0.0 : v; // NaN stays NaN
  for (int64_t &v : i)
    v = (v > 0) - (v < 0);
  return makeDense(cast<RankedTensorType>(a.getType()), f, i);
}

OpFoldResult CeilOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(),
                        [](double x) { return std::ceil(x); });
}

OpFoldResult FloorOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(),
                        [](double x) { return std::floor(x); });
}

OpFoldResult RoundOp::fold(FoldAdaptor adaptor) {
  // Ties to even, whatever the host's rounding mode.
  return foldFloatUnary(adaptor.getInput(), [](double x) {
    APFloat v(x);
    v.roundToIntegral(APFloat::rmNearestTiesToEven);
    return v.convertToDouble();
  });
}

OpFoldResult CosOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(),
                        [](double x) { return std::cos(x); });
}

OpFoldResult SinOp::fold(FoldAdaptor adaptor) {
  return foldFloatUnary(adaptor.getInput(),
                        [](double x) { return std::sin(x); });
}

OpFoldResult GeluOp::fold(FoldAdaptor adaptor) {
  if (getApproximate() == "tanh")
    return foldFloatUnary(adaptor.getInput(), [](double x) {
      return 0.5 * x *
             (1.0 +
              std::tanh(std::sqrt(2.0 / M_PI) * (x + 0.044715 * x * x * x)));
    });
  return foldFloatUnary(adaptor.getInput(), [](double x) {
    return 0.5 * x * (1.0 + std::erf(x / std::sqrt(2.0)));
  });
}

OpFoldResult IsNaNOp::fold(FoldAdaptor adaptor) {
  auto a = smallDense(adaptor.getInput());
  if (!a || !isa<FloatType>(a.getElementType()))
    return {};
  SmallVector<bool> bits;
  for (APFloat v : a.getValues<APFloat>())
    bits.push_back(v.isNaN());
  return DenseElementsAttr::get(
      RankedTensorType::get(a.getType().getShape(),
                            IntegerType::get(getContext(), 1)),
      bits);
}

OpFoldResult ClipOp::fold(FoldAdaptor adaptor) {
  // Neither bound: the input.
  if (!getMin() && !getMax() && getInput().getType() == getType())
    return getInput();
  auto x = smallDense(adaptor.getInput());
  DenseElementsAttr lo, hi;
  if (getMin() && !(lo = smallDense(adaptor.getMin())))
    return {};
  if (getMax() && !(hi = smallDense(adaptor.getMax())))
    return {};
  if (!x)
    return {};
  SmallVector<double> f, lof, hif;
  SmallVector<int64_t> i, loi, hii;
  readDense(x, f, i);
  if (lo)
    readDense(lo, lof, loi);
  if (hi)
    readDense(hi, hif, hii);
  // max(x, lo) first, then min(., hi); NaN stays NaN.
  for (double &v : f) {
    if (lo && !std::isnan(v))
      v = std::max(v, lof[0]);
    if (hi && !std::isnan(v))
      v = std::min(v, hif[0]);
  }
  for (int64_t &v : i) {
    if (lo)
      v = std::max(v, loi[0]);
    if (hi)
      v = std::min(v, hii[0]);
  }
  return makeDense(cast<RankedTensorType>(x.getType()), f, i);
}

OpFoldResult ModOp::fold(FoldAdaptor adaptor) {
  bool cMod = getFmod() != 0;
  return foldBinary(
      *this, adaptor.getLhs(), adaptor.getRhs(),
      [](double x, double y) { return std::fmod(x, y); },
      [cMod](int64_t x, int64_t y) -> std::optional<int64_t> {
        if (y == 0)
          return std::nullopt; // left to the run-time error
        int64_t r = x % y;
        if (!cMod && r != 0 && ((r < 0) != (y < 0)))
          r += y;
        return r;
      });
}

/// Row-major strides of a static shape.
static SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> strides(shape.size(), 1);
  for (int64_t d = (int64_t)shape.size() - 2; d >= 0; --d)
    strides[d] = strides[d + 1] * shape[d + 1];
  return strides;
}

/// Coordinates of linear index `lin` in a static shape.
static SmallVector<int64_t> delinearize(int64_t lin, ArrayRef<int64_t> shape) {
  SmallVector<int64_t> c(shape.size());
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    c[d] = lin % shape[d];
    lin /= shape[d];
  }
  return c;
}

static SmallVector<int64_t> readInts(DenseElementsAttr a) {
  SmallVector<int64_t> out;
  for (APInt v : a.getValues<APInt>())
    out.push_back(v.getSExtValue());
  return out;
}

OpFoldResult TileOp::fold(FoldAdaptor adaptor) {
  auto type = getType();
  auto reps = getConstantIntValues(getRepeats());
  if (reps && llvm::all_of(*reps, [](int64_t r) { return r == 1; }) &&
      getInput().getType() == type)
    return getInput();
  auto a = smallDense(adaptor.getInput());
  if (!a || !reps || !isSmallStatic(type))
    return {};
  if (a.isSplat())
    return SplatElementsAttr::get(type, a.getSplatValue<Attribute>());
  auto inShape = a.getType().getShape();
  auto inStrides = stridesOf(inShape);
  auto values = llvm::to_vector(a.getValues<Attribute>());
  SmallVector<Attribute> out;
  for (int64_t lin = 0; lin < type.getNumElements(); ++lin) {
    auto c = delinearize(lin, type.getShape());
    int64_t src = 0;
    for (size_t d = 0; d < c.size(); ++d)
      src += (c[d] % inShape[d]) * inStrides[d];
    out.push_back(values[src]);
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult GatherElementsOp::fold(FoldAdaptor adaptor) {
  auto data = smallDense(adaptor.getData());
  auto idx = smallDense(adaptor.getIndices());
  auto type = getType();
  if (!data || !idx || !isSmallStatic(type))
    return {};
  auto dShape = data.getType().getShape();
  auto dStrides = stridesOf(dShape);
  int64_t axis = getAxis();
  auto values = llvm::to_vector(data.getValues<Attribute>());
  auto ids = readInts(idx);
  SmallVector<Attribute> out;
  for (int64_t lin = 0; lin < type.getNumElements(); ++lin) {
    auto c = delinearize(lin, type.getShape());
    int64_t id = ids[lin];
    if (id < 0)
      id += dShape[axis];
    if (id < 0 || id >= dShape[axis])
      return {}; // left to the run-time check
    c[axis] = id;
    int64_t src = 0;
    for (size_t d = 0; d < c.size(); ++d) {
      if (c[d] >= dShape[d])
        return {};
      src += c[d] * dStrides[d];
    }
    out.push_back(values[src]);
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult GatherNDOp::fold(FoldAdaptor adaptor) {
  auto data = smallDense(adaptor.getData());
  auto idx = smallDense(adaptor.getIndices());
  auto type = getType();
  if (!data || !idx || !isSmallStatic(type))
    return {};
  auto dShape = data.getType().getShape();
  auto iShape = idx.getType().getShape();
  auto dStrides = stridesOf(dShape);
  int64_t b = getBatchDims(), k = iShape.back();
  // Each index tuple selects a slice of `inner` elements.
  int64_t inner = 1;
  for (int64_t d : dShape.drop_front(b + k))
    inner *= d;
  int64_t tuples = 1;
  for (int64_t d : iShape.drop_back())
    tuples *= d;
  auto values = llvm::to_vector(data.getValues<Attribute>());
  auto ids = readInts(idx);
  SmallVector<Attribute> out;
  for (int64_t t = 0; t < tuples; ++t) {
    auto c = delinearize(t, iShape.drop_back());
    int64_t src = 0;
    for (int64_t d = 0; d < b; ++d)
      src += c[d] * dStrides[d];
    for (int64_t j = 0; j < k; ++j) {
      int64_t id = ids[t * k + j], size = dShape[b + j];
      if (id < 0)
        id += size;
      if (id < 0 || id >= size)
        return {}; // left to the run-time check
      src += id * dStrides[b + j];
    }
    for (int64_t e = 0; e < inner; ++e)
      out.push_back(values[src + e]);
  }
  return DenseElementsAttr::get(type, out);
}

OpFoldResult ArgMaxOp::fold(FoldAdaptor adaptor) {
  auto a = smallDense(adaptor.getInput());
  auto type = getType();
  if (!a || !isSmallStatic(type))
    return {};
  SmallVector<double> f;
  SmallVector<int64_t> i;
  readDense(a, f, i);
  auto shape = a.getType().getShape();
  int64_t axis = getAxis(), n = shape[axis];
  int64_t inner = 1, outer = 1;
  for (int64_t d = axis + 1; d < (int64_t)shape.size(); ++d)
    inner *= shape[d];
  for (int64_t d = 0; d < axis; ++d)
    outer *= shape[d];
  bool last = getSelectLastIndex() != 0;
  SmallVector<int64_t> out;
  for (int64_t o = 0; o < outer; ++o)
    for (int64_t in = 0; in < inner; ++in) {
      int64_t best = 0;
      for (int64_t j = 1; j < n; ++j) {
        int64_t at = (o * n + j) * inner + in,
                bestAt = (o * n + best) * inner + in;
        // NaN never wins (as in the lowering and ONNX Runtime).
        bool greater = f.empty() ? i[at] > i[bestAt] : f[at] > f[bestAt];
        bool equal = f.empty() ? i[at] == i[bestAt] : f[at] == f[bestAt];
        if (!f.empty() && std::isnan(f[bestAt]) && !std::isnan(f[at]))
          greater = true;
        if (greater || (last && equal))
          best = j;
      }
      out.push_back(best);
    }
  return makeDense(type, {}, out);
}
