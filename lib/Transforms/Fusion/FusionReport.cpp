//===- FusionReport.cpp - What the fusion passes did ----------------------===//
#include "bertc/Transforms/FusionReport.h"

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
