// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// Broadcasting is in the indexing maps; dynamic sizes come from the operand
// that has them.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_bias
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[D1:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
func.func @add_bias(%a: tensor<?x?x32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @erf_gelu_parts
// CHECK: math.erf
// CHECK: math.sqrt
// CHECK: math.tanh
func.func @erf_gelu_parts(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = "onnx.Erf"(%a) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %1 = "onnx.Sqrt"(%0) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %2 = "onnx.Tanh"(%1) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %2 : tensor<?x8xf32>
}

// -----

// The padding-mask select: Where(bool, scalar, tensor).
// CHECK-LABEL: func.func @where_mask
// CHECK: linalg.generic
// CHECK: arith.select
func.func @where_mask(%m: tensor<?x1x1x?xi1>, %n: tensor<f32>, %s: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = "onnx.Where"(%m, %n, %s) : (tensor<?x1x1x?xi1>, tensor<f32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Cast int64 -> f32 (attention_mask to float).
// CHECK-LABEL: func.func @cast_mask
// CHECK: arith.sitofp %{{.*}} : i64 to f32
func.func @cast_mask(%m: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Cast %m {to = f32} : (tensor<?x?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Two operands read along the same dynamic dim must agree at run time
// (position embeddings [1, seq', H] added to [batch, seq, H] when seq' !=
// seq): the generated code checks it and reports an error naming the node,
// which ends the run before the loop reads anything out of bounds.
// The static-1 broadcast dim 0 of %b needs no check.
// CHECK-LABEL: func.func @add_dynamic_dims_checked
// CHECK-DAG: %[[A1:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[B1:.*]] = tensor.dim %arg1, %c1
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[A1]], %[[B1]]
// CHECK-NEXT: scf.if %[[NE]] {
// CHECK: func.call @bertc_cpu_broadcast_error({{.*}}, {{.*}}, %c1_i32, %c0_i32) : (i64, i64, i32, i32) -> ()
// CHECK: tensor.empty({{.*}}, %[[A1]]) : tensor<?x?x32xf32>
// CHECK-NOT: scf.if
// CHECK: return
func.func @add_dynamic_dims_checked(%a: tensor<?x?x32xf32>, %b: tensor<1x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x?x32xf32>, tensor<1x?x32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}
