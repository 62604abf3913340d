//===- MaskInterpreter.cpp - Onnx mask subgraphs on concrete values -------===//
//
// See MaskInterpreter.h.
//
//===----------------------------------------------------------------------===//
#include "MaskInterpreter.h"

#include "FusionUtils.h"

#include "llvm/ADT/DenseSet.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;
using namespace bertc::fusion::mask;

namespace bertc::fusion::mask {

constexpr int64_t kMaxElements = 1 << 22;

int64_t numElements(ArrayRef<int64_t> shape) {
  int64_t n = 1;
  for (int64_t d : shape) {
    if (d < 0 || (d > 0 && n > kMaxElements / d))
      return -1;
    n *= d;
  }
  return n;
}

SmallVector<int64_t> stridesOf(ArrayRef<int64_t> shape) {
  SmallVector<int64_t> s(shape.size(), 1);
  for (int64_t i = (int64_t)shape.size() - 2; i >= 0; --i)
    s[i] = s[i + 1] * shape[i + 1];
  return s;
}

int64_t broadcastIndex(ArrayRef<int64_t> idx, ArrayRef<int64_t> shape) {
  int64_t off = 0, stride = 1;
  size_t n = idx.size(), r = shape.size();
  for (size_t i = 0; i < r; ++i) {
    size_t d = r - 1 - i;
    int64_t x = shape[d] == 1 ? 0 : idx[n - 1 - i];
    off += x * stride;
    stride *= shape[d];
  }
  return off;
}

bool next(SmallVectorImpl<int64_t> &idx, ArrayRef<int64_t> shape) {
  for (int64_t d = (int64_t)shape.size() - 1; d >= 0; --d) {
    if (++idx[d] < shape[d])
      return true;
    idx[d] = 0;
  }
  return false;
}

void dataInputs(Value term, llvm::SetVector<Value> &inputs) {
  llvm::DenseSet<Value> visited;
  SmallVector<Value> work{term};
  while (!work.empty()) {
    Value v = work.pop_back_val();
    if (!visited.insert(v).second)
      continue;
    if (isa<BlockArgument>(v)) {
      inputs.insert(v);
      continue;
    }
    Operation *op = v.getDefiningOp();
    if (isa<onnx::ShapeOp>(op))
      continue;
    for (Value o : op->getOperands())
      work.push_back(o);
  }
}

FailureOr<Tensor> Interpreter::eval(Value v, int depth) {
  if (auto it = memo.find(v); it != memo.end())
    return it->second;
  if (depth > 64)
    return fail(v.getDefiningOp(), "mask subgraph too deep");
  auto r = evalImpl(v, depth);
  if (failed(r))
    return failure_();
  if (r->size() != numElements(r->shape))
    return fail(v.getDefiningOp(), "internal: inconsistent mask value");
  if (isF32(v))
    for (double &x : r->data)
      x = (double)(float)x;
  memo[v] = *r;
  return r;
}

bool Interpreter::isF32(Value v) {
  auto t = dyn_cast<ShapedType>(v.getType());
  return t && t.getElementType().isF32();
}

bool Interpreter::isBool(Value v) {
  auto t = dyn_cast<ShapedType>(v.getType());
  return t && t.getElementType().isInteger(1);
}

bool Interpreter::isInt(Value v) {
  auto t = dyn_cast<ShapedType>(v.getType());
  return t && isa<IntegerType>(t.getElementType()) &&
         !t.getElementType().isInteger(1);
}

FailureOr<Tensor> Interpreter::fail(Operation *op, StringRef reason) {
  if (failure.reason.empty()) {
    failure.op = op;
    failure.reason = reason.str();
  }
  return mlir::failure();
}

std::optional<int64_t> Interpreter::dimSize(Value v, int64_t d) {
  auto t = cast<RankedTensorType>(v.getType());
  if (!t.isDynamicDim(d))
    return t.getDimSize(d);
  if (auto it = memo.find(v); it != memo.end())
    return it->second.shape[d];
  onnx::DimRef o = onnx::getDimOrigin(v, d);
  if (auto arg = dyn_cast<BlockArgument>(o.value)) {
    auto at = cast<RankedTensorType>(arg.getType());
    int64_t dynIndex = 0;
    for (int64_t i = 0; i < o.dim; ++i)
      dynIndex += at.isDynamicDim(i);
    if (dynIndex == 0)
      return probe.batch;
    if (dynIndex == 1)
      return probe.seq;
    return std::nullopt;
  }
  // A size made inside the mask subgraph (already evaluated).
  if (auto it = memo.find(o.value); it != memo.end())
    return it->second.shape[o.dim];
  return std::nullopt;
}

FailureOr<SmallVector<int64_t>> Interpreter::shapeOf(Value v, Operation *user) {
  auto t = cast<RankedTensorType>(v.getType());
  SmallVector<int64_t> s;
  for (int64_t i = 0; i < t.getRank(); ++i) {
    auto d = dimSize(v, i);
    if (!d) {
      // Last resort: the value itself is part of the mask computation
      // (it reads no graph input but the mask).
      llvm::SetVector<Value> inputs;
      dataInputs(v, inputs);
      if (inputs.empty() || (inputs.size() == 1 && inputs[0] == padInput))
        if (auto r = eval(v); succeeded(r))
          return SmallVector<int64_t>(r->shape);
      failure = {};
      (void)fail(user, "a size in the mask subgraph that is not the batch "
                       "or sequence length");
      return mlir::failure();
    }
    s.push_back(*d);
  }
  return s;
}

FailureOr<Tensor> Interpreter::constant(ElementsAttr attr, Operation *op) {
  auto t = cast<ShapedType>(attr.getType());
  if (!t.hasStaticShape() || t.getNumElements() > kMaxElements)
    return fail(op, "constant too large to evaluate in the mask subgraph");
  Tensor r;
  r.shape.assign(t.getShape().begin(), t.getShape().end());
  Type e = t.getElementType();
  r.data.reserve(t.getNumElements());
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    // Large initializers are blobs (a causal buffer): read the raw bytes.
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob)
      return fail(op, "constant without data in the mask subgraph");
    ArrayRef<char> bytes = blob->getData();
    int64_t n = t.getNumElements();
    auto read = [&](auto tag) -> bool {
      using T = decltype(tag);
      if ((int64_t)bytes.size() != n * (int64_t)sizeof(T))
        return false;
      const T *p = reinterpret_cast<const T *>(bytes.data());
      for (int64_t i = 0; i < n; ++i)
        r.data.push_back((double)p[i]);
      return true;
    };
    bool ok = e.isF32()           ? read(float())
              : e.isF64()         ? read(double())
              : e.isInteger(64)   ? read(int64_t())
              : e.isInteger(32)   ? read(int32_t())
              : e.isInteger(1) || e.isInteger(8) ? read(uint8_t())
                                  : false;
    if (!ok)
      return fail(op, "constant of an unsupported type in the mask subgraph");
    if (e.isInteger(1))
      for (double &x : r.data)
        x = x != 0;
    return r;
  }
  if (isa<FloatType>(e)) {
    for (APFloat x : attr.getValues<APFloat>())
      r.data.push_back(x.convertToDouble());
  } else if (e.isInteger(1)) {
    for (APInt x : attr.getValues<APInt>())
      r.data.push_back((double)x.getZExtValue());
  } else if (isa<IntegerType>(e)) {
    for (APInt x : attr.getValues<APInt>())
      r.data.push_back((double)x.getSExtValue());
  } else {
    return fail(op, "constant of an unsupported type in the mask subgraph");
  }
  return r;
}

template <typename F>
FailureOr<Tensor> Interpreter::elementwise(Operation *op, ArrayRef<Tensor> in, F f) {
  SmallVector<int64_t> shape;
  for (const Tensor &t : in) {
    size_t n = std::max(shape.size(), t.shape.size());
    SmallVector<int64_t> s(n, 1);
    for (size_t i = 0; i < n; ++i) {
      int64_t a = i + shape.size() >= n ? shape[i + shape.size() - n] : 1;
      int64_t b = i + t.shape.size() >= n ? t.shape[i + t.shape.size() - n] : 1;
      if (a != b && a != 1 && b != 1)
        return fail(op, "mask operands do not broadcast");
      s[i] = a == 1 ? b : a;
    }
    shape = s;
  }
  Tensor r;
  r.shape = shape;
  int64_t n = numElements(shape);
  if (n < 0)
    return fail(op, "mask value too large to evaluate");
  r.data.resize(n);
  SmallVector<int64_t> idx(shape.size(), 0);
  SmallVector<double, 3> args(in.size());
  for (int64_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < in.size(); ++k)
      args[k] = in[k].data[broadcastIndex(idx, in[k].shape)];
    r.data[i] = f(args);
    next(idx, shape);
  }
  return r;
}

FailureOr<Tensor> Interpreter::evalImpl(Value v, int depth) {
  if (auto arg = dyn_cast<BlockArgument>(v)) {
    auto t = cast<RankedTensorType>(arg.getType());
    if (t.getRank() != 2 || isF32(arg) ||
        !isa<IntegerType>(t.getElementType()))
      return fail(nullptr, "the mask depends on an input that is not a 2-D "
                           "integer [batch, sequence] mask");
    if (padInput != v)
      return fail(nullptr, "the mask depends on two different inputs");
    if ((!t.isDynamicDim(0) && t.getDimSize(0) != probe.batch) ||
        (!t.isDynamicDim(1) && t.getDimSize(1) != probe.seq))
      return fail(nullptr, "mask input of a static size");
    Tensor r;
    r.shape = {probe.batch, probe.seq};
    for (const auto &row : probe.mask)
      for (int x : row)
        r.data.push_back(x);
    return r;
  }
  Operation *op = v.getDefiningOp();
  if (ElementsAttr c = getConstant(v))
    return constant(c, op);
  StringRef name = op->getName().getStringRef();
  auto operand = [&](unsigned i) { return eval(op->getOperand(i), depth + 1); };
  auto ints = [&](unsigned i) -> FailureOr<SmallVector<int64_t>> {
    auto t = operand(i);
    if (failed(t))
      return mlir::failure();
    SmallVector<int64_t> out;
    for (double x : t->data) {
      if (std::isnan(x))
        return fail(op, "a size in the mask subgraph that is not the batch "
                        "or sequence length"),
               mlir::failure();
      out.push_back((int64_t)x);
    }
    return out;
  };
  auto unary = [&](auto f) -> FailureOr<Tensor> {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    return elementwise(op, {*a}, [&](ArrayRef<double> x) { return f(x[0]); });
  };
  auto binary = [&](auto f) -> FailureOr<Tensor> {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    auto b = operand(1);
    if (failed(b))
      return mlir::failure();
    return elementwise(op, {*a, *b},
                       [&](ArrayRef<double> x) { return f(x[0], x[1]); });
  };
  bool intResult = isInt(v);

  if (isa<onnx::IdentityOp>(op))
    return operand(0);
  if (auto c = dyn_cast<onnx::CastOp>(op)) {
    Type to = c.getTo();
    return unary([&](double x) {
      if (to.isInteger(1))
        return x != 0 ? 1.0 : 0.0;
      if (isa<IntegerType>(to))
        return std::trunc(x);
      return x;
    });
  }
  if (isa<onnx::NotOp>(op))
    return unary([](double x) { return x != 0 ? 0.0 : 1.0; });
  if (isa<onnx::NegOp>(op))
    return unary([](double x) { return -x; });
  if (isa<onnx::AbsOp>(op))
    return unary([](double x) { return std::fabs(x); });
  if (isa<onnx::ReciprocalOp>(op))
    return unary([](double x) { return 1.0 / x; });
  if (isa<onnx::SqrtOp>(op))
    return unary([](double x) { return std::sqrt(x); });
  if (isa<onnx::ExpOp>(op))
    return unary([](double x) { return std::exp(x); });
  if (isa<onnx::LogOp>(op))
    return unary([](double x) { return std::log(x); });
  if (isa<onnx::SignOp>(op))
    return unary([](double x) { return (double)((x > 0) - (x < 0)); });
  if (isa<onnx::CeilOp>(op))
    return unary([](double x) { return std::ceil(x); });
  if (isa<onnx::FloorOp>(op))
    return unary([](double x) { return std::floor(x); });
  if (isa<onnx::RoundOp>(op))
    return unary([](double x) { return std::nearbyint(x); });
  if (isa<onnx::PowOp>(op))
    return binary([](double a, double b) { return std::pow(a, b); });
  if (name == "onnx.IsNaN")
    return unary([](double x) { return std::isnan(x) ? 1.0 : 0.0; });
  if (isa<onnx::AndOp>(op))
    return binary([](double a, double b) { return (a != 0 && b != 0) ? 1.0 : 0.0; });
  if (isa<onnx::OrOp>(op))
    return binary([](double a, double b) { return (a != 0 || b != 0) ? 1.0 : 0.0; });
  if (isa<onnx::XorOp>(op))
    return binary([](double a, double b) { return ((a != 0) != (b != 0)) ? 1.0 : 0.0; });
  if (isa<onnx::EqualOp>(op))
    return binary([](double a, double b) { return a == b ? 1.0 : 0.0; });
  if (isa<onnx::LessOp>(op))
    return binary([](double a, double b) { return a < b ? 1.0 : 0.0; });
  if (isa<onnx::GreaterOp>(op))
    return binary([](double a, double b) { return a > b ? 1.0 : 0.0; });
  if (isa<onnx::LessOrEqualOp>(op))
    return binary([](double a, double b) { return a <= b ? 1.0 : 0.0; });
  if (isa<onnx::GreaterOrEqualOp>(op))
    return binary([](double a, double b) { return a >= b ? 1.0 : 0.0; });
  if (isa<onnx::AddOp>(op))
    return binary([](double a, double b) { return a + b; });
  if (isa<onnx::SubOp>(op))
    return binary([](double a, double b) { return a - b; });
  if (isa<onnx::MulOp>(op))
    return binary([](double a, double b) { return a * b; });
  if (isa<onnx::DivOp>(op))
    return binary([&](double a, double b) {
      if (intResult)
        return b == 0 ? 0.0 : std::trunc(a / b);
      return a / b;
    });
  if (isa<onnx::MaxOp>(op))
    return binary([](double a, double b) { return std::max(a, b); });
  if (isa<onnx::MinOp>(op))
    return binary([](double a, double b) { return std::min(a, b); });
  if (isa<onnx::WhereOp>(op)) {
    auto c = operand(0), x = operand(1), y = operand(2);
    if (failed(c) || failed(x) || failed(y))
      return mlir::failure();
    return elementwise(op, {*c, *x, *y}, [](ArrayRef<double> a) {
      return a[0] != 0 ? a[1] : a[2];
    });
  }
  if (auto s = dyn_cast<onnx::ShapeOp>(op)) {
    // Sizes known one by one; an unknown one is NaN, which every op that
    // uses a value as a size or index refuses (ints()).
    auto it = memo.find(s.getInput());
    Tensor r;
    r.shape = {s.getEnd() - s.getStart()};
    for (int64_t i = s.getStart(); i < s.getEnd(); ++i) {
      std::optional<int64_t> d = it != memo.end()
                                     ? std::optional(it->second.shape[i])
                                     : dimSize(s.getInput(), i);
      r.data.push_back(d ? (double)*d : NAN);
    }
    if (llvm::all_of(r.data, [](double x) { return std::isnan(x); }) &&
        !r.data.empty()) {
      auto shape = shapeOf(s.getInput(), op);
      if (failed(shape))
        return mlir::failure();
      for (int64_t i = s.getStart(); i < s.getEnd(); ++i)
        r.data[i - s.getStart()] = (double)(*shape)[i];
    }
    return r;
  }
  if (auto c = dyn_cast<onnx::ConstantOfShapeOp>(op)) {
    auto shape = ints(0);
    if (failed(shape))
      return mlir::failure();
    auto val = constant(c.getValue(), op);
    if (failed(val) || val->data.size() != 1)
      return fail(op, "ConstantOfShape value");
    int64_t n = numElements(*shape);
    if (n < 0)
      return fail(op, "mask value too large to evaluate");
    Tensor r;
    r.shape = *shape;
    r.data.assign(n, val->data[0]);
    return r;
  }
  if (auto r = dyn_cast<onnx::RangeOp>(op)) {
    auto s = operand(0), l = operand(1), d = operand(2);
    if (failed(s) || failed(l) || failed(d) || s->size() != 1 ||
        l->size() != 1 || d->size() != 1 || d->data[0] == 0 ||
        std::isnan(s->data[0]) || std::isnan(l->data[0]) ||
        std::isnan(d->data[0]))
      return fail(op, "Range bounds");
    Tensor t;
    double start = s->data[0], limit = l->data[0], delta = d->data[0];
    int64_t n = std::max<int64_t>(0, (int64_t)std::ceil((limit - start) / delta));
    if (n > kMaxElements)
      return fail(op, "Range too long");
    t.shape = {n};
    for (int64_t i = 0; i < n; ++i)
      t.data.push_back(start + i * delta);
    return t;
  }
  if (auto u = dyn_cast<onnx::UnsqueezeOp>(op)) {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    int64_t rank = cast<RankedTensorType>(u.getType()).getRank();
    SmallVector<int64_t> axes;
    for (int64_t x : u.getAxes())
      axes.push_back(x < 0 ? x + rank : x);
    llvm::sort(axes);
    Tensor r = *a;
    for (int64_t x : axes)
      r.shape.insert(r.shape.begin() + std::min<int64_t>(x, r.shape.size()), 1);
    return r;
  }
  if (isa<onnx::SqueezeOp, onnx::ReshapeOp, onnx::FlattenOp>(op)) {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    Tensor r = *a;
    SmallVector<int64_t> shape;
    if (auto sq = dyn_cast<onnx::SqueezeOp>(op)) {
      int64_t rank = a->shape.size();
      SmallVector<int64_t> axes;
      for (int64_t x : sq.getAxes())
        axes.push_back(x < 0 ? x + rank : x);
      for (int64_t i = 0; i < rank; ++i)
        if (!(axes.empty() ? a->shape[i] == 1 : llvm::is_contained(axes, i)))
          shape.push_back(a->shape[i]);
    } else if (auto f = dyn_cast<onnx::FlattenOp>(op)) {
      int64_t outer = 1, inner = 1;
      for (int64_t i = 0; i < (int64_t)a->shape.size(); ++i)
        (i < f.getAxis() ? outer : inner) *= a->shape[i];
      shape = {outer, inner};
    } else {
      auto rs = cast<onnx::ReshapeOp>(op);
      auto target = ints(1);
      if (failed(target))
        return mlir::failure();
      int64_t known = 1, inferAt = -1;
      for (auto [i, x] : llvm::enumerate(*target)) {
        if (x == 0 && !rs.getAllowzero())
          x = i < a->shape.size() ? a->shape[i] : 0;
        if (x == -1) {
          inferAt = i;
          shape.push_back(1);
          continue;
        }
        shape.push_back(x);
        known *= x;
      }
      if (inferAt >= 0)
        shape[inferAt] = known ? a->size() / known : 0;
    }
    if (numElements(shape) != a->size())
      return fail(op, "Reshape in the mask subgraph does not fit");
    r.shape = shape;
    return r;
  }
  if (auto x = dyn_cast<onnx::ExpandOp>(op)) {
    auto a = operand(0);
    auto s = ints(1);
    if (failed(a) || failed(s))
      return mlir::failure();
    Tensor shapeOnly;
    shapeOnly.shape = *s;
    for (int64_t &d : shapeOnly.shape)
      d = std::max<int64_t>(d, 1);
    if (numElements(shapeOnly.shape) < 0)
      return fail(op, "mask value too large to evaluate");
    shapeOnly.data.assign(numElements(shapeOnly.shape), 0);
    return elementwise(op, {*a, shapeOnly},
                       [](ArrayRef<double> v) { return v[0]; });
  }
  if (auto t = dyn_cast<onnx::TransposeOp>(op)) {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    auto perm = t.getPerm();
    Tensor r;
    for (int64_t p : perm)
      r.shape.push_back(a->shape[p]);
    r.data.resize(a->size());
    auto inStrides = stridesOf(a->shape);
    SmallVector<int64_t> idx(r.shape.size(), 0);
    for (int64_t i = 0; i < r.size(); ++i) {
      int64_t off = 0;
      for (size_t d = 0; d < perm.size(); ++d)
        off += idx[d] * inStrides[perm[d]];
      r.data[i] = a->data[off];
      next(idx, r.shape);
    }
    return r;
  }
  if (auto c = dyn_cast<onnx::ConcatOp>(op)) {
    SmallVector<Tensor> parts;
    for (Value in : c.getInputs()) {
      auto p = eval(in, depth + 1);
      if (failed(p))
        return mlir::failure();
      parts.push_back(*p);
    }
    int64_t axis = c.getAxis();
    int64_t rank = parts[0].shape.size();
    if (axis < 0)
      axis += rank;
    Tensor r;
    r.shape = parts[0].shape;
    r.shape[axis] = 0;
    for (const Tensor &p : parts)
      r.shape[axis] += p.shape[axis];
    int64_t outer = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= r.shape[i];
    for (int64_t o = 0; o < outer; ++o)
      for (const Tensor &p : parts) {
        int64_t chunk = p.size() / std::max<int64_t>(outer, 1);
        r.data.insert(r.data.end(), p.data.begin() + o * chunk,
                      p.data.begin() + (o + 1) * chunk);
      }
    return r;
  }
  if (auto s = dyn_cast<onnx::SliceOp>(op)) {
    auto a = operand(0);
    auto st = ints(1), en = ints(2), ax = ints(3), sp = ints(4);
    if (failed(a) || failed(st) || failed(en) || failed(ax) || failed(sp))
      return mlir::failure();
    int64_t rank = a->shape.size();
    SmallVector<int64_t> begin(rank, 0), step(rank, 1), count(a->shape);
    for (size_t i = 0; i < ax->size(); ++i) {
      int64_t d = (*ax)[i] < 0 ? (*ax)[i] + rank : (*ax)[i];
      int64_t n = a->shape[d], b = (*st)[i], e = (*en)[i], k = (*sp)[i];
      if (k == 0)
        return fail(op, "Slice step 0");
      if (b < 0)
        b += n;
      if (e < 0)
        e += n;
      if (k > 0) {
        b = std::clamp<int64_t>(b, 0, n);
        e = std::clamp<int64_t>(e, 0, n);
        count[d] = e > b ? (e - b + k - 1) / k : 0;
      } else {
        b = std::clamp<int64_t>(b, -1, n - 1);
        e = std::clamp<int64_t>(e, -1, n - 1);
        count[d] = b > e ? (b - e - k - 1) / -k : 0;
      }
      begin[d] = b;
      step[d] = k;
    }
    Tensor r;
    r.shape = count;
    int64_t n = numElements(count);
    auto strides = stridesOf(a->shape);
    SmallVector<int64_t> idx(rank, 0);
    for (int64_t i = 0; i < n; ++i) {
      int64_t off = 0;
      for (int64_t d = 0; d < rank; ++d)
        off += (begin[d] + idx[d] * step[d]) * strides[d];
      r.data.push_back(a->data[off]);
      next(idx, count);
    }
    return r;
  }
  if (auto g = dyn_cast<onnx::GatherOp>(op)) {
    auto a = operand(0);
    auto idx = operand(1);
    if (failed(a) || failed(idx))
      return mlir::failure();
    int64_t axis = g.getAxis(), n = a->shape[axis];
    int64_t outer = 1, inner = 1;
    for (int64_t i = 0; i < axis; ++i)
      outer *= a->shape[i];
    for (int64_t i = axis + 1; i < (int64_t)a->shape.size(); ++i)
      inner *= a->shape[i];
    Tensor r;
    r.shape.assign(a->shape.begin(), a->shape.begin() + axis);
    r.shape.append(idx->shape.begin(), idx->shape.end());
    r.shape.append(a->shape.begin() + axis + 1, a->shape.end());
    for (int64_t o = 0; o < outer; ++o)
      for (double xi : idx->data) {
        if (std::isnan(xi))
          return fail(op, "an index in the mask subgraph that is not known");
        int64_t j = (int64_t)xi;
        if (j < 0)
          j += n;
        if (j < 0 || j >= n)
          return fail(op, "index out of range in the mask subgraph");
        for (int64_t k = 0; k < inner; ++k)
          r.data.push_back(a->data[(o * n + j) * inner + k]);
      }
    return r;
  }
  if (name == "onnx.GatherND") {
    auto a = operand(0);
    auto idx = operand(1);
    if (failed(a) || failed(idx))
      return mlir::failure();
    auto bd = op->getAttrOfType<IntegerAttr>("batch_dims");
    if (bd && bd.getInt() != 0)
      return fail(op, "GatherND with batch_dims in the mask subgraph");
    int64_t q = idx->shape.back(), rank = a->shape.size();
    if (q > rank)
      return fail(op, "GatherND index depth");
    Tensor r;
    r.shape.assign(idx->shape.begin(), idx->shape.end() - 1);
    r.shape.append(a->shape.begin() + q, a->shape.end());
    int64_t inner = 1;
    for (int64_t i = q; i < rank; ++i)
      inner *= a->shape[i];
    auto strides = stridesOf(a->shape);
    int64_t tuples = idx->size() / std::max<int64_t>(q, 1);
    for (int64_t t = 0; t < tuples; ++t) {
      int64_t off = 0;
      for (int64_t k = 0; k < q; ++k) {
        if (std::isnan(idx->data[t * q + k]))
          return fail(op, "an index in the mask subgraph that is not known");
        int64_t j = (int64_t)idx->data[t * q + k];
        if (j < 0)
          j += a->shape[k];
        if (j < 0 || j >= a->shape[k])
          return fail(op, "index out of range in the mask subgraph");
        off += j * strides[k];
      }
      for (int64_t k = 0; k < inner; ++k)
        r.data.push_back(a->data[off + k]);
    }
    return r;
  }
  if (auto t = dyn_cast<onnx::TriluOp>(op)) {
    auto a = operand(0);
    if (failed(a))
      return mlir::failure();
    int64_t k = 0;
    if (t.getK()) {
      auto kk = ints(1);
      if (failed(kk) || kk->size() != 1)
        return mlir::failure();
      k = (*kk)[0];
    }
    Tensor r = *a;
    int64_t rank = r.shape.size();
    if (rank < 2)
      return fail(op, "Trilu of rank < 2");
    int64_t rows = r.shape[rank - 2], cols = r.shape[rank - 1];
    for (int64_t i = 0; i < r.size(); ++i) {
      int64_t c = i % cols, row = (i / cols) % rows;
      bool keep = t.getUpper() ? c - row >= k : c - row <= k;
      if (!keep)
        r.data[i] = 0;
    }
    return r;
  }
  return fail(op, ("unsupported op in the mask subgraph (" + name + ")").str());
}

} // namespace bertc::fusion::mask
