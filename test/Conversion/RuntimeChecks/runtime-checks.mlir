// RUN: bertc-opt %s --bertc-prepare-model-entry --convert-onnx-to-linalg | FileCheck %s
// Run-time checks (lib/Conversion/RuntimeChecks): each lowering that relies
// on a property of the inputs checks it in the generated code, calling an
// error function of runtime/src/cpu/errors.c with the index of its node in
// the entry point's error-site table. One node, one site, however many checks.

// CHECK-DAG: func.func private @bertc_cpu_index_error(i64, i64, i32)
// CHECK-DAG: func.func private @bertc_cpu_broadcast_error(i64, i64, i32, i32)
// CHECK-DAG: func.func private @bertc_cpu_division_error(i64, i64, i32)
// CHECK-DAG: func.func private @bertc_cpu_reshape_error(i64, i64, i32)

// Gather: every index in [-10, 10) (site 0).
// CHECK: scf.if
// CHECK: func.call @bertc_cpu_index_error(%{{.*}}, %{{.*}}, %c0_i32)
// Add (site 1) and Mod (site 2) of operands whose dynamic dims are assumed
// equal: checked (the third argument is the result axis, the last the site).
// CHECK: func.call @bertc_cpu_broadcast_error(%{{.*}}, %{{.*}}, %c0_i32, %c1_i32)
// CHECK: func.call @bertc_cpu_broadcast_error(%{{.*}}, %{{.*}}, %c0_i32, %c2_i32)
// Integer Mod by zero (site 2), Reshape to a shape of another element count
// (site 3).
// CHECK: func.call @bertc_cpu_division_error(%{{.*}}, %{{.*}}, %c2_i32)
// CHECK: func.call @bertc_cpu_reshape_error(%{{.*}}, %{{.*}}, %c3_i32)
// CHECK: bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
// CHECK-SAME: error_sites = ["gather", "add", "mod", "reshape"]
module {
  func.func @main_graph(%ids: tensor<?xi64>, %a: tensor<?x4xf32>, %b: tensor<?x4xf32>, %x: tensor<?xi64>, %y: tensor<?xi64>, %shape: tensor<2xi64>) -> (tensor<?x8xf32>, tensor<?x4xf32>, tensor<?xi64>, tensor<?x?xf32>) {
    %table = onnx.Constant dense<1.0> : tensor<10x8xf32>
    %0 = onnx.Gather %table, %ids {axis = 0 : i64} : (tensor<10x8xf32>, tensor<?xi64>) -> tensor<?x8xf32> loc("gather")
    %1 = onnx.Add %a, %b : (tensor<?x4xf32>, tensor<?x4xf32>) -> tensor<?x4xf32> loc("add")
    %2 = onnx.Mod %x, %y {fmod = 0 : i64} : (tensor<?xi64>, tensor<?xi64>) -> tensor<?xi64> loc("mod")
    %3 = onnx.Reshape %a, %shape : (tensor<?x4xf32>, tensor<2xi64>) -> tensor<?x?xf32> loc("reshape")
    return %0, %1, %2, %3 : tensor<?x8xf32>, tensor<?x4xf32>, tensor<?xi64>, tensor<?x?xf32>
  }
}
