// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// Shape: static dims are constants, dynamic ones read with tensor.dim.
// CHECK-LABEL: func.func @shape
// CHECK-DAG: %[[C4:.*]] = arith.constant 4 : i64
// CHECK-DAG: %[[D:.*]] = tensor.dim %arg0, %c0 : tensor<?x4xf32>
// CHECK: %[[I:.*]] = arith.index_cast %[[D]] : index to i64
// CHECK: tensor.from_elements %[[I]], %[[C4]] : tensor<2xi64>
func.func @shape(%x: tensor<?x4xf32>) -> tensor<2xi64> {
  %0 = onnx.Shape %x {start = 0 : i64, end = 2 : i64} : (tensor<?x4xf32>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

// ConstantOfShape: sizes read from the shape tensor at run time, filled.
// CHECK-LABEL: func.func @constant_of_shape
// CHECK: tensor.extract %arg0[%c0] : tensor<2xi64>
// CHECK: tensor.extract %arg0[%c1] : tensor<2xi64>
// CHECK: %[[E:.*]] = tensor.empty(%{{.*}}, %{{.*}}) : tensor<?x?xf32>
// CHECK: linalg.fill ins(%cst : f32) outs(%[[E]] : tensor<?x?xf32>)
func.func @constant_of_shape(%s: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.ConstantOfShape %s {value = dense<1.5> : tensor<1xf32>} : (tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Range of run-time length: max(ceil((limit - start) / delta), 0)
// elements start + i * delta; a zero delta is checked first (an error naming
// the node instead of a division by zero).
// CHECK-LABEL: func.func @range
// CHECK: %[[Z:.*]] = arith.cmpi eq, %[[DELTA:.*]], %c0_i64 : i64
// CHECK-NEXT: scf.if %[[Z]] {
// CHECK-NEXT: func.call @bertc_cpu_range_step_error(%c0_i32) : (i32) -> ()
// CHECK: %[[N:.*]] = arith.ceildivsi
// CHECK: %[[M:.*]] = arith.maxsi %[[N]], %c0 : index
// CHECK: tensor.empty(%[[M]]) : tensor<?xi64>
// CHECK: linalg.index 0
// CHECK: arith.muli %{{.*}}, %[[DELTA]] : i64
func.func @range(%start: tensor<i64>, %limit: tensor<i64>, %delta: tensor<i64>) -> tensor<?xi64> {
  %0 = onnx.Range %start, %limit, %delta : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

// A float Range checks its step too; one of static length needs no check.
// CHECK-LABEL: func.func @range_f32
// CHECK: arith.cmpf oeq
// CHECK: call @bertc_cpu_range_step_error
// CHECK: math.ceil
// CHECK-LABEL: func.func @range_static
// CHECK-NOT: bertc_cpu_range_step_error
// CHECK: tensor.empty() : tensor<4xi64>
func.func @range_f32(%start: tensor<f32>, %limit: tensor<f32>, %delta: tensor<f32>) -> tensor<?xf32> {
  %0 = onnx.Range %start, %limit, %delta : (tensor<f32>, tensor<f32>, tensor<f32>) -> tensor<?xf32>
  return %0 : tensor<?xf32>
}
func.func @range_static(%start: tensor<i64>, %limit: tensor<i64>, %delta: tensor<i64>) -> tensor<4xi64> {
  %0 = onnx.Range %start, %limit, %delta : (tensor<i64>, tensor<i64>, tensor<i64>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}
