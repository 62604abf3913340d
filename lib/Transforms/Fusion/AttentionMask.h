//===- AttentionMask.h - What an attention mask subgraph computes -*- C++ -*-===//
//
// bertc-fuse-attention needs to know what each mask term on the scores path
// computes. Exporters build masks in many forms (transformers 5's mask
// functions: And/Or/Not of padding and causal terms, index arithmetic into
// the flattened mask, GatherND, Range comparisons; finfo.min or -inf fills;
// Trilu or sliced causal buffers); rather than matching each, the term is
// evaluated: the subgraph is interpreted on small probe inputs (a padding
// mask with holes, at two batch/sequence sizes) and the result must be a
// function of two things only, the mask value m[b, k] of the key and
// whether the key comes after the query. That function (a 2x2 table) is
// what bertc.attention's mask attributes encode.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONMASK_H
#define BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONMASK_H

#include "mlir/IR/Operation.h"
#include "mlir/IR/Value.h"

#include <string>

namespace bertc::fusion {

/// A mask term as a function of m (the key's padding-mask value, 0 or 1)
/// and of the causal position (tri = 1 when the key comes after the query).
struct MaskTable {
  double value[2][2] = {{0, 0}, {0, 0}}; // [m][tri]
  bool usesPad = false, usesCausal = false;
  mlir::Value padInput; // the 2-D [batch, seq] mask input (if usesPad)
};

struct MaskFailure {
  mlir::Operation *op = nullptr; // where the evaluation broke, if known
  std::string reason;
};

/// Evaluates `term`, a tensor that broadcasts against attention scores of
/// rank `scoresRank` ([batch, heads, query, key], or [batch * heads, query,
/// key] for rank 3) with `heads` heads. `queryLen`/`keyLen` are the scores'
/// static sizes (or dynamic). Fails with the reason if the term is not a
/// function of (m, tri) alone, or reads anything but the mask input and
/// tensor sizes.
mlir::FailureOr<MaskTable> evaluateMaskTerm(mlir::Value term, int scoresRank,
                                            int64_t heads, int64_t batchLen,
                                            int64_t queryLen, int64_t keyLen,
                                            MaskFailure &why);

} // namespace bertc::fusion

#endif // BERTC_LIB_TRANSFORMS_FUSION_ATTENTIONMASK_H
