// RUN: bertc-opt %s --canonicalize --bertc-fuse-attention | FileCheck %s

// With static sizes the graph clean-up folds a position-based causal mask
// into a constant [S, S] matrix (0 on and below the diagonal, finfo.min
// above): still recognized as causal.
// CHECK-LABEL: func.func @folded_causal
// CHECK: %[[A:.*]] = bertc.attention %arg0, %arg1, %arg2 {causal = true, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 2 : i64, scale = 1.000000e+00 : f32}
// CHECK: return %[[A]]
func.func @folded_causal(%q: tensor<1x4x64xf32>, %k: tensor<1x4x64xf32>, %v: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %s4 = onnx.Constant dense<[1, 4, 2, 32]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[1, 4, 64]> : tensor<3xi64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %four = onnx.Constant dense<4> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %fzero = onnx.Constant dense<0.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x32x4xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<1x2x4x32xf32>, tensor<1x2x32x4xf32>) -> tensor<1x2x4x4xf32>
  %pos = onnx.Range %zero, %four, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
  %qpos = onnx.Unsqueeze %pos {axes = array<i64: 1>} : (tensor<4xi64>) -> tensor<4x1xi64>
  %kpos = onnx.Unsqueeze %pos {axes = array<i64: 0>} : (tensor<4xi64>) -> tensor<1x4xi64>
  %future = onnx.Greater %kpos, %qpos : (tensor<1x4xi64>, tensor<4x1xi64>) -> tensor<4x4xi1>
  %cm = onnx.Where %future, %fmin, %fzero : (tensor<4x4xi1>, tensor<f32>, tensor<f32>) -> tensor<4x4xf32>
  %s = onnx.Add %sc, %cm : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %c = onnx.MatMul %p, %vh : (tensor<1x2x4x4xf32>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x32xf32>) -> tensor<1x4x2x32xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<1x4x2x32xf32>, tensor<3xi64>) -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

