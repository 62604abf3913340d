//===- FusionReport.cpp - What the fusion passes did ----------------------===//
#include "bertc/Transforms/FusionReport.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"

using namespace mlir;
using namespace bertc;

void FusionReport::addCount(StringRef kind, uint64_t n) {
  std::lock_guard<std::mutex> lock(mutex);
  counts[kind.str()] += n;
}

void FusionReport::addMiss(StringRef kind, Location anchor, Location culprit,
                           StringRef reason) {
  std::lock_guard<std::mutex> lock(mutex);
  missList.push_back(Miss{kind.str(), anchor, culprit, reason.str()});
}

uint64_t FusionReport::count(StringRef kind) const {
  std::lock_guard<std::mutex> lock(mutex);
  auto it = counts.find(kind.str());
  return it == counts.end() ? 0 : it->second;
}

std::vector<FusionReport::Miss> FusionReport::misses() const {
  std::lock_guard<std::mutex> lock(mutex);
  return missList;
}

void bertc::reportMissedFusion(FusionReport *report, Operation *anchor,
                               StringRef kind, Operation *culprit,
                               const Twine &reason) {
  Operation *at = culprit ? culprit : anchor;
  if (report) {
    report->addMiss(kind, anchor->getLoc(), at->getLoc(), reason.str());
    return;
  }
  InFlightDiagnostic diag = anchor->emitRemark()
                            << kind << " not fused: " << reason;
  if (at != anchor)
    diag.attachNote(at->getLoc()) << "the match broke here";
}

/// Counts of fused ops, what onnx ops of the fused patterns remain, and
/// why attention candidates did not fuse.
void FusionReport::print(ModuleOp module, StringRef title,
                         llvm::raw_ostream &os) const {
  // Fused counts: what the fusion passes recorded (their statistics);
  // remaining onnx ops of the fused patterns: counted here.
  unsigned softmax = 0, reduceMean = 0, erf = 0, lnOp = 0, gelu = 0, pow = 0;
  module.walk([&](Operation *op) {
    if (isa<onnx::SoftmaxOp>(op))
      ++softmax;
    else if (isa<onnx::ReduceMeanOp>(op))
      ++reduceMean;
    else if (isa<onnx::ErfOp>(op))
      ++erf;
    else if (isa<onnx::LayerNormalizationOp>(op))
      ++lnOp;
    else if (isa<onnx::PowOp>(op))
      ++pow;
    else if (op->getName().getStringRef() == "onnx.Gelu")
      ++gelu;
  });
  uint64_t attention = count("attention"),
           layerNorm = count("layer_norm"),
           skipLayerNorm = count("layer_norm.skip"),
           rmsNorm = count("layer_norm.rms"),
           gelus = count("gelu"), linear = count("linear"),
           linearAct = count("linear.activation"),
           linearQKV = count("linear.qkv");
  os << "fusion report: " << title << "\n";
  os << "  attention   " << attention << "\n";
  os << "  layer_norm  " << layerNorm << " (" << skipLayerNorm
     << " with residual input, " << rmsNorm << " RMSNorm)\n";
  os << "  gelu        " << gelus << "\n";
  os << "  linear      " << linear << " (" << linearAct
     << " with activation epilogue, " << linearQKV
     << " merged Q/K/V projections)\n";
  os << "remaining onnx ops of fused patterns: Softmax " << softmax
     << ", ReduceMean " << reduceMean << ", Erf " << erf
     << ", LayerNormalization " << lnOp << ", Gelu " << gelu << ", Pow " << pow
     << "\n";
  auto missed = misses();
  if (missed.empty()) {
    os << "no missed attention candidates\n";
    return;
  }
  os << "not fused:\n";
  for (const auto &m : missed) {
    os << "  node '" << onnx::nodeName(m.anchor) << "': " << m.kind << ": " << m.reason;
    if (m.culprit != m.anchor)
      os << " (at node '" << onnx::nodeName(m.culprit) << "')";
    os << "\n";
  }
}
