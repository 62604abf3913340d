//===- Elementwise.cpp - onnx elementwise ops to linalg.generic -----------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/IR/Matchers.h"

using namespace mlir;
using namespace bertc;
using namespace bertc::lowering;

namespace {

/// Which scalar computation an onnx op performs.
template <typename OnnxOp>
Value scalarBody(OpBuilder &b, Location loc, ValueRange a, Type elt);

bool isFloat(Type t) { return isa<FloatType>(t); }

#define BINARY_BODY(OP, FLOAT_OP, INT_OP)                                      \
  template <>                                                                  \
  Value scalarBody<onnx::OP>(OpBuilder & b, Location loc, ValueRange a,        \
                             Type elt) {                                       \
    if (isFloat(elt))                                                          \
      return b.create<FLOAT_OP>(loc, a[0], a[1]);                              \
    return b.create<INT_OP>(loc, a[0], a[1]);                                  \
  }
BINARY_BODY(AddOp, arith::AddFOp, arith::AddIOp)
BINARY_BODY(SubOp, arith::SubFOp, arith::SubIOp)
BINARY_BODY(MulOp, arith::MulFOp, arith::MulIOp)
BINARY_BODY(DivOp, arith::DivFOp, arith::DivSIOp)
BINARY_BODY(MaxOp, arith::MaximumFOp, arith::MaxSIOp)
BINARY_BODY(MinOp, arith::MinimumFOp, arith::MinSIOp)
#undef BINARY_BODY

template <>
Value scalarBody<onnx::AndOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  return b.create<arith::AndIOp>(loc, a[0], a[1]);
}
template <>
Value scalarBody<onnx::OrOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  return b.create<arith::OrIOp>(loc, a[0], a[1]);
}

Value compare(OpBuilder &b, Location loc, ValueRange a, arith::CmpFPredicate fp,
              arith::CmpIPredicate ip) {
  if (isFloat(a[0].getType()))
    return b.create<arith::CmpFOp>(loc, fp, a[0], a[1]);
  return b.create<arith::CmpIOp>(loc, ip, a[0], a[1]);
}
template <>
Value scalarBody<onnx::EqualOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  return compare(b, loc, a, arith::CmpFPredicate::OEQ, arith::CmpIPredicate::eq);
}
template <>
Value scalarBody<onnx::LessOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  return compare(b, loc, a, arith::CmpFPredicate::OLT, arith::CmpIPredicate::slt);
}
template <>
Value scalarBody<onnx::GreaterOp>(OpBuilder &b, Location loc, ValueRange a,
                                  Type) {
  return compare(b, loc, a, arith::CmpFPredicate::OGT, arith::CmpIPredicate::sgt);
}

template <>
Value scalarBody<onnx::LessOrEqualOp>(OpBuilder &b, Location loc, ValueRange a,
                                      Type) {
  return compare(b, loc, a, arith::CmpFPredicate::OLE, arith::CmpIPredicate::sle);
}
template <>
Value scalarBody<onnx::GreaterOrEqualOp>(OpBuilder &b, Location loc,
                                         ValueRange a, Type) {
  return compare(b, loc, a, arith::CmpFPredicate::OGE, arith::CmpIPredicate::sge);
}
template <>
Value scalarBody<onnx::XorOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  return b.create<arith::XOrIOp>(loc, a[0], a[1]);
}

template <>
Value scalarBody<onnx::PowOp>(OpBuilder &b, Location loc, ValueRange a,
                              Type elt) {
  Value exp = castScalar(b, loc, a[1], elt);
  if (isFloat(elt))
    return b.create<math::PowFOp>(loc, a[0], exp);
  return b.create<math::IPowIOp>(loc, a[0], exp);
}

#define UNARY_FLOAT_BODY(OP, MATH_OP)                                          \
  template <>                                                                  \
  Value scalarBody<onnx::OP>(OpBuilder & b, Location loc, ValueRange a,        \
                             Type) {                                           \
    return b.create<MATH_OP>(loc, a[0]);                                       \
  }
UNARY_FLOAT_BODY(SqrtOp, math::SqrtOp)
UNARY_FLOAT_BODY(ErfOp, math::ErfOp)
UNARY_FLOAT_BODY(TanhOp, math::TanhOp)
UNARY_FLOAT_BODY(ExpOp, math::ExpOp)
UNARY_FLOAT_BODY(LogOp, math::LogOp)
#undef UNARY_FLOAT_BODY

template <>
Value scalarBody<onnx::SigmoidOp>(OpBuilder &b, Location loc, ValueRange a,
                                  Type elt) {
  // 1 / (1 + exp(-x))
  Value one = scalarConstant(b, loc, elt, 1.0);
  Value neg = b.create<arith::NegFOp>(loc, a[0]);
  Value e = b.create<math::ExpOp>(loc, neg);
  return b.create<arith::DivFOp>(loc, one, b.create<arith::AddFOp>(loc, one, e));
}
template <>
Value scalarBody<onnx::ReciprocalOp>(OpBuilder &b, Location loc, ValueRange a,
                                     Type elt) {
  return b.create<arith::DivFOp>(loc, scalarConstant(b, loc, elt, 1.0), a[0]);
}
template <>
Value scalarBody<onnx::ReluOp>(OpBuilder &b, Location loc, ValueRange a,
                               Type elt) {
  Value zero = scalarConstant(b, loc, elt, 0.0);
  if (isFloat(elt))
    return b.create<arith::MaximumFOp>(loc, a[0], zero);
  return b.create<arith::MaxSIOp>(loc, a[0], zero);
}
template <>
Value scalarBody<onnx::NegOp>(OpBuilder &b, Location loc, ValueRange a,
                              Type elt) {
  if (isFloat(elt))
    return b.create<arith::NegFOp>(loc, a[0]);
  return b.create<arith::SubIOp>(loc, scalarConstant(b, loc, elt, 0), a[0]);
}
template <>
Value scalarBody<onnx::AbsOp>(OpBuilder &b, Location loc, ValueRange a,
                              Type elt) {
  if (isFloat(elt))
    return b.create<math::AbsFOp>(loc, a[0]);
  return b.create<math::AbsIOp>(loc, a[0]);
}
template <>
Value scalarBody<onnx::NotOp>(OpBuilder &b, Location loc, ValueRange a, Type) {
  Value one = b.create<arith::ConstantIntOp>(loc, 1, 1);
  return b.create<arith::XOrIOp>(loc, a[0], one);
}
template <>
Value scalarBody<onnx::WhereOp>(OpBuilder &b, Location loc, ValueRange a,
                                Type) {
  return b.create<arith::SelectOp>(loc, a[0], a[1], a[2]);
}

/// Lowers an elementwise onnx op to one linalg.generic.
template <typename OnnxOp>
struct ElementwisePattern : OpConversionPattern<OnnxOp> {
  using OpConversionPattern<OnnxOp>::OpConversionPattern;
  LogicalResult
  matchAndRewrite(OnnxOp op, typename OnnxOp::Adaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    auto resultType = cast<RankedTensorType>(op.getType());
    Type elt = getElementTypeOrSelf(op->getOperand(0).getType());
    if (isa<onnx::WhereOp>(op.getOperation()))
      elt = resultType.getElementType();
    Value r = buildElementwise(
        rewriter, op.getLoc(), resultType, adaptor.getOperands(),
        [&](OpBuilder &b, Location loc, ValueRange args) {
          return scalarBody<OnnxOp>(b, loc, args, elt);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Pow with a constant exponent of 2, 3, 0.5 or 1 is a product or a sqrt:
/// cheaper and exact (LayerNorm and GELU decompositions use them).
struct PowConstantExponent : OpConversionPattern<onnx::PowOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::PowOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    DenseElementsAttr exp;
    if (!matchPattern(op.getRhs(), m_Constant(&exp)) || !exp.isSplat() ||
        !isFloat(op.getType().getElementType()))
      return failure();
    double e = isFloat(exp.getElementType())
                   ? exp.getSplatValue<APFloat>().convertToDouble()
                   : (double)exp.getSplatValue<APInt>().getSExtValue();
    if (e != 2.0 && e != 3.0 && e != 0.5 && e != 1.0)
      return failure();
    auto resultType = op.getType();
    // The exponent may broadcast the result to a larger shape.
    if (resultType.getRank() !=
            cast<RankedTensorType>(op.getLhs().getType()).getRank())
      return failure();
    Value r = buildElementwise(
        rewriter, op.getLoc(), resultType, ValueRange{adaptor.getLhs()},
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          if (e == 1.0)
            return a[0];
          if (e == 0.5)
            return b.create<math::SqrtOp>(loc, a[0]);
          Value sq = b.create<arith::MulFOp>(loc, a[0], a[0]);
          if (e == 2.0)
            return sq;
          return b.create<arith::MulFOp>(loc, sq, a[0]);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct CastPattern : OpConversionPattern<onnx::CastOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::CastOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type to = op.getTo();
    Value r = buildElementwise(
        rewriter, op.getLoc(), op.getType(), ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange a) {
          return castScalar(b, loc, a[0], to);
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

struct IdentityPattern : OpConversionPattern<onnx::IdentityOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::IdentityOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Value in = adaptor.getInput();
    if (in.getType() != op.getType())
      in = rewriter.create<tensor::CastOp>(op.getLoc(), op.getType(), in);
    rewriter.replaceOp(op, in);
    return success();
  }
};

} // namespace

void bertc::populateONNXElementwiseToLinalgPatterns(RewritePatternSet &patterns) {
  MLIRContext *ctx = patterns.getContext();
  patterns.add<PowConstantExponent>(ctx, /*benefit=*/2);
  patterns.add<
      ElementwisePattern<onnx::AddOp>, ElementwisePattern<onnx::SubOp>,
      ElementwisePattern<onnx::MulOp>, ElementwisePattern<onnx::DivOp>,
      ElementwisePattern<onnx::PowOp>, ElementwisePattern<onnx::MaxOp>,
      ElementwisePattern<onnx::MinOp>, ElementwisePattern<onnx::EqualOp>,
      ElementwisePattern<onnx::LessOp>, ElementwisePattern<onnx::GreaterOp>,
      ElementwisePattern<onnx::LessOrEqualOp>,
      ElementwisePattern<onnx::GreaterOrEqualOp>, ElementwisePattern<onnx::XorOp>,
      ElementwisePattern<onnx::AndOp>, ElementwisePattern<onnx::OrOp>,
      ElementwisePattern<onnx::WhereOp>, ElementwisePattern<onnx::SqrtOp>,
      ElementwisePattern<onnx::ErfOp>, ElementwisePattern<onnx::TanhOp>,
      ElementwisePattern<onnx::SigmoidOp>, ElementwisePattern<onnx::ExpOp>,
      ElementwisePattern<onnx::LogOp>, ElementwisePattern<onnx::ReciprocalOp>,
      ElementwisePattern<onnx::ReluOp>, ElementwisePattern<onnx::NegOp>,
      ElementwisePattern<onnx::AbsOp>, ElementwisePattern<onnx::NotOp>,
      CastPattern, IdentityPattern>(ctx);
}
