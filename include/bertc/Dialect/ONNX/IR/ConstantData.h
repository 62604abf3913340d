//===- ConstantData.h - Reading and making onnx.Constant data ---*- C++ -*-===//
//
// The one place that reads the bytes of a constant (a dense attribute,
// splats expanded, or a resource blob) and makes a new one (dense when small,
// a 64-byte aligned resource blob otherwise), for every pass that rewrites
// weights: fuse-linear (transposed weights), fuse-qkv (merged
// projections), conv-to-linear (patch weights), bertc-quantize (int8
// weights and scales), bertc-pack-weights (weights packed for the GEMMs).
// The same threshold decides which globals model.so keeps in its data
// section and which bertc-externalize-weights moves to the weight blob.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_DIALECT_ONNX_IR_CONSTANTDATA_H
#define BERTC_DIALECT_ONNX_IR_CONSTANTDATA_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/BuiltinTypes.h"

#include <cstddef>
#include <optional>
#include <vector>

namespace bertc::onnx {

/// Constants of more bytes than this are resource blobs (not printed inline,
/// externalized from model.so); smaller ones are dense attributes.
constexpr size_t kInlineConstantBytes = 4096;

/// The elements of `v` if it is a constant: defined by onnx.Constant or any
/// constant-like op (arith.constant); null otherwise.
mlir::ElementsAttr constantElements(mlir::Value v);

/// The elements of a constant as row-major bytes (splats expanded), or
/// nullopt if they are not available (a resource without a blob, a size
/// that does not match the type).
std::optional<std::vector<char>> readConstantBytes(mlir::ElementsAttr attr);

/// The same for an f32 constant.
std::optional<std::vector<float>> readConstantFloats(mlir::ElementsAttr attr);

/// Elements of `type` holding `bytes`: a dense attribute up to
/// kInlineConstantBytes, else a resource named `name`.
mlir::ElementsAttr makeElements(mlir::RankedTensorType type,
                                llvm::ArrayRef<char> bytes,
                                llvm::StringRef name);

/// An onnx.Constant of makeElements(type, bytes, name).
mlir::Value makeConstant(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<char> bytes, llvm::StringRef name);

/// The same for f32 values.
mlir::Value makeConstant(mlir::OpBuilder &b, mlir::Location loc,
                         mlir::RankedTensorType type,
                         llvm::ArrayRef<float> values, llvm::StringRef name);

} // namespace bertc::onnx

#endif // BERTC_DIALECT_ONNX_IR_CONSTANTDATA_H
