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

// Ops of transformers-5 exports: custom forms round-trip, dynamic dims stay
// dynamic, Clip prints whichever bounds it has.
// CHECK-LABEL: func.func @exporter_ops
// CHECK-NEXT: onnx.GatherND %arg0, %arg1 {batch_dims = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x3x1xi64>) -> tensor<?x3x8xf32>
// CHECK-NEXT: onnx.GatherElements %arg0, %arg2 {axis = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x2x8xi64>) -> tensor<?x2x8xf32>
// CHECK-NEXT: onnx.IsNaN %arg0 : (tensor<?x?x8xf32>) -> tensor<?x?x8xi1>
// CHECK-NEXT: onnx.Gelu %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Gelu %arg0 {approximate = "tanh"} : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.ArgMax %arg0 {axis = 2 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?xi64>
// CHECK-NEXT: onnx.Clip %arg0 min %arg3 max %arg3 : (tensor<?x?x8xf32>, tensor<f32>, tensor<f32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Clip %arg0 max %arg3 : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Clip %arg0 : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Tile %arg0, %arg4 : (tensor<?x?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
// CHECK-NEXT: onnx.Mod %arg5, %arg5 : (tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi64>
// CHECK-NEXT: onnx.Mod %arg0, %arg3 {fmod = 1 : i64} : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Sign %arg5 : tensor<?x?xi64>
// CHECK-NEXT: onnx.Ceil %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Floor %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Round %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Cos %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.Sin %arg0 : tensor<?x?x8xf32>
// CHECK-NEXT: onnx.ReduceMin %arg0 {axes = array<i64: 2>, keepdims = 0 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?xf32>
// CHECK-NEXT: onnx.ReduceProd %arg0 {axes = array<i64: 1>} : (tensor<?x?x8xf32>) -> tensor<?x1x8xf32>
// CHECK-NEXT: onnx.ReduceL2 %arg0 {axes = array<i64: 2>} : (tensor<?x?x8xf32>) -> tensor<?x?x1xf32>
func.func @exporter_ops(%x: tensor<?x?x8xf32>, %nd: tensor<?x3x1xi64>, %el: tensor<?x2x8xi64>, %s: tensor<f32>, %reps: tensor<3xi64>, %ids: tensor<?x?xi64>) {
  %0 = onnx.GatherND %x, %nd {batch_dims = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x3x1xi64>) -> tensor<?x3x8xf32>
  %1 = onnx.GatherElements %x, %el {axis = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x2x8xi64>) -> tensor<?x2x8xf32>
  %2 = onnx.IsNaN %x : (tensor<?x?x8xf32>) -> tensor<?x?x8xi1>
  %3 = onnx.Gelu %x {approximate = "none"} : tensor<?x?x8xf32>
  %4 = onnx.Gelu %x {approximate = "tanh"} : tensor<?x?x8xf32>
  %5 = onnx.ArgMax %x {axis = 2 : i64, keepdims = 0 : i64, select_last_index = 1 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?xi64>
  %6 = onnx.Clip %x min %s max %s : (tensor<?x?x8xf32>, tensor<f32>, tensor<f32>) -> tensor<?x?x8xf32>
  %7 = onnx.Clip %x max %s : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
  %8 = onnx.Clip %x : (tensor<?x?x8xf32>) -> tensor<?x?x8xf32>
  %9 = onnx.Tile %x, %reps : (tensor<?x?x8xf32>, tensor<3xi64>) -> tensor<?x?x?xf32>
  %10 = onnx.Mod %ids, %ids : (tensor<?x?xi64>, tensor<?x?xi64>) -> tensor<?x?xi64>
  %11 = onnx.Mod %x, %s {fmod = 1 : i64} : (tensor<?x?x8xf32>, tensor<f32>) -> tensor<?x?x8xf32>
  %12 = onnx.Sign %ids : tensor<?x?xi64>
  %13 = onnx.Ceil %x : tensor<?x?x8xf32>
  %14 = onnx.Floor %x : tensor<?x?x8xf32>
  %15 = onnx.Round %x : tensor<?x?x8xf32>
  %16 = onnx.Cos %x : tensor<?x?x8xf32>
  %17 = onnx.Sin %x : tensor<?x?x8xf32>
  %18 = onnx.ReduceMin %x {axes = array<i64: 2>, keepdims = 0 : i64} : (tensor<?x?x8xf32>) -> tensor<?x?xf32>
  %19 = onnx.ReduceProd %x {axes = array<i64: 1>} : (tensor<?x?x8xf32>) -> tensor<?x1x8xf32>
  %20 = onnx.ReduceL2 %x {axes = array<i64: 2>} : (tensor<?x?x8xf32>) -> tensor<?x?x1xf32>
  return
}
