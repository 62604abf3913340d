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

// -----

// ArgMax: one generic reducing (value, index) pairs from (-inf, 0); an
// element wins if greater, or equal with a larger index (select_last_index),
// so the result does not depend on the visiting order. keepdims reshapes.
// CHECK-LABEL: func.func @argmax_last
// CHECK-DAG: %[[NINF:.*]] = arith.constant 0xFF800000 : f32
// CHECK-DAG: %[[Z:.*]] = arith.constant 0 : i64
// CHECK: %[[V0:.*]] = linalg.fill ins(%[[NINF]] : f32)
// CHECK: %[[I0:.*]] = linalg.fill ins(%[[Z]] : i64)
// CHECK: %[[R:.*]]:2 = linalg.generic {{.*}} iterator_types = ["parallel", "reduction"]} ins(%arg0 : tensor<?x?xf32>) outs(%[[V0]], %[[I0]] : tensor<?xf32>, tensor<?xi64>)
// CHECK: ^bb0(%[[X:.*]]: f32, %[[AV:.*]]: f32, %[[AI:.*]]: i64):
// CHECK: %[[K:.*]] = arith.index_cast
// CHECK: %[[GT:.*]] = arith.cmpf ogt, %[[X]], %[[AV]]
// CHECK: %[[EQ:.*]] = arith.cmpf oeq, %[[X]], %[[AV]]
// CHECK: %[[LATER:.*]] = arith.cmpi sgt, %[[K]], %[[AI]]
// CHECK: %[[TIE:.*]] = arith.andi %[[EQ]], %[[LATER]]
// CHECK: %[[TAKE:.*]] = arith.ori %[[GT]], %[[TIE]]
// CHECK: arith.select %[[TAKE]], %[[X]], %[[AV]]
// CHECK: arith.select %[[TAKE]], %[[K]], %[[AI]]
// CHECK: tensor.reshape %[[R]]#1({{.*}}) : (tensor<?xi64>, tensor<2xindex>) -> tensor<?x1xi64>
func.func @argmax_last(%x: tensor<?x?xf32>) -> tensor<?x1xi64> {
  %0 = onnx.ArgMax %x {axis = 1 : i64, select_last_index = 1 : i64} : (tensor<?x?xf32>) -> tensor<?x1xi64>
  return %0 : tensor<?x1xi64>
}

// -----

// First index on ties (the default), integers from INT64_MIN.
// CHECK-LABEL: func.func @argmax_first_int
// CHECK: arith.constant -9223372036854775808 : i64
// CHECK: linalg.generic {{.*}} iterator_types = ["reduction", "parallel"]
// CHECK: arith.cmpi sgt, %{{.*}}, %{{.*}} : i64
// CHECK: arith.cmpi slt, %{{.*}}, %{{.*}} : i64
func.func @argmax_first_int(%x: tensor<?x8xi64>) -> tensor<8xi64> {
  %0 = onnx.ArgMax %x {axis = 0 : i64, keepdims = 0 : i64} : (tensor<?x8xi64>) -> tensor<8xi64>
  return %0 : tensor<8xi64>
}

// -----

// ReduceL2 sums squares, then takes the sqrt; ReduceMin starts from +inf;
// ReduceProd from 1.
// CHECK-LABEL: func.func @reduce_l2_min_prod
// CHECK-DAG: %[[INF:.*]] = arith.constant 0x7F800000 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: %[[SQ:.*]] = arith.mulf %[[IN:.*]], %[[IN]]
// CHECK-NEXT: arith.addf %{{.*}}, %[[SQ]]
// CHECK: linalg.generic
// CHECK: math.sqrt
// CHECK: linalg.fill ins(%[[INF]] : f32)
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: arith.minimumf
// CHECK: linalg.fill ins(%[[ONE]] : f32)
// CHECK: linalg.generic {{.*}}"reduction"
// CHECK: arith.mulf
func.func @reduce_l2_min_prod(%x: tensor<?x?xf32>) -> (tensor<?xf32>, tensor<?x1xf32>, tensor<?xf32>) {
  %0 = onnx.ReduceL2 %x {axes = array<i64: 1>, keepdims = 0 : i64} : (tensor<?x?xf32>) -> tensor<?xf32>
  %1 = onnx.ReduceMin %x {axes = array<i64: 1>} : (tensor<?x?xf32>) -> tensor<?x1xf32>
  %2 = onnx.ReduceProd %x {axes = array<i64: 0>, keepdims = 0 : i64} : (tensor<?x?xf32>) -> tensor<?xf32>
  return %0, %1, %2 : tensor<?xf32>, tensor<?x1xf32>, tensor<?xf32>
}
