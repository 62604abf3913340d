// RUN: bertc-opt %s --split-input-file --bertc-fuse-attention --verify-diagnostics -o /dev/null
// RUN: bertc-opt %s --split-input-file --bertc-fuse-attention 2>/dev/null | FileCheck %s
//
// One negative test per reason bertc-fuse-attention refuses a Softmax: each
// is the Hugging Face BERT form of fuse-attention.mlir (which fuses) with
// one thing changed. None may fuse; the remark names the reason, the note
// the op where the match broke.
// CHECK-NOT: bertc.attention
// The scaled scores are also returned.
func.func @scores_escape(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>, tensor<2x4x8x8xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: attention scores are used outside the attention}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o, %sd : tensor<2x8x64xf32>, tensor<2x4x8x8xf32>
}

// -----

// Scores scaled by a tensor, not a scalar.
func.func @scale_by_tensor(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %t: tensor<2x4x8x8xf32>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %sx = onnx.Mul %sd, %t : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: scores scaled by something other than a scalar constant}}
  %p = onnx.Softmax %sx {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// Where on the scores with a tensor filler.
func.func @where_tensor_filler(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %f: tensor<2x4x8x8xf32>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %pad = onnx.Equal %mu, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Where %pad, %f, %sd : (tensor<2x1x1x8xi1>, tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: Where on the scores without a scalar filler}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// Two products of Q and K added (DeBERTa's disentangled content and position terms).
func.func @two_score_terms(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %sc2 = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Add %sd, %sc2 : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: cannot tell the scores from the other terms at this node (both operands are computed from products of activations)}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A Tanh between the scores and the Softmax.
func.func @unexpected_op(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Tanh %sd : tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: unexpected op between the scores MatMul and the Softmax (onnx.Tanh)}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The mask is subtracted from the scores.
func.func @sub_mask(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Sub %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: unexpected op between the scores MatMul and the Softmax}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// V is scaled: not a plain head split.
func.func @value_scaled(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %two = onnx.Constant dense<2.0> : tensor<f32>
  %vh = onnx.Mul %vh0, %two : (tensor<2x4x8x16xf32>, tensor<f32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: value is not a head split of a [batch, seq, hidden] tensor}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The per-head context is returned without merging the heads.
func.func @not_merged(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x4x8x16xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: attention output is not merged back to [batch, seq, hidden]}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>

  return %c : tensor<2x4x8x16xf32>
}

// -----

// The probabilities are the right operand of the second MatMul.
func.func @probs_not_lhs(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x4x16x8xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Transpose %vh0 {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x8x16xf32>) -> tensor<2x4x16x8xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: softmax output does not feed P x V}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %c0 = onnx.MatMul %vh, %p : (tensor<2x4x16x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x16x8xf32>

  return %c0 : tensor<2x4x16x8xf32>
}

// -----

// Where replaces the scores of attended tokens.
func.func @where_drops_attended(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %pad = onnx.Equal %mu, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Where %pad, %sd, %big : (tensor<2x1x1x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: Where mask drops attended tokens}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The same padding mask applied twice by Where (added twice, the second
// term is a score bias).
func.func @two_padding_terms(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %pad = onnx.Equal %mu, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  %s = onnx.Where %pad, %big, %sd : (tensor<2x1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s2 = onnx.Where %pad, %big, %s : (tensor<2x1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: two padding terms}}
  %p = onnx.Softmax %s2 {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// Two padding masks from two inputs, applied by two Wheres.
func.func @two_mask_inputs(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %m2: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mu2 = onnx.Unsqueeze %m2 {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %pad = onnx.Equal %mu, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  %pad2 = onnx.Equal %mu2, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  %s = onnx.Where %pad, %big, %sd : (tensor<2x1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s2 = onnx.Where %pad2, %big, %s : (tensor<2x1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: two different padding masks}}
  %p = onnx.Softmax %s2 {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// One Where condition that reads two inputs.
func.func @mask_two_inputs_one_term(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %m2: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mm = onnx.Mul %m, %m2 : (tensor<2x8xi64>, tensor<2x8xi64>) -> tensor<2x8xi64>
  %mu = onnx.Unsqueeze %mm {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  // expected-note @+1 {{the match broke here}}
  %pad = onnx.Equal %mu, %zero : (tensor<2x1x1x8xi64>, tensor<i64>) -> tensor<2x1x1x8xi1>
  %s = onnx.Where %pad, %big, %sd : (tensor<2x1x1x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: mask: the mask depends on two different inputs}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The Where condition is computed from a float graph input (data, not a
// mask).
func.func @mask_from_float_input(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %b: tensor<2x1x1x8xf32>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %fz = onnx.Constant dense<0.0> : tensor<f32>
  %keep = onnx.Greater %b, %fz : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xi1>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Where %keep, %sd, %big : (tensor<2x1x1x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: mask: the mask depends on an input that is not a 2-D integer [batch, sequence] mask}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A Where condition that depends on the query and key positions other than
// causally (a window |k - q| <= 2). (As an additive term, a relative
// position bias, it is the score bias operand: fuse-attention.mlir.)
func.func @position_window(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %z0 = onnx.Constant dense<0> : tensor<i64>
  %e8 = onnx.Constant dense<8> : tensor<i64>
  %i1 = onnx.Constant dense<1> : tensor<i64>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %r = onnx.Range %z0, %e8, %i1 : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<8xi64>
  %rq = onnx.Unsqueeze %r {axes = array<i64: 1>} : (tensor<8xi64>) -> tensor<8x1xi64>
  %d = onnx.Sub %r, %rq : (tensor<8xi64>, tensor<8x1xi64>) -> tensor<8x8xi64>
  %ad = onnx.Abs %d : tensor<8x8xi64>
  %w = onnx.Constant dense<2> : tensor<i64>
  // expected-note @+1 {{the match broke here}}
  %far = onnx.Greater %ad, %w : (tensor<8x8xi64>, tensor<i64>) -> tensor<8x8xi1>
  %s = onnx.Where %far, %big, %sd : (tensor<8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: mask: the mask depends on the query and key positions other than causally (e.g. a sliding window)}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A Where condition through an op the mask interpreter does not know (Tanh).
func.func @mask_unsupported_op(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  // expected-note @+1 {{the match broke here}}
  %ext2 = onnx.Tanh %ext : tensor<2x1x1x8xf32>
  %half = onnx.Constant dense<-0.5> : tensor<f32>
  %keep = onnx.Greater %ext2, %half : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xi1>
  %s = onnx.Where %keep, %sd, %big : (tensor<2x1x1x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: mask: unsupported op in the mask subgraph (onnx.Tanh)}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The Where mask differs per head ([batch, heads, 1, key] from a per-head
// constant): heads 1 and 3 attend to padding too.
func.func @mask_on_heads(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %hw = onnx.Constant dense<[[[[0.0]], [[1.0]], [[0.0]], [[1.0]]]]> : tensor<1x4x1x1xf32>
  %mh = onnx.Add %mf, %hw : (tensor<2x1x1x8xf32>, tensor<1x4x1x1xf32>) -> tensor<2x4x1x8xf32>
  %th = onnx.Constant dense<0.5> : tensor<f32>
  // expected-note @+1 {{the match broke here}}
  %keep = onnx.Greater %mh, %th : (tensor<2x4x1x8xf32>, tensor<f32>) -> tensor<2x4x1x8xi1>
  %s = onnx.Where %keep, %sd, %big : (tensor<2x4x1x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: mask: mask is not a function of the padding mask and the causal position alone}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A causal Where that replaces future scores by -1 only.
func.func @causal_where_weak(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh0 = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Identity %vh0 : tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %cb = onnx.Constant dense<[[true, false, false, false, false, false, false, false], [true, true, false, false, false, false, false, false], [true, true, true, false, false, false, false, false], [true, true, true, true, false, false, false, false], [true, true, true, true, true, false, false, false], [true, true, true, true, true, true, false, false], [true, true, true, true, true, true, true, false], [true, true, true, true, true, true, true, true]]> : tensor<8x8xi1>
  %m1 = onnx.Constant dense<-1.0> : tensor<f32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Where %cb, %sd, %m1 : (tensor<8x8xi1>, tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: causal Where does not exclude future keys}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A sliding window (keys at most 256 before the query) and padding, on
// dynamic sizes: on short sequences the window covers everything and the
// mask looks like padding alone; the long probe (520 tokens) sees the
// window, so attention must not fuse.
func.func @sliding_window(%q: tensor<?x?x64xf32>, %k: tensor<?x?x64xf32>, %v: tensor<?x?x64xf32>, %m: tensor<?x?xi64>) -> tensor<?x?x64xf32> {
  %s4 = onnx.Constant dense<[0, 0, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[0, 0, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %one = onnx.Constant dense<1> : tensor<i64>
  %win = onnx.Constant dense<256> : tensor<i64>
  %q4 = onnx.Reshape %q, %s4 : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x16x?xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %sd = onnx.Div %sc, %sq : (tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  %shape = onnx.Shape %m {end = 2 : i64, start = 1 : i64} : (tensor<?x?xi64>) -> tensor<1xi64>
  %n = onnx.Squeeze %shape {axes = array<i64: 0>} : (tensor<1xi64>) -> tensor<i64>
  %pos = onnx.Range %zero, %n, %one : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  %qp = onnx.Unsqueeze %pos {axes = array<i64: 1>} : (tensor<?xi64>) -> tensor<?x1xi64>
  %kp = onnx.Unsqueeze %pos {axes = array<i64: 0>} : (tensor<?xi64>) -> tensor<1x?xi64>
  %dist = onnx.Sub %qp, %kp : (tensor<?x1xi64>, tensor<1x?xi64>) -> tensor<?x?xi64>
  %near = onnx.Less %dist, %win : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<?x?xi64>) -> tensor<?x1x1x?xi64>
  %pad = onnx.Cast %mu {to = i1} : (tensor<?x1x1x?xi64>) -> tensor<?x1x1x?xi1>
  // expected-note @+1 {{the match broke here}}
  %keep = onnx.And %near, %pad : (tensor<?x?xi1>, tensor<?x1x1x?xi1>) -> tensor<?x1x?x?xi1>
  %s = onnx.Where %keep, %sd, %big : (tensor<?x1x?x?xi1>, tensor<?x4x?x?xf32>, tensor<f32>) -> tensor<?x4x?x?xf32>
  // expected-remark @+1 {{attention not fused: mask: mask is not a function of the padding mask and the causal position alone}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  %c = onnx.MatMul %p, %vh : (tensor<?x4x?x?xf32>, tensor<?x4x?x16xf32>) -> tensor<?x4x?x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x4x?x16xf32>) -> tensor<?x?x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<?x?x4x16xf32>, tensor<3xi64>) -> tensor<?x?x64xf32>
  return %o : tensor<?x?x64xf32>
}

// -----

// An additive score term over scores whose batch and heads are merged
// ([batch * heads, query, key], torch.nn.MultiheadAttention) that differs
// per batch x head row: bertc.attention's bias is [batch, heads, query,
// key] and the merged axis cannot be split back here.
func.func @bias_over_merged_heads(%q: tensor<6x2x64xf32>, %k: tensor<6x2x64xf32>, %v: tensor<6x2x64xf32>, %b: tensor<8x6x6xf32>) -> tensor<12x64xf32> {
  %s3 = onnx.Constant dense<[6, 8, 16]> : tensor<3xi64>
  %o2 = onnx.Constant dense<[12, 64]> : tensor<2xi64>
  %four = onnx.Constant dense<4.0> : tensor<f32>
  %q3 = onnx.Reshape %q, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %qh = onnx.Transpose %q3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %qs = onnx.Div %qh, %four : (tensor<8x6x16xf32>, tensor<f32>) -> tensor<8x6x16xf32>
  %k3 = onnx.Reshape %k, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %kt = onnx.Transpose %k3 {perm = array<i64: 1, 2, 0>} : (tensor<6x8x16xf32>) -> tensor<8x16x6xf32>
  %v3 = onnx.Reshape %v, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %vh = onnx.Transpose %v3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %sc = onnx.MatMul %qs, %kt : (tensor<8x6x16xf32>, tensor<8x16x6xf32>) -> tensor<8x6x6xf32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Add %sc, %b : (tensor<8x6x6xf32>, tensor<8x6x6xf32>) -> tensor<8x6x6xf32>
  // expected-remark @+1 {{attention not fused: a score bias over the merged batch x heads axis: bertc.attention's bias is [batch, heads, query, key]}}
  %p = onnx.Softmax %s {axis = 2 : i64} : tensor<8x6x6xf32> -> tensor<8x6x6xf32>
  %c = onnx.MatMul %p, %vh : (tensor<8x6x6xf32>, tensor<8x6x16xf32>) -> tensor<8x6x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 1, 0, 2>} : (tensor<8x6x16xf32>) -> tensor<6x8x16xf32>
  %o = onnx.Reshape %ct, %o2 : (tensor<6x8x16xf32>, tensor<2xi64>) -> tensor<12x64xf32>
  return %o : tensor<12x64xf32>
}

// -----
// The query multiplied by a tensor after the head split, with batch and
// heads merged ([batch * heads, seq, d]): neither a head split of a source
// nor a [batch, heads, seq, d] tensor whose heads could be merged back.
func.func @query_not_head_split(%q: tensor<6x2x64xf32>, %k: tensor<6x2x64xf32>, %v: tensor<6x2x64xf32>, %r: tensor<8x6x16xf32>) -> tensor<12x64xf32> {
  %s3 = onnx.Constant dense<[6, 8, 16]> : tensor<3xi64>
  %o2 = onnx.Constant dense<[12, 64]> : tensor<2xi64>
  %four = onnx.Constant dense<4.0> : tensor<f32>
  %q3 = onnx.Reshape %q, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %qh = onnx.Transpose %q3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %qs = onnx.Mul %qh, %r : (tensor<8x6x16xf32>, tensor<8x6x16xf32>) -> tensor<8x6x16xf32>
  %k3 = onnx.Reshape %k, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %kt = onnx.Transpose %k3 {perm = array<i64: 1, 2, 0>} : (tensor<6x8x16xf32>) -> tensor<8x16x6xf32>
  %v3 = onnx.Reshape %v, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %vh = onnx.Transpose %v3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  // expected-note @+1 {{the match broke here}}
  %sc = onnx.MatMul %qs, %kt : (tensor<8x6x16xf32>, tensor<8x16x6xf32>) -> tensor<8x6x6xf32>
  // expected-remark @+1 {{attention not fused: query is not a head split of a [batch, seq, hidden] tensor (the chain stops at onnx.Mul)}}
  %p = onnx.Softmax %sc {axis = 2 : i64} : tensor<8x6x6xf32> -> tensor<8x6x6xf32>
  %c = onnx.MatMul %p, %vh : (tensor<8x6x6xf32>, tensor<8x6x16xf32>) -> tensor<8x6x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 1, 0, 2>} : (tensor<8x6x16xf32>) -> tensor<6x8x16xf32>
  %o = onnx.Reshape %ct, %o2 : (tensor<6x8x16xf32>, tensor<2xi64>) -> tensor<12x64xf32>
  return %o : tensor<12x64xf32>
}
// -----
// The same for the key (K^T multiplied by a tensor, [batch * heads, d, seq]).
func.func @key_not_head_split(%q: tensor<6x2x64xf32>, %k: tensor<6x2x64xf32>, %v: tensor<6x2x64xf32>, %r: tensor<8x16x6xf32>) -> tensor<12x64xf32> {
  %s3 = onnx.Constant dense<[6, 8, 16]> : tensor<3xi64>
  %o2 = onnx.Constant dense<[12, 64]> : tensor<2xi64>
  %four = onnx.Constant dense<4.0> : tensor<f32>
  %q3 = onnx.Reshape %q, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %qh = onnx.Transpose %q3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %qs = onnx.Div %qh, %four : (tensor<8x6x16xf32>, tensor<f32>) -> tensor<8x6x16xf32>
  %k3 = onnx.Reshape %k, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %kt0 = onnx.Transpose %k3 {perm = array<i64: 1, 2, 0>} : (tensor<6x8x16xf32>) -> tensor<8x16x6xf32>
  %kt = onnx.Mul %kt0, %r : (tensor<8x16x6xf32>, tensor<8x16x6xf32>) -> tensor<8x16x6xf32>
  %v3 = onnx.Reshape %v, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %vh = onnx.Transpose %v3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  // expected-note @+1 {{the match broke here}}
  %sc = onnx.MatMul %qs, %kt : (tensor<8x6x16xf32>, tensor<8x16x6xf32>) -> tensor<8x6x6xf32>
  // expected-remark @+1 {{attention not fused: key is not a transposed head split of a [batch, seq, hidden] tensor (the chain stops at onnx.Mul)}}
  %p = onnx.Softmax %sc {axis = 2 : i64} : tensor<8x6x6xf32> -> tensor<8x6x6xf32>
  %c = onnx.MatMul %p, %vh : (tensor<8x6x6xf32>, tensor<8x6x16xf32>) -> tensor<8x6x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 1, 0, 2>} : (tensor<8x6x16xf32>) -> tensor<6x8x16xf32>
  %o = onnx.Reshape %ct, %o2 : (tensor<6x8x16xf32>, tensor<2xi64>) -> tensor<12x64xf32>
  return %o : tensor<12x64xf32>
}

// -----

// The scores transposed (keys and queries swapped) before the mask and the
// Softmax: not softmax over the keys of Q K^T.
func.func @scores_transposed(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %b: tensor<2x4x8x8xf32>) -> tensor<2x8x64xf32> {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-note @+1 {{the match broke here}}
  %st = onnx.Transpose %sc {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %s = onnx.Add %st, %b : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: the scores reach the Softmax through onnx.Transpose, which bertc.attention cannot express}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The scores reshaped other than [batch * heads, q, k] -> [batch, heads, q,
// k] (here the heads and queries exchanged by a reshape).
func.func @scores_reshaped(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>) -> tensor<2x8x64xf32> {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sh = onnx.Constant dense<[2, 8, 4, 8]> : tensor<4xi64>
  %sb = onnx.Constant dense<[2, 4, 8, 8]> : tensor<4xi64>
  %r1 = onnx.Reshape %sc, %sh : (tensor<2x4x8x8xf32>, tensor<4xi64>) -> tensor<2x8x4x8xf32>
  // expected-note @+1 {{the match broke here}}
  %s = onnx.Reshape %r1, %sb : (tensor<2x8x4x8xf32>, tensor<4xi64>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: the scores are reshaped other than from [batch * heads, q, k] to [batch, heads, q, k]}}
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}
