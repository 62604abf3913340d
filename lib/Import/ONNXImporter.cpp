//===- ONNXImporter.cpp - ONNX ModelProto to the onnx dialect -------------===//
//
// One onnx-dialect op per ONNX node, in graph order, each located at
// NameLoc(node name, file). Initializers become onnx.Constant ops (large
// ones as dense_resource blobs that own the protobuf's bytes: the weights are
// never copied again). Each node is built by the row of the op table
// (ONNXNodeImport.cpp) for its domain, op type and the model's opset, which
// resolves the opset differences (attributes that became inputs, changed
// defaults) so that the dialect has one form per op. Every failure is a
// diagnostic naming the node, its op type and the opset; nothing aborts.
//
//===----------------------------------------------------------------------===//
#include "bertc/Import/ONNXImporter.h"

#include "NodeImport.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <algorithm>
#include <cstring>
#include <memory>

using namespace mlir;

namespace bertc {
namespace {

using NodeProto = ::onnx::NodeProto;
using TensorProto = ::onnx::TensorProto;

/// Thrown-free error plumbing: every import step returns LogicalResult and
/// reports through the context's diagnostic engine.
class Importer final : public importer::TensorReader {
public:
  Importer(MLIRContext &ctx, StringRef sourceName, const ImportOptions &options)
      : ctx(ctx), b(&ctx), sourceName(sourceName.str()), options(options) {
    ctx.getOrLoadDialect<onnx::ONNXDialect>();
    ctx.getOrLoadDialect<func::FuncDialect>();
    fileLoc = FileLineColLoc::get(&ctx, sourceName, 0, 0);
  }

  OwningOpRef<ModuleOp> run(::onnx::ModelProto &model);

  // --- types and tensors (importer::TensorReader) ------------------------
  FailureOr<Type> elementType(int32_t onnxType, Location loc) override;
  FailureOr<ElementsAttr> tensorAttr(TensorProto &tensor,
                                     Location loc) override;

private:
  // --- diagnostics -------------------------------------------------------
  InFlightDiagnostic error() { return emitError(fileLoc); }
  InFlightDiagnostic error(const NodeProto &node) {
    return importer::nodeError(nodeLoc(node), node, opset);
  }
  Location nodeLoc(const NodeProto &node) {
    return NameLoc::get(StringAttr::get(&ctx, importer::displayName(node)),
                        fileLoc);
  }

  FailureOr<RankedTensorType> valueInfoType(const ::onnx::ValueInfoProto &vi,
                                            ArrayAttr *dimNames);
  FailureOr<std::vector<char>> readExternal(const TensorProto &tensor,
                                            Location loc);

  // --- graph -------------------------------------------------------------
  /// Finds the node's row in the op table (NodeImport.h) and runs its
  /// builder.
  LogicalResult importNode(const NodeProto &node);
  FailureOr<Value> lookup(const NodeProto &node, int i);

  MLIRContext &ctx;
  OpBuilder b;
  std::string sourceName;
  const ImportOptions &options;
  Location fileLoc = UnknownLoc::get(&ctx);
  int64_t opset = 0;
  llvm::StringMap<Value> values;
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

LogicalResult Importer::importNode(const NodeProto &node) {
  Location loc = nodeLoc(node);
  b.setInsertionPointToEnd(b.getInsertionBlock());
  auto forms = importer::findOpForms(node.domain(), node.op_type());
  const importer::OpForm *form = nullptr;
  for (const importer::OpForm *f : forms)
    if (f->since <= opset && opset <= f->until)
      form = f;
  if (!form) {
    if (!node.domain().empty() && node.domain() != "ai.onnx" && forms.empty())
      return importer::nodeError(loc, node, opset)
             << "unsupported ONNX operator (only the default domain is "
                "supported)";
    InFlightDiagnostic diag = importer::nodeError(loc, node, opset)
                              << "unsupported ONNX operator";
    if (!forms.empty()) {
      // Known at other opsets (e.g. an op newer than the model): say which,
      // with adjacent rows merged into one range.
      SmallVector<std::pair<int64_t, int64_t>> ranges;
      for (const importer::OpForm *f : forms) {
        if (!ranges.empty() && ranges.back().second != importer::kOpenOpset &&
            ranges.back().second + 1 == f->since)
          ranges.back().second = f->until;
        else
          ranges.push_back({f->since, f->until});
      }
      diag << " at opset " << opset << " (bertc imports " << node.op_type();
      for (auto [i, r] : llvm::enumerate(ranges)) {
        diag << (i ? ", " : " ");
        if (r.second == importer::kOpenOpset)
          diag << "from opset " << r.first;
        else if (r.first == r.second)
          diag << "at opset " << r.first;
        else
          diag << "at opsets " << r.first << " to " << r.second;
      }
      diag << ")";
    }
    return diag;
  }

  SmallVector<Value> in;
  for (int i = 0; i < node.input_size(); ++i) {
    auto v = lookup(node, i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  importer::NodeImporter n(b, *this, node, opset, loc, std::move(in));
  if (failed(form->build(n)))
    return failure();

  // Bind outputs.
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &name = node.output(i);
    if (name.empty())
      continue;
    if (i >= (int)n.results.size())
      return error(node) << "output #" << i << " ('" << name
                         << "') is not supported";
    if (!values.try_emplace(name, n.results[i]).second)
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
