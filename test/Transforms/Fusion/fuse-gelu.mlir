// RUN: bertc-opt %s --split-input-file --bertc-fuse-gelu | FileCheck %s

// erf GELU as BERT exports it: x * (1 + erf(x / sqrt 2)) * 0.5.
// CHECK-LABEL: func.func @erf
// CHECK-NEXT: %[[G:.*]] = bertc.gelu %arg0 : tensor<?x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @erf(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %s2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %0 = onnx.Div %x, %s2 : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  %1 = onnx.Erf %0 : tensor<?x8xf32>
  %2 = onnx.Add %1, %one : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  %3 = onnx.Mul %x, %2 : (tensor<?x8xf32>, tensor<?x8xf32>) -> tensor<?x8xf32>
  %4 = onnx.Mul %3, %half : (tensor<?x8xf32>, tensor<f32>) -> tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}

// -----

// Other association and x * (1/sqrt 2): 0.5 * x first, then * (1 + erf).
// CHECK-LABEL: func.func @erf_reassociated
// CHECK-NEXT: %[[G:.*]] = bertc.gelu %arg0 : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @erf_reassociated(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %r2 = onnx.Constant dense<0.707106769> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %h = onnx.Mul %half, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %0 = onnx.Mul %x, %r2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Erf %0 : tensor<4x8xf32>
  %2 = onnx.Add %one, %1 : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %3 = onnx.Mul %h, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %3 : tensor<4x8xf32>
}

// -----

// GPT-2 gelu_new: 0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))).
// CHECK-LABEL: func.func @tanh
// CHECK-NEXT: %[[G:.*]] = bertc.gelu %arg0 {approximation = #bertc<activation gelu_tanh>} : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @tanh(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %three = onnx.Constant dense<3.0> : tensor<f32>
  %c = onnx.Constant dense<0.044715> : tensor<f32>
  %k = onnx.Constant dense<0.797884583> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %p = onnx.Pow %x, %three : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %cp = onnx.Mul %c, %p : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %in = onnx.Add %x, %cp : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %s = onnx.Mul %k, %in : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %t = onnx.Tanh %s : tensor<4x8xf32>
  %a = onnx.Add %one, %t : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %h = onnx.Mul %half, %x : (tensor<f32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %y = onnx.Mul %h, %a : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Quick GELU (CLIP/ViT): x * sigmoid(1.702 * x).
// CHECK-LABEL: func.func @quick
// CHECK-NEXT: %[[G:.*]] = bertc.gelu %arg0 {approximation = #bertc<activation quick_gelu>} : tensor<4x8xf32>
// CHECK-NEXT: return %[[G]]
func.func @quick(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %k = onnx.Constant dense<1.702> : tensor<f32>
  %s = onnx.Mul %x, %k : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %g = onnx.Sigmoid %s : tensor<4x8xf32>
  %y = onnx.Mul %x, %g : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return %y : tensor<4x8xf32>
}

// -----

// Negative: 0.6 instead of 0.5 is not GELU.
// CHECK-LABEL: func.func @wrong_constant
// CHECK-NOT: bertc.gelu
func.func @wrong_constant(%x: tensor<4x8xf32>) -> tensor<4x8xf32> {
  %s2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.6> : tensor<f32>
  %0 = onnx.Div %x, %s2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Erf %0 : tensor<4x8xf32>
  %2 = onnx.Add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.Mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = onnx.Mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4 : tensor<4x8xf32>
}

// -----

// Negative: erf(x / sqrt 2) is also returned, so it must stay.
// CHECK-LABEL: func.func @escaping_erf
// CHECK-NOT: bertc.gelu
func.func @escaping_erf(%x: tensor<4x8xf32>) -> (tensor<4x8xf32>, tensor<4x8xf32>) {
  %s2 = onnx.Constant dense<1.41421354> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %half = onnx.Constant dense<0.5> : tensor<f32>
  %0 = onnx.Div %x, %s2 : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %1 = onnx.Erf %0 : tensor<4x8xf32>
  %2 = onnx.Add %1, %one : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  %3 = onnx.Mul %x, %2 : (tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  %4 = onnx.Mul %3, %half : (tensor<4x8xf32>, tensor<f32>) -> tensor<4x8xf32>
  return %4, %1 : tensor<4x8xf32>, tensor<4x8xf32>
}
