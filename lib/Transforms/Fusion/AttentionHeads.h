//===- AttentionHeads.h - Head layouts of attention operands ----*- C++ -*-===//
//
// Layouts are tracked symbolically ("atoms"): the Q, K and V sources are
// rank-3 tensors [A0, A1, H]; Reshape and Transpose ops move and split their
// dimensions (H into heads x head_size), and the head views must come out as
// [batch, heads, seq, d] (Hugging Face exports) or [batch * heads, seq, d]
// (torch.nn.MultiheadAttention, sequence-first, A0 = seq), with K transposed
// either way. Reshape targets computed at run time are read with the
// shape-value analysis and the dimension origins (a target entry that is
// Shape(x)[i] of a tensor whose dim has the same origin as an input dim is
// a copy of that dim); scalar Mul/Div on the chains are folded into a scale.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONHEADS_H
#define BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONHEADS_H

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinTypes.h"
#include "llvm/ADT/SmallVector.h"

namespace bertc::fusion::heads {

enum class Kind { A0, A1, Hidden, Heads, HeadDim };

struct Atom {
  Kind kind;
  int64_t size; // ShapedType::kDynamic if dynamic
  bool operator==(const Atom &o) const {
    return kind == o.kind && size == o.size;
  }
};
using Dim = llvm::SmallVector<Atom, 2>;
using Layout = llvm::SmallVector<Dim, 4>;

/// Layout of a value reached from a source of layout `layout` through `ops`
/// (Transpose, Reshape, scalar Mul/Div, Identity, in order); multiplies
/// `scale` by the scalar factors.
mlir::FailureOr<Layout> applyChain(Layout layout,
                                   llvm::ArrayRef<mlir::Operation *> ops,
                                   double &scale);

/// A head view (Q_h, K_h^T or V_h) traced back to its rank-3 source.
struct HeadView {
  mlir::Value source; // [A0, A1, hidden]
  int batchAxis = 0;  // which source axis is the batch (the other: seq)
  int64_t heads = 0, headDim = 0;
  double scale = 1.0;
  /// Set instead of `source` when the view is computed per head (a rotary
  /// embedding applied after the head split): the [batch, heads, seq, d]
  /// (K^T: [batch, heads, d, seq]) tensor itself, whose heads the rewrite
  /// merges back into a [batch, seq, hidden] source.
  mlir::Value perHead;
  bool keyT = false; // perHead is K^T
};

/// Traces `v` (a head view; `keyT`: K transposed, d before seq) up to the
/// nearest rank-3 source for which the layout works out.
mlir::FailureOr<HeadView> traceHeadView(mlir::Value v, bool keyT);

} // namespace bertc::fusion::heads

#endif // BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONHEADS_H
