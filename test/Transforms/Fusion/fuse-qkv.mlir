// RUN: bertc-opt %s --split-input-file --bertc-fuse-qkv --canonicalize --cse | FileCheck %s

// BERT self-attention: query, key and value are three nn.Linear layers on the
// same hidden states (three MatMul + Add in the export, three bertc.linear
// after bertc-fuse-linear). They become one linear with the weights and
// biases concatenated along N, sliced back into strided views.
// CHECK-LABEL: func.func @bert_qkv
// CHECK-DAG: %[[W:.*]] = onnx.Constant dense<{{\[\[}}1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00, 3.000000e+00, 3.000000e+00], [1.000000e+00, 1.000000e+00, 2.000000e+00, 2.000000e+00, 3.000000e+00, 3.000000e+00]]> : tensor<2x6xf32>
// CHECK-DAG: %[[B:.*]] = onnx.Constant dense<[1.000000e-01, 1.000000e-01, 2.000000e-01, 2.000000e-01, 3.000000e-01, 3.000000e-01]> : tensor<6xf32>
// CHECK: %[[L:.*]] = bertc.linear %arg0, %[[W]], %[[B]] : (tensor<?x?x2xf32>, tensor<2x6xf32>, tensor<6xf32>) -> tensor<?x?x6xf32>
// CHECK-DAG: %[[Q:.*]] = tensor.extract_slice %[[L]][0, 0, 0] [%{{.*}}, %{{.*}}, 2] [1, 1, 1] : tensor<?x?x6xf32> to tensor<?x?x2xf32>
// CHECK-DAG: %[[K:.*]] = tensor.extract_slice %[[L]][0, 0, 2] [%{{.*}}, %{{.*}}, 2] [1, 1, 1] : tensor<?x?x6xf32> to tensor<?x?x2xf32>
// CHECK-DAG: %[[V:.*]] = tensor.extract_slice %[[L]][0, 0, 4] [%{{.*}}, %{{.*}}, 2] [1, 1, 1] : tensor<?x?x6xf32> to tensor<?x?x2xf32>
// CHECK: %[[A:.*]] = bertc.attention %[[Q]], %[[K]], %[[V]] mask %arg1
// CHECK-NOT: bertc.linear
// CHECK: return %[[A]]
func.func @bert_qkv(%x: tensor<?x?x2xf32>, %m: tensor<?x?xi64>) -> tensor<?x?x2xf32> {
  %wq = onnx.Constant dense<1.0> : tensor<2x2xf32>
  %wk = onnx.Constant dense<2.0> : tensor<2x2xf32>
  %wv = onnx.Constant dense<3.0> : tensor<2x2xf32>
  %bq = onnx.Constant dense<0.1> : tensor<2xf32>
  %bk = onnx.Constant dense<0.2> : tensor<2xf32>
  %bv = onnx.Constant dense<0.3> : tensor<2xf32>
  %q = bertc.linear %x, %wq, %bq : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %k = bertc.linear %x, %wk, %bk : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %v = bertc.linear %x, %wv, %bv : (tensor<?x?x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<?x?x2xf32>
  %a = bertc.attention %q, %k, %v mask %m {causal = false, mask_replace = false, mask_value = -10000.0 : f32, num_heads = 1 : i64, scale = 0.5 : f32} : (tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<?x?x2xf32>, tensor<?x?xi64>) -> tensor<?x?x2xf32>
  return %a : tensor<?x?x2xf32>
}

// -----

// Projections of different widths (a value head size other than the
// query/key head size) and no biases: offsets follow the widths.
// CHECK-LABEL: func.func @widths_no_bias
// CHECK: %[[L:.*]] = bertc.linear %arg0, %{{.*}} : (tensor<1x3x2xf32>, tensor<2x10xf32>) -> tensor<1x3x10xf32>
// CHECK-DAG: tensor.extract_slice %[[L]][0, 0, 0] [1, 3, 4] [1, 1, 1] : tensor<1x3x10xf32> to tensor<1x3x4xf32>
// CHECK-DAG: tensor.extract_slice %[[L]][0, 0, 4] [1, 3, 4] [1, 1, 1] : tensor<1x3x10xf32> to tensor<1x3x4xf32>
// CHECK-DAG: tensor.extract_slice %[[L]][0, 0, 8] [1, 3, 2] [1, 1, 1] : tensor<1x3x10xf32> to tensor<1x3x2xf32>
func.func @widths_no_bias(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %wq = onnx.Constant dense<1.0> : tensor<2x4xf32>
  %wk = onnx.Constant dense<2.0> : tensor<2x4xf32>
  %wv = onnx.Constant dense<3.0> : tensor<2x2xf32>
  %q = bertc.linear %x, %wq : (tensor<1x3x2xf32>, tensor<2x4xf32>) -> tensor<1x3x4xf32>
  %k = bertc.linear %x, %wk : (tensor<1x3x2xf32>, tensor<2x4xf32>) -> tensor<1x3x4xf32>
  %v = bertc.linear %x, %wv : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %a = bertc.attention %q, %k, %v {causal = false, mask_replace = false, mask_value = 0.0 : f32, num_heads = 2 : i64, scale = 0.5 : f32} : (tensor<1x3x4xf32>, tensor<1x3x4xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %a : tensor<1x3x2xf32>
}

// -----

// ALBERT shares one set of attention weights across layers: the
// concatenated weight and bias are made once and used by every layer.
// CHECK-LABEL: func.func @shared_weights
// CHECK-COUNT-2: onnx.Constant
// CHECK-NOT: onnx.Constant
// CHECK: %[[L1:.*]] = bertc.linear %arg0, %[[W:.*]], %[[B:.*]] :
// CHECK: bertc.attention
// CHECK: bertc.linear %{{.*}}, %[[W]], %[[B]] :
func.func @shared_weights(%x: tensor<1x4x2xf32>) -> tensor<1x4x2xf32> {
  %wq = onnx.Constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %wk = onnx.Constant dense<[[5.0, 6.0], [7.0, 8.0]]> : tensor<2x2xf32>
  %wv = onnx.Constant dense<[[9.0, 1.0], [2.0, 3.0]]> : tensor<2x2xf32>
  %bq = onnx.Constant dense<[0.1, 0.2]> : tensor<2xf32>
  %bk = onnx.Constant dense<[0.3, 0.4]> : tensor<2xf32>
  %bv = onnx.Constant dense<[0.5, 0.6]> : tensor<2xf32>
  %q = bertc.linear %x, %wq, %bq : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %k = bertc.linear %x, %wk, %bk : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %v = bertc.linear %x, %wv, %bv : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %a = bertc.attention %q, %k, %v {causal = false, mask_replace = false, mask_value = 0.0 : f32, num_heads = 1 : i64, scale = 0.5 : f32} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  %q2 = bertc.linear %a, %wq, %bq : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %k2 = bertc.linear %a, %wk, %bk : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %v2 = bertc.linear %a, %wv, %bv : (tensor<1x4x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x4x2xf32>
  %a2 = bertc.attention %q2, %k2, %v2 {causal = false, mask_replace = false, mask_value = 0.0 : f32, num_heads = 1 : i64, scale = 0.5 : f32} : (tensor<1x4x2xf32>, tensor<1x4x2xf32>, tensor<1x4x2xf32>) -> tensor<1x4x2xf32>
  return %a2 : tensor<1x4x2xf32>
}

// -----

// Negative: a projection whose result is also used outside attention (here
// returned) keeps its own linear; the other two still merge.
// CHECK-LABEL: func.func @other_use
// CHECK: %[[Q:.*]] = bertc.linear %arg0, %{{.*}}, %{{.*}} : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
// CHECK: %[[KV:.*]] = bertc.linear %arg0, %{{.*}}, %{{.*}} : (tensor<1x3x2xf32>, tensor<2x4xf32>, tensor<4xf32>) -> tensor<1x3x4xf32>
// CHECK-NOT: bertc.linear
func.func @other_use(%x: tensor<1x3x2xf32>) -> (tensor<1x3x2xf32>, tensor<1x3x2xf32>) {
  %w = onnx.Constant dense<1.0> : tensor<2x2xf32>
  %b = onnx.Constant dense<0.5> : tensor<2xf32>
  %q = bertc.linear %x, %w, %b : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %k = bertc.linear %x, %w, %b : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %v = bertc.linear %x, %w, %b : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %a = bertc.attention %q, %k, %v {causal = false, mask_replace = false, mask_value = 0.0 : f32, num_heads = 1 : i64, scale = 0.5 : f32} : (tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %a, %q : tensor<1x3x2xf32>, tensor<1x3x2xf32>
}

// -----

// Negative: an activation epilogue, a bias on only some projections and a
// different input each keep the linears apart (one candidate per group
// here: nothing merges).
// CHECK-LABEL: func.func @no_merge
// CHECK-COUNT-3: bertc.linear
// CHECK-NOT: tensor.extract_slice
func.func @no_merge(%x: tensor<1x3x2xf32>, %y: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %w = onnx.Constant dense<1.0> : tensor<2x2xf32>
  %b = onnx.Constant dense<0.5> : tensor<2xf32>
  %q = bertc.linear %x, %w, %b {activation = #bertc<activation gelu_erf>} : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %k = bertc.linear %x, %w : (tensor<1x3x2xf32>, tensor<2x2xf32>) -> tensor<1x3x2xf32>
  %v = bertc.linear %y, %w, %b : (tensor<1x3x2xf32>, tensor<2x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  %a = bertc.attention %q, %k, %v {causal = false, mask_replace = false, mask_value = 0.0 : f32, num_heads = 1 : i64, scale = 0.5 : f32} : (tensor<1x3x2xf32>, tensor<1x3x2xf32>, tensor<1x3x2xf32>) -> tensor<1x3x2xf32>
  return %a : tensor<1x3x2xf32>
}
