//===- NodeImporter.cpp - What every node builder uses --------------------===//
//
// NodeImporter (NodeImport.h): the helpers of the op table's builders.
// Inputs and constant inputs, attributes with their defaults, and creating
// ops: result types come from the op's InferTypeOpInterface, then the op
// is verified; every failure is a diagnostic that names the node (nodeError).
//
//===----------------------------------------------------------------------===//
#include "NodeImport.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Import/ONNXImporter.h"

#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "llvm/ADT/STLExtras.h"

using namespace mlir;

namespace bertc::importer {

using AttributeProto = ::onnx::AttributeProto;

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

} // namespace bertc::importer
