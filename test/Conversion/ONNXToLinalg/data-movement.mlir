// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// Embedding lookup: negative indices wrap; an index out of range calls the
// run-time error hook with the node's site id (bertc.error_sites), and the
// read is clamped so that it stays in bounds.
// CHECK: module attributes {bertc.error_sites = ["word_embeddings"]}
// CHECK: func.func private @bertc_cpu_index_error(i64, i64, i32)
// CHECK-LABEL: func.func @gather_embedding
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[OK:.*]] = arith.andi
// CHECK-NEXT: %[[BAD:.*]] = arith.xori %[[OK]], %true
// CHECK-NEXT: scf.if %[[BAD]] {
// CHECK-NEXT: func.call @bertc_cpu_index_error(%[[IN]], %c100_i64, %c0_i32) : (i64, i64, i32) -> ()
// CHECK: arith.maxsi
// CHECK-NEXT: arith.minsi
// CHECK: tensor.extract %arg0[
// CHECK-SAME: tensor<100x32xf32>
func.func @gather_embedding(%t: tensor<100x32xf32>, %i: tensor<?x?xi64>) -> tensor<?x?x32xf32> {
  %0 = onnx.Gather %t, %i {axis = 0 : i64} : (tensor<100x32xf32>, tensor<?x?xi64>) -> tensor<?x?x32xf32> loc("word_embeddings")
  return %0 : tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @transpose_heads
// CHECK: linalg.transpose ins(%arg0 : tensor<?x?x4x16xf32>) outs(%{{.*}} : tensor<?x4x?x16xf32>) permutation = [0, 2, 1, 3]
func.func @transpose_heads(%t: tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32> {
  %0 = onnx.Transpose %t {perm = array<i64: 0, 2, 1, 3>} : (tensor<?x?x4x16xf32>) -> tensor<?x4x?x16xf32>
  return %0 : tensor<?x4x?x16xf32>
}

// -----

// Reshape with a shape computed at run time reads the shape tensor.
// CHECK-LABEL: func.func @reshape_runtime
// CHECK: tensor.reshape %arg0
// CHECK-SAME: -> tensor<?x?x4x16xf32>
func.func @reshape_runtime(%x: tensor<?x?x64xf32>, %s: tensor<4xi64>) -> tensor<?x?x4x16xf32> {
  %0 = onnx.Reshape %x, %s {allowzero = 0 : i64} : (tensor<?x?x64xf32>, tensor<4xi64>) -> tensor<?x?x4x16xf32>
  return %0 : tensor<?x?x4x16xf32>
}

// -----

// A Reshape whose shape is known only at run time checks that it fits the
// input (element count, no negative size) before the reshape.
// CHECK-LABEL: func.func @reshape_runtime_shape_checked
// CHECK: arith.select %{{.*}}, %{{.*}}, %c-1 : index
// CHECK-NEXT: %[[COUNT_OK:.*]] = arith.cmpi eq, %{{.*}}, %{{.*}} : index
// CHECK-NEXT: %[[OK:.*]] = arith.andi %{{.*}}, %[[COUNT_OK]] : i1
// CHECK-NEXT: %[[BAD:.*]] = arith.xori %[[OK]], %true
// CHECK-NEXT: scf.if %[[BAD]] {
// CHECK: func.call @bertc_cpu_reshape_error({{.*}}) : (i64, i64, i32) -> ()
// CHECK: tensor.reshape
func.func @reshape_runtime_shape_checked(%x: tensor<?x?xf32>, %s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = "onnx.Reshape"(%x, %s) : (tensor<?x?xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}
