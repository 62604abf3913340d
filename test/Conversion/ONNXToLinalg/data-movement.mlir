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
// input (element count, computed without wrapping; no negative size) before
// the reshape.
// CHECK-LABEL: func.func @reshape_runtime_shape_checked
// CHECK: arith.mului_extended
// CHECK: arith.select %{{.*}}, %c-2, %{{.*}} : index
// CHECK-NEXT: arith.select %{{.*}}, %{{.*}}, %c-1 : index
// CHECK-NEXT: %[[FITS:.*]] = arith.xori %{{.*}}, %true : i1
// CHECK-NEXT: arith.andi %{{.*}}, %[[FITS]] : i1
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

// -----

// GatherND with a batch dim: the dynamic batch sizes of data and indices
// must agree (checked once); each index component wraps if negative, calls
// the index-error hook when out of range, and is clamped for the read.
// CHECK: module attributes {bertc.error_sites = ["gnd"]}
// CHECK-LABEL: func.func @gather_nd_batch
// CHECK: %[[DB:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[AX:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[IB:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[DB]], %[[IB]] : index
// CHECK-NEXT: scf.if %[[NE]] {
// CHECK: func.call @bertc_cpu_broadcast_error
// CHECK: linalg.generic {{.*}} iterator_types = ["parallel", "parallel", "parallel"]} outs(
// CHECK: %[[B:.*]] = linalg.index 0 : index
// CHECK: %[[T:.*]] = linalg.index 1 : index
// CHECK: %[[ID:.*]] = tensor.extract %arg1[%[[B]], %[[T]], %c0] : tensor<?x3x1xi64>
// CHECK: arith.addi %{{.*}}, %[[AX]] : index
// CHECK: scf.if
// CHECK-NEXT: arith.index_cast %[[AX]]
// CHECK-NEXT: func.call @bertc_cpu_index_error(%[[ID]], %{{.*}}, %c0_i32)
// CHECK: arith.maxsi
// CHECK-NEXT: arith.minsi
// CHECK: %[[J:.*]] = linalg.index 2 : index
// CHECK: tensor.extract %arg0[%[[B]], %{{.*}}, %[[J]]] : tensor<?x?x8xf32>
func.func @gather_nd_batch(%x: tensor<?x?x8xf32>, %i: tensor<?x3x1xi64>) -> tensor<?x3x8xf32> {
  %0 = onnx.GatherND %x, %i {batch_dims = 1 : i64} : (tensor<?x?x8xf32>, tensor<?x3x1xi64>) -> tensor<?x3x8xf32> loc("gnd")
  return %0 : tensor<?x3x8xf32>
}

// -----

// GatherElements: indices no larger than data on the other (dynamic) axis,
// checked once; the index along the axis is checked like Gather's.
// CHECK: module attributes {bertc.error_sites = ["ge"]}
// CHECK-LABEL: func.func @gather_elements
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[AX:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[I0:.*]] = tensor.dim %arg1, %c0
// CHECK: %[[BIG:.*]] = arith.cmpi sgt, %[[I0]], %[[D0]] : index
// CHECK-NEXT: scf.if %[[BIG]] {
// CHECK: func.call @bertc_cpu_index_error
// CHECK: linalg.generic {{.*}} ins(%arg1 : tensor<?x2xi64>)
// CHECK: ^bb0(%[[IN:.*]]: i64, %{{.*}}: f32):
// CHECK: %[[R:.*]] = linalg.index 0 : index
// CHECK: func.call @bertc_cpu_index_error(%[[IN]],
// CHECK: %[[C:.*]] = arith.minsi
// CHECK: tensor.extract %arg0[%[[R]], %[[C]]] : tensor<?x?xf32>
func.func @gather_elements(%x: tensor<?x?xf32>, %i: tensor<?x2xi64>) -> tensor<?x2xf32> {
  %0 = onnx.GatherElements %x, %i {axis = 1 : i64} : (tensor<?x?xf32>, tensor<?x2xi64>) -> tensor<?x2xf32> loc("ge")
  return %0 : tensor<?x2xf32>
}

// -----

// Tile with run-time repeats: out dims = in dims * max(repeats, 0), with
// checked multiplication (an overflow ends the run as out of memory); the
// read wraps with remui along each axis.
// CHECK-LABEL: func.func @tile_runtime
// CHECK: %[[D:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[R0:.*]] = tensor.extract %arg1[%c0] : tensor<2xi64>
// CHECK: arith.maxsi
// CHECK: %[[LO0:.*]], %{{.*}} = arith.mului_extended %{{.*}}, %{{.*}} : i64
// CHECK: %[[O0:.*]] = arith.index_cast %[[LO0]] : i64 to index
// CHECK: func.call @bertc_cpu_alloc_size_error
// CHECK: %[[LO1:.*]], %{{.*}} = arith.mului_extended %{{.*}}, %c8_i64 : i64
// CHECK: %[[O1:.*]] = arith.index_cast %[[LO1]] : i64 to index
// CHECK: func.call @bertc_cpu_alloc_size_error
// CHECK: tensor.empty(%[[O0]], %[[O1]]) : tensor<?x?xf32>
// CHECK: linalg.generic
// CHECK: arith.remui %{{.*}}, %[[D]] : index
// CHECK: arith.remui %{{.*}}, %c8 : index
// CHECK: tensor.extract %arg0
func.func @tile_runtime(%x: tensor<?x8xf32>, %r: tensor<2xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Tile %x, %r : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Constant repeats: static result dims; an axis of size 1 reads index 0,
// one repeated once reads its own index (no remainder).
// CHECK-LABEL: func.func @tile_constant
// CHECK: tensor.empty(%{{.*}}) : tensor<?x4x8xf32>
// CHECK: linalg.generic
// CHECK-NOT: arith.remui
// CHECK: tensor.extract %arg0[%{{.*}}, %c0, %{{.*}}] : tensor<?x1x8xf32>
func.func @tile_constant(%x: tensor<?x1x8xf32>) -> tensor<?x4x8xf32> {
  %r = onnx.Constant dense<[1, 4, 1]> : tensor<3xi64>
  %0 = onnx.Tile %x, %r : (tensor<?x1x8xf32>, tensor<3xi64>) -> tensor<?x4x8xf32>
  return %0 : tensor<?x4x8xf32>
}
