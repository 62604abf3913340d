// RUN: bertc-opt %s --split-input-file --bertc-prepare-model-entry --verify-diagnostics | FileCheck %s

// Inputs are read-only, the C wrapper is requested, and every output is a
// fresh allocation (here the output would otherwise alias the input).
// CHECK-LABEL: func.func @main_graph
// CHECK-SAME: %arg0: tensor<?x8xf32> {bertc.name = "x", bufferization.writable = false}
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-NEXT: %[[C:.*]] = bufferization.alloc_tensor() copy(%arg0) : tensor<?x8xf32>
// CHECK-NEXT: return %[[C]]
func.func @main_graph(%x: tensor<?x8xf32> {bertc.name = "x"}) -> tensor<?x8xf32> {
  return %x : tensor<?x8xf32>
}

// -----

// expected-error @+1 {{no entry function 'main_graph' to compile}}
module {
  func.func @other() {
    return
  }
}
