// RUN: bertc-opt %s --split-input-file --bertc-prepare-model-entry --verify-diagnostics | FileCheck %s

// Inputs are read-only, the C wrapper is requested, and every output is a
// fresh allocation (here the output would otherwise alias the input). The
// signature moves from the importer's attributes into the entry point: names,
// types, the symbolic name of each dynamic dim, every output owned.
// CHECK-LABEL: module {
// CHECK: func.func @main_graph(%arg0: tensor<?x8xf32> {bufferization.writable = false}) -> tensor<?x8xf32>
// CHECK-SAME: attributes {llvm.emit_c_interface}
// CHECK-NEXT: %[[C:.*]] = bufferization.alloc_tensor() copy(%arg0) : tensor<?x8xf32>
// CHECK-NEXT: return %[[C]]
// CHECK: bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
// CHECK-SAME: inputs [#bertc_cpu.tensor<"x" : tensor<?x8xf32>, dims ["batch", ""]>]
// CHECK-SAME: outputs [#bertc_cpu.tensor<"y" : tensor<?x8xf32>, owned>]
// CHECK-SAME: attributes {error_sites = [], kernel_isa = 2 : i32, model_name = "tiny", producer = "bertc 0.1.0"}
module attributes {bertc.model_name = "tiny"} {
  func.func @main_graph(%x: tensor<?x8xf32> {bertc.name = "x", bertc.dim_names = ["batch", "hidden"]})
      -> (tensor<?x8xf32> {bertc.name = "y"}) {
    return %x : tensor<?x8xf32>
  }
}

// -----

// Unnamed tensors get positional names; a dim that became static loses its
// symbolic name; sites recorded before the entry point existed move into it.
// CHECK-LABEL: module {
// CHECK-NOT: bertc.error_sites
// CHECK: bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
// CHECK-SAME: inputs [#bertc_cpu.tensor<"input_0" : tensor<4xi64>>]
// CHECK-SAME: outputs [#bertc_cpu.tensor<"output_0" : tensor<4xi64>, owned>]
// CHECK-SAME: error_sites = ["gather"]
// CHECK-SAME: model_name = ""
module attributes {bertc.error_sites = ["gather"]} {
  func.func @main_graph(%x: tensor<4xi64> {bertc.dim_names = ["n"]}) -> tensor<4xi64> {
    return %x : tensor<4xi64>
  }
}

// -----

// expected-error @+1 {{no entry function 'main_graph' to compile}}
module {
  func.func @other() {
    return
  }
}

// -----

module {
  // expected-error @+1 {{input #0 has element type 'complex<f32>', which the model.so ABI cannot carry}}
  func.func @main_graph(%x: tensor<2xcomplex<f32>>) -> tensor<2xcomplex<f32>> {
    return %x : tensor<2xcomplex<f32>>
  }
}
