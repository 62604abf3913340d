//===- ConstantData.cpp - Reading and making onnx.Constant data -----------===//
//
// See ConstantData.h.
//
//===----------------------------------------------------------------------===//
#include "bertc/Dialect/ONNX/IR/ConstantData.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Matchers.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cstring>

using namespace mlir;

ElementsAttr bertc::onnx::constantElements(Value v) {
  if (!v)
    return {};
  if (auto c = v.getDefiningOp<bertc::onnx::ConstantOp>())
    return c.getValue();
  ElementsAttr attr;
  if (matchPattern(v, m_Constant(&attr)))
    return attr;
  return {};
}

std::optional<std::vector<char>>
bertc::onnx::readConstantBytes(ElementsAttr attr) {
  auto type = cast<ShapedType>(attr.getType());
  unsigned bits = type.getElementTypeBitWidth();
  if (bits % 8 || !type.hasStaticShape())
    return std::nullopt;
  size_t eltBytes = bits / 8, count = type.getNumElements();
  if (auto dense = dyn_cast<DenseElementsAttr>(attr)) {
    ArrayRef<char> raw = dense.getRawData();
    if (dense.isSplat()) {
      if (raw.size() != eltBytes)
        return std::nullopt;
      std::vector<char> out;
      out.reserve(count * eltBytes);
      for (size_t i = 0; i < count; ++i)
        out.insert(out.end(), raw.begin(), raw.end());
      return out;
    }
    if (raw.size() != count * eltBytes)
      return std::nullopt;
    return std::vector<char>(raw.begin(), raw.end());
  }
  if (auto res = dyn_cast<DenseResourceElementsAttr>(attr)) {
    AsmResourceBlob *blob = res.getRawHandle().getBlob();
    if (!blob || blob->getData().size() != count * eltBytes)
      return std::nullopt;
    ArrayRef<char> raw = blob->getData();
    return std::vector<char>(raw.begin(), raw.end());
  }
  return std::nullopt;
}

std::optional<std::vector<float>>
bertc::onnx::readConstantFloats(ElementsAttr attr) {
  if (!attr.getElementType().isF32())
    return std::nullopt;
  auto bytes = readConstantBytes(attr);
  if (!bytes)
    return std::nullopt;
  std::vector<float> out(bytes->size() / sizeof(float));
  std::memcpy(out.data(), bytes->data(), out.size() * sizeof(float));
  return out;
}

ElementsAttr bertc::onnx::makeElements(RankedTensorType type,
                                       ArrayRef<char> bytes, StringRef name) {
  if (bytes.size() <= kInlineConstantBytes)
    return DenseElementsAttr::getFromRawBuffer(type, bytes);
  AsmResourceBlob blob = HeapAsmResourceBlob::allocateAndCopyWithAlign(
      bytes, 64, /*dataIsMutable=*/false);
  return DenseResourceElementsAttr::get(type, name, std::move(blob));
}

Value bertc::onnx::makeConstant(OpBuilder &b, Location loc,
                                RankedTensorType type, ArrayRef<char> bytes,
                                StringRef name) {
  return b.create<ConstantOp>(loc, type, makeElements(type, bytes, name));
}

Value bertc::onnx::makeConstant(OpBuilder &b, Location loc,
                                RankedTensorType type, ArrayRef<float> values,
                                StringRef name) {
  return makeConstant(
      b, loc, type,
      ArrayRef<char>(reinterpret_cast<const char *>(values.data()),
                     values.size() * sizeof(float)),
      name);
}
