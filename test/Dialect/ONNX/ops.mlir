// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// Round trip: every op prints and parses back; dynamic dims stay dynamic.

// CHECK-LABEL: func.func @attention_core
// CHECK-NEXT: onnx.MatMul
// CHECK-SAME: (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
// CHECK-NEXT: onnx.Softmax
// CHECK-SAME: {axis = 3 : i64} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
func.func @attention_core(%q: tensor<?x4x?x16xf32>, %k: tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = "onnx.MatMul"(%q, %k) : (tensor<?x4x?x16xf32>, tensor<?x4x16x?xf32>) -> tensor<?x4x?x?xf32>
  %1 = onnx.Softmax %0 {axis = 3 : i64} : tensor<?x4x?x?xf32> -> tensor<?x4x?x?xf32>
  return %1 : tensor<?x4x?x?xf32>
}

// CHECK-LABEL: func.func @compare_where
// CHECK-NEXT: onnx.Equal
// CHECK-SAME: -> tensor<?x?xi1>
// CHECK-NEXT: onnx.Where
func.func @compare_where(%m: tensor<?x?xi64>, %z: tensor<i64>, %s: tensor<?x?xf32>, %n: tensor<f32>) -> tensor<?x?xf32> {
  %0 = "onnx.Equal"(%m, %z) : (tensor<?x?xi64>, tensor<i64>) -> tensor<?x?xi1>
  %1 = "onnx.Where"(%0, %n, %s) : (tensor<?x?xi1>, tensor<f32>, tensor<?x?xf32>) -> tensor<?x?xf32>
  return %1 : tensor<?x?xf32>
}
