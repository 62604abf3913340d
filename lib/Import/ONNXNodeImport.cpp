//===- ONNXNodeImport.cpp - The op table ----------------------------------===//
//
// The op table: one row per (domain, op type, opset range) that bertc
// imports, each naming the builder for that form of the op. Where an ONNX
// opset changed an op's form (an attribute that became an input, a changed
// default), the op has one row per form, so the table says at a glance which
// opsets bertc reads and how. A node whose op has no row for the model's
// opset is an error naming the node and the opsets that are supported.
//
// Builders (NodeBuilders.h, defined by op family in NodeBuilders*.cpp)
// resolve the opset differences so that the dialect has one form per op
// (attributes normalized, constant inputs turned into attributes).
//
//===----------------------------------------------------------------------===//
#include "NodeBuilders.h"

#include "llvm/ADT/StringMap.h"

using namespace mlir;

namespace bertc::importer {

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
