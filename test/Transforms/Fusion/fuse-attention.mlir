// RUN: bertc-opt %s --split-input-file --bertc-fuse-attention --canonicalize | FileCheck %s
// RUN: bertc-opt %s --split-input-file --bertc-fuse-attention --verify-diagnostics -o /dev/null

// Hugging Face BERT: heads split by Reshape + Transpose, K^T by one
// Transpose, scores / sqrt(d), additive mask (1 - m) * -10000, heads merged
// back by Transpose + Reshape.
// CHECK-LABEL: func.func @hf_bert
// CHECK-NEXT: %[[A:.*]] = bertc.attention %arg0, %arg1, %arg2 mask %arg3 {causal = false, mask_replace = false, mask_value = -1.000000e+04 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32} : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8xi64>) -> tensor<2x8x64xf32>
// CHECK-NEXT: return %[[A]]
func.func @hf_bert(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> tensor<2x8x64xf32> {
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
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// torch.nn.MultiheadAttention (sequence-first [S=6, B=2, H=64]): heads
// merged into the batch ([B * heads, S, d]), q scaled before the matmul,
// padding mask as Where(mask == 0, -inf, 0) expanded over the heads, output
// flattened to [S * B, H]. Sources are transposed to batch-major.
// CHECK-LABEL: func.func @torch_mha
// CHECK-DAG: %[[QT:.*]] = onnx.Transpose %arg0 {perm = array<i64: 1, 0, 2>} : (tensor<6x2x64xf32>) -> tensor<2x6x64xf32>
// CHECK-DAG: %[[KT:.*]] = onnx.Transpose %arg1 {perm = array<i64: 1, 0, 2>}
// CHECK-DAG: %[[VT:.*]] = onnx.Transpose %arg2 {perm = array<i64: 1, 0, 2>}
// CHECK: %[[A:.*]] = bertc.attention %[[QT]], %[[KT]], %[[VT]] mask %arg3 {causal = false, mask_replace = false, mask_value = 0xFF800000 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32}
// CHECK-NEXT: %[[T:.*]] = onnx.Transpose %[[A]] {perm = array<i64: 1, 0, 2>} : (tensor<2x6x64xf32>) -> tensor<6x2x64xf32>
// CHECK-NEXT: %[[R:.*]] = onnx.Reshape %[[T]], %{{.*}} : (tensor<6x2x64xf32>, tensor<2xi64>) -> tensor<12x64xf32>
// CHECK-NEXT: return %[[R]]
func.func @torch_mha(%q: tensor<6x2x64xf32>, %k: tensor<6x2x64xf32>, %v: tensor<6x2x64xf32>, %m: tensor<2x6xi64>) -> tensor<12x64xf32> {
  %s3 = onnx.Constant dense<[6, 8, 16]> : tensor<3xi64>
  %m4 = onnx.Constant dense<[2, 1, 1, 6]> : tensor<4xi64>
  %e4 = onnx.Constant dense<[1, 4, 1, 1]> : tensor<4xi64>
  %m3 = onnx.Constant dense<[8, 1, 6]> : tensor<3xi64>
  %o2 = onnx.Constant dense<[12, 64]> : tensor<2xi64>
  %zero = onnx.Constant dense<0> : tensor<i64>
  %ninf = onnx.Constant dense<0xFF800000> : tensor<f32>
  %four = onnx.Constant dense<4.0> : tensor<f32>
  %q3 = onnx.Reshape %q, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %qh = onnx.Transpose %q3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %qs = onnx.Div %qh, %four : (tensor<8x6x16xf32>, tensor<f32>) -> tensor<8x6x16xf32>
  %k3 = onnx.Reshape %k, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %kt = onnx.Transpose %k3 {perm = array<i64: 1, 2, 0>} : (tensor<6x8x16xf32>) -> tensor<8x16x6xf32>
  %v3 = onnx.Reshape %v, %s3 : (tensor<6x2x64xf32>, tensor<3xi64>) -> tensor<6x8x16xf32>
  %vh = onnx.Transpose %v3 {perm = array<i64: 1, 0, 2>} : (tensor<6x8x16xf32>) -> tensor<8x6x16xf32>
  %pad = onnx.Equal %m, %zero : (tensor<2x6xi64>, tensor<i64>) -> tensor<2x6xi1>
  %p4 = onnx.Reshape %pad, %m4 : (tensor<2x6xi1>, tensor<4xi64>) -> tensor<2x1x1x6xi1>
  %pe = onnx.Expand %p4, %e4 : (tensor<2x1x1x6xi1>, tensor<4xi64>) -> tensor<2x4x1x6xi1>
  %p3 = onnx.Reshape %pe, %m3 : (tensor<2x4x1x6xi1>, tensor<3xi64>) -> tensor<8x1x6xi1>
  %shape = onnx.Shape %p3 {end = 3 : i64, start = 0 : i64} : (tensor<8x1x6xi1>) -> tensor<3xi64>
  %zeros = onnx.ConstantOfShape %shape {value = dense<0.0> : tensor<1xf32>} : (tensor<3xi64>) -> tensor<8x1x6xf32>
  %mask = onnx.Where %p3, %ninf, %zeros : (tensor<8x1x6xi1>, tensor<f32>, tensor<8x1x6xf32>) -> tensor<8x1x6xf32>
  %sc = onnx.MatMul %qs, %kt : (tensor<8x6x16xf32>, tensor<8x16x6xf32>) -> tensor<8x6x6xf32>
  %s = onnx.Add %sc, %mask : (tensor<8x6x6xf32>, tensor<8x1x6xf32>) -> tensor<8x6x6xf32>
  %p = onnx.Softmax %s {axis = 2 : i64} : tensor<8x6x6xf32> -> tensor<8x6x6xf32>
  %c = onnx.MatMul %p, %vh : (tensor<8x6x6xf32>, tensor<8x6x16xf32>) -> tensor<8x6x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 1, 0, 2>} : (tensor<8x6x16xf32>) -> tensor<6x8x16xf32>
  %o = onnx.Reshape %ct, %o2 : (tensor<6x8x16xf32>, tensor<2xi64>) -> tensor<12x64xf32>
  return %o : tensor<12x64xf32>
}

// -----

// GPT-2: causal Where over a slice of a lower-triangular buffer, filler
// finfo.min, no padding mask.
// CHECK-LABEL: func.func @gpt2_causal
// CHECK-NEXT: %[[A:.*]] = bertc.attention %arg0, %arg1, %arg2 {causal = true, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 2 : i64, scale = 0.176776692 : f32}
// CHECK-NEXT: return %[[A]]
func.func @gpt2_causal(%q: tensor<1x4x64xf32>, %k: tensor<1x4x64xf32>, %v: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  %s4 = onnx.Constant dense<[1, 4, 2, 32]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[1, 4, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<5.65685415> : tensor<f32>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %tril = onnx.Constant dense<[[[[true, false, false, false, false], [true, true, false, false, false], [true, true, true, false, false], [true, true, true, true, false], [true, true, true, true, true]]]]> : tensor<1x1x5x5xi1>
  %c0 = onnx.Constant dense<0> : tensor<1xi64>
  %c4 = onnx.Constant dense<4> : tensor<1xi64>
  %a2 = onnx.Constant dense<2> : tensor<1xi64>
  %a3 = onnx.Constant dense<3> : tensor<1xi64>
  %one = onnx.Constant dense<1> : tensor<1xi64>
  %q4 = onnx.Reshape %q, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %kh = onnx.Transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
  %kt = onnx.Transpose %kh {perm = array<i64: 0, 1, 3, 2>} : (tensor<1x2x4x32xf32>) -> tensor<1x2x32x4xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<1x4x64xf32>, tensor<4xi64>) -> tensor<1x4x2x32xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x4x2x32xf32>) -> tensor<1x2x4x32xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<1x2x4x32xf32>, tensor<1x2x32x4xf32>) -> tensor<1x2x4x4xf32>
  %sd = onnx.Div %sc, %sq : (tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %rows = onnx.Slice %tril, %c0, %c4, %a2, %one : (tensor<1x1x5x5xi1>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x4x5xi1>
  %causal = onnx.Slice %rows, %c0, %c4, %a3, %one : (tensor<1x1x4x5xi1>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<1x1x4x4xi1>
  %s = onnx.Where %causal, %sd, %fmin : (tensor<1x1x4x4xi1>, tensor<1x2x4x4xf32>, tensor<f32>) -> tensor<1x2x4x4xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %c = onnx.MatMul %p, %vh : (tensor<1x2x4x4xf32>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x32xf32>) -> tensor<1x4x2x32xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<1x4x2x32xf32>, tensor<3xi64>) -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// -----

// torch 2.x scaled_dot_product_attention export (newer Hugging Face): q and
// k each multiplied by sqrt(scale), the scores by nothing; the mask is
// (1 - m) * finfo.min expanded to [batch, 1, query, key] first.
// CHECK-LABEL: func.func @sdpa_style
// CHECK-NEXT: %[[A:.*]] = bertc.attention %arg0, %arg1, %arg2 mask %arg3 {causal = false, mask_replace = false, mask_value = -3.40282347E+38 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32}
// CHECK-NEXT: return %[[A]]
func.func @sdpa_style(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> tensor<2x8x64xf32> {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %e4 = onnx.Constant dense<[2, 1, 8, 8]> : tensor<4xi64>
  %sq = onnx.Constant dense<0.5> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %qs = onnx.Mul %qh, %sq : (tensor<2x4x8x16xf32>, tensor<f32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kh = onnx.Transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %kt = onnx.Transpose %kh {perm = array<i64: 0, 1, 3, 2>} : (tensor<2x4x8x16xf32>) -> tensor<2x4x16x8xf32>
  %ks = onnx.Mul %kt, %sq : (tensor<2x4x16x8xf32>, tensor<f32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %me = onnx.Expand %mu, %e4 : (tensor<2x1x1x8xi64>, tensor<4xi64>) -> tensor<2x1x8x8xi64>
  %mf = onnx.Cast %me {to = f32} : (tensor<2x1x8x8xi64>) -> tensor<2x1x8x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x8x8xf32>) -> tensor<2x1x8x8xf32>
  %ext = onnx.Mul %inv, %fmin : (tensor<2x1x8x8xf32>, tensor<f32>) -> tensor<2x1x8x8xf32>
  %sc = onnx.MatMul %qs, %ks : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %s = onnx.Add %sc, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// Causal mask from positions (newer exports): Range over keys compared with
// Range over queries, key > query -> finfo.min, added to the scores.
// CHECK-LABEL: func.func @range_causal
// CHECK-NEXT: %[[A:.*]] = bertc.attention %arg0, %arg1, %arg2 {causal = true, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 2 : i64, scale = 1.000000e+00 : f32}
// CHECK-NEXT: return %[[A]]
func.func @range_causal(%q: tensor<1x4x64xf32>, %k: tensor<1x4x64xf32>, %v: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
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

// -----

// key >= query also masks the diagonal, which no causal mask does (a query
// must see itself): not a causal mask, so the term is a score bias (exact
// for any additive term), not causal = true.
// CHECK-LABEL: func.func @range_not_causal
// CHECK: %[[B:.*]] = onnx.Constant {{.*}} : tensor<1x1x4x4xf32>
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %[[B]] {causal = false
func.func @range_not_causal(%q: tensor<1x4x64xf32>, %k: tensor<1x4x64xf32>, %v: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
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
  %future = onnx.GreaterOrEqual %kpos, %qpos : (tensor<1x4xi64>, tensor<4x1xi64>) -> tensor<4x4xi1>
  %cm = onnx.Where %future, %fmin, %fzero : (tensor<4x4xi1>, tensor<f32>, tensor<f32>) -> tensor<4x4xf32>
  %s = onnx.Add %sc, %cm : (tensor<1x2x4x4xf32>, tensor<4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<1x2x4x4xf32> -> tensor<1x2x4x4xf32>
  %c = onnx.MatMul %p, %vh : (tensor<1x2x4x4xf32>, tensor<1x2x4x32xf32>) -> tensor<1x2x4x32xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<1x2x4x32xf32>) -> tensor<1x4x2x32xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<1x4x2x32xf32>, tensor<3xi64>) -> tensor<1x4x64xf32>
  return %o : tensor<1x4x64xf32>
}

// -----

// The mask is broadcast along the keys ([batch, 1, query, 1]): it masks
// queries, which attention's key-padding mask cannot express; as an
// additive term it is a score bias.
// CHECK-LABEL: func.func @mask_on_queries
// CHECK-NOT: mask %arg3
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %{{.*}} {causal = false{{.*}} : (tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x8x64xf32>, tensor<2x1x8x1xf32>)
func.func @mask_on_queries(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> tensor<2x8x64xf32> {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-10000.0> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 3>} : (tensor<2x8xi64>) -> tensor<2x1x8x1xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x8x1xi64>) -> tensor<2x1x8x1xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x8x1xf32>) -> tensor<2x1x8x1xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x8x1xf32>, tensor<f32>) -> tensor<2x1x8x1xf32>
  %s = onnx.Add %sc, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x8x1xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// Negative: the attention probabilities are also returned (e.g. exported
// with output_attentions=True); the subgraph must stay.
// CHECK-LABEL: func.func @probs_escape
// CHECK-NOT: bertc.attention
func.func @probs_escape(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>) -> (tensor<2x8x64xf32>, tensor<2x4x8x8xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  // expected-remark @+1 {{attention not fused: attention probabilities are used outside the attention}}
  %p = onnx.Softmax %sc {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o, %p : tensor<2x8x64xf32>, tensor<2x4x8x8xf32>
}

// -----

// Negative: Softmax over the query axis is not attention.
// CHECK-LABEL: func.func @softmax_wrong_axis
// CHECK-NOT: bertc.attention
func.func @softmax_wrong_axis(%s: tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32> {
  // expected-remark @+1 {{attention not fused: softmax is not over the last axis of a rank-3/4 tensor}}
  %p = onnx.Softmax %s {axis = 2 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  return %p : tensor<2x4x8x8xf32>
}

// -----

// An additive term that is -10000 where the mask is 1 (attended) is no
// padding mask: it is a score bias, exact for any additive term.
// CHECK-LABEL: func.func @mask_attended_nonzero
// CHECK-NOT: mask %arg3
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %{{.*}} {causal = false, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32} : ({{.*}}, tensor<2x1x1x8xf32>)
func.func @mask_attended_nonzero(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
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
  %ext = onnx.Mul %mf, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A causal-shaped term that adds only -1 to future keys is no causal mask:
// it is a score bias, and causal stays false.
// CHECK-LABEL: func.func @causal_too_weak
// CHECK: %[[B:.*]] = onnx.Constant dense<{{.*}}> : tensor<1x1x8x8xf32>
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %[[B]] {causal = false
func.func @causal_too_weak(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
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
  %cm = onnx.Constant dense<[[0.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0], [0.0, 0.0, -1.0, -1.0, -1.0, -1.0, -1.0, -1.0], [0.0, 0.0, 0.0, -1.0, -1.0, -1.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0, -1.0, -1.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, -1.0], [0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0]]> : tensor<8x8xf32>
  %s = onnx.Add %sd, %cm : (tensor<2x4x8x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A score bias that varies with the query and key positions (a relative
// position bias, k - q) becomes the bias operand; the padding mask added
// after it still takes the mask slot.
// CHECK-LABEL: func.func @position_bias
// CHECK: bertc.attention %arg0, %arg1, %arg2 mask %arg3 bias %{{.*}} {causal = false, mask_replace = false, mask_value = -1.000000e+04 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32} : ({{.*}}, tensor<2x8xi64>, tensor<1x1x8x8xf32>)
func.func @position_bias(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
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
  %bias = onnx.Cast %d {to = f32} : (tensor<8x8xi64>) -> tensor<8x8xf32>
  %s0 = onnx.Add %sd, %bias : (tensor<2x4x8x8xf32>, tensor<8x8xf32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %s0, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// T5: the relative position bias [1, heads, q, k] and the padding mask are
// summed into one term before the scores; the sum splits into the bias
// operand and the mask. No scaling (T5 has none).
// CHECK-LABEL: func.func @t5_bias_plus_mask
// CHECK: bertc.attention %arg0, %arg1, %arg2 mask %arg3 bias %arg4 {causal = false, mask_replace = false, mask_value = -3.40282347E+38 : f32, num_heads = 4 : i64, scale = 1.000000e+00 : f32}
func.func @t5_bias_plus_mask(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %pb: tensor<1x4x8x8xf32>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %fmin : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %bm = onnx.Add %pb, %ext : (tensor<1x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %s = onnx.Add %sc, %bm : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// T5 under SDPA: the mask is applied to the bias, Where(mask, bias,
// finfo.min), and the result added to the scores. Keys the mask drops get
// finfo.min, which absorbs the scores in f32: the Where form of the mask
// (mask_replace) with the bias operand. A scale after the bias scales it
// (onnx.Mul on the bias operand).
// CHECK-LABEL: func.func @t5_sdpa_where_bias
// CHECK: %[[F:.*]] = onnx.Constant dense<2.500000e-01> : tensor<f32>
// CHECK: %[[SB:.*]] = onnx.Mul %arg4, %[[F]]
// CHECK: bertc.attention %arg0, %arg1, %arg2 mask %arg3 bias %[[SB]] {causal = false, mask_replace = true, mask_value = -8.50705867E+37 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32}
func.func @t5_sdpa_where_bias(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %pb: tensor<1x4x8x8xf32>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %quarter = onnx.Constant dense<0.25> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qh = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt = onnx.Transpose %k4 {perm = array<i64: 0, 2, 3, 1>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vh = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qh, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %keep = onnx.Cast %mu {to = i1} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xi1>
  %bm = onnx.Where %keep, %pb, %fmin : (tensor<2x1x1x8xi1>, tensor<1x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %s0 = onnx.Add %sc, %bm : (tensor<2x4x8x8xf32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %s = onnx.Mul %s0, %quarter : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// The query rotated by Cos/Sin of the positions after the head split (a
// rotary embedding): the rotated [batch, heads, seq, d] tensor is the
// query, with its heads merged back (Transpose + Reshape) for the fused op.
// CHECK-LABEL: func.func @query_rotated
// CHECK: %[[QT:.*]] = onnx.Transpose %{{.*}} {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
// CHECK: %[[QM:.*]] = onnx.Reshape %[[QT]], %{{.*}} : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
// CHECK: bertc.attention %[[QM]], %arg1, %arg2 mask %arg3
func.func @query_rotated(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %pos: tensor<8x16xf32>) -> (tensor<2x8x64xf32>) {
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
  %cos = onnx.Cos %pos : tensor<8x16xf32>
  %sin = onnx.Sin %pos : tensor<8x16xf32>
  %qc = onnx.Mul %qh, %cos : (tensor<2x4x8x16xf32>, tensor<8x16xf32>) -> tensor<2x4x8x16xf32>
  %qs = onnx.Mul %qh, %sin : (tensor<2x4x8x16xf32>, tensor<8x16xf32>) -> tensor<2x4x8x16xf32>
  %qr = onnx.Add %qc, %qs : (tensor<2x4x8x16xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %sc = onnx.MatMul %qr, %kt : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// K reshaped straight to [batch, heads, d, seq] (no transpose) is no head
// split of k, but it is the K^T the scores use: its heads are merged back
// (Transpose [0, 3, 1, 2] + Reshape), which is exact.
// CHECK-LABEL: func.func @key_not_transposed
// CHECK: %[[KT:.*]] = onnx.Transpose %{{.*}} {perm = array<i64: 0, 3, 1, 2>} : (tensor<2x4x16x8xf32>) -> tensor<2x8x4x16xf32>
// CHECK: %[[KM:.*]] = onnx.Reshape %[[KT]], %{{.*}} : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
// CHECK: bertc.attention %arg0, %[[KM]], %arg2 mask %arg3
func.func @key_not_transposed(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
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
  %ks = onnx.Constant dense<[2, 4, 16, 8]> : tensor<4xi64>
  %kbad = onnx.Reshape %k, %ks : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x4x16x8xf32>
  %sc = onnx.MatMul %qh, %kbad : (tensor<2x4x8x16xf32>, tensor<2x4x16x8xf32>) -> tensor<2x4x8x8xf32>
  %sd = onnx.Div %sc, %sq : (tensor<2x4x8x8xf32>, tensor<f32>) -> tensor<2x4x8x8xf32>
  %mu = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mf = onnx.Cast %mu {to = f32} : (tensor<2x1x1x8xi64>) -> tensor<2x1x1x8xf32>
  %inv = onnx.Sub %one, %mf : (tensor<f32>, tensor<2x1x1x8xf32>) -> tensor<2x1x1x8xf32>
  %ext = onnx.Mul %inv, %big : (tensor<2x1x1x8xf32>, tensor<f32>) -> tensor<2x1x1x8xf32>
  %s = onnx.Add %sd, %ext : (tensor<2x4x8x8xf32>, tensor<2x1x1x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// A sliding window |k - q| <= 2 applied by Where with finfo.min: no mask,
// but finfo.min absorbs the scores, so it is the additive term
// Where(far, finfo.min, 0), the score bias. (With -10000 it is refused:
// fuse-attention-refusals.mlir, @position_window.)
// CHECK-LABEL: func.func @window_bias
// CHECK: %[[FMIN:.*]] = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
// CHECK: %[[FAR:.*]] = onnx.Greater
// CHECK: %[[WH:.*]] = onnx.Where %[[FAR]], %[[FMIN]], %{{.*}} : (tensor<8x8xi1>, tensor<f32>, tensor<f32>) -> tensor<8x8xf32>
// CHECK: %[[W:.*]] = onnx.Unsqueeze %[[WH]] {axes = array<i64: 0, 1>} : (tensor<8x8xf32>) -> tensor<1x1x8x8xf32>
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %[[W]] {causal = false, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 2.500000e-01 : f32}
func.func @window_bias(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>) -> (tensor<2x8x64xf32>) {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %sq = onnx.Constant dense<4.0> : tensor<f32>
  %one = onnx.Constant dense<1.0> : tensor<f32>
  %big = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
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
  %far = onnx.Greater %ad, %w : (tensor<8x8xi64>, tensor<i64>) -> tensor<8x8xi1>
  %s = onnx.Where %far, %big, %sd : (tensor<8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %c = onnx.MatMul %p, %vh : (tensor<2x4x8x8xf32>, tensor<2x4x8x16xf32>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}

// -----

// DeBERTa-v2: Q and K^T as [batch * heads, seq, d], the disentangled
// content-position terms (here an argument) added over [batch * heads, q,
// k], the sum reshaped to [batch, heads, q, k], masked over queries and keys
// by Where(~(m_q * m_k), finfo.min) (no padding mask: it masks queries too,
// so it is the additive term Where(~mask, finfo.min, 0) of the bias), the
// probabilities reshaped back for a batched P V. The position terms are
// expanded to the flat scores' size, read off Q and K^T, and split like the
// scores ([-1, heads, q, k]).
// CHECK-LABEL: func.func @deberta_disentangled
// (Static here, so the Expand and the sizes fold away.)
// CHECK: %[[SPLIT:.*]] = onnx.Constant dense<[-1, 4, 8, 8]> : tensor<4xi64>
// CHECK: %[[R:.*]] = onnx.Reshape %arg4, %[[SPLIT]] : (tensor<8x8x8xf32>, tensor<4xi64>) -> tensor<2x4x8x8xf32>
// CHECK: %[[W:.*]] = onnx.Where %{{.*}}, %{{.*}}, %{{.*}} : (tensor<2x1x8x8xi1>, tensor<f32>, tensor<f32>) -> tensor<2x1x8x8xf32>
// CHECK: %[[B:.*]] = onnx.Add %[[R]], %[[W]] : (tensor<2x4x8x8xf32>, tensor<2x1x8x8xf32>) -> tensor<2x4x8x8xf32>
// CHECK: bertc.attention %arg0, %arg1, %arg2 bias %[[B]] {causal = false, mask_replace = false, mask_value = 0.000000e+00 : f32, num_heads = 4 : i64, scale = 1.250000e-01 : f32}
// CHECK-NOT: onnx.Softmax
func.func @deberta_disentangled(%q: tensor<2x8x64xf32>, %k: tensor<2x8x64xf32>, %v: tensor<2x8x64xf32>, %m: tensor<2x8xi64>, %rel: tensor<8x8x8xf32>) -> tensor<2x8x64xf32> {
  %s4 = onnx.Constant dense<[2, 8, 4, 16]> : tensor<4xi64>
  %s3h = onnx.Constant dense<[8, 8, 16]> : tensor<3xi64>
  %sc4 = onnx.Constant dense<[-1, 4, 8, 8]> : tensor<4xi64>
  %sc3 = onnx.Constant dense<[-1, 8, 8]> : tensor<3xi64>
  %o4 = onnx.Constant dense<[-1, 4, 8, 16]> : tensor<4xi64>
  %s3 = onnx.Constant dense<[2, 8, 64]> : tensor<3xi64>
  %eight = onnx.Constant dense<8.0> : tensor<f32>
  %fmin = onnx.Constant dense<-3.40282347E+38> : tensor<f32>
  %q4 = onnx.Reshape %q, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %qt = onnx.Transpose %q4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %qh = onnx.Reshape %qt, %s3h : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %k4 = onnx.Reshape %k, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %kt4 = onnx.Transpose %k4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %kh = onnx.Reshape %kt4, %s3h : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %kt = onnx.Transpose %kh {perm = array<i64: 0, 2, 1>} : (tensor<8x8x16xf32>) -> tensor<8x16x8xf32>
  %kts = onnx.Div %kt, %eight : (tensor<8x16x8xf32>, tensor<f32>) -> tensor<8x16x8xf32>
  %v4 = onnx.Reshape %v, %s4 : (tensor<2x8x64xf32>, tensor<4xi64>) -> tensor<2x8x4x16xf32>
  %vt = onnx.Transpose %v4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x8x4x16xf32>) -> tensor<2x4x8x16xf32>
  %vh = onnx.Reshape %vt, %s3h : (tensor<2x4x8x16xf32>, tensor<3xi64>) -> tensor<8x8x16xf32>
  %sc = onnx.MatMul %qh, %kts : (tensor<8x8x16xf32>, tensor<8x16x8xf32>) -> tensor<8x8x8xf32>
  %sr = onnx.Add %sc, %rel : (tensor<8x8x8xf32>, tensor<8x8x8xf32>) -> tensor<8x8x8xf32>
  %s4d = onnx.Reshape %sr, %sc4 : (tensor<8x8x8xf32>, tensor<4xi64>) -> tensor<2x4x8x8xf32>
  %mq = onnx.Unsqueeze %m {axes = array<i64: 1, 3>} : (tensor<2x8xi64>) -> tensor<2x1x8x1xi64>
  %mk = onnx.Unsqueeze %m {axes = array<i64: 1, 2>} : (tensor<2x8xi64>) -> tensor<2x1x1x8xi64>
  %mqk = onnx.Mul %mq, %mk : (tensor<2x1x8x1xi64>, tensor<2x1x1x8xi64>) -> tensor<2x1x8x8xi64>
  %mb = onnx.Cast %mqk {to = i1} : (tensor<2x1x8x8xi64>) -> tensor<2x1x8x8xi1>
  %drop = onnx.Not %mb : tensor<2x1x8x8xi1>
  %s = onnx.Where %drop, %fmin, %s4d : (tensor<2x1x8x8xi1>, tensor<f32>, tensor<2x4x8x8xf32>) -> tensor<2x4x8x8xf32>
  %p = onnx.Softmax %s {axis = 3 : i64} : tensor<2x4x8x8xf32> -> tensor<2x4x8x8xf32>
  %p3 = onnx.Reshape %p, %sc3 : (tensor<2x4x8x8xf32>, tensor<3xi64>) -> tensor<8x8x8xf32>
  %c = onnx.MatMul %p3, %vh : (tensor<8x8x8xf32>, tensor<8x8x16xf32>) -> tensor<8x8x16xf32>
  %c4 = onnx.Reshape %c, %o4 : (tensor<8x8x16xf32>, tensor<4xi64>) -> tensor<2x4x8x16xf32>
  %ct = onnx.Transpose %c4 {perm = array<i64: 0, 2, 1, 3>} : (tensor<2x4x8x16xf32>) -> tensor<2x8x4x16xf32>
  %o = onnx.Reshape %ct, %s3 : (tensor<2x8x4x16xf32>, tensor<3xi64>) -> tensor<2x8x64xf32>
  return %o : tensor<2x8x64xf32>
}
