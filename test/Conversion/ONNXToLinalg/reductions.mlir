// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// ReduceMean over the hidden axis (decomposed LayerNorm): a sum reduction,
// then a division by the static count.
// CHECK-LABEL: func.func @reduce_mean_last
// CHECK-DAG: %[[N:.*]] = arith.constant 3.200000e+01 : f32
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "reduction"]
// CHECK: arith.addf
// CHECK: linalg.generic
// CHECK: arith.divf %{{.*}}, %[[N]]
// CHECK: tensor.reshape {{.*}} -> tensor<?x?x1xf32>
func.func @reduce_mean_last(%a: tensor<?x?x32xf32>) -> tensor<?x?x1xf32> {
  %0 = "onnx.ReduceMean"(%a) {axes = array<i64: 2>, keepdims = 1 : i64} : (tensor<?x?x32xf32>) -> tensor<?x?x1xf32>
  return %0 : tensor<?x?x1xf32>
}

// -----

// Softmax is numerically safe: max, exp(x - max), sum, divide.
// CHECK-LABEL: func.func @softmax
// CHECK: arith.constant 0xFF800000 : f32
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: arith.maximumf
// CHECK: math.exp
// CHECK: arith.divf
func.func @softmax(%a: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = onnx.Softmax %a {axis = 3 : i64} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}
