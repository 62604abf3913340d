//===- NodeBuilders.h - The builders of the op table ------------*- C++ -*-===//
//
// Private to lib/Import. One builder per op (or op family) that rows of the
// op table (ONNXNodeImport.cpp) name; each resolves the opset differences
// of its op so that the dialect has one form per op. Defined by family:
//   NodeBuildersElementwise.cpp   binary/unary ops, Max/Min, Dropout, Cast,
//                                 Gelu, Clip, Mod
//   NodeBuildersNN.cpp            Gemm, Conv, Softmax, LayerNormalization,
//                                 Reduce*, ArgMax
//   NodeBuildersShape.cpp         Constant, ConstantOfShape, Shape, Reshape,
//                                 Transpose, Squeeze/Unsqueeze, Flatten
//   NodeBuildersDataMovement.cpp  Concat, Slice, Split, Gather, GatherND,
//                                 GatherElements, CumSum, Trilu
// A builder that is a template (one per op form) is instantiated for its
// forms in its file.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_IMPORT_NODEBUILDERS_H
#define BERTC_LIB_IMPORT_NODEBUILDERS_H

#include "NodeImport.h"

namespace bertc::importer {

// --- elementwise (NodeBuildersElementwise.cpp) ----------------------------

/// onnx.<OpType> of the node's inputs, no attributes.
template <int minInputs, int maxInputs = minInputs>
mlir::LogicalResult buildPlain(NodeImporter &n) {
  if (mlir::failed(n.needInputs(minInputs, maxInputs)))
    return mlir::failure();
  return n.emit(("onnx." + n.opType()).str(), n.in);
}

mlir::LogicalResult buildBinary(NodeImporter &n);
mlir::LogicalResult buildUnary(NodeImporter &n);
mlir::LogicalResult buildVariadicMinMax(NodeImporter &n);
mlir::LogicalResult buildDropout(NodeImporter &n);
mlir::LogicalResult buildCast(NodeImporter &n);
mlir::LogicalResult buildGelu(NodeImporter &n);
mlir::LogicalResult buildClipWithInputs(NodeImporter &n);
mlir::LogicalResult buildMod(NodeImporter &n);

// --- linear algebra and normalisation (NodeBuildersNN.cpp) ----------------

mlir::LogicalResult buildGemm(NodeImporter &n);
mlir::LogicalResult buildConv(NodeImporter &n);
mlir::LogicalResult buildSoftmax(NodeImporter &n);
mlir::LogicalResult buildSoftmaxCoerced2D(NodeImporter &n);
mlir::LogicalResult buildLayerNormalization(NodeImporter &n);
template <bool axesAsInput> mlir::LogicalResult buildReduce(NodeImporter &n);
extern template mlir::LogicalResult buildReduce<false>(NodeImporter &);
extern template mlir::LogicalResult buildReduce<true>(NodeImporter &);
template <bool hasSelectLastIndex>
mlir::LogicalResult buildArgMax(NodeImporter &n);
extern template mlir::LogicalResult buildArgMax<false>(NodeImporter &);
extern template mlir::LogicalResult buildArgMax<true>(NodeImporter &);

// --- constants and shapes (NodeBuildersShape.cpp) -------------------------

mlir::LogicalResult buildConstant(NodeImporter &n);
mlir::LogicalResult buildConstantOfShape(NodeImporter &n);
mlir::LogicalResult buildShape(NodeImporter &n);
mlir::LogicalResult buildReshape(NodeImporter &n);
mlir::LogicalResult buildTranspose(NodeImporter &n);
template <bool axesAsInput>
mlir::LogicalResult buildSqueezeOrUnsqueeze(NodeImporter &n);
extern template mlir::LogicalResult
buildSqueezeOrUnsqueeze<false>(NodeImporter &);
extern template mlir::LogicalResult
buildSqueezeOrUnsqueeze<true>(NodeImporter &);
mlir::LogicalResult buildFlatten(NodeImporter &n);

// --- data movement (NodeBuildersDataMovement.cpp) -------------------------

mlir::LogicalResult buildConcat(NodeImporter &n);
mlir::LogicalResult buildSlice(NodeImporter &n);
template <bool splitAsInput> mlir::LogicalResult buildSplit(NodeImporter &n);
extern template mlir::LogicalResult buildSplit<false>(NodeImporter &);
extern template mlir::LogicalResult buildSplit<true>(NodeImporter &);
mlir::LogicalResult buildGather(NodeImporter &n);
mlir::LogicalResult buildGatherND(NodeImporter &n);
mlir::LogicalResult buildGatherElements(NodeImporter &n);
mlir::LogicalResult buildCumSum(NodeImporter &n);
mlir::LogicalResult buildTrilu(NodeImporter &n);

} // namespace bertc::importer

#endif
