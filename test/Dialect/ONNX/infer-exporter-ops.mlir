// RUN: bertc-opt %s --bertc-simplify-graph --split-input-file | FileCheck %s
// Result-type inference of the transformers-5 ops refines what the model
// recorded (exporters often record nothing): static dims become static,
// symbolic (batch, sequence) dims stay dynamic.

// CHECK-LABEL: func.func @refine
// CHECK-SAME: -> (tensor<?x8xf32>, tensor<?x3x8xf32>, tensor<?x1xi64>, tensor<?x8xi1>, tensor<?x16xf32>, tensor<?x2x8xf32>)
// CHECK: onnx.GatherND {{.*}} -> tensor<?x8xf32>
// CHECK: onnx.GatherND {{.*}} -> tensor<?x3x8xf32>
// CHECK: onnx.ArgMax {{.*}} -> tensor<?x1xi64>
// CHECK: onnx.IsNaN {{.*}} -> tensor<?x8xi1>
// CHECK: onnx.Gelu %{{.*}} : tensor<?x16xf32>
// CHECK: onnx.GatherElements {{.*}} -> tensor<?x2x8xf32>
func.func @refine(%x: tensor<?x?x8xf32>, %t: tensor<?x2xi64>, %b: tensor<?x3x1xi64>, %y: tensor<?x16xf32>, %e: tensor<?x2x8xi64>)
    -> (tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xi64>, tensor<?x?xi1>, tensor<?x?xf32>, tensor<?x?x?xf32>) {
  %0 = "onnx.GatherND"(%x, %t) : (tensor<?x?x8xf32>, tensor<?x2xi64>) -> tensor<?x?xf32>
  %1 = "onnx.GatherND"(%x, %b) {batch_dims = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x3x1xi64>) -> tensor<?x?x?xf32>
  %2 = "onnx.ArgMax"(%y) {axis = 1 : i64} : (tensor<?x16xf32>) -> tensor<?x?xi64>
  %3 = "onnx.IsNaN"(%0) : (tensor<?x?xf32>) -> tensor<?x?xi1>
  %4 = "onnx.Gelu"(%y) : (tensor<?x16xf32>) -> tensor<?x?xf32>
  %5 = "onnx.GatherElements"(%x, %e) {axis = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x2x8xi64>) -> tensor<?x?x?xf32>
  return %0, %1, %2, %3, %4, %5 : tensor<?x?xf32>, tensor<?x?x?xf32>, tensor<?x?xi64>, tensor<?x?xi1>, tensor<?x?xf32>, tensor<?x?x?xf32>
}

// -----

// Tile repeats computed from a shape (partly known at compile time): the
// known entries keep their result dims static.
// CHECK-LABEL: func.func @tile_repeats_from_shape
// CHECK: onnx.Tile {{.*}} -> tensor<?x4x16xf32>
func.func @tile_repeats_from_shape(%x: tensor<?x1x16xf32>, %m: tensor<?x4xf32>) -> tensor<?x?x?xf32> {
  %s = onnx.Shape %m {start = 1 : i64, end = 2 : i64} : (tensor<?x4xf32>) -> tensor<1xi64>
  %one = onnx.Constant dense<1> : tensor<1xi64>
  %r = onnx.Concat %one, %s, %one {axis = 0 : i64} : (tensor<1xi64>, tensor<1xi64>, tensor<1xi64>) -> tensor<3xi64>
  %0 = "onnx.Tile"(%x, %r) : (tensor<?x1x16xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  return %0 : tensor<?x?x?xf32>
}
