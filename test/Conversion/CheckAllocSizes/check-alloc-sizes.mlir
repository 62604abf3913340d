// RUN: bertc-opt %s --bertc-check-alloc-sizes --split-input-file --verify-diagnostics | FileCheck %s

// A buffer sized at run time: its byte size (4 x 8 x n x m) is computed with
// overflow detection before the allocation, and an overflow (or a negative
// size) ends the run naming the node instead of allocating a wrapped size.
// CHECK: module attributes {bertc.error_sites = ["/expand"]}
// CHECK: func.func private @bertc_cpu_alloc_size_error(i32)
// CHECK-LABEL: func.func @dynamic
// CHECK-SAME: (%[[N:.*]]: index, %[[M:.*]]: index)
// CHECK: arith.constant 32 : index
// CHECK: %[[N64:.*]] = arith.index_cast %[[N]] : index to i64
// CHECK: %{{.*}}, %[[HI:.*]] = arith.mului_extended %{{.*}}, %[[N64]] : i64
// CHECK: arith.cmpi ne, %[[HI]]
// CHECK: %[[M64:.*]] = arith.index_cast %[[M]] : index to i64
// CHECK: arith.mului_extended %{{.*}}, %[[M64]] : i64
// CHECK: scf.if %{{.*}} {
// CHECK-NEXT: %[[SITE:.*]] = arith.constant 0 : i32
// CHECK-NEXT: func.call @bertc_cpu_alloc_size_error(%[[SITE]]) : (i32) -> ()
// CHECK: memref.alloc(%[[N]], %[[M]]) : memref<?x8x?xf32>
// Static buffers need no check.
// CHECK-NOT: scf.if
// CHECK: memref.alloc() : memref<4x4xf32>
func.func @dynamic(%n: index, %m: index) -> (memref<?x8x?xf32>, memref<4x4xf32>) {
  %a = memref.alloc(%n, %m) : memref<?x8x?xf32> loc("/expand")
  %b = memref.alloc() : memref<4x4xf32>
  return %a, %b : memref<?x8x?xf32>, memref<4x4xf32>
}

// -----

// A static buffer too large for int64 byte sizes is a compile-time error.
func.func @static_too_large() -> memref<4611686018427387904x4xf32> {
  // expected-error @below {{'memref.alloc' op allocates a buffer of type 'memref<4611686018427387904x4xf32>', which has more than 9223372036854775807 bytes}}
  %a = memref.alloc() : memref<4611686018427387904x4xf32>
  return %a : memref<4611686018427387904x4xf32>
}
