//===- RuntimeChecks.h - Checks on run-time values in generated code -*- C++ -*-===//
//
// Lowerings call these where a property of the inputs is known only at run
// time (an index within bounds, two dynamic dimensions that must agree).
// A failed check calls a function of runtime/src/cpu/errors.c that reports
// an error naming the ONNX node and ends the run at once (a longjmp back to
// bertc_cpu_model_run, which frees the run's buffers), so nothing after the
// check runs on the values it rejected. Generated code runs on the thread
// that called the model; kernels' worker threads run no checks.
//
//===----------------------------------------------------------------------===//
#ifndef BERTC_CONVERSION_RUNTIMECHECKS_H
#define BERTC_CONVERSION_RUNTIMECHECKS_H

#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"

#include <cstdint>
#include <string>

namespace bertc::lowering {

/// The module attribute that holds the error-site table of a module without
/// a `bertc_cpu.entry_point` (see errorSite in RuntimeChecks.cpp).
inline constexpr const char kErrorSitesAttr[] = "bertc.error_sites";

/// Emits, at b's insertion point, `if (!ok) bertc_cpu_index_error(value,
/// bound, site)` where `site` names the node of `loc` in the entry point's
/// error-site table. `value` and `bound` are index values.
void emitIndexCheck(mlir::OpBuilder &b, mlir::Location loc,
                    mlir::ModuleOp module, mlir::Value ok, mlir::Value value,
                    mlir::Value bound);

/// Emits `if (lhs != rhs) bertc_cpu_broadcast_error(lhs, rhs, axis, site)`:
/// two dimensions (index values) that the code generated for the node of
/// `loc` assumes equal. `axis` is the result axis, for the message.
void emitDimEqualCheck(mlir::OpBuilder &b, mlir::Location loc,
                              mlir::ModuleOp module, mlir::Value lhs,
                              mlir::Value rhs, int64_t axis);

/// Emits `if (!ok) bertc_cpu_reshape_error(inElems, outElems, site)`: a
/// Reshape whose shape, known at run time, does not fit its input.
void emitReshapeCheck(mlir::OpBuilder &b, mlir::Location loc,
                      mlir::ModuleOp module, mlir::Value ok,
                      mlir::Value inElems, mlir::Value outElems);

/// Emits `if (divisor == 0) bertc_cpu_division_error(dividend, divisor,
/// site)`: an integer division (Mod) by zero, which ONNX Runtime reports
/// too. `dividend` and `divisor` are integers of one type.
void emitDivisionCheck(mlir::OpBuilder &b, mlir::Location loc,
                       mlir::ModuleOp module, mlir::Value dividend,
                       mlir::Value divisor);

/// The product of `factors` (index values, each >= 0 for a meaningful
/// result) as an index value, and in `overflow` an i1 that is true when it
/// exceeds INT64_MAX or a factor is negative. Unlike lowering::product,
/// nothing wraps unnoticed.
mlir::Value checkedProduct(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::ValueRange factors, mlir::Value &overflow);

/// Emits `if (overflow) bertc_cpu_alloc_size_error(site)`: the size of a
/// buffer the node of `loc` needs, computed from run-time dimensions, does
/// not fit in int64 (the run fails with BERTC_ABI_ERROR_OUT_OF_MEMORY before
/// anything is allocated or written).
void emitSizeOverflowCheck(mlir::OpBuilder &b, mlir::Location loc,
                           mlir::ModuleOp module, mlir::Value overflow);

/// Emits `if (isZero) bertc_cpu_range_step_error(site)`: a Range whose step,
/// known only at run time, is 0 (the element count would divide by it).
void emitRangeStepCheck(mlir::OpBuilder &b, mlir::Location loc,
                        mlir::ModuleOp module, mlir::Value isZero);

/// The module that holds b's insertion point.
mlir::ModuleOp enclosingModule(mlir::OpBuilder &b);

} // namespace bertc::lowering

#endif
