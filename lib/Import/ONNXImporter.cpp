//===- ONNXImporter.cpp - ONNX ModelProto to the onnx dialect -------------===//
//
// One onnx-dialect op per ONNX node, in graph order, each located at
// NameLoc(node name, file). Initializers become onnx.Constant ops (large
// ones as dense_resource blobs that own the protobuf's bytes: the weights are
// never copied again). Opset differences (attributes that became inputs,
// changed defaults) are resolved here so that the dialect has one form per
// op. Every failure is a diagnostic naming the node, its op type and the
// opset; nothing aborts.
//
//===----------------------------------------------------------------------===//
#include "bertc/Import/ONNXImporter.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <functional>
#include <memory>

using namespace mlir;

namespace bertc {
namespace {

using NodeProto = ::onnx::NodeProto;
using TensorProto = ::onnx::TensorProto;
using AttributeProto = ::onnx::AttributeProto;

/// Thrown-free error plumbing: every import step returns LogicalResult and
/// reports through the context's diagnostic engine.
class Importer {
public:
  Importer(MLIRContext &ctx, StringRef sourceName, const ImportOptions &options)
      : ctx(ctx), b(&ctx), sourceName(sourceName.str()), options(options) {
    ctx.getOrLoadDialect<onnx::ONNXDialect>();
    ctx.getOrLoadDialect<func::FuncDialect>();
    fileLoc = FileLineColLoc::get(&ctx, sourceName, 0, 0);
  }

  OwningOpRef<ModuleOp> run(::onnx::ModelProto &model);

private:
  // --- diagnostics -------------------------------------------------------
  InFlightDiagnostic error() { return emitError(fileLoc); }
  InFlightDiagnostic error(const NodeProto &node) {
    return emitError(nodeLoc(node))
           << "node '" << displayName(node) << "' (op type '" << node.op_type()
           << "', domain '" << node.domain() << "', opset " << opset << "): ";
  }
  /// The node's name, or "OpType(first output)" for unnamed nodes.
  static std::string displayName(const NodeProto &node) {
    return node.name().empty()
               ? node.op_type() + "(" +
                     (node.output_size() ? node.output(0) : "") + ")"
               : node.name();
  }
  Location nodeLoc(const NodeProto &node) {
    return NameLoc::get(StringAttr::get(&ctx, displayName(node)), fileLoc);
  }

  // --- types and tensors -------------------------------------------------
  FailureOr<Type> elementType(int32_t onnxType, Location loc);
  FailureOr<RankedTensorType> valueInfoType(const ::onnx::ValueInfoProto &vi,
                                            ArrayAttr *dimNames);
  FailureOr<ElementsAttr> tensorAttr(TensorProto &tensor, Location loc);
  FailureOr<std::vector<char>> readExternal(const TensorProto &tensor,
                                            Location loc);

  // --- graph -------------------------------------------------------------
  LogicalResult importNode(const NodeProto &node);
  FailureOr<Value> lookup(const NodeProto &node, int i);
  FailureOr<Operation *> create(const NodeProto &node, StringRef opName,
                                ValueRange operands,
                                ArrayRef<NamedAttribute> attrs);
  FailureOr<std::vector<int64_t>> constantInts(const NodeProto &node, int input);

  // Attribute access (absent -> default).
  const AttributeProto *attr(const NodeProto &node, StringRef name) {
    for (const AttributeProto &a : node.attribute())
      if (a.name() == name)
        return &a;
    return nullptr;
  }
  FailureOr<int64_t> intAttr(const NodeProto &node, StringRef name,
                             int64_t dflt);
  FailureOr<float> floatAttr(const NodeProto &node, StringRef name, float dflt);
  FailureOr<std::optional<std::vector<int64_t>>>
  intsAttr(const NodeProto &node, StringRef name);

  /// Normalizes `axis` for a tensor of rank `rank`, or fails naming it.
  FailureOr<int64_t> normAxis(const NodeProto &node, int64_t axis, int64_t rank) {
    if (axis < -rank || axis >= rank) {
      error(node) << "axis " << axis << " is out of range for rank " << rank;
      return failure();
    }
    return axis < 0 ? axis + rank : axis;
  }
  static int64_t rankOf(Value v) {
    return cast<RankedTensorType>(v.getType()).getRank();
  }
  Value i64Constant(Location loc, ArrayRef<int64_t> values) {
    auto type = RankedTensorType::get({(int64_t)values.size()}, b.getI64Type());
    return b.create<onnx::ConstantOp>(loc, type,
                                      DenseElementsAttr::get(type, values));
  }

  MLIRContext &ctx;
  OpBuilder b;
  std::string sourceName;
  const ImportOptions &options;
  Location fileLoc = UnknownLoc::get(&ctx);
  int64_t opset = 0;
  llvm::StringMap<Value> values;
  unsigned resourceCounter = 0;
};

FailureOr<Type> Importer::elementType(int32_t t, Location loc) {
  switch (t) {
  case TensorProto::FLOAT: return b.getF32Type();
  case TensorProto::FLOAT16: return b.getF16Type();
  case TensorProto::BFLOAT16: return b.getBF16Type();
  case TensorProto::DOUBLE: return b.getF64Type();
  case TensorProto::INT8: return b.getIntegerType(8);
  case TensorProto::UINT8: return b.getIntegerType(8, /*isSigned=*/false);
  case TensorProto::INT16: return b.getIntegerType(16);
  case TensorProto::INT32: return b.getI32Type();
  case TensorProto::INT64: return b.getI64Type();
  case TensorProto::BOOL: return b.getI1Type();
  default:
    break;
  }
  const char *name = TensorProto::DataType_IsValid(t)
                         ? TensorProto::DataType_Name(
                               static_cast<TensorProto::DataType>(t))
                               .c_str()
                         : "invalid";
  emitError(loc) << "unsupported ONNX element type " << name << " (" << t
                 << ")";
  return failure();
}

FailureOr<RankedTensorType>
Importer::valueInfoType(const ::onnx::ValueInfoProto &vi, ArrayAttr *dimNames) {
  Location loc = NameLoc::get(StringAttr::get(&ctx, vi.name()), fileLoc);
  if (!vi.type().has_tensor_type()) {
    emitError(loc) << "value '" << vi.name()
                   << "' is not a tensor (sequences, maps and optionals are "
                      "not supported)";
    return failure();
  }
  const auto &tt = vi.type().tensor_type();
  auto elt = elementType(tt.elem_type(), loc);
  if (failed(elt))
    return failure();
  if (!tt.has_shape()) {
    emitError(loc) << "value '" << vi.name()
                   << "' has no shape (its rank must be known)";
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<Attribute> names;
  for (const auto &d : tt.shape().dim()) {
    if (d.has_dim_value() && d.dim_value() >= 0) {
      shape.push_back(d.dim_value());
      names.push_back(b.getStringAttr(""));
    } else {
      shape.push_back(ShapedType::kDynamic);
      names.push_back(b.getStringAttr(d.has_dim_param() ? d.dim_param() : ""));
    }
  }
  if (dimNames)
    *dimNames = b.getArrayAttr(names);
  return RankedTensorType::get(shape, *elt);
}

FailureOr<std::vector<char>> Importer::readExternal(const TensorProto &tensor,
                                                    Location loc) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location")
      location = kv.value();
    else if (kv.key() == "offset")
      offset = std::strtoll(kv.value().c_str(), nullptr, 10);
    else if (kv.key() == "length")
      length = std::strtoll(kv.value().c_str(), nullptr, 10);
  }
  if (location.empty() || offset < 0) {
    emitError(loc) << "initializer '" << tensor.name()
                   << "' has external data without a valid location/offset";
    return failure();
  }
  if (llvm::sys::path::is_absolute(location) ||
      StringRef(location).contains("..")) {
    emitError(loc) << "initializer '" << tensor.name()
                   << "': external data location '" << location
                   << "' must be a relative path inside the model directory";
    return failure();
  }
  SmallString<256> path(options.externalDataDir);
  if (path.empty())
    path = llvm::sys::path::parent_path(sourceName);
  llvm::sys::path::append(path, location);
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(loc) << "initializer '" << tensor.name()
                   << "': cannot read external data file '" << path
                   << "': " << buffer.getError().message();
    return failure();
  }
  int64_t size = (*buffer)->getBufferSize();
  if (length < 0)
    length = size - offset;
  if (offset > size || length > size - offset) {
    emitError(loc) << "initializer '" << tensor.name() << "': external data ["
                   << offset << ", " << offset + length << ") is outside '"
                   << path << "' (" << size << " bytes)";
    return failure();
  }
  const char *start = (*buffer)->getBufferStart() + offset;
  return std::vector<char>(start, start + length);
}

FailureOr<ElementsAttr> Importer::tensorAttr(TensorProto &tensor, Location loc) {
  auto elt = elementType(tensor.data_type(), loc);
  if (failed(elt))
    return failure();
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  int64_t count = 1;
  for (int64_t d : shape) {
    if (d < 0) {
      emitError(loc) << "tensor '" << tensor.name() << "' has a negative dim";
      return failure();
    }
    count *= d;
  }
  auto type = RankedTensorType::get(shape, *elt);
  int64_t eltBytes = elt->isInteger(1) ? 1 : elt->getIntOrFloatBitWidth() / 8;
  int64_t bytes = count * eltBytes;

  // Gather the little-endian bytes, or take ownership of raw_data.
  std::unique_ptr<std::string> owned;
  std::vector<char> data;
  if (tensor.data_location() == TensorProto::EXTERNAL) {
    auto ext = readExternal(tensor, loc);
    if (failed(ext))
      return failure();
    data = std::move(*ext);
  } else if (tensor.has_raw_data()) {
    owned.reset(tensor.release_raw_data());
  } else {
    data.resize(bytes);
    auto fill = [&](const auto &field, auto convert) -> LogicalResult {
      if (field.size() != count)
        return failure();
      for (int64_t i = 0; i < count; ++i)
        convert(i, field.Get(i));
      return success();
    };
    auto put = [&](int64_t i, const void *v, size_t n) {
      std::memcpy(data.data() + i * n, v, n);
    };
    LogicalResult ok = failure();
    switch (tensor.data_type()) {
    case TensorProto::FLOAT:
      ok = fill(tensor.float_data(), [&](int64_t i, float v) { put(i, &v, 4); });
      break;
    case TensorProto::DOUBLE:
      ok = fill(tensor.double_data(), [&](int64_t i, double v) { put(i, &v, 8); });
      break;
    case TensorProto::INT64:
      ok = fill(tensor.int64_data(), [&](int64_t i, int64_t v) { put(i, &v, 8); });
      break;
    case TensorProto::INT32:
      ok = fill(tensor.int32_data(), [&](int64_t i, int32_t v) { put(i, &v, 4); });
      break;
    case TensorProto::INT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      ok = fill(tensor.int32_data(), [&](int64_t i, int32_t v) {
        uint16_t x = static_cast<uint16_t>(v);
        put(i, &x, 2);
      });
      break;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      ok = fill(tensor.int32_data(), [&](int64_t i, int32_t v) {
        uint8_t x = static_cast<uint8_t>(v);
        put(i, &x, 1);
      });
      break;
    default:
      break;
    }
    if (failed(ok)) {
      emitError(loc) << "tensor '" << tensor.name() << "' holds "
                     << "a number of values that does not match its shape, "
                        "or data in an unsupported field";
      return failure();
    }
  }
  ArrayRef<char> bytesRef = owned ? ArrayRef<char>(owned->data(), owned->size())
                                  : ArrayRef<char>(data);
  if ((int64_t)bytesRef.size() != bytes) {
    emitError(loc) << "tensor '" << tensor.name() << "' has " << bytesRef.size()
                   << " bytes of data, but its type " << type << " needs "
                   << bytes;
    return failure();
  }

  if (elt->isInteger(1)) {
    SmallVector<bool> bits(count);
    for (int64_t i = 0; i < count; ++i)
      bits[i] = bytesRef[i] != 0;
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bits));
  }
  if (bytes <= options.resourceThresholdBytes || count <= 1) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, bytesRef, splat)) {
      emitError(loc) << "tensor '" << tensor.name() << "': invalid data";
      return failure();
    }
    return cast<ElementsAttr>(DenseElementsAttr::getFromRawBuffer(type, bytesRef));
  }
  // Large: a blob that owns the bytes (no further copies).
  std::string key = tensor.name().empty() ? "weight" : tensor.name();
  for (char &c : key)
    if (!llvm::isAlnum(c) && c != '_' && c != '.')
      c = '_';
  size_t align = std::max<size_t>(eltBytes, 1);
  AsmResourceBlob blob;
  if (owned && reinterpret_cast<uintptr_t>(owned->data()) % align == 0) {
    std::string *raw = owned.release();
    blob = UnmanagedAsmResourceBlob::allocateWithAlign(
        ArrayRef<char>(raw->data(), raw->size()), align,
        [raw](void *, size_t, size_t) { delete raw; });
  } else {
    blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(bytesRef, 64,
                                                         /*dataIsMutable=*/false);
  }
  return cast<ElementsAttr>(
      DenseResourceElementsAttr::get(type, key, std::move(blob)));
}

FailureOr<int64_t> Importer::intAttr(const NodeProto &node, StringRef name,
                                     int64_t dflt) {
  const AttributeProto *a = attr(node, name);
  if (!a)
    return dflt;
  if (a->type() != AttributeProto::INT) {
    error(node) << "attribute '" << name << "' must be an int";
    return failure();
  }
  return a->i();
}

FailureOr<float> Importer::floatAttr(const NodeProto &node, StringRef name,
                                     float dflt) {
  const AttributeProto *a = attr(node, name);
  if (!a)
    return dflt;
  if (a->type() != AttributeProto::FLOAT) {
    error(node) << "attribute '" << name << "' must be a float";
    return failure();
  }
  return a->f();
}

FailureOr<std::optional<std::vector<int64_t>>>
Importer::intsAttr(const NodeProto &node, StringRef name) {
  const AttributeProto *a = attr(node, name);
  if (!a)
    return std::optional<std::vector<int64_t>>();
  if (a->type() != AttributeProto::INTS) {
    error(node) << "attribute '" << name << "' must be a list of ints";
    return failure();
  }
  return std::optional<std::vector<int64_t>>(
      std::vector<int64_t>(a->ints().begin(), a->ints().end()));
}

FailureOr<Value> Importer::lookup(const NodeProto &node, int i) {
  if (i >= node.input_size() || node.input(i).empty())
    return Value();
  auto it = values.find(node.input(i));
  if (it == values.end()) {
    error(node) << "input '" << node.input(i)
                << "' is not a graph input, an initializer or the output of an "
                   "earlier node";
    return failure();
  }
  return it->second;
}

FailureOr<std::vector<int64_t>> Importer::constantInts(const NodeProto &node,
                                                       int input) {
  auto v = lookup(node, input);
  if (failed(v))
    return failure();
  if (auto known = onnx::getConstantIntValues(*v))
    return std::vector<int64_t>(known->begin(), known->end());
  error(node) << "input '" << node.input(input)
              << "' must be a constant (computed at run time here)";
  return failure();
}

/// Creates `opName` with types from its InferTypeOpInterface (never through
/// ODS builders, which abort when inference fails), then verifies it.
FailureOr<Operation *> Importer::create(const NodeProto &node, StringRef opName,
                                        ValueRange operands,
                                        ArrayRef<NamedAttribute> attrs) {
  Location loc = nodeLoc(node);
  OperationState probeState(loc, opName);
  probeState.addOperands(operands);
  probeState.addAttributes(attrs);
  Operation *probe = Operation::create(probeState);
  SmallVector<Type> types;
  LogicalResult inferred = failure();
  // Inference and verification report through the diagnostic engine; keep
  // their messages and re-emit them prefixed with the node.
  std::string captured;
  auto capture = [&](Diagnostic &diag) {
    if (diag.getSeverity() != DiagnosticSeverity::Error)
      return failure();
    if (captured.empty())
      captured = diag.str();
    return success();
  };
  {
    ScopedDiagnosticHandler handler(&ctx, capture);
    if (auto infer = dyn_cast<InferTypeOpInterface>(probe))
      inferred = infer.inferReturnTypes(&ctx, loc, probe->getOperands(),
                                        probe->getAttrDictionary(),
                                        probe->getPropertiesStorage(),
                                        probe->getRegions(), types);
  }
  probe->destroy();
  if (failed(inferred)) {
    std::string operandTypes;
    llvm::raw_string_ostream os(operandTypes);
    llvm::interleaveComma(operands, os, [&](Value v) { os << v.getType(); });
    error(node) << (captured.empty() ? "cannot infer the result type" : captured)
                << " (operand types: " << operandTypes << ")";
    return failure();
  }
  OperationState state(loc, opName);
  state.addOperands(operands);
  state.addAttributes(attrs);
  state.addTypes(types);
  Operation *op = b.create(state);
  LogicalResult verified = failure();
  {
    ScopedDiagnosticHandler handler(&ctx, capture);
    verified = verify(op, /*verifyRecursively=*/false);
  }
  if (failed(verified)) {
    error(node) << captured;
    return failure();
  }
  return op;
}


LogicalResult Importer::importNode(const NodeProto &node) {
  StringRef type = node.op_type();
  if (!node.domain().empty() && node.domain() != "ai.onnx")
    return error(node) << "unsupported ONNX operator (only the default domain "
                          "is supported)";
  Location loc = nodeLoc(node);
  b.setInsertionPointToEnd(b.getInsertionBlock());

  SmallVector<Value> in;
  for (int i = 0; i < node.input_size(); ++i) {
    auto v = lookup(node, i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  auto needInputs = [&](int lo, int hi) -> LogicalResult {
    int n = node.input_size();
    if (n < lo || n > hi || (lo > 0 && !in[0]))
      return error(node) << "expects " << lo
                         << (lo == hi ? "" : " to " + std::to_string(hi))
                         << " inputs, got " << n;
    for (int i = 0; i < lo; ++i)
      if (!in[i])
        return error(node) << "required input #" << i << " is missing";
    return success();
  };
  // Results of the new op, mapped to the node's outputs below.
  SmallVector<Value> results;
  auto emit = [&](StringRef opName, ValueRange operands,
                  ArrayRef<NamedAttribute> attrs = {}) -> LogicalResult {
    auto op = create(node, opName, operands, attrs);
    if (failed(op))
      return failure();
    results.assign((*op)->result_begin(), (*op)->result_end());
    return success();
  };
  auto i64 = [&](int64_t v) { return b.getI64IntegerAttr(v); };
  auto named = [&](StringRef n, Attribute a) { return b.getNamedAttr(n, a); };

  static const llvm::StringMap<StringRef> binary = {
      {"Add", "onnx.Add"},     {"Sub", "onnx.Sub"},   {"Mul", "onnx.Mul"},
      {"Div", "onnx.Div"},     {"Pow", "onnx.Pow"},   {"Equal", "onnx.Equal"},
      {"Less", "onnx.Less"},   {"Greater", "onnx.Greater"},
      {"And", "onnx.And"},     {"Or", "onnx.Or"},     {"Xor", "onnx.Xor"},
      {"LessOrEqual", "onnx.LessOrEqual"},
      {"GreaterOrEqual", "onnx.GreaterOrEqual"}};
  static const llvm::StringMap<StringRef> unary = {
      {"Sqrt", "onnx.Sqrt"},       {"Erf", "onnx.Erf"},   {"Tanh", "onnx.Tanh"},
      {"Sigmoid", "onnx.Sigmoid"}, {"Exp", "onnx.Exp"},   {"Log", "onnx.Log"},
      {"Reciprocal", "onnx.Reciprocal"}, {"Relu", "onnx.Relu"},
      {"Neg", "onnx.Neg"},         {"Abs", "onnx.Abs"},   {"Not", "onnx.Not"},
      {"Identity", "onnx.Identity"}};

  if (auto it = binary.find(type); it != binary.end()) {
    if (failed(needInputs(2, 2)))
      return failure();
    if (failed(emit(it->second, {in[0], in[1]})))
      return failure();
  } else if (auto it = unary.find(type); it != unary.end()) {
    if (failed(needInputs(1, 1)) || failed(emit(it->second, {in[0]})))
      return failure();
  } else if (type == "Max" || type == "Min") {
    if (failed(needInputs(1, 64)))
      return failure();
    StringRef opName = type == "Max" ? "onnx.Max" : "onnx.Min";
    Value acc = in[0];
    if (in.size() == 1) {
      if (failed(emit("onnx.Identity", {acc})))
        return failure();
    }
    for (size_t i = 1; i < in.size(); ++i) {
      if (failed(emit(opName, {acc, in[i]})))
        return failure();
      acc = results[0];
    }
  } else if (type == "Where") {
    if (failed(needInputs(3, 3)) || failed(emit("onnx.Where", in)))
      return failure();
  } else if (type == "Cast") {
    if (failed(needInputs(1, 1)))
      return failure();
    auto to = intAttr(node, "to", -1);
    if (failed(to))
      return failure();
    if (*to < 0)
      return error(node) << "missing attribute 'to'";
    auto elt = elementType(*to, loc);
    if (failed(elt))
      return failure();
    if (failed(emit("onnx.Cast", {in[0]}, {named("to", TypeAttr::get(*elt))})))
      return failure();
  } else if (type == "MatMul") {
    if (failed(needInputs(2, 2)) || failed(emit("onnx.MatMul", in)))
      return failure();
  } else if (type == "Gemm") {
    if (failed(needInputs(2, 3)))
      return failure();
    auto alpha = floatAttr(node, "alpha", 1.0f);
    auto beta = floatAttr(node, "beta", 1.0f);
    auto ta = intAttr(node, "transA", 0), tb = intAttr(node, "transB", 0);
    if (failed(alpha) || failed(beta) || failed(ta) || failed(tb))
      return failure();
    SmallVector<Value> ops{in[0], in[1]};
    if (in.size() > 2 && in[2])
      ops.push_back(in[2]);
    if (failed(emit("onnx.Gemm", ops,
                    {named("alpha", b.getF32FloatAttr(*alpha)),
                     named("beta", b.getF32FloatAttr(*beta)),
                     named("transA", i64(*ta != 0)),
                     named("transB", i64(*tb != 0))})))
      return failure();
  } else if (type == "Conv") {
    if (failed(needInputs(2, 3)))
      return failure();
    auto wType = cast<RankedTensorType>(in[1].getType());
    int64_t spatial = wType.getRank() - 2;
    if (spatial < 1)
      return error(node) << "weight must have rank >= 3";
    const AttributeProto *autoPad = attr(node, "auto_pad");
    if (autoPad && autoPad->s() != "NOTSET" && autoPad->s() != "VALID")
      return error(node) << "auto_pad '" << autoPad->s()
                         << "' is not supported (use explicit pads)";
    auto ks = intsAttr(node, "kernel_shape"), st = intsAttr(node, "strides"),
         pads = intsAttr(node, "pads"), dil = intsAttr(node, "dilations");
    auto group = intAttr(node, "group", 1);
    if (failed(ks) || failed(st) || failed(pads) || failed(dil) || failed(group))
      return failure();
    std::vector<int64_t> kernel =
        ks->value_or(std::vector<int64_t>(wType.getShape().drop_front(2).begin(),
                                          wType.getShape().drop_front(2).end()));
    std::vector<int64_t> strides = st->value_or(std::vector<int64_t>(spatial, 1));
    std::vector<int64_t> padv = pads->value_or(std::vector<int64_t>(2 * spatial, 0));
    std::vector<int64_t> dils = dil->value_or(std::vector<int64_t>(spatial, 1));
    if ((int64_t)kernel.size() != spatial || (int64_t)strides.size() != spatial ||
        (int64_t)padv.size() != 2 * spatial || (int64_t)dils.size() != spatial)
      return error(node) << "kernel_shape/strides/pads/dilations do not match "
                            "the weight rank";
    SmallVector<Value> ops{in[0], in[1]};
    if (in.size() > 2 && in[2])
      ops.push_back(in[2]);
    if (failed(emit("onnx.Conv", ops,
                    {named("kernel_shape", b.getDenseI64ArrayAttr(kernel)),
                     named("strides", b.getDenseI64ArrayAttr(strides)),
                     named("pads", b.getDenseI64ArrayAttr(padv)),
                     named("dilations", b.getDenseI64ArrayAttr(dils)),
                     named("group", i64(*group))})))
      return failure();
  } else if (type == "Softmax") {
    if (failed(needInputs(1, 1)))
      return failure();
    int64_t rank = rankOf(in[0]);
    auto axis = intAttr(node, "axis", opset < 13 ? 1 : -1);
    if (failed(axis))
      return failure();
    auto norm = normAxis(node, *axis, rank);
    if (failed(norm))
      return failure();
    if (opset < 13 && *norm != rank - 1) {
      // Before opset 13 Softmax normalizes the input coerced to 2-D at
      // `axis`: Flatten(axis) -> Softmax over the last axis -> Reshape back.
      auto flat = create(node, "onnx.Flatten", {in[0]}, {named("axis", i64(*norm))});
      if (failed(flat))
        return failure();
      auto sm = create(node, "onnx.Softmax", {(*flat)->getResult(0)},
                       {named("axis", i64(1))});
      auto shape = create(node, "onnx.Shape", {in[0]},
                          {named("start", i64(0)), named("end", i64(rank))});
      if (failed(sm) || failed(shape))
        return failure();
      if (failed(emit("onnx.Reshape",
                      {(*sm)->getResult(0), (*shape)->getResult(0)},
                      {named("allowzero", i64(0))})))
        return failure();
    } else if (failed(emit("onnx.Softmax", {in[0]},
                           {named("axis", i64(*norm))}))) {
      return failure();
    }
  } else if (type == "LayerNormalization") {
    if (failed(needInputs(2, 3)))
      return failure();
    auto axis = intAttr(node, "axis", -1);
    auto eps = floatAttr(node, "epsilon", 1e-5f);
    if (failed(axis) || failed(eps))
      return failure();
    auto norm = normAxis(node, *axis, rankOf(in[0]));
    if (failed(norm))
      return failure();
    SmallVector<Value> ops{in[0], in[1]};
    if (in.size() > 2 && in[2])
      ops.push_back(in[2]);
    if (failed(emit("onnx.LayerNormalization", ops,
                    {named("axis", i64(*norm)),
                     named("epsilon", b.getF32FloatAttr(*eps))})))
      return failure();
  } else if (type == "ReduceMean" || type == "ReduceSum" || type == "ReduceMax") {
    if (failed(needInputs(1, 2)))
      return failure();
    bool axesAsInput = type == "ReduceSum" ? opset >= 13 : opset >= 18;
    std::vector<int64_t> axes;
    if (axesAsInput) {
      if (in.size() > 1 && in[1]) {
        auto c = constantInts(node, 1);
        if (failed(c))
          return failure();
        axes = *c;
      }
    } else {
      auto a = intsAttr(node, "axes");
      if (failed(a))
        return failure();
      axes = a->value_or(std::vector<int64_t>());
    }
    auto keep = intAttr(node, "keepdims", 1);
    auto noop = intAttr(node, "noop_with_empty_axes", 0);
    if (failed(keep) || failed(noop))
      return failure();
    if (axes.empty() && *noop) {
      if (failed(emit("onnx.Identity", {in[0]})))
        return failure();
    } else {
      int64_t rank = rankOf(in[0]);
      for (int64_t &a : axes) {
        auto n = normAxis(node, a, rank);
        if (failed(n))
          return failure();
        a = *n;
      }
      llvm::sort(axes);
      axes.erase(std::unique(axes.begin(), axes.end()), axes.end());
      if (failed(emit(("onnx." + type).str(), {in[0]},
                      {named("axes", b.getDenseI64ArrayAttr(axes)),
                       named("keepdims", i64(*keep != 0))})))
        return failure();
    }
  } else if (type == "Constant") {
    if (node.attribute_size() != 1)
      return error(node) << "expects exactly one value attribute";
    const AttributeProto &a = node.attribute(0);
    ElementsAttr value;
    if (a.name() == "value" && a.type() == AttributeProto::TENSOR) {
      TensorProto t = a.t();
      auto v = tensorAttr(t, loc);
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
      return error(node) << "attribute '" << a.name()
                         << "' is not supported (sparse and string constants)";
    }
    if (failed(emit("onnx.Constant", {}, {named("value", value)})))
      return failure();
  } else if (type == "ConstantOfShape") {
    if (failed(needInputs(1, 1)))
      return failure();
    ElementsAttr value = DenseElementsAttr::get(
        RankedTensorType::get({1}, b.getF32Type()), 0.0f);
    if (const AttributeProto *a = attr(node, "value")) {
      TensorProto t = a->t();
      auto v = tensorAttr(t, loc);
      if (failed(v))
        return failure();
      if (v->getNumElements() != 1)
        return error(node) << "'value' must hold exactly one element";
      value = *v;
    }
    if (failed(emit("onnx.ConstantOfShape", {in[0]}, {named("value", value)})))
      return failure();
  } else if (type == "Shape") {
    if (failed(needInputs(1, 1)))
      return failure();
    int64_t rank = rankOf(in[0]);
    auto start = intAttr(node, "start", 0), end = intAttr(node, "end", rank);
    if (failed(start) || failed(end))
      return failure();
    auto clampAxis = [&](int64_t a) {
      if (a < 0)
        a += rank;
      return std::clamp<int64_t>(a, 0, rank);
    };
    int64_t s0 = clampAxis(*start), e0 = std::max(s0, clampAxis(*end));
    if (failed(emit("onnx.Shape", {in[0]},
                    {named("start", i64(s0)), named("end", i64(e0))})))
      return failure();
  } else if (type == "Reshape") {
    if (failed(needInputs(2, 2)))
      return failure();
    auto allowzero = intAttr(node, "allowzero", 0);
    if (failed(allowzero) ||
        failed(emit("onnx.Reshape", in, {named("allowzero", i64(*allowzero))})))
      return failure();
  } else if (type == "Expand") {
    if (failed(needInputs(2, 2)) || failed(emit("onnx.Expand", in)))
      return failure();
  } else if (type == "Transpose") {
    if (failed(needInputs(1, 1)))
      return failure();
    int64_t rank = rankOf(in[0]);
    auto perm = intsAttr(node, "perm");
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
      return error(node) << "perm has " << p.size() << " entries for rank "
                         << rank;
    for (int64_t &x : p) {
      auto n = normAxis(node, x, rank);
      if (failed(n))
        return failure();
      x = *n;
    }
    if (failed(emit("onnx.Transpose", {in[0]},
                    {named("perm", b.getDenseI64ArrayAttr(p))})))
      return failure();
  } else if (type == "Unsqueeze" || type == "Squeeze") {
    bool unsq = type == "Unsqueeze";
    if (failed(needInputs(1, 2)))
      return failure();
    std::vector<int64_t> axes;
    bool haveAxes = true;
    if (opset >= 13) {
      if (in.size() > 1 && in[1]) {
        auto c = constantInts(node, 1);
        if (failed(c))
          return failure();
        axes = *c;
      } else {
        haveAxes = false;
      }
    } else {
      auto a = intsAttr(node, "axes");
      if (failed(a))
        return failure();
      haveAxes = a->has_value();
      axes = a->value_or(std::vector<int64_t>());
    }
    int64_t rank = rankOf(in[0]);
    if (unsq && !haveAxes)
      return error(node) << "missing axes";
    if (!unsq && !haveAxes) {
      // Squeeze every dimension of size 1: they must be known.
      auto t = cast<RankedTensorType>(in[0].getType());
      for (int64_t i = 0; i < rank; ++i) {
        if (t.isDynamicDim(i))
          return error(node) << "Squeeze without axes needs a static shape, "
                                "got "
                             << t;
        if (t.getDimSize(i) == 1)
          axes.push_back(i);
      }
    }
    int64_t outRank = unsq ? rank + (int64_t)axes.size() : rank;
    for (int64_t &a : axes) {
      auto n = normAxis(node, a, outRank);
      if (failed(n))
        return failure();
      a = *n;
    }
    llvm::sort(axes);
    if (std::adjacent_find(axes.begin(), axes.end()) != axes.end())
      return error(node) << "repeated axis";
    if (failed(emit(unsq ? "onnx.Unsqueeze" : "onnx.Squeeze", {in[0]},
                    {named("axes", b.getDenseI64ArrayAttr(axes))})))
      return failure();
  } else if (type == "Flatten") {
    if (failed(needInputs(1, 1)))
      return failure();
    int64_t rank = rankOf(in[0]);
    auto axis = intAttr(node, "axis", 1);
    if (failed(axis))
      return failure();
    int64_t a = *axis < 0 ? *axis + rank : *axis;
    if (a < 0 || a > rank)
      return error(node) << "axis " << *axis << " is out of range for rank "
                         << rank;
    if (failed(emit("onnx.Flatten", {in[0]}, {named("axis", i64(a))})))
      return failure();
  } else if (type == "Concat") {
    if (failed(needInputs(1, 1 << 20)))
      return failure();
    auto axis = intAttr(node, "axis", 0);
    if (failed(axis))
      return failure();
    auto norm = normAxis(node, *axis, rankOf(in[0]));
    if (failed(norm) || failed(emit("onnx.Concat", in, {named("axis", i64(*norm))})))
      return failure();
  } else if (type == "Slice") {
    if (failed(needInputs(3, 5)))
      return failure();
    int64_t n = cast<RankedTensorType>(in[1].getType()).getDimSize(0);
    if (ShapedType::isDynamic(n))
      return error(node) << "starts must have a static length";
    SmallVector<Value> ops{in[0], in[1], in[2]};
    if (in.size() > 3 && in[3]) {
      ops.push_back(in[3]);
    } else {
      std::vector<int64_t> axes(n);
      for (int64_t i = 0; i < n; ++i)
        axes[i] = i;
      ops.push_back(i64Constant(loc, axes));
    }
    if (in.size() > 4 && in[4])
      ops.push_back(in[4]);
    else
      ops.push_back(i64Constant(loc, std::vector<int64_t>(n, 1)));
    if (failed(emit("onnx.Slice", ops)))
      return failure();
  } else if (type == "Split") {
    if (failed(needInputs(1, 2)))
      return failure();
    auto axisAttr = intAttr(node, "axis", 0);
    if (failed(axisAttr))
      return failure();
    auto t = cast<RankedTensorType>(in[0].getType());
    auto axis = normAxis(node, *axisAttr, t.getRank());
    if (failed(axis))
      return failure();
    int64_t numOutputs = node.output_size();
    std::optional<std::vector<int64_t>> split;
    if (opset >= 13) {
      if (in.size() > 1 && in[1]) {
        auto c = constantInts(node, 1);
        if (failed(c))
          return failure();
        split = *c;
      }
    } else {
      auto a = intsAttr(node, "split");
      if (failed(a))
        return failure();
      split = *a;
    }
    if (const AttributeProto *no = attr(node, "num_outputs"))
      numOutputs = no->i();
    int64_t dim = t.getDimSize(*axis);
    if (!split && !ShapedType::isDynamic(dim)) {
      // Equal pieces, the last smaller (opset 18) or exact (earlier).
      int64_t piece = (dim + numOutputs - 1) / numOutputs;
      split.emplace();
      for (int64_t i = 0, left = dim; i < numOutputs; ++i, left -= piece)
        split->push_back(std::max<int64_t>(0, std::min(piece, left)));
    }
    if (split && (int64_t)split->size() != numOutputs)
      return error(node) << "split has " << split->size() << " entries for "
                         << numOutputs << " outputs";
    SmallVector<Type> types;
    for (int64_t i = 0; i < numOutputs; ++i) {
      SmallVector<int64_t> shape(t.getShape());
      shape[*axis] = split ? (*split)[i] : ShapedType::kDynamic;
      types.push_back(RankedTensorType::get(shape, t.getElementType()));
    }
    SmallVector<NamedAttribute> attrs{named("axis", i64(*axis))};
    if (split)
      attrs.push_back(named("split", b.getDenseI64ArrayAttr(*split)));
    OperationState state(loc, "onnx.Split");
    state.addOperands({in[0]});
    state.addAttributes(attrs);
    state.addTypes(types);
    Operation *op = b.create(state);
    std::string captured;
    LogicalResult verified = failure();
    {
      ScopedDiagnosticHandler h(&ctx, [&](Diagnostic &d) {
        if (captured.empty())
          captured = d.str();
        return success();
      });
      verified = verify(op, false);
    }
    if (failed(verified))
      return error(node) << captured;
    results.assign(op->result_begin(), op->result_end());
  } else if (type == "Gather") {
    if (failed(needInputs(2, 2)))
      return failure();
    auto axis = intAttr(node, "axis", 0);
    if (failed(axis))
      return failure();
    auto norm = normAxis(node, *axis, rankOf(in[0]));
    if (failed(norm) || failed(emit("onnx.Gather", in, {named("axis", i64(*norm))})))
      return failure();
  } else if (type == "Range") {
    if (failed(needInputs(3, 3)) || failed(emit("onnx.Range", in)))
      return failure();
  } else if (type == "CumSum") {
    if (failed(needInputs(2, 2)))
      return failure();
    auto axes = constantInts(node, 1);
    if (failed(axes))
      return failure();
    if (axes->size() != 1)
      return error(node) << "axis must be a single constant";
    auto norm = normAxis(node, (*axes)[0], rankOf(in[0]));
    auto exclusive = intAttr(node, "exclusive", 0);
    auto reverse = intAttr(node, "reverse", 0);
    if (failed(norm) || failed(exclusive) || failed(reverse) ||
        failed(emit("onnx.CumSum", {in[0]},
                    {named("axis", i64(*norm)),
                     named("exclusive", i64(*exclusive != 0)),
                     named("reverse", i64(*reverse != 0))})))
      return failure();
  } else if (type == "Trilu") {
    if (failed(needInputs(1, 2)))
      return failure();
    auto upper = intAttr(node, "upper", 1);
    if (failed(upper))
      return failure();
    SmallVector<Value> ops{in[0]};
    if (in.size() > 1 && in[1])
      ops.push_back(in[1]);
    if (failed(emit("onnx.Trilu", ops, {named("upper", i64(*upper != 0))})))
      return failure();
  } else if (type == "Dropout") {
    // Inference: identity (the optional mask output is not supported).
    if (failed(needInputs(1, 3)) || failed(emit("onnx.Identity", {in[0]})))
      return failure();
  } else {
    return error(node) << "unsupported ONNX operator";
  }

  // Bind outputs.
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &name = node.output(i);
    if (name.empty())
      continue;
    if (i >= (int)results.size())
      return error(node) << "output #" << i << " ('" << name
                         << "') is not supported";
    if (!values.try_emplace(name, results[i]).second)
      return error(node) << "value '" << name << "' is defined twice";
  }
  return success();
}

OwningOpRef<ModuleOp> Importer::run(::onnx::ModelProto &model) {
  opset = -1;
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0) {
    error() << "model has no opset import for the default ONNX domain";
    return nullptr;
  }
  if (!model.has_graph()) {
    error() << "model has no graph";
    return nullptr;
  }
  ::onnx::GraphProto &graph = *model.mutable_graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("bertc.onnx.opset", b.getI64IntegerAttr(opset));
  (*module)->setAttr("bertc.model_name", b.getStringAttr(graph.name()));
  (*module)->setAttr("bertc.producer",
                     b.getStringAttr(model.producer_name() +
                                     (model.producer_version().empty()
                                          ? ""
                                          : " " + model.producer_version())));

  // Initializers: constants. (Old exporters also list them as inputs; those
  // inputs are treated as the constants.)
  llvm::StringSet<> initializerNames;
  for (const TensorProto &t : graph.initializer())
    initializerNames.insert(t.name());
  if (graph.sparse_initializer_size() > 0) {
    error() << "sparse initializers are not supported";
    return nullptr;
  }

  SmallVector<Type> argTypes;
  SmallVector<ArrayAttr> argDimNames;
  SmallVector<std::string> argNames;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    ArrayAttr dimNames;
    auto type = valueInfoType(vi, &dimNames);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argDimNames.push_back(dimNames);
    argNames.push_back(vi.name());
  }

  b.setInsertionPointToEnd(module->getBody());
  auto func = b.create<func::FuncOp>(fileLoc, "main_graph",
                                     b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    func.setArgAttr(i, "bertc.name", b.getStringAttr(argNames[i]));
    func.setArgAttr(i, "bertc.dim_names", argDimNames[i]);
    if (!values.try_emplace(argNames[i], entry->getArgument(i)).second) {
      error() << "graph input '" << argNames[i] << "' is listed twice";
      return nullptr;
    }
  }
  b.setInsertionPointToEnd(entry);

  for (TensorProto &t : *graph.mutable_initializer()) {
    Location loc = NameLoc::get(b.getStringAttr(t.name()), fileLoc);
    auto value = tensorAttr(t, loc);
    if (failed(value))
      return nullptr;
    auto c = b.create<onnx::ConstantOp>(loc, value->getType(), *value);
    if (!values.try_emplace(t.name(), c.getResult()).second) {
      emitError(loc) << "initializer '" << t.name() << "' is defined twice";
      return nullptr;
    }
  }

  for (const NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &vi : graph.output()) {
    auto it = values.find(vi.name());
    if (it == values.end()) {
      error() << "graph output '" << vi.name() << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(it->second);
    resultTypes.push_back(it->second.getType());
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, vi] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "bertc.name", b.getStringAttr(vi.name()));
    // Names from the declared output shape where the dim is still dynamic.
    ArrayAttr declared;
    SmallVector<Attribute> names;
    auto type = cast<RankedTensorType>(resultTypes[i]);
    if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape() &&
        vi.type().tensor_type().shape().dim_size() == type.getRank()) {
      for (const auto &d : vi.type().tensor_type().shape().dim())
        names.push_back(b.getStringAttr(d.has_dim_param() ? d.dim_param() : ""));
    } else {
      names.assign(type.getRank(), b.getStringAttr(""));
    }
    func.setResultAttr(i, "bertc.dim_names", b.getArrayAttr(names));
    (void)declared;
  }
  return module;
}

} // namespace

OwningOpRef<ModuleOp> importONNXBuffer(StringRef bytes, StringRef sourceName,
                                       MLIRContext &ctx,
                                       const ImportOptions &options) {
  ::onnx::ModelProto model;
  if (bytes.size() > static_cast<size_t>(INT_MAX) ||
      !model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(FileLineColLoc::get(&ctx, sourceName, 0, 0))
        << "failed to parse ONNX ModelProto from '" << sourceName
        << "' (malformed or truncated protobuf)";
    return nullptr;
  }
  Importer importer(ctx, sourceName, options);
  return importer.run(model);
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext &ctx,
                                     const ImportOptions &options) {
  auto buffer = llvm::MemoryBuffer::getFile(path, /*IsText=*/false,
                                            /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(FileLineColLoc::get(&ctx, path, 0, 0))
        << "cannot read '" << path << "': " << buffer.getError().message();
    return nullptr;
  }
  return importONNXBuffer((*buffer)->getBuffer(), path, ctx, options);
}

} // namespace bertc
