//===- AttentionMask.cpp - Evaluate attention mask subgraphs on probes -----===//
//
// The probes and the reduction of the interpreted term to a table over
// (padding mask, causal position); the interpreter is MaskInterpreter.cpp.
// See AttentionMask.h.
//
//===----------------------------------------------------------------------===//
#include "AttentionMask.h"
#include "MaskInterpreter.h"

#include "FusionUtils.h"

#include "llvm/ADT/DenseMap.h"
#include "llvm/ADT/DenseSet.h"
#include "llvm/ADT/SetVector.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <cmath>
#include <map>

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;
using namespace bertc::fusion::mask;

namespace {

/// The two probes: batch 2 and 3, sequences 5 and 7 (or the static sizes),
/// right padding and holes, the first key always attended.
SmallVector<Probe> makeProbes(int64_t batchLen, int64_t queryLen,
                              int64_t keyLen) {
  SmallVector<Probe> probes;
  int64_t seqs[2] = {5, 7}, batches[2] = {2, 3};
  for (int p = 0; p < 2; ++p) {
    Probe pr;
    pr.batch = ShapedType::isDynamic(batchLen) ? batches[p] : batchLen;
    int64_t s = !ShapedType::isDynamic(keyLen)     ? keyLen
                : !ShapedType::isDynamic(queryLen) ? queryLen
                                                   : seqs[p];
    pr.seq = s;
    for (int64_t b = 0; b < pr.batch; ++b) {
      std::vector<int> row(s, 1);
      for (int64_t j = 1; j < s; ++j) {
        if (b % 3 == 1)
          row[j] = j < s - 2 ? 1 : 0; // right padding
        else if (b % 3 == 2)
          row[j] = (j * 7 + p) % 3 != 0; // holes
      }
      pr.mask.push_back(row);
    }
    probes.push_back(pr);
  }
  // A long sequence (batch 1, 520 tokens, padding at the end): sliding
  // windows (local attention up to 512 tokens wide) look like no mask at
  // all on short probes. Only where the sizes are dynamic; optional (see
  // evaluateMaskTerm).
  if (ShapedType::isDynamic(keyLen) && ShapedType::isDynamic(queryLen)) {
    Probe pr;
    pr.batch = ShapedType::isDynamic(batchLen) ? 1 : batchLen;
    pr.seq = 520;
    for (int64_t b = 0; b < pr.batch; ++b) {
      std::vector<int> row(pr.seq, 1);
      for (int64_t j = pr.seq - 9; j < pr.seq; ++j)
        row[j] = 0;
      pr.mask.push_back(row);
    }
    probes.push_back(pr);
  }
  return probes;
}


} // namespace

FailureOr<MaskTable>
bertc::fusion::evaluateMaskTerm(Value term, int scoresRank, int64_t heads,
                                int64_t batchLen, int64_t queryLen,
                                int64_t keyLen, MaskFailure &why) {
  if (!ShapedType::isDynamic(keyLen) && keyLen > 512) {
    why = {term.getDefiningOp(), "mask over more than 512 keys (static size)"};
    return failure();
  }
  if (!ShapedType::isDynamic(queryLen) && !ShapedType::isDynamic(keyLen) &&
      queryLen != keyLen) {
    why = {term.getDefiningOp(), "query and key lengths differ"};
    return failure();
  }
  MaskTable table;
  llvm::SetVector<Value> inputs;
  dataInputs(term, inputs);
  if (inputs.size() > 1) {
    why = {term.getDefiningOp(), "the mask depends on two different inputs"};
    return failure();
  }
  Value padInput = inputs.empty() ? Value() : inputs[0];
  // Static sizes of the mask input fix the probe's.
  if (auto pt = padInput ? dyn_cast<RankedTensorType>(padInput.getType())
                         : RankedTensorType()) {
    if (pt.getRank() == 2 && !pt.isDynamicDim(0))
      batchLen = pt.getDimSize(0);
    if (pt.getRank() == 2 && !pt.isDynamicDim(1) &&
        ShapedType::isDynamic(keyLen))
      keyLen = pt.getDimSize(1);
  }
  bool seen[2][2] = {{false, false}, {false, false}};
  auto probes = makeProbes(batchLen, queryLen, keyLen);
  for (auto [probeIndex, probe] : llvm::enumerate(probes)) {
    Interpreter interp(probe, padInput);
    auto t = interp.eval(term);
    if (failed(t)) {
      // The long probe may exceed what the model supports (a causal buffer
      // cut to 128 positions): then it only cannot confirm the short ones.
      if (probeIndex >= 2)
        continue;
      why = interp.failure;
      return failure();
    }
    // Broadcast against the scores of this probe.
    SmallVector<int64_t> scores;
    if (scoresRank == 4)
      scores = {probe.batch, heads, probe.seq, probe.seq};
    else
      scores = {probe.batch * heads, probe.seq, probe.seq};
    if ((int)t->shape.size() > scoresRank) {
      why = {term.getDefiningOp(), "mask of a higher rank than the scores"};
      return failure();
    }
    bool fits = true;
    for (size_t i = 0; i < t->shape.size(); ++i) {
      int64_t d = t->shape[i], s = scores[scoresRank - t->shape.size() + i];
      fits &= d == 1 || d == s;
    }
    if (!fits && probeIndex >= 2)
      continue;
    if (!fits) {
      why = {term.getDefiningOp(),
             "mask broadcast does not match [batch, heads, query, key]"};
      return failure();
    }
    SmallVector<int64_t> idx(scoresRank, 0);
    do {
      int64_t b = scoresRank == 4 ? idx[0] : idx[0] / heads;
      int64_t q = idx[scoresRank - 2], k = idx[scoresRank - 1];
      int m = probe.mask[b][k];
      int tri = k > q;
      double x = t->data[broadcastIndex(idx, t->shape)];
      if (std::isnan(x)) {
        why = {term.getDefiningOp(), "the mask has values that are not known"};
        return failure();
      }
      if (!seen[m][tri]) {
        seen[m][tri] = true;
        table.value[m][tri] = x;
      } else if (!(table.value[m][tri] == x ||
                   (std::isnan(x) && std::isnan(table.value[m][tri])))) {
        why = {term.getDefiningOp(),
               padInput ? "mask is not a function of the padding mask and the "
                          "causal position alone"
                        : "the mask depends on the query and key positions "
                          "other than causally (e.g. a sliding window)"};
        return failure();
      }
    } while (next(idx, scores));
  }
  table.padInput = padInput;
  // Unseen combinations (e.g. no padding) take the neighbour's value.
  for (int m = 0; m < 2; ++m)
    for (int tri = 0; tri < 2; ++tri)
      if (!seen[m][tri])
        table.value[m][tri] = table.value[1 - m][tri];
  auto same = [](double a, double b) {
    return a == b || (std::isnan(a) && std::isnan(b));
  };
  table.usesPad = table.padInput && (!same(table.value[0][0], table.value[1][0]) ||
                                     !same(table.value[0][1], table.value[1][1]));
  table.usesCausal = !same(table.value[0][0], table.value[0][1]) ||
                     !same(table.value[1][0], table.value[1][1]);
  if (!table.usesPad)
    table.padInput = Value();
  return table;
}
