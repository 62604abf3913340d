//===- MaskInterpreter.h - Onnx mask subgraphs on concrete values -*- C++ -*-===//
//
// A small reference interpreter of the onnx ops that attention-mask
// subgraphs use, on concrete values (doubles, rounded to f32 where the
// element type is f32, so that finfo.min + finfo.min overflows as it does at
// run time), for one probe: a batch size, a sequence length and a padding
// mask. Sizes of tensors outside the mask subgraph (Shape of the hidden
// states) come from the dimension origins bound to the probe's batch and
// sequence. AttentionMask.cpp runs it on its probes.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_TRANSFORMS_FUSION_MASKINTERPRETER_H
#define BERTC_LIB_TRANSFORMS_FUSION_MASKINTERPRETER_H

#include "AttentionMask.h"

#include "mlir/IR/BuiltinAttributeInterfaces.h"
#include "mlir/IR/Operation.h"
#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/SetVector.h"
#include "llvm/ADT/SmallVector.h"

#include <optional>
#include <vector>

namespace bertc::fusion::mask {

using llvm::ArrayRef;
using llvm::SmallVector;
using llvm::SmallVectorImpl;
using llvm::StringRef;
using mlir::ElementsAttr;
using mlir::FailureOr;
using mlir::Operation;
using mlir::Value;

/// A concrete tensor: row-major values.
struct Tensor {
  SmallVector<int64_t> shape;
  std::vector<double> data;
  int64_t size() const { return (int64_t)data.size(); }
};

/// One probe: sizes and the padding mask (rows with padding at the end and
/// with holes, never a fully masked row).
struct Probe {
  int64_t batch, seq;
  std::vector<std::vector<int>> mask; // [batch][seq]
};

/// Elements of `shape`, or -1 if negative or too many to evaluate.
int64_t numElements(ArrayRef<int64_t> shape);
/// Index of the broadcast position `idx` in a tensor of `shape`
/// (right-aligned).
int64_t broadcastIndex(ArrayRef<int64_t> idx, ArrayRef<int64_t> shape);
/// Advances a multi-index over `shape`; false at the end.
bool next(SmallVectorImpl<int64_t> &idx, ArrayRef<int64_t> shape);
/// The graph inputs whose values (not only sizes) `term` reads.
void dataInputs(Value term, llvm::SetVector<Value> &inputs);

/// Evaluates values of a mask subgraph on one probe; on failure, `failure`
/// says where and why.
class Interpreter {
public:
  Interpreter(const Probe &p, Value padInput) : padInput(padInput), probe(p) {}

  MaskFailure failure;
  Value padInput; // the only graph input whose values may be read

  FailureOr<Tensor> eval(Value v, int depth = 0);

private:
  const Probe &probe;
  llvm::DenseMap<Value, Tensor> memo;

  static bool isF32(Value v);
  static bool isBool(Value v);
  static bool isInt(Value v);

  FailureOr<Tensor> failure_() { return mlir::failure(); }
  FailureOr<Tensor> fail(Operation *op, StringRef reason);

  /// The probe's size of a dynamic dimension: graph-input dims are bound by
  /// position (batch, then sequence).
  std::optional<int64_t> dimSize(Value v, int64_t d);

  FailureOr<SmallVector<int64_t>> shapeOf(Value v, Operation *user);

  FailureOr<Tensor> constant(ElementsAttr attr, Operation *op);

  template <typename F>
  FailureOr<Tensor> elementwise(Operation *op, ArrayRef<Tensor> in, F f);

  FailureOr<Tensor> evalImpl(Value v, int depth);
};

} // namespace bertc::fusion::mask

#endif // BERTC_LIB_TRANSFORMS_FUSION_MASKINTERPRETER_H
