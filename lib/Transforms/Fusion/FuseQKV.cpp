//===- FuseQKV.cpp - One GEMM for an attention's Q/K/V projections --------===//
//
// bertc-fuse-qkv merges the bertc.linear ops that project the same input
// into an attention's query, key and value (the three Linear layers of a
// BERT self-attention, exported as three MatMul + Add) into one bertc.linear
// whose weight is the three weights concatenated along N at compile time:
//
//   %q = bertc.linear %x, %wq, %bq      %qkv = bertc.linear %x, %wqkv, %bqkv
//   %k = bertc.linear %x, %wk, %bk  ->  %q = tensor.extract_slice %qkv[0, 0, 0]   [B, S, Nq]
//   %v = bertc.linear %x, %wv, %bv      %k = tensor.extract_slice %qkv[0, 0, Nq]  [B, S, Nk]
//                                       %v = tensor.extract_slice %qkv[0, 0, Nq+Nk] ...
//
// One wide GEMM (N = 3 x hidden) keeps the threads busier than three narrow
// ones and is one parallel region instead of three; the slices are strided
// views (no copies) that the attention kernel reads in place. This is what
// ONNX Runtime's Attention op does with its packed QKV weight.
//
// Merged: linears with the same input, in the same block, without
// activation, with constant weights (and constant biases, all present or all
// absent) of one element type, whose results are used only by bertc.attention
// (so every consumer reads strided views). A weight triple shared by several
// layers (ALBERT) is concatenated once.
//
//===----------------------------------------------------------------------===//
#include "FusionUtils.h"

#include "bertc/Dialect/ONNX/IR/ConstantData.h"

#include "bertc/Transforms/Passes.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinDialect.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include <map>

namespace bertc {
#define GEN_PASS_DEF_FUSEQKV
#include "bertc/Transforms/Passes.h.inc"
} // namespace bertc

using namespace mlir;
using namespace bertc;
using namespace bertc::fusion;

namespace {

/// Whether `op` may join a merged group at all.
bool isCandidate(LinearOp op) {
  if (op.getActivation() != Activation::none || op.getResult().use_empty())
    return false;
  ElementsAttr w = getConstant(op.getWeight());
  if (!w || !w.getShapedType().hasStaticShape() ||
      w.getShapedType().getRank() != 2)
    return false;
  if (op.getBias() && !getConstant(op.getBias()))
    return false;
  auto resultType = cast<RankedTensorType>(op.getType());
  if (resultType.isDynamicDim(resultType.getRank() - 1))
    return false;
  for (OpOperand &use : op.getResult().getUses()) {
    auto attn = dyn_cast<AttentionOp>(use.getOwner());
    if (!attn || use.get() == attn.getMask())
      return false;
  }
  return true;
}

/// Merge key: linears merge only with others of the same key.
struct GroupKey {
  Value input;
  Block *block;
  Type weightElt, biasElt, resultType; // resultType with the last dim erased
  bool operator<(const GroupKey &o) const {
    auto t = [](const GroupKey &k) {
      return std::make_tuple(k.input.getAsOpaquePointer(), k.block,
                             k.weightElt.getAsOpaquePointer(),
                             k.biasElt.getAsOpaquePointer(),
                             k.resultType.getAsOpaquePointer());
    };
    return t(*this) < t(o);
  }
};

GroupKey keyOf(LinearOp op) {
  auto rt = cast<RankedTensorType>(op.getType());
  SmallVector<int64_t> shape(rt.getShape());
  shape.back() = 0;
  return {op.getInput(), op->getBlock(),
          cast<ShapedType>(op.getWeight().getType()).getElementType(),
          op.getBias() ? cast<ShapedType>(op.getBias().getType()).getElementType()
                       : Type(),
          RankedTensorType::get(shape, rt.getElementType())};
}

struct FuseQKVPass : bertc::impl::FuseQKVBase<FuseQKVPass> {
  FuseQKVPass() = default;
  explicit FuseQKVPass(FusionReport *report) : report(report) {}
  FusionReport *report = nullptr;
  /// Concatenated constants by the constants they were made of, so that
  /// weights shared by several layers are concatenated once.
  std::map<std::vector<const void *>, Value> concatenated;

  /// [K, N_i] weights (or [N_i] biases) concatenated along the last axis.
  Value concat(OpBuilder &b, ArrayRef<Value> parts, StringRef name) {
    std::vector<const void *> key;
    for (Value p : parts)
      key.push_back(p.getAsOpaquePointer());
    auto it = concatenated.find(key);
    if (it != concatenated.end() &&
        it->second.getParentBlock() == b.getInsertionBlock() &&
        it->second.getDefiningOp()->isBeforeInBlock(&*b.getInsertionPoint()))
      return it->second;

    auto first = cast<RankedTensorType>(parts.front().getType());
    int64_t rows = first.getRank() == 2 ? first.getDimSize(0) : 1;
    size_t eltBytes = first.getElementTypeBitWidth() / 8;
    std::vector<std::vector<char>> data;
    SmallVector<Location> locs;
    int64_t cols = 0;
    for (Value p : parts) {
      auto bytes = onnx::readConstantBytes(getConstant(p));
      if (!bytes)
        return {};
      data.push_back(std::move(*bytes));
      cols += cast<RankedTensorType>(p.getType()).getShape().back();
      locs.push_back(p.getLoc());
    }
    std::vector<char> out;
    out.reserve(size_t(rows * cols) * eltBytes);
    for (int64_t r = 0; r < rows; ++r)
      for (auto [i, p] : llvm::enumerate(parts)) {
        size_t rowBytes =
            size_t(cast<RankedTensorType>(p.getType()).getShape().back()) *
            eltBytes;
        const char *src = data[i].data() + size_t(r) * rowBytes;
        out.insert(out.end(), src, src + rowBytes);
      }
    SmallVector<int64_t> shape;
    if (first.getRank() == 2)
      shape.push_back(rows);
    shape.push_back(cols);
    Value c = onnx::makeConstant(b, b.getFusedLoc(locs),
                           RankedTensorType::get(shape, first.getElementType()),
                           out, name);
    concatenated[key] = c;
    return c;
  }

  LogicalResult merge(ArrayRef<LinearOp> group) {
    LinearOp first = group.front();
    OpBuilder b(first);
    SmallVector<Value> weights, biases;
    SmallVector<Location> locs;
    for (LinearOp op : group) {
      weights.push_back(op.getWeight());
      if (op.getBias())
        biases.push_back(op.getBias());
      locs.push_back(op.getLoc());
    }
    // Biases are rank-1 [N_i] after bertc-fuse-linear; anything else stays.
    for (Value bias : biases)
      if (cast<RankedTensorType>(bias.getType()).getRank() != 1)
        return failure();
    Value w = concat(b, weights, "weight_qkv");
    Value bias = biases.empty() ? Value() : concat(b, biases, "bias_qkv");
    if (!w || (!biases.empty() && !bias))
      return failure();

    auto rt = cast<RankedTensorType>(first.getType());
    SmallVector<int64_t> shape(rt.getShape());
    shape.back() = cast<RankedTensorType>(w.getType()).getDimSize(1);
    Location loc = b.getFusedLoc(locs);
    auto merged = b.create<LinearOp>(
        loc, RankedTensorType::get(shape, rt.getElementType()),
        first.getInput(), w, bias, Activation::none);

    int64_t offset = 0;
    for (LinearOp op : group) {
      auto type = cast<RankedTensorType>(op.getType());
      int64_t n = type.getShape().back();
      b.setInsertionPoint(op);
      // Leading sizes: static from the result type, else the input's (the
      // GEMM's rows), so that the merged result has no other users.
      SmallVector<OpFoldResult> sizes;
      for (int64_t d = 0; d + 1 < type.getRank(); ++d)
        sizes.push_back(type.isDynamicDim(d)
                            ? tensor::getMixedSize(b, op.getLoc(),
                                                   first.getInput(), d)
                            : b.getIndexAttr(type.getDimSize(d)));
      sizes.push_back(b.getIndexAttr(n));
      SmallVector<OpFoldResult> offsets(type.getRank(), b.getIndexAttr(0));
      offsets.back() = b.getIndexAttr(offset);
      SmallVector<OpFoldResult> strides(type.getRank(), b.getIndexAttr(1));
      auto slice = b.create<tensor::ExtractSliceOp>(
          op.getLoc(), type, merged.getResult(), offsets, sizes, strides);
      op.getResult().replaceAllUsesWith(slice.getResult());
      offset += n;
    }
    for (LinearOp op : group)
      op.erase();
    ++numGroups;
    numMerged += group.size();
    if (report)
      report->addCount("linear.qkv", 1);
    return success();
  }

  void runOnOperation() override {
    concatenated.clear();
    // Candidates grouped by key, in program order (so the merged op goes
    // where the first of its group was).
    std::map<GroupKey, SmallVector<LinearOp>> groups;
    SmallVector<GroupKey> order;
    getOperation().walk([&](LinearOp op) {
      if (!isCandidate(op))
        return;
      GroupKey key = keyOf(op);
      auto [it, inserted] = groups.try_emplace(key);
      if (inserted)
        order.push_back(key);
      it->second.push_back(op);
    });
    for (const GroupKey &key : order) {
      SmallVector<LinearOp> &group = groups[key];
      if (group.size() < 2)
        continue;
      (void)merge(group);
    }
  }
};
} // namespace

std::unique_ptr<Pass> bertc::createFuseQKV(FusionReport *report) {
  return std::make_unique<FuseQKVPass>(report);
}
