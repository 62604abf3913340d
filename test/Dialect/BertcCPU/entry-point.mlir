// RUN: bertc-opt %s | bertc-opt | FileCheck %s
// Round trip of the model.so entry point and its tensor signatures: names,
// types, symbolic dim names (printed only when one is set), ownership.

// CHECK: bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
// CHECK-SAME: inputs [#bertc_cpu.tensor<"input_ids" : tensor<?x?xi64>, dims ["batch", "sequence"]>, #bertc_cpu.tensor<"scale" : tensor<f32>>]
// CHECK-SAME: outputs [#bertc_cpu.tensor<"hidden" : tensor<?x?x8xf32>, dims ["batch", "", ""], owned>, #bertc_cpu.tensor<"flag" : tensor<1xi1>>]
// CHECK-SAME: attributes {error_sites = ["emb_gather"], kernel_isa = 1 : i32, model_name = "tiny", producer = "bertc test"}
module {
  func.func @main_graph(%ids: tensor<?x?xi64>, %s: tensor<f32>) -> (tensor<?x?x8xf32>, tensor<1xi1>) {
    %c = arith.constant 2 : index
    %0 = tensor.empty(%c, %c) : tensor<?x?x8xf32>
    %1 = tensor.empty() : tensor<1xi1>
    return %0, %1 : tensor<?x?x8xf32>, tensor<1xi1>
  }
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"input_ids" : tensor<?x?xi64>, dims ["batch", "sequence"]>,
              #bertc_cpu.tensor<"scale" : tensor<f32>>]
      outputs [#bertc_cpu.tensor<"hidden" : tensor<?x?x8xf32>, dims ["batch", "", ""], owned>,
               #bertc_cpu.tensor<"flag" : tensor<1xi1>, dims [""]>]
      attributes {model_name = "tiny", producer = "bertc test", kernel_isa = 1 : i32,
                  error_sites = ["emb_gather"]}
}
