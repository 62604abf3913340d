//===- ONNXImporter.cpp - ONNX ModelProto to the onnx dialect -------------===//
//
// One onnx-dialect op per ONNX node, in graph order, each located at
// NameLoc(node name, file). Initializers become onnx.Constant ops (large
// ones as dense_resource blobs that own the protobuf's bytes: the weights are
// never copied again). Each node is built by the row of the op table
// (ONNXNodeImport.cpp) for its domain, op type and the model's opset, which
// resolves the opset differences (attributes that became inputs, changed
// defaults) so that the dialect has one form per op. Every failure is a
// diagnostic naming the node (or the initializer or graph input), its op
// type and the opset; nothing aborts.
//
// The file is untrusted (docs/Limits.md): every size computed from it is
// checked arithmetic, a tensor's data is counted before anything is
// allocated for it (so a file makes bertc allocate at most a small multiple
// of what it contains), and external data is read only from regular files
// whose real path (after symlinks) is inside the model's folder, only the
// bytes the tensor needs.
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
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringExtras.h"
#include "llvm/ADT/StringMap.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"
#include "llvm/Support/Path.h"

#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>
#include <filesystem>
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
  FailureOr<ElementsAttr> tensorAttr(TensorProto &tensor, Location loc,
                                     const NodeProto *node,
                                     StringRef attrName) override;

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
  Location nameLoc(StringRef name) {
    return NameLoc::get(StringAttr::get(&ctx, printableName(name)), fileLoc);
  }

  /// The ONNX element type's MLIR type, or null if bertc has none.
  Type convertElementType(int32_t t);
  FailureOr<RankedTensorType> valueInfoType(const ::onnx::ValueInfoProto &vi,
                                            ArrayAttr *dimNames);
  /// Exactly `bytes` bytes of the tensor's external data. `diag` starts an
  /// error naming the tensor.
  FailureOr<std::vector<char>>
  readExternal(const TensorProto &tensor, int64_t bytes,
               llvm::function_ref<InFlightDiagnostic()> diag);

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

/// "STRING" for a valid ONNX data type, "invalid" otherwise.
std::string dataTypeName(int32_t t) {
  return TensorProto::DataType_IsValid(t)
             ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t))
             : std::string("invalid");
}

Type Importer::convertElementType(int32_t t) {
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
    return nullptr;
  }
}

FailureOr<Type> Importer::elementType(int32_t t, Location loc) {
  if (Type type = convertElementType(t))
    return type;
  emitError(loc) << "unsupported ONNX element type " << dataTypeName(t) << " ("
                 << t << ")";
  return failure();
}

FailureOr<RankedTensorType>
Importer::valueInfoType(const ::onnx::ValueInfoProto &vi, ArrayAttr *dimNames) {
  Location loc = nameLoc(vi.name());
  auto diag = [&]() {
    return emitError(loc) << "graph input '" << printableName(vi.name())
                          << "': ";
  };
  if (!vi.type().has_tensor_type()) {
    diag() << "not a tensor (sequences, maps and optionals are not "
              "supported)";
    return failure();
  }
  const auto &tt = vi.type().tensor_type();
  Type elt = convertElementType(tt.elem_type());
  if (!elt) {
    diag() << "unsupported ONNX element type " << dataTypeName(tt.elem_type())
           << " (" << tt.elem_type() << ")";
    return failure();
  }
  if (!tt.has_shape()) {
    diag() << "no shape (its rank must be known)";
    return failure();
  }
  if (tt.shape().dim_size() > onnx::kMaxRank) {
    diag() << "has rank " << tt.shape().dim_size()
           << "; bertc supports ranks up to " << onnx::kMaxRank;
    return failure();
  }
  SmallVector<int64_t> shape;
  SmallVector<Attribute> names;
  for (auto [i, d] : llvm::enumerate(tt.shape().dim())) {
    if (d.has_dim_value() && d.dim_value() < 0) {
      diag() << "dim " << i << " is " << d.dim_value()
             << " (a dimension is a size >= 0 or a symbolic name)";
      return failure();
    }
    if (d.has_dim_value()) {
      shape.push_back(d.dim_value());
      names.push_back(b.getStringAttr(""));
    } else {
      shape.push_back(ShapedType::kDynamic);
      names.push_back(b.getStringAttr(d.has_dim_param() ? d.dim_param() : ""));
    }
  }
  auto type = RankedTensorType::get(shape, elt);
  if (!onnx::staticSizeOf(type)) {
    diag() << onnx::tooLargeMessage(type);
    return failure();
  }
  if (dimNames)
    *dimNames = b.getArrayAttr(names);
  return type;
}

/// A non-negative decimal integer (external data offset/length), strictly.
static bool parseSize(StringRef text, int64_t &out) {
  uint64_t v;
  if (text.empty() || !llvm::all_of(text, llvm::isDigit) ||
      text.getAsInteger(10, v) || v > static_cast<uint64_t>(INT64_MAX))
    return false;
  out = static_cast<int64_t>(v);
  return true;
}

FailureOr<std::vector<char>>
Importer::readExternal(const TensorProto &tensor, int64_t bytes,
                       llvm::function_ref<InFlightDiagnostic()> diag) {
  std::string location;
  int64_t offset = 0, length = -1;
  for (const auto &kv : tensor.external_data()) {
    if (kv.key() == "location") {
      location = kv.value();
    } else if (kv.key() == "offset" || kv.key() == "length") {
      int64_t &v = kv.key() == "offset" ? offset : length;
      if (!parseSize(kv.value(), v)) {
        diag() << "external data " << kv.key() << " '"
               << printableName(kv.value())
               << "' is not an integer in [0, " << INT64_MAX << "]";
        return failure();
      }
    }
  }
  if (location.empty()) {
    diag() << "external data has no location";
    return failure();
  }
  if (location.find('\0') != std::string::npos ||
      llvm::sys::path::is_absolute(location) ||
      StringRef(location).contains("..")) {
    diag() << "external data location '" << printableName(location)
           << "' must be a relative path inside the model directory";
    return failure();
  }
  // The real paths, after symlinks: the file must stay inside the folder.
  namespace fs = std::filesystem;
  std::string dirText = options.externalDataDir;
  if (dirText.empty())
    dirText = llvm::sys::path::parent_path(sourceName).str();
  if (dirText.empty())
    dirText = ".";
  std::error_code ec;
  fs::path dir = fs::canonical(dirText, ec);
  if (ec) {
    diag() << "cannot resolve the external data directory '"
           << printableName(dirText) << "': " << ec.message();
    return failure();
  }
  std::string shown = (fs::path(dirText) / location).string();
  fs::path file = fs::canonical(dir / location, ec);
  if (ec) {
    diag() << "cannot read external data file '" << printableName(shown)
           << "': " << ec.message();
    return failure();
  }
  fs::path rel = file.lexically_relative(dir);
  if (rel.empty() || *rel.begin() == "..") {
    diag() << "external data location '" << printableName(location)
           << "' resolves to '" << printableName(file.string())
           << "', which is outside the model directory '"
           << printableName(dir.string()) << "'";
    return failure();
  }
  // Checked before opening (a FIFO would block in open) and again on the
  // descriptor.
  struct stat st;
  if (::stat(file.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
    diag() << "external data file '" << printableName(shown)
           << "' is not a regular file";
    return failure();
  }
  int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOFOLLOW);
  if (fd < 0) {
    diag() << "cannot read external data file '" << printableName(shown)
           << "': " << std::strerror(errno);
    return failure();
  }
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    diag() << "external data file '" << printableName(shown)
           << "' is not a regular file";
    return failure();
  }
  int64_t size = st.st_size;
  if (offset > size) {
    diag() << "external data offset " << offset << " is past the end of '"
           << printableName(shown) << "' (" << size << " bytes)";
    return failure();
  }
  if (length < 0)
    length = size - offset;
  if (length > size - offset) {
    diag() << "external data of " << length << " bytes at offset " << offset
           << " is outside '" << printableName(shown) << "' (" << size
           << " bytes)";
    return failure();
  }
  if (length != bytes) {
    diag() << "external data has " << length << " bytes (at offset " << offset
           << " of '" << printableName(shown) << "'), but its type needs "
           << bytes;
    return failure();
  }
  std::vector<char> data(static_cast<size_t>(length));
  size_t done = 0;
  while (done < data.size()) {
    ssize_t n = ::pread(fd, data.data() + done, data.size() - done,
                        static_cast<off_t>(offset + done));
    if (n < 0 && errno == EINTR)
      continue;
    if (n <= 0) {
      diag() << "cannot read external data file '" << printableName(shown)
             << "': " << (n < 0 ? std::strerror(errno) : "unexpected end of file");
      return failure();
    }
    done += static_cast<size_t>(n);
  }
  return data;
}

FailureOr<ElementsAttr> Importer::tensorAttr(TensorProto &tensor, Location loc,
                                             const NodeProto *node,
                                             StringRef attrName) {
  // Errors name the initializer, or the node and its attribute.
  auto diag = [&]() -> InFlightDiagnostic {
    if (node)
      return importer::nodeError(loc, *node, opset)
             << "attribute '" << printableName(attrName) << "': ";
    return emitError(loc) << "initializer '" << printableName(tensor.name())
                          << "': ";
  };
  Type elt = convertElementType(tensor.data_type());
  if (!elt) {
    diag() << "unsupported ONNX element type "
           << dataTypeName(tensor.data_type()) << " (" << tensor.data_type()
           << ")";
    return failure();
  }
  if (tensor.dims_size() > onnx::kMaxRank) {
    diag() << "has rank " << tensor.dims_size()
           << "; bertc supports ranks up to " << onnx::kMaxRank;
    return failure();
  }
  SmallVector<int64_t> shape(tensor.dims().begin(), tensor.dims().end());
  for (auto [i, d] : llvm::enumerate(shape))
    if (d < 0) {
      diag() << "dim " << i << " is negative (" << d << ")";
      return failure();
    }
  auto type = RankedTensorType::get(shape, elt);
  // Checked: dims like [2^62 + 1, 4] overflow the element and byte counts.
  auto size = onnx::staticSizeOf(type);
  if (!size) {
    diag() << onnx::tooLargeMessage(type);
    return failure();
  }
  int64_t count = size->elements, bytes = size->bytes;
  int64_t eltBytes = onnx::elementByteSize(elt);

  // Gather the little-endian bytes, or take ownership of raw_data. Sizes are
  // checked against the type before anything is allocated, so that a small
  // file cannot make bertc allocate much more than it holds.
  std::unique_ptr<std::string> owned;
  std::vector<char> data;
  if (tensor.data_location() == TensorProto::EXTERNAL) {
    auto ext = readExternal(tensor, bytes, diag);
    if (failed(ext))
      return failure();
    data = std::move(*ext);
  } else if (tensor.has_raw_data()) {
    if ((int64_t)tensor.raw_data().size() != bytes) {
      diag() << "has " << tensor.raw_data().size()
             << " bytes of data, but its type " << type << " needs " << bytes;
      return failure();
    }
    owned.reset(tensor.release_raw_data());
  } else {
    // The typed field for the element type; its length is counted first.
    auto fill = [&](const auto &field, const char *fieldName,
                    auto convert) -> LogicalResult {
      if ((int64_t)field.size() != count) {
        diag() << "holds " << field.size()
               << (field.size() == 1 ? " value" : " values") << " in "
               << fieldName << ", but its type " << type << " has " << count
               << (count == 1 ? " element" : " elements");
        return failure();
      }
      data.resize(bytes);
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
      ok = fill(tensor.float_data(), "float_data",
                [&](int64_t i, float v) { put(i, &v, 4); });
      break;
    case TensorProto::DOUBLE:
      ok = fill(tensor.double_data(), "double_data",
                [&](int64_t i, double v) { put(i, &v, 8); });
      break;
    case TensorProto::INT64:
      ok = fill(tensor.int64_data(), "int64_data",
                [&](int64_t i, int64_t v) { put(i, &v, 8); });
      break;
    case TensorProto::INT32:
      ok = fill(tensor.int32_data(), "int32_data",
                [&](int64_t i, int32_t v) { put(i, &v, 4); });
      break;
    case TensorProto::INT16:
    case TensorProto::FLOAT16:
    case TensorProto::BFLOAT16:
      ok = fill(tensor.int32_data(), "int32_data", [&](int64_t i, int32_t v) {
        uint16_t x = static_cast<uint16_t>(v);
        put(i, &x, 2);
      });
      break;
    case TensorProto::INT8:
    case TensorProto::UINT8:
    case TensorProto::BOOL:
      ok = fill(tensor.int32_data(), "int32_data", [&](int64_t i, int32_t v) {
        uint8_t x = static_cast<uint8_t>(v);
        put(i, &x, 1);
      });
      break;
    default:
      diag() << "data in an unsupported field";
      break;
    }
    if (failed(ok))
      return failure();
  }
  ArrayRef<char> bytesRef = owned ? ArrayRef<char>(owned->data(), owned->size())
                                  : ArrayRef<char>(data);
  if ((int64_t)bytesRef.size() != bytes) {
    diag() << "has " << bytesRef.size() << " bytes of data, but its type "
           << type << " needs " << bytes;
    return failure();
  }

  if (elt.isInteger(1)) {
    SmallVector<bool> bits(count);
    for (int64_t i = 0; i < count; ++i)
      bits[i] = bytesRef[i] != 0;
    return cast<ElementsAttr>(DenseElementsAttr::get(type, bits));
  }
  if (bytes <= options.resourceThresholdBytes || count <= 1) {
    bool splat = false;
    if (!DenseElementsAttr::isValidRawBuffer(type, bytesRef, splat)) {
      diag() << "invalid data";
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
    error(node) << "input '" << printableName(node.input(i))
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
      diag << " at opset " << opset << " (bertc imports "
           << printableName(node.op_type());
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
      return error(node) << "output #" << i << " ('" << printableName(name)
                         << "') is not supported";
    if (!values.try_emplace(name, n.results[i]).second)
      return error(node) << "value '" << printableName(name)
                         << "' is defined twice";
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
  // Opsets whose op forms the op table was written and tested for; ORT too
  // rejects opsets newer than it knows.
  if (opset < kMinOpset || opset > kMaxOpset) {
    error() << "opset " << opset << " is "
            << (opset < kMinOpset ? "older than the oldest" : "newer than the newest")
            << " opset bertc supports (" << kMinOpset << " to " << kMaxOpset
            << ")"
            << (opset < kMinOpset ? "; convert the model first, e.g. with "
                                    "onnx.version_converter"
                                  : "");
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

  if (graph.output_size() == 0) {
    error() << "model has no outputs (graph '" << printableName(graph.name())
            << "' declares none)";
    return nullptr;
  }

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
      error() << "graph input '" << printableName(argNames[i])
              << "' is listed twice";
      return nullptr;
    }
  }
  b.setInsertionPointToEnd(entry);

  for (TensorProto &t : *graph.mutable_initializer()) {
    Location loc = nameLoc(t.name());
    auto value = tensorAttr(t, loc, /*node=*/nullptr, "");
    if (failed(value))
      return nullptr;
    auto c = b.create<onnx::ConstantOp>(loc, value->getType(), *value);
    if (!values.try_emplace(t.name(), c.getResult()).second) {
      emitError(loc) << "initializer '" << printableName(t.name())
                     << "' is defined twice";
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
      error() << "graph output '" << printableName(vi.name())
              << "' is not produced by any node";
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
  Location loc = FileLineColLoc::get(&ctx, sourceName, 0, 0);
  if (bytes.empty()) {
    emitError(loc) << "'" << printableName(sourceName)
                   << "' is empty (0 bytes): not an ONNX model";
    return nullptr;
  }
  // Protobuf cannot parse messages of 2 GiB or more; weights that large go
  // to external data.
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    emitError(loc) << "'" << printableName(sourceName) << "' has "
                   << bytes.size()
                   << " bytes; an ONNX protobuf must be under 2 GiB (keep "
                      "large weights in external data)";
    return nullptr;
  }
  ::onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(loc) << "failed to parse ONNX ModelProto from '"
                   << printableName(sourceName)
                   << "' (malformed or truncated protobuf)";
    return nullptr;
  }
  Importer importer(ctx, sourceName, options);
  return importer.run(model);
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext &ctx,
                                     const ImportOptions &options) {
  Location loc = FileLineColLoc::get(&ctx, path, 0, 0);
  // Only regular files: a FIFO would block, /dev/zero never ends.
  struct stat st;
  std::string p = path.str();
  if (::stat(p.c_str(), &st) != 0) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << std::strerror(errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    emitError(loc) << "cannot read '" << printableName(path) << "': "
                   << (S_ISDIR(st.st_mode) ? "it is a directory"
                                           : "not a regular file");
    return nullptr;
  }
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << std::strerror(errno);
    return nullptr;
  }
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': not a regular file";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getOpenFile(
      fd, path, static_cast<uint64_t>(st.st_size),
      /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << buffer.getError().message();
    return nullptr;
  }
  return importONNXBuffer((*buffer)->getBuffer(), path, ctx, options);
}

std::string printableName(StringRef s, bool escapeBackslash) {
  std::string out;
  out.reserve(s.size());
  const auto *p = reinterpret_cast<const llvm::UTF8 *>(s.data());
  const auto *end = p + s.size();
  auto hex = [&](unsigned char c) {
    static const char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
  };
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || (escapeBackslash && c == '\\'))
        hex(c);
      else
        out += static_cast<char>(c);
      ++p;
      continue;
    }
    unsigned n = llvm::getNumBytesForUTF8(c);
    if (n > 1 && n <= static_cast<unsigned>(end - p) &&
        llvm::isLegalUTF8Sequence(p, p + n)) {
      out.append(reinterpret_cast<const char *>(p), n);
      p += n;
    } else {
      hex(c);
      ++p;
    }
  }
  return out;
}

} // namespace bertc
