//===- CheckAllocSizes.cpp - Overflow checks on run-time buffer sizes -----===//
//
// finalize-memref-to-llvm computes an allocation's byte size as the product
// of its dimensions and the element size, in wrapping i64 arithmetic. With
// dimensions known only at run time (inputs of [0, 2^62] are valid, and
// shapes computed from them can be larger), that product could wrap to a
// small number: the buffer would be allocated small and written past. This
// pass puts a checked computation of the same product before each such
// allocation (docs/Limits.md).
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Conversion/RuntimeChecks.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/MemRef/IR/MemRef.h"
#include "mlir/IR/Builders.h"

#include <limits>

namespace bertc {
#define GEN_PASS_DEF_CHECKALLOCSIZES
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {

/// Bytes of one element in a buffer (i1 takes a byte).
int64_t elementBytes(Type t) {
  if (t.isIndex())
    return 8;
  if (t.isIntOrFloat())
    return std::max<int64_t>(1, (t.getIntOrFloatBitWidth() + 7) / 8);
  return 8;
}

struct CheckAllocSizesPass
    : bertc::impl::CheckAllocSizesBase<CheckAllocSizesPass> {
  using CheckAllocSizesBase::CheckAllocSizesBase;

  void runOnOperation() override {
    ModuleOp module = getOperation();
    SmallVector<Operation *> allocs;
    module.walk([&](Operation *op) {
      if (isa<memref::AllocOp, memref::AllocaOp>(op))
        allocs.push_back(op);
    });
    for (Operation *op : allocs) {
      auto type = cast<MemRefType>(op->getResult(0).getType());
      // The static part: element size times the static dims (compile time).
      int64_t bytes = elementBytes(type.getElementType());
      bool fits = true;
      for (int64_t d : type.getShape())
        if (!ShapedType::isDynamic(d) &&
            (d < 0 || __builtin_mul_overflow(bytes, d, &bytes)))
          fits = false;
      if (!fits) {
        op->emitOpError() << "allocates a buffer of type " << type
                          << ", which has more than "
                          << std::numeric_limits<int64_t>::max() << " bytes";
        return signalPassFailure();
      }
      ValueRange dynamic = isa<memref::AllocOp>(op)
                               ? cast<memref::AllocOp>(op).getDynamicSizes()
                               : cast<memref::AllocaOp>(op).getDynamicSizes();
      if (dynamic.empty())
        continue;
      OpBuilder b(op);
      Location loc = op->getLoc();
      SmallVector<Value> factors{b.create<arith::ConstantIndexOp>(loc, bytes)};
      factors.append(dynamic.begin(), dynamic.end());
      Value overflow;
      (void)bertc::lowering::checkedProduct(b, loc, factors, overflow);
      bertc::lowering::emitSizeOverflowCheck(b, loc, module, overflow);
      ++numChecks;
    }
  }
};

} // namespace
