//===- RuntimeChecks.cpp - Checks on run-time values in generated code ---===//
#include "bertc/Conversion/RuntimeChecks.h"
#include "bertc/Dialect/BertcCPU/IR/BertcCPUOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/Dialect/SCF/IR/SCF.h"

using namespace mlir;

namespace bertc::lowering {

ModuleOp enclosingModule(OpBuilder &b) {
  Operation *op = b.getInsertionBlock()->getParentOp();
  if (auto m = dyn_cast<ModuleOp>(op))
    return m;
  return op->getParentOfType<ModuleOp>();
}

/// Position of loc's node name in the error-site table of the module's
/// `bertc_cpu.entry_point` (added if missing), which becomes the table
/// model.so reports run-time errors with. A module that is not (yet) a model
/// (a lowering run on its own) keeps the table in its `bertc.error_sites`
/// attribute, which bertc-prepare-model-entry moves into the entry point.
static int32_t errorSite(ModuleOp module, Location loc) {
  std::string name = onnx::nodeName(loc);
  if (auto entry = cpu::EntryPointOp::lookup(module))
    return entry.addErrorSite(name);
  MLIRContext *ctx = module.getContext();
  SmallVector<Attribute> sites;
  if (auto arr = module->getAttrOfType<ArrayAttr>(kErrorSitesAttr))
    sites.assign(arr.begin(), arr.end());
  for (auto [i, a] : llvm::enumerate(sites))
    if (cast<StringAttr>(a).getValue() == name)
      return static_cast<int32_t>(i);
  sites.push_back(StringAttr::get(ctx, name));
  module->setAttr(kErrorSitesAttr, ArrayAttr::get(ctx, sites));
  return static_cast<int32_t>(sites.size() - 1);
}

/// Declares `void callee(i64, i64, i32...)` in the module if needed.
static void declareCallee(ModuleOp module, StringRef callee,
                          ArrayRef<Type> args) {
  if (module.lookupSymbol(callee))
    return;
  OpBuilder mb(module.getContext());
  mb.setInsertionPointToStart(module.getBody());
  auto fn = mb.create<func::FuncOp>(
      module.getLoc(), callee,
      FunctionType::get(module.getContext(), args, {}));
  fn.setPrivate();
}

/// `v` as i64 (index_cast for index, sign extension for narrower ints).
static Value toI64(OpBuilder &b, Location loc, Value v) {
  Type i64 = b.getI64Type();
  if (v.getType() == i64)
    return v;
  if (v.getType().isIndex())
    return b.create<arith::IndexCastOp>(loc, i64, v);
  return b.create<arith::ExtSIOp>(loc, i64, v);
}

/// `if (bad) callee(a, b, extra..., site)` with a and b cast to i64.
static void emitErrorIf(OpBuilder &b, Location loc, ModuleOp module,
                        Value bad, StringRef callee, Value x, Value y,
                        ArrayRef<int32_t> extra) {
  Type i64 = b.getI64Type(), i32 = b.getI32Type();
  SmallVector<Type> argTypes{i64, i64};
  argTypes.append(extra.size() + 1, i32);
  declareCallee(module, callee, argTypes);
  int32_t site = errorSite(module, loc);
  b.create<scf::IfOp>(loc, bad, [&](OpBuilder &tb, Location l) {
    SmallVector<Value> args{toI64(tb, l, x), toI64(tb, l, y)};
    for (int32_t e : extra)
      args.push_back(tb.create<arith::ConstantIntOp>(l, e, 32));
    args.push_back(tb.create<arith::ConstantIntOp>(l, site, 32));
    tb.create<func::CallOp>(l, callee, TypeRange{}, args);
    tb.create<scf::YieldOp>(l);
  });
}

void emitIndexCheck(OpBuilder &b, Location loc, ModuleOp module, Value ok,
                    Value value, Value bound) {
  Value bad = b.create<arith::XOrIOp>(
      loc, ok, b.create<arith::ConstantIntOp>(loc, 1, 1));
  emitErrorIf(b, loc, module, bad, "bertc_cpu_index_error", value, bound, {});
}

void emitReshapeCheck(OpBuilder &b, Location loc, ModuleOp module, Value ok,
                      Value inElems, Value outElems) {
  Value bad = b.create<arith::XOrIOp>(
      loc, ok, b.create<arith::ConstantIntOp>(loc, 1, 1));
  emitErrorIf(b, loc, module, bad, "bertc_cpu_reshape_error", inElems,
              outElems, {});
}

void emitDivisionCheck(OpBuilder &b, Location loc, ModuleOp module,
                       Value dividend, Value divisor) {
  Value zero =
      b.create<arith::ConstantOp>(loc, b.getIntegerAttr(divisor.getType(), 0));
  Value bad =
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::eq, divisor, zero);
  emitErrorIf(b, loc, module, bad, "bertc_cpu_division_error", dividend,
              divisor, {});
}

Value checkedProduct(OpBuilder &b, Location loc, ValueRange factors,
                     Value &overflow) {
  Value zero = b.create<arith::ConstantIntOp>(loc, 0, 64);
  Value p = b.create<arith::ConstantIntOp>(loc, 1, 64);
  overflow = b.create<arith::ConstantIntOp>(loc, 0, 1);
  for (Value f : factors) {
    Value v = toI64(b, loc, f);
    overflow = b.create<arith::OrIOp>(
        loc, overflow,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, v, zero));
    // Unsigned 64 x 64 -> 128: the high half is 0 while the product fits.
    auto mul = b.create<arith::MulUIExtendedOp>(loc, p, v);
    overflow = b.create<arith::OrIOp>(
        loc, overflow,
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, mul.getHigh(),
                                zero));
    p = mul.getLow();
  }
  // Above INT64_MAX: negative as a signed value.
  overflow = b.create<arith::OrIOp>(
      loc, overflow,
      b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, p, zero));
  return b.create<arith::IndexCastOp>(loc, b.getIndexType(), p);
}

/// `if (bad) callee(site)`: a check whose message needs only the node.
static void emitSiteErrorIf(OpBuilder &b, Location loc, ModuleOp module,
                            Value bad, StringRef callee) {
  declareCallee(module, callee, {b.getI32Type()});
  int32_t site = errorSite(module, loc);
  b.create<scf::IfOp>(loc, bad, [&](OpBuilder &tb, Location l) {
    Value s = tb.create<arith::ConstantIntOp>(l, site, 32);
    tb.create<func::CallOp>(l, callee, TypeRange{}, ValueRange{s});
    tb.create<scf::YieldOp>(l);
  });
}

void emitRangeStepCheck(OpBuilder &b, Location loc, ModuleOp module,
                        Value isZero) {
  emitSiteErrorIf(b, loc, module, isZero, "bertc_cpu_range_step_error");
}

void emitSizeOverflowCheck(OpBuilder &b, Location loc, ModuleOp module,
                           Value overflow) {
  emitSiteErrorIf(b, loc, module, overflow, "bertc_cpu_alloc_size_error");
}

void emitDimEqualCheck(OpBuilder &b, Location loc, ModuleOp module, Value lhs,
                       Value rhs, int64_t axis) {
  if (lhs == rhs)
    return;
  Value bad = b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::ne, lhs, rhs);
  emitErrorIf(b, loc, module, bad, "bertc_cpu_broadcast_error", lhs, rhs,
              {static_cast<int32_t>(axis)});
}

} // namespace bertc::lowering
