//===- ONNXOps.h - The onnx dialect's ops and shape helpers -----*- C++ -*-===//
#ifndef BERTC_DIALECT_ONNX_IR_ONNXOPS_H
#define BERTC_DIALECT_ONNX_IR_ONNXOPS_H

#include "mlir/Bytecode/BytecodeOpInterface.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Dialect.h"
#include "mlir/IR/OpDefinition.h"
#include "mlir/IR/OpImplementation.h"
#include "mlir/Interfaces/InferTypeOpInterface.h"
#include "mlir/Interfaces/SideEffectInterfaces.h"

#include <optional>
#include <string>

namespace bertc::onnx {

/// True if each pair of types has the same element type and rank, and no
/// dimension that is static in both differs: a result may be more precise than
/// what inference gives, but must not contradict it.
bool areRefinementCompatible(mlir::TypeRange lhs, mlir::TypeRange rhs);

/// ONNX multidirectional broadcasting of two shapes. A dynamic dimension
/// against a static one other than 1 takes the static size; dynamic against
/// dynamic stays dynamic. Fails if two static sizes (neither 1) differ.
mlir::FailureOr<llvm::SmallVector<int64_t>>
broadcastShapes(llvm::ArrayRef<int64_t> lhs, llvm::ArrayRef<int64_t> rhs);

mlir::LogicalResult
inferBroadcastOpType(mlir::MLIRContext *ctx, std::optional<mlir::Location> loc,
                     mlir::Type lhs, mlir::Type rhs, bool isCompare,
                     llvm::SmallVectorImpl<mlir::Type> &types);
mlir::LogicalResult verifyBroadcastOp(mlir::Operation *op, bool isCompare);

mlir::LogicalResult
inferReduceOpType(mlir::MLIRContext *ctx, std::optional<mlir::Location> loc,
                  mlir::Type input, llvm::ArrayRef<int64_t> axes,
                  int64_t keepdims, llvm::SmallVectorImpl<mlir::Type> &types);
mlir::LogicalResult verifyReduceOp(mlir::Operation *op,
                                   llvm::ArrayRef<int64_t> axes);

/// Marker for an unknown entry in a partially known shape tensor.
constexpr int64_t kUnknownValue = std::numeric_limits<int64_t>::min();

/// The values of a 1-D (or 0-D) integer tensor as far as they are known at
/// compile time: constants, and the shape-computing subgraphs exporters emit
/// (Shape, Gather of a Shape, Unsqueeze, Concat, Cast, Squeeze). Unknown
/// entries are kUnknownValue. Returns std::nullopt if even the number of
/// elements is unknown.
std::optional<llvm::SmallVector<int64_t>> getKnownIntValues(mlir::Value v);

/// The values of a constant integer tensor, if it is fully constant.
std::optional<llvm::SmallVector<int64_t>> getConstantIntValues(mlir::Value v);

/// A dimension of a tensor value.
struct DimRef {
  mlir::Value value;
  int64_t dim = 0;
  bool operator==(const DimRef &o) const {
    return value == o.value && dim == o.dim;
  }
};

/// The ONNX node name an op's location carries (the importer makes each
/// op's location NameLoc(node name, file)); "?" if none.
std::string nodeName(mlir::Location loc);
/// The canonical origin of dynamic dimension `dim` of `v`: the dimension it
/// is equal to by construction, found by following ops that pass dimensions
/// through (elementwise ops, MatMul rows/columns, Transpose, Unsqueeze,
/// Squeeze, Gather, Reshape/Expand entries computed by Shape, Range(0, n, 1),
/// ...) up to a graph input or to an op that makes a new size. Dimensions
/// with the same origin are equal at run time. Static dims return themselves.
DimRef getDimOrigin(mlir::Value v, int64_t dim);

/// Declares that ops named `opName` (of another dialect, e.g. bertc's fused
/// ops) keep all but the last dimension of operand `operandIndex` in each
/// result, so that getDimOrigin can see through them. Thread-safe; done by
/// those dialects' initialize().
void registerRowwiseOp(llvm::StringRef opName, unsigned operandIndex);

/// For each entry of a small 1-D integer tensor (a shape being computed):
/// the origin of the dynamic dimension it equals, where the shape subgraph
/// (Shape, Gather, Slice, Concat, Unsqueeze, Squeeze, Cast, Where guards)
/// says so. Empty if the number of entries is not known.
llvm::SmallVector<std::optional<DimRef>> getShapeDimRefs(mlir::Value v);

/// The value of the single -1 entry of a Reshape target, from the element
/// counts: a static product and the dynamic dimensions' origins must cancel
/// (e.g. [batch, seq, 768] to [batch, seq, -1, 64] gives 12).
std::optional<int64_t> inferReshapeMinusOne(mlir::Value input, mlir::Value shape,
                                            bool allowZero);

/// The largest rank of a tensor (the runtime's BERTC_MAX_RANK).
constexpr int64_t kMaxRank = 32;

/// Bytes of one element of `elementType` in a buffer (i1 takes a byte; index
/// 8 bytes).
int64_t elementByteSize(mlir::Type elementType);

/// The number of elements and of bytes of the static part of a shape (dynamic
/// dimensions count as 1), or std::nullopt when either exceeds INT64_MAX: a
/// shape that no buffer can hold, which every size computation downstream
/// (element counts, allocation sizes, offsets) would overflow on. Computed
/// with checked arithmetic.
struct StaticSize {
  int64_t elements = 1;
  int64_t bytes = 0;
};
std::optional<StaticSize> staticSizeOf(llvm::ArrayRef<int64_t> shape,
                                       mlir::Type elementType);
/// The same for a shaped type; other types always fit.
std::optional<StaticSize> staticSizeOf(mlir::Type type);

/// "tensor<AxB...> has more than INT64_MAX bytes (A x B x ... elements of N
/// bytes)": the message for a type that staticSizeOf rejects.
std::string tooLargeMessage(mlir::Type type);

/// Fails (with an error on `op`) if a result of `op` has a static shape that
/// staticSizeOf rejects. Every onnx op checks it as part of its verifier.
mlir::LogicalResult verifyResultSizes(mlir::Operation *op);

namespace OpTrait {
/// ODS trait of every onnx op: verifyResultSizes.
template <typename ConcreteType>
class ResultSizesFit
    : public mlir::OpTrait::TraitBase<ConcreteType, ResultSizesFit> {
public:
  static mlir::LogicalResult verifyTrait(mlir::Operation *op) {
    return verifyResultSizes(op);
  }
};
} // namespace OpTrait

} // namespace bertc::onnx

#include "bertc/Dialect/ONNX/IR/ONNXOpsDialect.h.inc"

#define GET_OP_CLASSES
#include "bertc/Dialect/ONNX/IR/ONNXOps.h.inc"

#endif // BERTC_DIALECT_ONNX_IR_ONNXOPS_H
