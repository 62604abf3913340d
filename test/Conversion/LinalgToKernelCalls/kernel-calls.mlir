// RUN: bertc-opt %s --split-input-file --bertc-linalg-to-kernel-calls | FileCheck %s

// A zero fill right before the matmul is folded into the call (accumulate=0).
// CHECK-LABEL: func.func @matmul_fill
// CHECK-NOT: linalg.fill
// CHECK: %[[ACC:.*]] = arith.constant 0 : i64
// CHECK: %[[A:.*]] = memref.cast %arg0 : memref<?x64xf32> to memref<?x?xf32, strided<[?, ?], offset: ?>>
// CHECK: %[[B:.*]] = memref.cast %arg1
// CHECK: %[[C:.*]] = memref.cast %arg2
// CHECK-NEXT: call @bertc_matmul_f32(%[[A]], %[[B]], %[[C]], %[[ACC]])
// CHECK-NOT: linalg.matmul
// CHECK: func.func private @bertc_matmul_f32(memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64) attributes {llvm.emit_c_interface}
func.func @matmul_fill(%a: memref<?x64xf32>, %b: memref<64x32xf32>, %c: memref<?x32xf32>) {
  %zero = arith.constant 0.0 : f32
  linalg.fill ins(%zero : f32) outs(%c : memref<?x32xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x32xf32>) outs(%c : memref<?x32xf32>)
  return
}

// -----

// Without a preceding zero fill, the kernel accumulates (C += A.B).
// CHECK-LABEL: func.func @matmul_accumulate
// CHECK: %[[ACC:.*]] = arith.constant 1 : i64
// CHECK: call @bertc_matmul_f32({{.*}}, %[[ACC]])
func.func @matmul_accumulate(%a: memref<?x64xf32>, %b: memref<64x32xf32>, %c: memref<?x32xf32>) {
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x32xf32>) outs(%c : memref<?x32xf32>)
  return
}

// -----

// A fill of a non-zero value is not folded.
// CHECK-LABEL: func.func @matmul_fill_one
// CHECK: linalg.fill
// CHECK: arith.constant 1 : i64
// CHECK: call @bertc_matmul_f32
func.func @matmul_fill_one(%a: memref<?x64xf32>, %b: memref<64x32xf32>, %c: memref<?x32xf32>) {
  %one = arith.constant 1.0 : f32
  linalg.fill ins(%one : f32) outs(%c : memref<?x32xf32>)
  linalg.matmul ins(%a, %b : memref<?x64xf32>, memref<64x32xf32>) outs(%c : memref<?x32xf32>)
  return
}

// -----

// transpose_b passes B as a transposed strided view, no copy.
// CHECK-LABEL: func.func @matmul_transpose_b
// CHECK: %[[T:.*]] = memref.transpose %arg1 (d0, d1) -> (d1, d0)
// CHECK: memref.cast %[[T]]
// CHECK: call @bertc_matmul_f32
func.func @matmul_transpose_b(%a: memref<?x64xf32>, %b: memref<32x64xf32>, %c: memref<?x32xf32>) {
  linalg.matmul_transpose_b ins(%a, %b : memref<?x64xf32>, memref<32x64xf32>) outs(%c : memref<?x32xf32>)
  return
}

// -----

// CHECK-LABEL: func.func @batch_matmul
// CHECK: call @bertc_batch_matmul_f32
// CHECK: func.func private @bertc_batch_matmul_f32(memref<?x?x?xf32, strided<[?, ?, ?], offset: ?>>
func.func @batch_matmul(%a: memref<?x?x16xf32>, %b: memref<?x16x?xf32>, %c: memref<?x?x?xf32>) {
  linalg.batch_matmul ins(%a, %b : memref<?x?x16xf32>, memref<?x16x?xf32>) outs(%c : memref<?x?x?xf32>)
  return
}

// -----

// Integer and tensor matmuls are not for the f32 kernels.
// CHECK-LABEL: func.func @matmul_i32
// CHECK: linalg.matmul
// CHECK-NOT: call
func.func @matmul_i32(%a: memref<4x8xi32>, %b: memref<8x4xi32>, %c: memref<4x4xi32>) {
  linalg.matmul ins(%a, %b : memref<4x8xi32>, memref<8x4xi32>) outs(%c : memref<4x4xi32>)
  return
}
