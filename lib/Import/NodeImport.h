//===- NodeImport.h - Per-node import: the op table and its helpers -*- C++
//-*-===//
//
// Private to lib/Import. ONNXImporter.cpp reads the model and the graph
// (TensorImport.cpp and ExternalData.cpp the tensors); for each node it finds
// the row of the op table (ONNXNodeImport.cpp) whose domain, op type and
// opset range match, and calls that row's builder (NodeBuilders.h) with a
// NodeImporter: the node's resolved inputs and the helpers every builder
// needs (attributes, constant inputs, creating typed and verified ops,
// diagnostics that name the node; NodeImporter.cpp).
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_IMPORT_NODEIMPORT_H
#define BERTC_LIB_IMPORT_NODEIMPORT_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/Diagnostics.h"
#include "llvm/ADT/ArrayRef.h"
#include "llvm/ADT/SmallVector.h"
#include "llvm/ADT/StringRef.h"

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <vector>

namespace bertc::importer {

/// `until` of a table row that holds for every later opset too.
constexpr int64_t kOpenOpset = std::numeric_limits<int64_t>::max();

/// What the graph importer offers node builders: element types and tensor
/// attributes (initializer rules: dense or dense_resource, external data).
class TensorReader {
public:
  virtual ~TensorReader() = default;
  virtual mlir::FailureOr<mlir::Type> elementType(int32_t onnxType,
                                                  mlir::Location loc) = 0;
  /// The tensor as an attribute; errors name `node` and its attribute
  /// `attrName` (for a node's tensor attribute) or the tensor as an
  /// initializer (node null).
  virtual mlir::FailureOr<mlir::ElementsAttr>
  tensorAttr(::onnx::TensorProto &tensor, mlir::Location loc,
             const ::onnx::NodeProto *node, llvm::StringRef attrName) = 0;
};

/// The node's name, or "OpType(first output)" for unnamed nodes, printable
/// (bertc::printableName).
std::string displayName(const ::onnx::NodeProto &node);

/// An error at `loc` prefixed with "node 'N' (op type 'T', domain 'D', opset
/// O): ".
mlir::InFlightDiagnostic
nodeError(mlir::Location loc, const ::onnx::NodeProto &node, int64_t opset);

/// One node being imported. Builders read `in` (null for omitted optional
/// inputs) and the attributes, create ops with emit()/create(), and leave
/// the values of the node's outputs in `results`.
class NodeImporter {
public:
  NodeImporter(mlir::OpBuilder &b, TensorReader &tensors,
               const ::onnx::NodeProto &node, int64_t opset, mlir::Location loc,
               llvm::SmallVector<mlir::Value> inputs)
      : b(b), tensors(tensors), node(node), opset(opset), loc(loc),
        in(std::move(inputs)) {}

  mlir::OpBuilder &b;
  TensorReader &tensors;
  const ::onnx::NodeProto &node;
  const int64_t opset;
  const mlir::Location loc;
  llvm::SmallVector<mlir::Value> in;
  llvm::SmallVector<mlir::Value> results;

  llvm::StringRef opType() const { return node.op_type(); }

  // --- diagnostics -------------------------------------------------------
  mlir::InFlightDiagnostic error() { return nodeError(loc, node, opset); }

  // --- inputs ------------------------------------------------------------
  /// Fails unless the node has lo..hi inputs with the first lo present.
  mlir::LogicalResult needInputs(int lo, int hi);
  /// Input i, or null if the node omits it.
  mlir::Value input(int i) const {
    return i < (int)in.size() ? in[i] : mlir::Value();
  }
  /// The values of constant integer input `i` (an error if computed at run
  /// time).
  mlir::FailureOr<std::vector<int64_t>> constantInts(int i);

  // --- attributes (absent -> default) -------------------------------------
  const ::onnx::AttributeProto *attr(llvm::StringRef name) const;
  mlir::FailureOr<int64_t> intAttr(llvm::StringRef name, int64_t dflt);
  mlir::FailureOr<float> floatAttr(llvm::StringRef name, float dflt);
  mlir::FailureOr<std::optional<float>> optionalFloatAttr(llvm::StringRef name);
  mlir::FailureOr<std::string> stringAttr(llvm::StringRef name,
                                          llvm::StringRef dflt);
  mlir::FailureOr<std::optional<std::vector<int64_t>>>
  intsAttr(llvm::StringRef name);

  // --- building ops --------------------------------------------------------
  /// Creates `opName` with result types from its InferTypeOpInterface (never
  /// through ODS builders, which abort when inference fails), then verifies
  /// it; failures become errors naming the node.
  mlir::FailureOr<mlir::Operation *>
  create(llvm::StringRef opName, mlir::ValueRange operands,
         llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  /// create() whose results become the node's results.
  mlir::LogicalResult emit(llvm::StringRef opName, mlir::ValueRange operands,
                           llvm::ArrayRef<mlir::NamedAttribute> attrs = {});
  /// An op whose result types are given (Split), verified like create().
  mlir::FailureOr<mlir::Operation *>
  createWithTypes(llvm::StringRef opName, mlir::ValueRange operands,
                  llvm::ArrayRef<mlir::NamedAttribute> attrs,
                  mlir::TypeRange types);

  /// Normalizes `axis` for a tensor of rank `rank`, or fails naming it.
  mlir::FailureOr<int64_t> normAxis(int64_t axis, int64_t rank);

  mlir::IntegerAttr i64(int64_t v) { return b.getI64IntegerAttr(v); }
  mlir::NamedAttribute named(llvm::StringRef n, mlir::Attribute a) {
    return b.getNamedAttr(n, a);
  }
  mlir::Value i64Constant(llvm::ArrayRef<int64_t> values);
  static int64_t rankOf(mlir::Value v);
};

using NodeBuilder = mlir::LogicalResult (*)(NodeImporter &);

/// One row of the op table: the builder imports `opType` of `domain` ("" is
/// the default ONNX domain, also spelled "ai.onnx") for opsets since..until,
/// both inclusive.
struct OpForm {
  llvm::StringLiteral domain;
  llvm::StringLiteral opType;
  int64_t since;
  int64_t until;
  NodeBuilder build;
};

/// Every supported (domain, op type, opset range), in ONNXNodeImport.cpp.
llvm::ArrayRef<OpForm> opTable();

/// The rows for (domain, op type), in table order; empty if bertc does not
/// know the op at all.
llvm::SmallVector<const OpForm *> findOpForms(llvm::StringRef domain,
                                              llvm::StringRef opType);

} // namespace bertc::importer

#endif
