//===- FusionReport.h - What the fusion passes did and did not do -*- C++ -*-===//
//
// The fusion passes (lib/Transforms/Fusion) record into a FusionReport, when
// the pipeline is given one (bertc --fusion-report): how many ops of each
// kind they created (the same numbers as their pass statistics), and for
// every candidate they refused, the anchor op, the op where the match broke
// and why (the reason a pattern gives to notifyMatchFailure). Without a
// report, refusals are emitted as remarks ("attention not fused: ...") on
// the anchor op, which `bertc-opt -verify-diagnostics` tests check.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_TRANSFORMS_FUSIONREPORT_H
#define BERTC_TRANSFORMS_FUSIONREPORT_H

#include "mlir/IR/Location.h"
#include "mlir/IR/Operation.h"

#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace mlir {
class ModuleOp;
}

namespace bertc {

class FusionReport {
public:
  struct Miss {
    std::string kind;    // "attention", "layer_norm", ...
    mlir::Location anchor; // the candidate (e.g. the Softmax)
    mlir::Location culprit; // where the match broke (may equal anchor)
    std::string reason;
  };

  /// Adds `n` to the count of `kind` (e.g. "attention"); passes call this
  /// where they bump their statistics.
  void addCount(llvm::StringRef kind, uint64_t n);
  void addMiss(llvm::StringRef kind, mlir::Location anchor,
               mlir::Location culprit, llvm::StringRef reason);

  uint64_t count(llvm::StringRef kind) const;
  std::vector<Miss> misses() const;

  /// The report `bertc --fusion-report` prints: the counts, the onnx ops of
  /// the fused patterns left in `module`, and each miss with its node.
  void print(mlir::ModuleOp module, llvm::StringRef title,
             llvm::raw_ostream &os) const;

private:
  mutable std::mutex mutex; // function passes may run in parallel
  std::map<std::string, uint64_t> counts;
  std::vector<Miss> missList;
};

/// A refused candidate: recorded in `report`, or (without one) a remark on
/// `anchor` with a note at `culprit`.
void reportMissedFusion(FusionReport *report, mlir::Operation *anchor,
                        llvm::StringRef kind, mlir::Operation *culprit,
                        const llvm::Twine &reason);

} // namespace bertc

#endif // BERTC_TRANSFORMS_FUSIONREPORT_H
