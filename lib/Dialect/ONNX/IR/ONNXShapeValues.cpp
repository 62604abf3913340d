//===- ONNXShapeValues.cpp - Compile-time values of shape subgraphs -------===//
//
// Exporters compute Reshape/Expand targets at run time from Shape, Gather,
// Unsqueeze, Concat, Slice and integer arithmetic. Many entries of those small
// integer tensors are known at compile time even when the batch and sequence
// dimensions are not; this file computes what is known, entry by entry. Type
// inference uses it to keep static dimensions, and the folders use it to turn
// fully known subgraphs into constants.
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/TypeUtilities.h"
#include "llvm/ADT/TypeSwitch.h"

using namespace mlir;
using namespace bertc::onnx;

using Values = SmallVector<int64_t>;

/// Shape tensors are small; anything larger is data, not a shape.
static constexpr int64_t kMaxShapeElements = 64;
static constexpr int kMaxDepth = 24;

std::optional<Values> bertc::onnx::getConstantIntValues(Value v) {
  DenseIntElementsAttr attr;
  if (!v || !matchPattern(v, m_Constant(&attr)))
    return std::nullopt;
  Values out;
  bool isBool = attr.getElementType().isInteger(1);
  for (const APInt &x : attr.getValues<APInt>())
    out.push_back(isBool ? (int64_t)x.getZExtValue() : x.getSExtValue());
  return out;
}

static std::optional<Values> known(Value v, int depth);

/// Static element count of a rank-0/1 integer tensor, if small enough.
static std::optional<int64_t> staticCount(Value v) {
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || !t.getElementType().isIntOrIndex() || t.getRank() > 1 ||
      !t.hasStaticShape() || t.getNumElements() > kMaxShapeElements)
    return std::nullopt;
  return t.getNumElements();
}

static Values unknownOf(int64_t n) { return Values(n, kUnknownValue); }

/// Numpy broadcasting of two 1-D/0-D value lists.
template <typename Fn>
static std::optional<Values> zipBroadcast(const Values &a, const Values &b,
                                          Fn fn) {
  if (a.size() != b.size() && a.size() != 1 && b.size() != 1)
    return std::nullopt;
  size_t n = std::max(a.size(), b.size());
  Values out;
  for (size_t i = 0; i < n; ++i) {
    int64_t x = a[a.size() == 1 ? 0 : i], y = b[b.size() == 1 ? 0 : i];
    out.push_back(x == kUnknownValue || y == kUnknownValue ? kUnknownValue
                                                           : fn(x, y));
  }
  return out;
}

static std::optional<Values> knownImpl(Operation *op, Value result, int depth) {
  auto count = staticCount(result);
  return TypeSwitch<Operation *, std::optional<Values>>(op)
      .Case([&](ShapeOp s) -> std::optional<Values> {
        Values out;
        auto shape = s.getInput().getType().getShape();
        for (int64_t i = s.getStart(); i < s.getEnd(); ++i)
          out.push_back(ShapedType::isDynamic(shape[i]) ? kUnknownValue
                                                        : shape[i]);
        return out;
      })
      .Case([&](GatherOp g) -> std::optional<Values> {
        auto data = known(g.getData(), depth + 1);
        auto idx = getConstantIntValues(g.getIndices());
        if (!data || !idx || g.getAxis() != 0 || !count)
          return count ? std::optional(unknownOf(*count)) : std::nullopt;
        Values out;
        for (int64_t i : *idx) {
          if (i < 0)
            i += data->size();
          if (i < 0 || i >= (int64_t)data->size())
            return std::nullopt;
          out.push_back((*data)[i]);
        }
        return out;
      })
      .Case<UnsqueezeOp, SqueezeOp, IdentityOp, ReshapeOp>(
          [&](Operation *o) -> std::optional<Values> {
            auto in = known(o->getOperand(0), depth + 1);
            if (in && count && (int64_t)in->size() == *count)
              return in;
            return count ? std::optional(unknownOf(*count)) : std::nullopt;
          })
      .Case([&](CastOp c) -> std::optional<Values> {
        auto in = known(c.getInput(), depth + 1);
        if (in && c.getTo().isIntOrIndex() &&
            getElementTypeOrSelf(c.getInput().getType()).isIntOrIndex())
          return in;
        return count ? std::optional(unknownOf(*count)) : std::nullopt;
      })
      .Case([&](ConcatOp c) -> std::optional<Values> {
        Values out;
        for (Value in : c.getInputs()) {
          auto piece = known(in, depth + 1);
          if (!piece)
            return count ? std::optional(unknownOf(*count)) : std::nullopt;
          llvm::append_range(out, *piece);
        }
        return out;
      })
      .Case([&](SliceOp s) -> std::optional<Values> {
        auto data = known(s.getData(), depth + 1);
        auto st = getConstantIntValues(s.getStarts());
        auto en = getConstantIntValues(s.getEnds());
        auto ax = getConstantIntValues(s.getAxes());
        auto sp = getConstantIntValues(s.getSteps());
        if (!data || !st || !en || !ax || !sp || st->size() != 1 ||
            en->size() != 1 || sp->size() != 1 || (*sp)[0] <= 0)
          return count ? std::optional(unknownOf(*count)) : std::nullopt;
        int64_t n = data->size(), b = (*st)[0], e = (*en)[0];
        if (b < 0)
          b += n;
        if (e < 0)
          e += n;
        b = std::clamp<int64_t>(b, 0, n);
        e = std::clamp<int64_t>(e, 0, n);
        Values out;
        for (int64_t i = b, step = (*sp)[0]; i < e;) {
          out.push_back((*data)[i]);
          if (e - i <= step) // i += step would pass e (or overflow)
            break;
          i += step;
        }
        return out;
      })
      .Case<AddOp, SubOp, MulOp, DivOp, EqualOp, MaxOp, MinOp>(
          [&](Operation *o) -> std::optional<Values> {
            auto a = known(o->getOperand(0), depth + 1);
            auto b = known(o->getOperand(1), depth + 1);
            std::optional<Values> r;
            if (a && b) {
              r = TypeSwitch<Operation *, std::optional<Values>>(o)
                      // Checked: an overflow makes the entry unknown
                      // (values come from the model file).
                      .Case([&](AddOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          int64_t r;
                          return __builtin_add_overflow(x, y, &r) ? kUnknownValue : r;
                        });
                      })
                      .Case([&](SubOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          int64_t r;
                          return __builtin_sub_overflow(x, y, &r) ? kUnknownValue : r;
                        });
                      })
                      .Case([&](MulOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          int64_t r;
                          return __builtin_mul_overflow(x, y, &r) ? kUnknownValue : r;
                        });
                      })
                      .Case([&](DivOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          return y == 0 || (x == kUnknownValue && y == -1)
                                     ? kUnknownValue
                                     : x / y;
                        });
                      })
                      .Case([&](EqualOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          return (int64_t)(x == y);
                        });
                      })
                      .Case([&](MaxOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          return std::max(x, y);
                        });
                      })
                      .Case([&](MinOp) {
                        return zipBroadcast(*a, *b, [](int64_t x, int64_t y) {
                          return std::min(x, y);
                        });
                      })
                      .Default([](Operation *) { return std::nullopt; });
            }
            if (r && count && (int64_t)r->size() == *count)
              return r;
            return count ? std::optional(unknownOf(*count)) : std::nullopt;
          })
      .Case([&](WhereOp w) -> std::optional<Values> {
        auto c = known(w.getCondition(), depth + 1);
        auto x = known(w.getX(), depth + 1);
        auto y = known(w.getY(), depth + 1);
        if (c && x && y && count) {
          Values out;
          auto at = [](const Values &v, int64_t i) {
            return v.size() == 1 ? v[0] : v[i];
          };
          bool ok = true;
          for (int64_t i = 0; i < *count && ok; ++i) {
            if ((c->size() != 1 && (int64_t)c->size() != *count) ||
                (x->size() != 1 && (int64_t)x->size() != *count) ||
                (y->size() != 1 && (int64_t)y->size() != *count)) {
              ok = false;
              break;
            }
            int64_t cv = at(*c, i);
            out.push_back(cv == kUnknownValue ? kUnknownValue
                                              : (cv ? at(*x, i) : at(*y, i)));
          }
          if (ok)
            return out;
        }
        return count ? std::optional(unknownOf(*count)) : std::nullopt;
      })
      .Case([&](ConstantOfShapeOp c) -> std::optional<Values> {
        auto attr = dyn_cast<DenseIntElementsAttr>(c.getValue());
        if (!count || !attr || attr.getNumElements() != 1)
          return count ? std::optional(unknownOf(*count)) : std::nullopt;
        return Values(*count, (*attr.getValues<APInt>().begin()).getSExtValue());
      })
      .Default([&](Operation *) -> std::optional<Values> {
        return count ? std::optional(unknownOf(*count)) : std::nullopt;
      });
}

static std::optional<Values> known(Value v, int depth) {
  if (auto c = getConstantIntValues(v))
    return c;
  auto count = staticCount(v);
  Operation *op = v.getDefiningOp();
  if (!op || depth > kMaxDepth || !isa<ONNXDialect>(op->getDialect()))
    return count ? std::optional(unknownOf(*count)) : std::nullopt;
  // Only results of rank <= 1 are shape-like; others are unknown data.
  auto t = dyn_cast<RankedTensorType>(v.getType());
  if (!t || t.getRank() > 1)
    return std::nullopt;
  auto r = knownImpl(op, v, depth);
  if (r && count && (int64_t)r->size() != *count)
    return unknownOf(*count);
  return r;
}

std::optional<Values> bertc::onnx::getKnownIntValues(Value v) {
  if (!v || !getElementTypeOrSelf(v.getType()).isIntOrIndex())
    return std::nullopt;
  return known(v, 0);
}
