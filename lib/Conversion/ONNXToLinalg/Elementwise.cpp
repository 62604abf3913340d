//===- Elementwise.cpp - onnx elementwise ops to linalg.generic -----------===//
#include "Common.h"

#include "mlir/Dialect/Arith/IR/Arith.h"
#include "mlir/Dialect/Linalg/IR/Linalg.h"
#include "mlir/Dialect/Math/IR/Math.h"
#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/Matchers.h"

#include <cmath>

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
UNARY_FLOAT_BODY(CeilOp, math::CeilOp)
UNARY_FLOAT_BODY(FloorOp, math::FloorOp)
UNARY_FLOAT_BODY(RoundOp, math::RoundEvenOp)
UNARY_FLOAT_BODY(CosOp, math::CosOp)
UNARY_FLOAT_BODY(SinOp, math::SinOp)
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
Value scalarBody<onnx::IsNaNOp>(OpBuilder &b, Location loc, ValueRange a,
                                Type) {
  return b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, a[0], a[0]);
}
/// -1, 0 or 1; floats keep NaN (and give +0 for -0), as ONNX Runtime.
template <>
Value scalarBody<onnx::SignOp>(OpBuilder &b, Location loc, ValueRange a,
                               Type elt) {
  Value zero = scalarConstant(b, loc, elt, 0.0);
  Value one = scalarConstant(b, loc, elt, 1.0);
  Value minusOne = scalarConstant(b, loc, elt, -1.0);
  if (!isFloat(elt)) {
    Value pos =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::sgt, a[0], zero);
    Value neg =
        b.create<arith::CmpIOp>(loc, arith::CmpIPredicate::slt, a[0], zero);
    Value r = b.create<arith::SelectOp>(loc, pos, one, zero);
    return b.create<arith::SelectOp>(loc, neg, minusOne, r);
  }
  Value pos =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OGT, a[0], zero);
  Value neg =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::OLT, a[0], zero);
  Value nan =
      b.create<arith::CmpFOp>(loc, arith::CmpFPredicate::UNO, a[0], a[0]);
  Value r = b.create<arith::SelectOp>(loc, pos, one, zero);
  r = b.create<arith::SelectOp>(loc, neg, minusOne, r);
  return b.create<arith::SelectOp>(loc, nan, a[0], r);
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

/// Gelu, exact: x * 0.5 * (1 + erf(x / sqrt 2)); tanh:
/// 0.5 * x * (1 + tanh(sqrt(2 / pi) * (x + 0.044715 * x^3))).
struct GeluPattern : OpConversionPattern<onnx::GeluOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::GeluOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    bool tanhForm = op.getApproximate() == "tanh";
    Value r = buildElementwise(
        rewriter, op.getLoc(), op.getType(), ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location loc, ValueRange a) -> Value {
          Value x = a[0];
          Value half = scalarConstant(b, loc, elt, 0.5);
          Value one = scalarConstant(b, loc, elt, 1.0);
          Value t;
          if (tanhForm) {
            Value x3 = b.create<arith::MulFOp>(
                loc, b.create<arith::MulFOp>(loc, x, x), x);
            Value inner = b.create<arith::AddFOp>(
                loc, x,
                b.create<arith::MulFOp>(
                    loc, scalarConstant(b, loc, elt, 0.044715), x3));
            t = b.create<math::TanhOp>(
                loc,
                b.create<arith::MulFOp>(
                    loc, scalarConstant(b, loc, elt, std::sqrt(2.0 / M_PI)),
                    inner));
            Value hx = b.create<arith::MulFOp>(loc, half, x);
            return b.create<arith::MulFOp>(
                loc, hx, b.create<arith::AddFOp>(loc, one, t));
          }
          t = b.create<math::ErfOp>(
              loc, b.create<arith::MulFOp>(
                       loc, x, scalarConstant(b, loc, elt, M_SQRT1_2)));
          Value xh = b.create<arith::MulFOp>(loc, x, half);
          return b.create<arith::MulFOp>(loc, xh,
                                         b.create<arith::AddFOp>(loc, one, t));
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Clip: min(max(x, lo), hi) with each bound, when present, read once as a
/// scalar. Floats propagate NaN.
struct ClipPattern : OpConversionPattern<onnx::ClipOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ClipOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Location loc = op.getLoc();
    auto scalar = [&](Value t) -> Value {
      if (!t)
        return {};
      auto tt = cast<RankedTensorType>(t.getType());
      SmallVector<Value> zeros(tt.getRank(),
                               rewriter.create<arith::ConstantIndexOp>(loc, 0));
      return rewriter.create<tensor::ExtractOp>(loc, t, zeros);
    };
    Value lo = scalar(adaptor.getMin()), hi = scalar(adaptor.getMax());
    bool f = isFloat(op.getType().getElementType());
    Value r = buildElementwise(
        rewriter, loc, op.getType(), ValueRange{adaptor.getInput()},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          Value v = a[0];
          if (lo)
            v = f ? b.create<arith::MaximumFOp>(l, v, lo).getResult()
                  : b.create<arith::MaxSIOp>(l, v, lo).getResult();
          if (hi)
            v = f ? b.create<arith::MinimumFOp>(l, v, hi).getResult()
                  : b.create<arith::MinSIOp>(l, v, hi).getResult();
          return v;
        });
    rewriter.replaceOp(op, r);
    return success();
  }
};

/// Mod: floats (fmod = 1) are C's fmod (arith.remf); integers take the
/// dividend's sign with fmod = 1 and the divisor's with fmod = 0. An
/// integer divisor of 0 is a run-time error naming the node (as in ONNX
/// Runtime); the division then uses 1 so that nothing traps.
struct ModPattern : OpConversionPattern<onnx::ModOp> {
  using OpConversionPattern::OpConversionPattern;
  LogicalResult
  matchAndRewrite(onnx::ModOp op, OpAdaptor adaptor,
                  ConversionPatternRewriter &rewriter) const override {
    Type elt = op.getType().getElementType();
    bool cMod = op.getFmod() != 0;
    ModuleOp module = enclosingModule(rewriter);
    Value r = buildElementwise(
        rewriter, op.getLoc(), op.getType(),
        ValueRange{adaptor.getLhs(), adaptor.getRhs()},
        [&](OpBuilder &b, Location l, ValueRange a) -> Value {
          if (isFloat(elt))
            return b.create<arith::RemFOp>(l, a[0], a[1]);
          emitDivisionCheck(b, l, module, a[0], a[1]);
          Value zero = scalarConstant(b, l, elt, 0);
          Value isZero =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::eq, a[1], zero);
          Value safe = b.create<arith::SelectOp>(
              l, isZero, scalarConstant(b, l, elt, 1), a[1]);
          Value rem = b.create<arith::RemSIOp>(l, a[0], safe);
          if (cMod)
            return rem;
          // A non-zero remainder whose sign differs from the divisor's
          // moves by one divisor.
          Value nonZero =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::ne, rem, zero);
          Value remNeg =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, rem, zero);
          Value divNeg =
              b.create<arith::CmpIOp>(l, arith::CmpIPredicate::slt, safe, zero);
          Value fix = b.create<arith::AndIOp>(
              l, nonZero, b.create<arith::XOrIOp>(l, remNeg, divNeg));
          return b.create<arith::SelectOp>(
              l, fix, b.create<arith::AddIOp>(l, rem, safe), rem);
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
      ElementwisePattern<onnx::GreaterOrEqualOp>,
      ElementwisePattern<onnx::XorOp>, ElementwisePattern<onnx::AndOp>,
      ElementwisePattern<onnx::OrOp>, ElementwisePattern<onnx::WhereOp>,
      ElementwisePattern<onnx::SqrtOp>, ElementwisePattern<onnx::ErfOp>,
      ElementwisePattern<onnx::TanhOp>, ElementwisePattern<onnx::SigmoidOp>,
      ElementwisePattern<onnx::ExpOp>, ElementwisePattern<onnx::LogOp>,
      ElementwisePattern<onnx::ReciprocalOp>, ElementwisePattern<onnx::ReluOp>,
      ElementwisePattern<onnx::NegOp>, ElementwisePattern<onnx::AbsOp>,
      ElementwisePattern<onnx::NotOp>, ElementwisePattern<onnx::IsNaNOp>,
      ElementwisePattern<onnx::SignOp>, ElementwisePattern<onnx::CeilOp>,
      ElementwisePattern<onnx::FloorOp>, ElementwisePattern<onnx::RoundOp>,
      ElementwisePattern<onnx::CosOp>, ElementwisePattern<onnx::SinOp>,
      GeluPattern, ClipPattern, ModPattern, CastPattern, IdentityPattern>(ctx);
}
