// RUN: bertc-opt %s --split-input-file --canonicalize | FileCheck %s
// Folds of the transformers-5 ops on small constants (exporters' shape and
// position subgraphs run through them).

// CHECK-LABEL: func.func @unary
// CHECK-DAG: onnx.Constant dense<[-1.000000e+00, 0.000000e+00, 1.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: onnx.Constant dense<[-1, 0, 1, 1]> : tensor<4xi64>
// CHECK-DAG: onnx.Constant dense<[-2.000000e+00, -0.000000e+00, 3.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: onnx.Constant dense<[-3.000000e+00, -0.000000e+00, 2.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: onnx.Constant dense<[-2.000000e+00, -0.000000e+00, 2.000000e+00, 0x7FC00000]> : tensor<4xf32>
// CHECK-DAG: onnx.Constant dense<[1.000000e+00, 0.540302277]> : tensor<2xf32>
// CHECK-DAG: onnx.Constant dense<[0.000000e+00, 0.841470957]> : tensor<2xf32>
// CHECK-DAG: onnx.Constant dense<[false, false, false, true]> : tensor<4xi1>
// CHECK-DAG: onnx.Constant dense<[0.000000e+00, 0.841344773]> : tensor<2xf32>
// CHECK-DAG: onnx.Constant dense<[0.000000e+00, 8.411920e-01]> : tensor<2xf32>
// CHECK-NOT: onnx.Sign
// CHECK-NOT: onnx.Ceil
// CHECK-NOT: onnx.Floor
// CHECK-NOT: onnx.Round
// CHECK-NOT: onnx.Cos
// CHECK-NOT: onnx.Sin
// CHECK-NOT: onnx.IsNaN
// CHECK-NOT: onnx.Gelu
func.func @unary() -> (tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4xi1>, tensor<2xf32>, tensor<2xf32>) {
  %f = onnx.Constant dense<[-2.5, -0.0, 2.5, 0x7FC00000]> : tensor<4xf32>
  %i = onnx.Constant dense<[-7, 0, 3, 9]> : tensor<4xi64>
  %a = onnx.Constant dense<[0.0, 1.0]> : tensor<2xf32>
  %0 = onnx.Sign %f : tensor<4xf32>
  %1 = onnx.Sign %i : tensor<4xi64>
  %2 = onnx.Ceil %f : tensor<4xf32>
  %3 = onnx.Floor %f : tensor<4xf32>
  %4 = onnx.Round %f : tensor<4xf32>
  %5 = onnx.Cos %a : tensor<2xf32>
  %6 = onnx.Sin %a : tensor<2xf32>
  %7 = onnx.IsNaN %f : (tensor<4xf32>) -> tensor<4xi1>
  %8 = onnx.Gelu %a : tensor<2xf32>
  %9 = onnx.Gelu %a {approximate = "tanh"} : tensor<2xf32>
  return %0, %1, %2, %3, %4, %5, %6, %7, %8, %9 : tensor<4xf32>, tensor<4xi64>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<2xf32>, tensor<2xf32>, tensor<4xi1>, tensor<2xf32>, tensor<2xf32>
}

// -----

// Clip with both, one or no bound; Mod with either sign convention.
// CHECK-LABEL: func.func @clip_mod
// CHECK-DAG: onnx.Constant dense<[0, 0, 3, 5]> : tensor<4xi64>
// CHECK-DAG: onnx.Constant dense<[0, 0, 3, 9]> : tensor<4xi64>
// CHECK-DAG: onnx.Constant dense<[-7, 0, 3, 5]> : tensor<4xi64>
// CHECK-DAG: onnx.Constant dense<[2, 0, 0, 0]> : tensor<4xi64>
// CHECK-DAG: onnx.Constant dense<[-1, 0, 0, 0]> : tensor<4xi64>
// CHECK-NOT: onnx.Clip
// CHECK-NOT: onnx.Mod
// CHECK: return %arg0,
func.func @clip_mod(%x: tensor<?xf32>) -> (tensor<?xf32>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>) {
  %i = onnx.Constant dense<[-7, 0, 3, 9]> : tensor<4xi64>
  %lo = onnx.Constant dense<0> : tensor<i64>
  %hi = onnx.Constant dense<[5]> : tensor<1xi64>
  %three = onnx.Constant dense<3> : tensor<i64>
  %n = onnx.Clip %x : (tensor<?xf32>) -> tensor<?xf32>
  %0 = onnx.Clip %i min %lo max %hi : (tensor<4xi64>, tensor<i64>, tensor<1xi64>) -> tensor<4xi64>
  %1 = onnx.Clip %i min %lo : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  %2 = onnx.Clip %i max %hi : (tensor<4xi64>, tensor<1xi64>) -> tensor<4xi64>
  %3 = onnx.Mod %i, %three : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  %4 = onnx.Mod %i, %three {fmod = 1 : i64} : (tensor<4xi64>, tensor<i64>) -> tensor<4xi64>
  return %n, %0, %1, %2, %3, %4 : tensor<?xf32>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>, tensor<4xi64>
}

// -----

// Tile, GatherElements, GatherND (negative indices wrap) and ArgMax (ties:
// first index, or the last with select_last_index).
// CHECK-LABEL: func.func @data_movement
// CHECK-DAG: onnx.Constant dense<{{\[}}[1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4], [1, 2, 1, 2], [3, 4, 3, 4]]> : tensor<6x4xi64>
// CHECK-DAG: onnx.Constant dense<{{\[}}[2, 1], [4, 3]]> : tensor<2x2xi64>
// CHECK-DAG: onnx.Constant dense<[4, 1]> : tensor<2xi64>
// CHECK-DAG: onnx.Constant dense<{{\[}}[3, 4], [1, 2]]> : tensor<2x2xi64>
// CHECK-DAG: onnx.Constant dense<[0, 1]> : tensor<2xi64>
// CHECK-DAG: onnx.Constant dense<1> : tensor<2x1xi64>
// CHECK-NOT: onnx.Tile
// CHECK-NOT: onnx.Gather
// CHECK-NOT: onnx.ArgMax
func.func @data_movement() -> (tensor<6x4xi64>, tensor<2x2xi64>, tensor<2xi64>, tensor<2x2xi64>, tensor<2xi64>, tensor<2x1xi64>) {
  %m = onnx.Constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %r = onnx.Constant dense<[3, 2]> : tensor<2xi64>
  %0 = onnx.Tile %m, %r : (tensor<2x2xi64>, tensor<2xi64>) -> tensor<6x4xi64>
  %ei = onnx.Constant dense<[[1, 0], [-1, 0]]> : tensor<2x2xi64>
  %1 = onnx.GatherElements %m, %ei {axis = 1 : i64} : (tensor<2x2xi64>, tensor<2x2xi64>) -> tensor<2x2xi64>
  %ni = onnx.Constant dense<[[-1, 1], [0, 0]]> : tensor<2x2xi64>
  %2 = onnx.GatherND %m, %ni : (tensor<2x2xi64>, tensor<2x2xi64>) -> tensor<2xi64>
  %rows = onnx.Constant dense<[[1], [-2]]> : tensor<2x1xi64>
  %3 = onnx.GatherND %m, %rows : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x2xi64>
  %t = onnx.Constant dense<[[5, 5], [1, 7]]> : tensor<2x2xi64>
  %4 = onnx.ArgMax %t {axis = 1 : i64, keepdims = 0 : i64} : (tensor<2x2xi64>) -> tensor<2xi64>
  %5 = onnx.ArgMax %t {axis = 1 : i64, select_last_index = 1 : i64} : (tensor<2x2xi64>) -> tensor<2x1xi64>
  return %0, %1, %2, %3, %4, %5 : tensor<6x4xi64>, tensor<2x2xi64>, tensor<2xi64>, tensor<2x2xi64>, tensor<2xi64>, tensor<2x1xi64>
}

// -----

// An index out of range is not folded (the run-time check reports it).
// CHECK-LABEL: func.func @gather_out_of_range
// CHECK: onnx.GatherND
// CHECK: onnx.GatherElements
func.func @gather_out_of_range() -> (tensor<1xi64>, tensor<2x1xi64>) {
  %m = onnx.Constant dense<[[1, 2], [3, 4]]> : tensor<2x2xi64>
  %ni = onnx.Constant dense<[[2, 0]]> : tensor<1x2xi64>
  %0 = onnx.GatherND %m, %ni : (tensor<2x2xi64>, tensor<1x2xi64>) -> tensor<1xi64>
  %ei = onnx.Constant dense<[[0], [-3]]> : tensor<2x1xi64>
  %1 = onnx.GatherElements %m, %ei {axis = 1 : i64} : (tensor<2x2xi64>, tensor<2x1xi64>) -> tensor<2x1xi64>
  return %0, %1 : tensor<1xi64>, tensor<2x1xi64>
}
