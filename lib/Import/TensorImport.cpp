//===- TensorImport.cpp - ONNX types and tensors to MLIR ------------------===//
//
// Element types, the types of graph inputs (ValueInfoProto), and tensors
// (initializers, tensor attributes of nodes) as attributes: small ones as
// DenseElementsAttr, large ones as dense_resource blobs that own the
// protobuf's bytes (the weights are never copied again).
//
// The file is untrusted (docs/Limits.md): every size computed from it is
// checked arithmetic, and a tensor's data is counted before anything is
// allocated for it (so a file makes bertc allocate at most a small multiple
// of what it contains).
//
//===----------------------------------------------------------------------===//
#include "Importer.h"

#include "mlir/IR/AsmState.h"
#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/StringExtras.h"

#include <algorithm>
#include <cstring>
#include <memory>

using namespace mlir;

namespace bertc::importer {

namespace {

/// "STRING" for a valid ONNX data type, "invalid" otherwise.
std::string dataTypeName(int32_t t) {
  return TensorProto::DataType_IsValid(t)
             ? TensorProto::DataType_Name(static_cast<TensorProto::DataType>(t))
             : std::string("invalid");
}

} // namespace

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

} // namespace bertc::importer
