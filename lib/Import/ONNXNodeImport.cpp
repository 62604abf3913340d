//===- ONNXNodeImport.cpp - ONNX nodes to onnx-dialect ops ----------------===//
//
// The op table: one row per (domain, op type, opset range) that bertc
// imports, each naming the builder for that form of the op. Where an ONNX
// opset changed an op's form (an attribute that became an input, a changed
// default), the op has one row per form, so the table says at a glance which
// opsets bertc reads and how. A node whose op has no row for the model's
// opset is an error naming the node and the opsets that are supported.
//
// Builders resolve the opset differences so that the dialect has one form
// per op (attributes normalized, constant inputs turned into attributes).
//
//===----------------------------------------------------------------------===//
#include "NodeImport.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Import/ONNXImporter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringMap.h"

#include <algorithm>

using namespace mlir;

namespace bertc::importer {

using AttributeProto = ::onnx::AttributeProto;
using TensorProto = ::onnx::TensorProto;

//===----------------------------------------------------------------------===//
// NodeImporter helpers
//===----------------------------------------------------------------------===//

std::string displayName(const ::onnx::NodeProto &node) {
  return printableName(node.name().empty()
                           ? node.op_type() + "(" +
                                 (node.output_size() ? node.output(0) : "") +
                                 ")"
                           : node.name());
}

InFlightDiagnostic nodeError(Location loc, const ::onnx::NodeProto &node,
                             int64_t opset) {
  return emitError(loc) << "node '" << displayName(node) << "' (op type '"
                        << printableName(node.op_type()) << "', domain '"
                        << printableName(node.domain()) << "', opset " << opset
                        << "): ";
}

LogicalResult NodeImporter::needInputs(int lo, int hi) {
  int n = node.input_size();
  if (n < lo || n > hi || (lo > 0 && !in[0]))
    return error() << "expects " << lo
                   << (lo == hi ? "" : " to " + std::to_string(hi))
                   << " inputs, got " << n;
  for (int i = 0; i < lo; ++i)
    if (!in[i])
      return error() << "required input #" << i << " is missing";
  return success();
}

FailureOr<std::vector<int64_t>> NodeImporter::constantInts(int i) {
  if (Value v = input(i))
    if (auto known = onnx::getConstantIntValues(v))
      return std::vector<int64_t>(known->begin(), known->end());
  error() << "input '"
          << printableName(i < node.input_size() ? node.input(i) : "")
          << "' must be a constant (computed at run time here)";
  return failure();
}

const AttributeProto *NodeImporter::attr(StringRef name) const {
  for (const AttributeProto &a : node.attribute())
    if (a.name() == name)
      return &a;
  return nullptr;
}

FailureOr<int64_t> NodeImporter::intAttr(StringRef name, int64_t dflt) {
  const AttributeProto *a = attr(name);
  if (!a)
    return dflt;
  if (a->type() != AttributeProto::INT) {
    error() << "attribute '" << name << "' must be an int";
    return failure();
  }
  return a->i();
}

FailureOr<float> NodeImporter::floatAttr(StringRef name, float dflt) {
  auto v = optionalFloatAttr(name);
  if (failed(v))
    return failure();
  return v->value_or(dflt);
}

FailureOr<std::optional<float>>
NodeImporter::optionalFloatAttr(StringRef name) {
  const AttributeProto *a = attr(name);
  if (!a)
    return std::optional<float>();
  if (a->type() != AttributeProto::FLOAT) {
    error() << "attribute '" << name << "' must be a float";
    return failure();
  }
  return std::optional<float>(a->f());
}

FailureOr<std::string> NodeImporter::stringAttr(StringRef name,
                                                StringRef dflt) {
  const AttributeProto *a = attr(name);
  if (!a)
    return dflt.str();
  if (a->type() != AttributeProto::STRING) {
    error() << "attribute '" << name << "' must be a string";
    return failure();
  }
  return a->s();
}

FailureOr<std::optional<std::vector<int64_t>>>
NodeImporter::intsAttr(StringRef name) {
  const AttributeProto *a = attr(name);
  if (!a)
    return std::optional<std::vector<int64_t>>();
  if (a->type() != AttributeProto::INTS) {
    error() << "attribute '" << name << "' must be a list of ints";
    return failure();
  }
  return std::optional<std::vector<int64_t>>(
      std::vector<int64_t>(a->ints().begin(), a->ints().end()));
}

FailureOr<int64_t> NodeImporter::normAxis(int64_t axis, int64_t rank) {
  if (axis < -rank || axis >= rank) {
    error() << "axis " << axis << " is out of range for rank " << rank;
    return failure();
  }
  return axis < 0 ? axis + rank : axis;
}

int64_t NodeImporter::rankOf(Value v) {
  return cast<RankedTensorType>(v.getType()).getRank();
}

Value NodeImporter::i64Constant(ArrayRef<int64_t> values) {
  auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
  return b.create<onnx::ConstantOp>(loc, type,
                                    DenseElementsAttr::get(type, values));
}

/// Keeps the first error of the diagnostics raised in its scope, so that
/// they can be re-emitted prefixed with the node.
namespace {
struct CapturedError {
  std::string message;
  ScopedDiagnosticHandler handler;
  explicit CapturedError(MLIRContext *ctx)
      : handler(ctx, [this](Diagnostic &diag) {
          if (diag.getSeverity() != DiagnosticSeverity::Error)
            return failure();
          if (message.empty())
            message = diag.str();
          return success();
        }) {}
};
} // namespace

/// An omitted input ("" in the node) where the op needs one: every operand
/// of a created op must be a value.
static LogicalResult checkOperands(NodeImporter &n, ValueRange operands) {
  for (auto [i, v] : llvm::enumerate(operands))
    if (!v)
      return n.error() << "input #" << i
                       << " is missing (an empty name where the operator "
                          "needs a value)";
  return success();
}

FailureOr<Operation *> NodeImporter::create(StringRef opName,
                                            ValueRange operands,
                                            ArrayRef<NamedAttribute> attrs) {
  if (failed(checkOperands(*this, operands)))
    return failure();
  MLIRContext *ctx = b.getContext();
  OperationState probeState(loc, opName);
  probeState.addOperands(operands);
  probeState.addAttributes(attrs);
  Operation *probe = Operation::create(probeState);
  SmallVector<Type> types;
  LogicalResult inferred = failure();
  std::string captured;
  {
    CapturedError capture(ctx);
    if (auto infer = dyn_cast<InferTypeOpInterface>(probe))
      inferred = infer.inferReturnTypes(
          ctx, loc, probe->getOperands(), probe->getAttrDictionary(),
          probe->getPropertiesStorage(), probe->getRegions(), types);
    captured = capture.message;
  }
  probe->destroy();
  if (failed(inferred)) {
    std::string operandTypes;
    llvm::raw_string_ostream os(operandTypes);
    llvm::interleaveComma(operands, os, [&](Value v) { os << v.getType(); });
    error() << (captured.empty() ? "cannot infer the result type" : captured)
            << " (operand types: " << operandTypes << ")";
    return failure();
  }
  return createWithTypes(opName, operands, attrs, types);
}

FailureOr<Operation *>
NodeImporter::createWithTypes(StringRef opName, ValueRange operands,
                              ArrayRef<NamedAttribute> attrs, TypeRange types) {
  if (failed(checkOperands(*this, operands)))
    return failure();
  OperationState state(loc, opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(types);
  Operation *op = b.create(state);
  LogicalResult verified = failure();
  std::string captured;
  {
    CapturedError capture(b.getContext());
    verified = verify(op, /*verifyRecursively=*/false);
    captured = capture.message;
  }
  if (failed(verified)) {
    error() << captured;
    return failure();
  }
  return op;
}

LogicalResult NodeImporter::emit(StringRef opName, ValueRange operands,
                                 ArrayRef<NamedAttribute> attrs) {
  auto op = create(opName, operands, attrs);
  if (failed(op))
    return failure();
  results.assign((*op)->result_begin(), (*op)->result_end());
  return success();
}

//===----------------------------------------------------------------------===//
// Builders
//===----------------------------------------------------------------------===//

namespace {

/// onnx.<OpType> of the node's inputs, no attributes.
template <int minInputs, int maxInputs = minInputs>
LogicalResult buildPlain(NodeImporter &n) {
  if (failed(n.needInputs(minInputs, maxInputs)))
    return failure();
  return n.emit(("onnx." + n.opType()).str(), n.in);
}

/// Elementwise ops: one onnx.<OpType> of the same name.
LogicalResult buildBinary(NodeImporter &n) { return buildPlain<2>(n); }
LogicalResult buildUnary(NodeImporter &n) { return buildPlain<1>(n); }

/// Variadic Max/Min: a chain of binary ops (one input: Identity).
LogicalResult buildVariadicMinMax(NodeImporter &n) {
  if (failed(n.needInputs(1, 64)))
    return failure();
  std::string opName = ("onnx." + n.opType()).str();
  Value acc = n.in[0];
  if (n.in.size() == 1)
    return n.emit("onnx.Identity", {acc});
  for (size_t i = 1; i < n.in.size(); ++i) {
    if (failed(n.emit(opName, {acc, n.in[i]})))
      return failure();
    acc = n.results[0];
  }
  return success();
}

/// Dropout at inference: identity (the optional mask output is not
/// supported).
LogicalResult buildDropout(NodeImporter &n) {
  if (failed(n.needInputs(1, 3)))
    return failure();
  return n.emit("onnx.Identity", {n.in[0]});
}

LogicalResult buildCast(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto to = n.intAttr("to", -1);
  if (failed(to))
    return failure();
  if (*to < 0)
    return n.error() << "missing attribute 'to'";
  auto elt = n.tensors.elementType(*to, n.loc);
  if (failed(elt))
    return failure();
  return n.emit("onnx.Cast", {n.in[0]}, {n.named("to", TypeAttr::get(*elt))});
}

LogicalResult buildGemm(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto alpha = n.floatAttr("alpha", 1.0f);
  auto beta = n.floatAttr("beta", 1.0f);
  auto ta = n.intAttr("transA", 0), tb = n.intAttr("transB", 0);
  if (failed(alpha) || failed(beta) || failed(ta) || failed(tb))
    return failure();
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value c = n.input(2))
    ops.push_back(c);
  return n.emit("onnx.Gemm", ops,
                {n.named("alpha", n.b.getF32FloatAttr(*alpha)),
                 n.named("beta", n.b.getF32FloatAttr(*beta)),
                 n.named("transA", n.i64(*ta != 0)),
                 n.named("transB", n.i64(*tb != 0))});
}

LogicalResult buildConv(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto wType = cast<RankedTensorType>(n.in[1].getType());
  int64_t spatial = wType.getRank() - 2;
  if (spatial < 1)
    return n.error() << "weight must have rank >= 3";
  const AttributeProto *autoPad = n.attr("auto_pad");
  if (autoPad && autoPad->s() != "NOTSET" && autoPad->s() != "VALID")
    return n.error() << "auto_pad '" << printableName(autoPad->s())
                     << "' is not supported (use explicit pads)";
  auto ks = n.intsAttr("kernel_shape"), st = n.intsAttr("strides"),
       pads = n.intsAttr("pads"), dil = n.intsAttr("dilations");
  auto group = n.intAttr("group", 1);
  if (failed(ks) || failed(st) || failed(pads) || failed(dil) || failed(group))
    return failure();
  auto wSpatial = wType.getShape().drop_front(2);
  std::vector<int64_t> kernel =
      ks->value_or(std::vector<int64_t>(wSpatial.begin(), wSpatial.end()));
  std::vector<int64_t> strides = st->value_or(std::vector<int64_t>(spatial, 1));
  std::vector<int64_t> padv =
      pads->value_or(std::vector<int64_t>(2 * spatial, 0));
  std::vector<int64_t> dils = dil->value_or(std::vector<int64_t>(spatial, 1));
  if ((int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
      (int64_t)padv.size() != 2 * spatial || (int64_t)dils.size() != spatial)
    return n.error() << "kernel_shape/strides/pads/dilations do not match "
                        "the weight rank";
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value bias = n.input(2))
    ops.push_back(bias);
  return n.emit("onnx.Conv", ops,
                {n.named("kernel_shape", n.b.getDenseI64ArrayAttr(kernel)),
                 n.named("strides", n.b.getDenseI64ArrayAttr(strides)),
                 n.named("pads", n.b.getDenseI64ArrayAttr(padv)),
                 n.named("dilations", n.b.getDenseI64ArrayAttr(dils)),
                 n.named("group", n.i64(*group))});
}

/// Softmax from opset 13: over one axis (default -1).
LogicalResult buildSoftmax(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto axis = n.intAttr("axis", -1);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Softmax", {n.in[0]}, {n.named("axis", n.i64(*norm))});
}

/// Softmax before opset 13 normalizes the input coerced to 2-D at `axis`
/// (default 1): Flatten(axis) -> Softmax over the last axis -> Reshape back.
LogicalResult buildSoftmaxCoerced2D(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto axis = n.intAttr("axis", 1);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, rank);
  if (failed(norm))
    return failure();
  if (*norm == rank - 1)
    return n.emit("onnx.Softmax", {n.in[0]}, {n.named("axis", n.i64(*norm))});
  auto flat =
      n.create("onnx.Flatten", {n.in[0]}, {n.named("axis", n.i64(*norm))});
  if (failed(flat))
    return failure();
  auto sm = n.create("onnx.Softmax", {(*flat)->getResult(0)},
                     {n.named("axis", n.i64(1))});
  auto shape =
      n.create("onnx.Shape", {n.in[0]},
               {n.named("start", n.i64(0)), n.named("end", n.i64(rank))});
  if (failed(sm) || failed(shape))
    return failure();
  return n.emit("onnx.Reshape", {(*sm)->getResult(0), (*shape)->getResult(0)},
                {n.named("allowzero", n.i64(0))});
}

LogicalResult buildLayerNormalization(NodeImporter &n) {
  if (failed(n.needInputs(2, 3)))
    return failure();
  auto axis = n.intAttr("axis", -1);
  auto eps = n.floatAttr("epsilon", 1e-5f);
  if (failed(axis) || failed(eps))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  SmallVector<Value> ops{n.in[0], n.in[1]};
  if (Value bias = n.input(2))
    ops.push_back(bias);
  return n.emit("onnx.LayerNormalization", ops,
                {n.named("axis", n.i64(*norm)),
                 n.named("epsilon", n.b.getF32FloatAttr(*eps))});
}

/// Reduce*: `axes` as an attribute (axesAsInput false) or as an optional
/// constant input. Empty axes reduce everything unless noop_with_empty_axes
/// (opset 18 / ReduceSum 13), which makes the op an Identity.
template <bool axesAsInput> LogicalResult buildReduce(NodeImporter &n) {
  if (failed(n.needInputs(1, axesAsInput ? 2 : 1)))
    return failure();
  std::vector<int64_t> axes;
  if (axesAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      axes = *c;
    }
  } else {
    auto a = n.intsAttr("axes");
    if (failed(a))
      return failure();
    axes = a->value_or(std::vector<int64_t>());
  }
  auto keep = n.intAttr("keepdims", 1);
  auto noop = n.intAttr("noop_with_empty_axes", 0);
  if (failed(keep) || failed(noop))
    return failure();
  if (axes.empty() && *noop)
    return n.emit("onnx.Identity", {n.in[0]});
  int64_t rank = n.rankOf(n.in[0]);
  for (int64_t &a : axes) {
    auto norm = n.normAxis(a, rank);
    if (failed(norm))
      return failure();
    a = *norm;
  }
  llvm::sort(axes);
  axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
  return n.emit(("onnx." + n.opType()).str(), {n.in[0]},
                {n.named("axes", n.b.getDenseI64ArrayAttr(axes)),
                 n.named("keepdims", n.i64(*keep != 0))});
}

LogicalResult buildConstant(NodeImporter &n) {
  if (n.node.attribute_size() != 1)
    return n.error() << "expects exactly one value attribute";
  const AttributeProto &a = n.node.attribute(0);
  OpBuilder &b = n.b;
  ElementsAttr value;
  if (a.name() == "value" && a.type() == AttributeProto::TENSOR) {
    TensorProto t = a.t();
    auto v = n.tensors.tensorAttr(t, n.loc, &n.node, a.name());
    if (failed(v))
      return failure();
    value = *v;
  } else if (a.name() == "value_float") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getF32Type()),
                                   a.f());
  } else if (a.name() == "value_floats") {
    std::vector<float> v(a.floats().begin(), a.floats().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getF32Type()),
        ArrayRef<float>(v));
  } else if (a.name() == "value_int") {
    value = DenseElementsAttr::get(RankedTensorType::get({}, b.getI64Type()),
                                   (int64_t)a.i());
  } else if (a.name() == "value_ints") {
    std::vector<int64_t> v(a.ints().begin(), a.ints().end());
    value = DenseElementsAttr::get(
        RankedTensorType::get({(int64_t)v.size()}, b.getI64Type()),
        ArrayRef<int64_t>(v));
  } else {
    return n.error() << "attribute '" << printableName(a.name())
                     << "' is not supported (sparse and string constants)";
  }
  return n.emit("onnx.Constant", {}, {n.named("value", value)});
}

LogicalResult buildConstantOfShape(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  ElementsAttr value = DenseElementsAttr::get(
      RankedTensorType::get({1}, n.b.getF32Type()), 0.0f);
  if (const AttributeProto *a = n.attr("value")) {
    if (a->type() != AttributeProto::TENSOR)
      return n.error() << "attribute 'value' must be a tensor";
    TensorProto t = a->t();
    auto v = n.tensors.tensorAttr(t, n.loc, &n.node, "value");
    if (failed(v))
      return failure();
    if (v->getNumElements() != 1)
      return n.error() << "'value' must hold exactly one element";
    value = *v;
  }
  return n.emit("onnx.ConstantOfShape", {n.in[0]}, {n.named("value", value)});
}

/// Shape; `start`/`end` (opset 15) are clamped as the spec says (absent
/// before 15, which reads as the whole shape).
LogicalResult buildShape(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto start = n.intAttr("start", 0), end = n.intAttr("end", rank);
  if (failed(start) || failed(end))
    return failure();
  auto clampAxis = [&](int64_t a) {
    if (a < 0)
      a += rank;
    return std::clamp<int64_t>(a, 0, rank);
  };
  int64_t s0 = clampAxis(*start), e0 = std::max(s0, clampAxis(*end));
  return n.emit("onnx.Shape", {n.in[0]},
                {n.named("start", n.i64(s0)), n.named("end", n.i64(e0))});
}

LogicalResult buildReshape(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto allowzero = n.intAttr("allowzero", 0);
  if (failed(allowzero))
    return failure();
  return n.emit("onnx.Reshape", n.in,
                {n.named("allowzero", n.i64(*allowzero))});
}

LogicalResult buildTranspose(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto perm = n.intsAttr("perm");
  if (failed(perm))
    return failure();
  std::vector<int64_t> p;
  if (*perm) {
    p = **perm;
  } else {
    for (int64_t i = rank - 1; i >= 0; --i)
      p.push_back(i);
  }
  if ((int64_t)p.size() != rank)
    return n.error() << "perm has " << p.size() << " entries for rank " << rank;
  for (int64_t &x : p) {
    auto norm = n.normAxis(x, rank);
    if (failed(norm))
      return failure();
    x = *norm;
  }
  return n.emit("onnx.Transpose", {n.in[0]},
                {n.named("perm", n.b.getDenseI64ArrayAttr(p))});
}

/// Unsqueeze/Squeeze with `axes` as an attribute (before opset 13) or as an
/// optional constant input (13 on).
template <bool axesAsInput>
LogicalResult buildSqueezeOrUnsqueeze(NodeImporter &n) {
  bool unsq = n.opType() == "Unsqueeze";
  if (failed(n.needInputs(1, axesAsInput ? 2 : 1)))
    return failure();
  std::vector<int64_t> axes;
  bool haveAxes = true;
  if (axesAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      axes = *c;
    } else {
      haveAxes = false;
    }
  } else {
    auto a = n.intsAttr("axes");
    if (failed(a))
      return failure();
    haveAxes = a->has_value();
    axes = a->value_or(std::vector<int64_t>());
  }
  int64_t rank = n.rankOf(n.in[0]);
  if (unsq && !haveAxes)
    return n.error() << "missing axes";
  if (!unsq && !haveAxes) {
    // Squeeze every dimension of size 1: they must be known.
    auto t = cast<RankedTensorType>(n.in[0].getType());
    for (int64_t i = 0; i < rank; ++i) {
      if (t.isDynamicDim(i))
        return n.error() << "Squeeze without axes needs a static shape, got "
                         << t;
      if (t.getDimSize(i) == 1)
        axes.push_back(i);
    }
  }
  int64_t outRank = unsq ? rank + (int64_t)axes.size() : rank;
  for (int64_t &a : axes) {
    auto norm = n.normAxis(a, outRank);
    if (failed(norm))
      return failure();
    a = *norm;
  }
  llvm::sort(axes);
  if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
    return n.error() << "repeated axis";
  return n.emit(unsq ? "onnx.Unsqueeze" : "onnx.Squeeze", {n.in[0]},
                {n.named("axes", n.b.getDenseI64ArrayAttr(axes))});
}

LogicalResult buildFlatten(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  int64_t rank = n.rankOf(n.in[0]);
  auto axis = n.intAttr("axis", 1);
  if (failed(axis))
    return failure();
  int64_t a = *axis < 0 ? *axis + rank : *axis;
  if (a < 0 || a > rank)
    return n.error() << "axis " << *axis << " is out of range for rank "
                     << rank;
  return n.emit("onnx.Flatten", {n.in[0]}, {n.named("axis", n.i64(a))});
}

LogicalResult buildConcat(NodeImporter &n) {
  if (failed(n.needInputs(1, 1 << 20)))
    return failure();
  // `axis` is required (no default) at every opset.
  if (!n.attr("axis"))
    return n.error() << "missing required attribute 'axis'";
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Concat", n.in, {n.named("axis", n.i64(*norm))});
}

/// Slice with starts/ends/axes/steps as inputs (opset 10 on); the default
/// axes and steps are materialized.
LogicalResult buildSlice(NodeImporter &n) {
  if (failed(n.needInputs(3, 5)))
    return failure();
  auto startsType = cast<RankedTensorType>(n.in[1].getType());
  if (startsType.getRank() != 1)
    return n.error() << "starts must be 1-D, got " << startsType;
  int64_t len = startsType.getDimSize(0);
  if (ShapedType::isDynamic(len))
    return n.error() << "starts must have a static length";
  SmallVector<Value> ops{n.in[0], n.in[1], n.in[2]};
  if (Value axes = n.input(3)) {
    ops.push_back(axes);
  } else {
    std::vector<int64_t> all(len);
    for (int64_t i = 0; i < len; ++i)
      all[i] = i;
    ops.push_back(n.i64Constant(all));
  }
  if (Value steps = n.input(4))
    ops.push_back(steps);
  else
    ops.push_back(n.i64Constant(std::vector<int64_t>(len, 1)));
  return n.emit("onnx.Slice", ops);
}

/// Split with `split` as an attribute (before 13) or an optional constant
/// input (13 on); without sizes, equal pieces (num_outputs from 18, else
/// one per output), the last one smaller.
template <bool splitAsInput> LogicalResult buildSplit(NodeImporter &n) {
  if (failed(n.needInputs(1, splitAsInput ? 2 : 1)))
    return failure();
  auto axisAttr = n.intAttr("axis", 0);
  if (failed(axisAttr))
    return failure();
  auto t = cast<RankedTensorType>(n.in[0].getType());
  auto axis = n.normAxis(*axisAttr, t.getRank());
  if (failed(axis))
    return failure();
  int64_t numOutputs = n.node.output_size();
  std::optional<std::vector<int64_t>> split;
  if (splitAsInput) {
    if (n.input(1)) {
      auto c = n.constantInts(1);
      if (failed(c))
        return failure();
      split = *c;
    }
  } else {
    auto a = n.intsAttr("split");
    if (failed(a))
      return failure();
    split = *a;
  }
  if (n.attr("num_outputs")) {
    auto no = n.intAttr("num_outputs", 0);
    if (failed(no))
      return failure();
    if (*no != numOutputs)
      return n.error() << "num_outputs is " << *no << " but the node has "
                       << numOutputs << " outputs";
  }
  if (numOutputs < 1)
    return n.error() << "Split needs at least one output";
  int64_t dim = t.getDimSize(*axis);
  if (split) {
    int64_t sum = 0;
    for (int64_t v : *split)
      if (v < 0 || __builtin_add_overflow(sum, v, &sum))
        return n.error() << "split sizes must be >= 0 (and sum to the axis)";
    if (!ShapedType::isDynamic(dim) && sum != dim)
      return n.error() << "split sizes sum to " << sum << ", not to the size "
                       << dim << " of axis " << *axis;
  }
  if (!split && !ShapedType::isDynamic(dim)) {
    int64_t piece = (dim + numOutputs - 1) / numOutputs;
    split.emplace();
    for (int64_t i = 0, left = dim; i < numOutputs; ++i, left -= piece)
      split->push_back(std::max<int64_t>(0, std::min(piece, left)));
  }
  if (split && (int64_t)split->size() != numOutputs)
    return n.error() << "split has " << split->size() << " entries for "
                     << numOutputs << " outputs";
  SmallVector<Type> types;
  for (int64_t i = 0; i < numOutputs; ++i) {
    SmallVector<int64_t> shape(t.getShape());
    shape[*axis] = split ? (*split)[i] : ShapedType::kDynamic;
    types.push_back(RankedTensorType::get(shape, t.getElementType()));
  }
  SmallVector<NamedAttribute> attrs{n.named("axis", n.i64(*axis))};
  if (split)
    attrs.push_back(n.named("split", n.b.getDenseI64ArrayAttr(*split)));
  auto op = n.createWithTypes("onnx.Split", {n.in[0]}, attrs, types);
  if (failed(op))
    return failure();
  n.results.assign((*op)->result_begin(), (*op)->result_end());
  return success();
}

LogicalResult buildGather(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.Gather", n.in, {n.named("axis", n.i64(*norm))});
}

/// CumSum: the axis input must be constant; it becomes an attribute.
LogicalResult buildCumSum(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axes = n.constantInts(1);
  if (failed(axes))
    return failure();
  if (axes->size() != 1)
    return n.error() << "axis must be a single constant";
  auto norm = n.normAxis((*axes)[0], n.rankOf(n.in[0]));
  auto exclusive = n.intAttr("exclusive", 0);
  auto reverse = n.intAttr("reverse", 0);
  if (failed(norm) || failed(exclusive) || failed(reverse))
    return failure();
  return n.emit("onnx.CumSum", {n.in[0]},
                {n.named("axis", n.i64(*norm)),
                 n.named("exclusive", n.i64(*exclusive != 0)),
                 n.named("reverse", n.i64(*reverse != 0))});
}

LogicalResult buildTrilu(NodeImporter &n) {
  if (failed(n.needInputs(1, 2)))
    return failure();
  auto upper = n.intAttr("upper", 1);
  if (failed(upper))
    return failure();
  SmallVector<Value> ops{n.in[0]};
  if (Value k = n.input(1))
    ops.push_back(k);
  return n.emit("onnx.Trilu", ops, {n.named("upper", n.i64(*upper != 0))});
}

LogicalResult buildGatherND(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto batchDims = n.intAttr("batch_dims", 0); // opset 12; absent before
  if (failed(batchDims))
    return failure();
  return n.emit("onnx.GatherND", n.in,
                {n.named("batch_dims", n.i64(*batchDims))});
}

LogicalResult buildGatherElements(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  if (failed(axis))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.GatherElements", n.in, {n.named("axis", n.i64(*norm))});
}

LogicalResult buildGelu(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto approximate = n.stringAttr("approximate", "none");
  if (failed(approximate))
    return failure();
  return n.emit("onnx.Gelu", {n.in[0]},
                {n.named("approximate", n.b.getStringAttr(*approximate))});
}

/// ArgMax; select_last_index exists from opset 12 (first index before).
template <bool hasSelectLastIndex> LogicalResult buildArgMax(NodeImporter &n) {
  if (failed(n.needInputs(1, 1)))
    return failure();
  auto axis = n.intAttr("axis", 0);
  auto keep = n.intAttr("keepdims", 1);
  FailureOr<int64_t> last = 0;
  if (hasSelectLastIndex)
    last = n.intAttr("select_last_index", 0);
  if (failed(axis) || failed(keep) || failed(last))
    return failure();
  auto norm = n.normAxis(*axis, n.rankOf(n.in[0]));
  if (failed(norm))
    return failure();
  return n.emit("onnx.ArgMax", {n.in[0]},
                {n.named("axis", n.i64(*norm)),
                 n.named("keepdims", n.i64(*keep != 0)),
                 n.named("select_last_index", n.i64(*last != 0))});
}

/// onnx.Clip of the input and the bounds that are present.
LogicalResult emitClip(NodeImporter &n, Value x, Value lo, Value hi) {
  SmallVector<Value> ops{x};
  if (lo)
    ops.push_back(lo);
  if (hi)
    ops.push_back(hi);
  return n.emit(
      "onnx.Clip", ops,
      {n.named("operandSegmentSizes",
               n.b.getDenseI32ArrayAttr({1, lo ? 1 : 0, hi ? 1 : 0}))});
}

/// Clip from opset 11: `min`/`max` are optional inputs.
LogicalResult buildClipWithInputs(NodeImporter &n) {
  if (failed(n.needInputs(1, 3)))
    return failure();
  return emitClip(n, n.in[0], n.input(1), n.input(2));
}

LogicalResult buildMod(NodeImporter &n) {
  if (failed(n.needInputs(2, 2)))
    return failure();
  auto fmod = n.intAttr("fmod", 0);
  if (failed(fmod))
    return failure();
  return n.emit("onnx.Mod", n.in, {n.named("fmod", n.i64(*fmod))});
}

} // namespace

//===----------------------------------------------------------------------===//
// The table
//===----------------------------------------------------------------------===//

// Rows start at the opset whose semantics the builder implements (earlier
// versions of some ops had other broadcasting rules or attributes); an op
// whose form changed has one row per form. Models outside kMinOpset..
// kMaxOpset (ONNXImporter.h) are rejected before any row is looked up, so
// rows only matter within that range. kOpenOpset: and every later
// opset. Keep the rows sorted by op type.
// One row per line:
// clang-format off
static const OpForm kOpTable[] = {
    {"", "Abs", 6, kOpenOpset, buildUnary},
    {"", "Add", 7, kOpenOpset, buildBinary},
    {"", "And", 7, kOpenOpset, buildBinary},
    // select_last_index from opset 12.
    {"", "ArgMax", 1, 11, buildArgMax</*hasSelectLastIndex=*/false>},
    {"", "ArgMax", 12, kOpenOpset, buildArgMax</*hasSelectLastIndex=*/true>},
    {"", "Cast", 6, kOpenOpset, buildCast},
    {"", "Ceil", 6, kOpenOpset, buildUnary},
    // min/max are optional inputs from opset 11 (bertc's oldest).
    {"", "Clip", 11, kOpenOpset, buildClipWithInputs},
    {"", "Concat", 4, kOpenOpset, buildConcat},
    {"", "Constant", 1, kOpenOpset, buildConstant},
    {"", "ConstantOfShape", 9, kOpenOpset, buildConstantOfShape},
    {"", "Conv", 1, kOpenOpset, buildConv},
    {"", "Cos", 7, kOpenOpset, buildUnary},
    {"", "CumSum", 11, kOpenOpset, buildCumSum},
    {"", "Div", 7, kOpenOpset, buildBinary},
    {"", "Dropout", 1, kOpenOpset, buildDropout},
    {"", "Equal", 7, kOpenOpset, buildBinary},
    {"", "Erf", 9, kOpenOpset, buildUnary},
    {"", "Exp", 6, kOpenOpset, buildUnary},
    {"", "Expand", 8, kOpenOpset, buildPlain<2>},
    {"", "Flatten", 1, kOpenOpset, buildFlatten},
    {"", "Floor", 6, kOpenOpset, buildUnary},
    {"", "Gather", 1, kOpenOpset, buildGather},
    {"", "GatherElements", 11, kOpenOpset, buildGatherElements},
    // batch_dims from opset 12 (absent, i.e. 0, at 11).
    {"", "GatherND", 11, kOpenOpset, buildGatherND},
    {"", "Gelu", 20, kOpenOpset, buildGelu},
    {"", "Gemm", 7, kOpenOpset, buildGemm},
    {"", "Greater", 7, kOpenOpset, buildBinary},
    {"", "GreaterOrEqual", 12, kOpenOpset, buildBinary},
    {"", "Identity", 1, kOpenOpset, buildUnary},
    {"", "IsNaN", 9, kOpenOpset, buildUnary},
    {"", "LayerNormalization", 17, kOpenOpset, buildLayerNormalization},
    {"", "Less", 7, kOpenOpset, buildBinary},
    {"", "LessOrEqual", 12, kOpenOpset, buildBinary},
    {"", "Log", 6, kOpenOpset, buildUnary},
    {"", "MatMul", 1, kOpenOpset, buildBinary},
    {"", "Max", 8, kOpenOpset, buildVariadicMinMax},
    {"", "Min", 8, kOpenOpset, buildVariadicMinMax},
    {"", "Mod", 10, kOpenOpset, buildMod},
    {"", "Mul", 7, kOpenOpset, buildBinary},
    {"", "Neg", 6, kOpenOpset, buildUnary},
    {"", "Not", 1, kOpenOpset, buildUnary},
    {"", "Or", 7, kOpenOpset, buildBinary},
    {"", "Pow", 7, kOpenOpset, buildBinary},
    {"", "Range", 11, kOpenOpset, buildPlain<3>},
    {"", "Reciprocal", 6, kOpenOpset, buildUnary},
    {"", "ReduceL2", 1, 17, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceL2", 18, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "ReduceMax", 1, 17, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceMax", 18, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "ReduceMean", 1, 17, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceMean", 18, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "ReduceMin", 1, 17, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceMin", 18, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "ReduceProd", 1, 17, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceProd", 18, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "ReduceSum", 1, 12, buildReduce</*axesAsInput=*/false>},
    {"", "ReduceSum", 13, kOpenOpset, buildReduce</*axesAsInput=*/true>},
    {"", "Relu", 6, kOpenOpset, buildUnary},
    {"", "Reshape", 5, kOpenOpset, buildReshape},
    {"", "Round", 11, kOpenOpset, buildUnary},
    {"", "Shape", 1, kOpenOpset, buildShape},
    {"", "Sigmoid", 6, kOpenOpset, buildUnary},
    {"", "Sign", 9, kOpenOpset, buildUnary},
    {"", "Sin", 7, kOpenOpset, buildUnary},
    {"", "Slice", 10, kOpenOpset, buildSlice},
    {"", "Softmax", 1, 12, buildSoftmaxCoerced2D},
    {"", "Softmax", 13, kOpenOpset, buildSoftmax},
    {"", "Split", 2, 12, buildSplit</*splitAsInput=*/false>},
    {"", "Split", 13, kOpenOpset, buildSplit</*splitAsInput=*/true>},
    {"", "Sqrt", 6, kOpenOpset, buildUnary},
    {"", "Squeeze", 1, 12, buildSqueezeOrUnsqueeze</*axesAsInput=*/false>},
    {"", "Squeeze", 13, kOpenOpset, buildSqueezeOrUnsqueeze</*axesAsInput=*/true>},
    {"", "Sub", 7, kOpenOpset, buildBinary},
    {"", "Tanh", 6, kOpenOpset, buildUnary},
    {"", "Tile", 6, kOpenOpset, buildPlain<2>},
    {"", "Transpose", 1, kOpenOpset, buildTranspose},
    {"", "Trilu", 14, kOpenOpset, buildTrilu},
    {"", "Unsqueeze", 1, 12, buildSqueezeOrUnsqueeze</*axesAsInput=*/false>},
    {"", "Unsqueeze", 13, kOpenOpset, buildSqueezeOrUnsqueeze</*axesAsInput=*/true>},
    {"", "Where", 9, kOpenOpset, buildPlain<3>},
    {"", "Xor", 7, kOpenOpset, buildBinary},
};
// clang-format on

ArrayRef<OpForm> opTable() { return kOpTable; }

SmallVector<const OpForm *> findOpForms(StringRef domain, StringRef opType) {
  static const llvm::StringMap<SmallVector<const OpForm *>> index = [] {
    llvm::StringMap<SmallVector<const OpForm *>> m;
    for (const OpForm &f : kOpTable)
      m[(f.domain + "|" + f.opType).str()].push_back(&f);
    return m;
  }();
  if (domain == "ai.onnx")
    domain = "";
  auto it = index.find((domain + "|" + opType).str());
  if (it == index.end())
    return {};
  return it->second;
}

} // namespace bertc::importer
