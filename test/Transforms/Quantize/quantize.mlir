// RUN: bertc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bertc-quantize))' | FileCheck %s
// RUN: bertc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bertc-quantize{input=tensor}))' | FileCheck %s --check-prefix=TENSOR
// RUN: bertc-opt %s --split-input-file --pass-pipeline='builtin.module(func.func(bertc-quantize{report=true}))' --verify-diagnostics -o /dev/null

// Per output column, symmetric: scale = max |W[:, n]| / 127 (1 for an
// all-zero column), q = round half to even (W / scale), saturated to
// [-127, 127]: 0.25 / (1 / 127) = 31.75 -> 32. Bias and activation move
// over; the input is quantized per row at run time (per tensor with
// input=tensor).
// CHECK-LABEL: func.func @linear
// CHECK-DAG: %[[Q:.*]] = onnx.Constant dense<{{\[\[}}127, -127, 0], [32, 127, 0]]> : tensor<2x3xi8>
// CHECK-DAG: %[[S:.*]] = onnx.Constant dense<[0.00787401571, 0.00393700786, 1.000000e+00]> : tensor<3xf32>
// CHECK: %[[Y:.*]] = bertc.quantized_linear %arg0, %[[Q]], %[[S]], %{{.*}} {activation = #bertc<activation gelu_erf>} : (tensor<?x2xf32>, tensor<2x3xi8>, tensor<3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
// CHECK-NOT: bertc.linear
// TENSOR: bertc.quantized_linear {{.*}}input_quantization = #bertc<input_quantization dynamic_tensor>
func.func @linear(%x: tensor<?x2xf32>) -> tensor<?x3xf32> {
  %w = onnx.Constant dense<[[1.0, -0.5, 0.0], [0.25, 0.5, 0.0]]> : tensor<2x3xf32>
  %b = onnx.Constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  // expected-remark @+1 {{quantized linear [2 x 3]: int8 weight per column (largest scale 7.874016e-03, worst column rounding error}}
  %0 = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_erf>} : (tensor<?x2xf32>, tensor<2x3xf32>, tensor<3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// A weight that is not a constant stays f32 (and says so in the report).
// CHECK-LABEL: func.func @runtime_weight
// CHECK: bertc.linear
// CHECK-NOT: bertc.quantized_linear
func.func @runtime_weight(%x: tensor<?x2xf32>, %w: tensor<2x3xf32>) -> tensor<?x3xf32> {
  // expected-remark @+1 {{linear kept in f32: its weight is not a constant f32 [K, N]}}
  %0 = bertc.linear %x, %w : (tensor<?x2xf32>, tensor<2x3xf32>) -> tensor<?x3xf32>
  return %0 : tensor<?x3xf32>
}

// -----

// Linears that share a weight (ALBERT's cross-layer sharing) share its
// quantized copy; the f32 weight, no longer read, is dropped.
// CHECK-LABEL: func.func @shared
// CHECK-COUNT-1: onnx.Constant {{.*}} : tensor<2x2xi8>
// CHECK-NOT: tensor<2x2xf32>
// CHECK: %[[A:.*]] = bertc.quantized_linear %arg0, %[[Q:.*]], %[[S:.*]] :
// CHECK: bertc.quantized_linear %[[A]], %[[Q]], %[[S]] :
func.func @shared(%x: tensor<?x2xf32>) -> tensor<?x2xf32> {
  %w = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  // expected-remark @+1 {{quantized linear}}
  %0 = bertc.linear %x, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  // expected-remark @+1 {{quantized linear}}
  %1 = bertc.linear %0, %w : (tensor<?x2xf32>, tensor<2x2xf32>) -> tensor<?x2xf32>
  return %1 : tensor<?x2xf32>
}
