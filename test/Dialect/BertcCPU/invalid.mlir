// RUN: bertc-opt %s --split-input-file --verify-diagnostics --allow-unregistered-dialect

func.func @linear_bias_count(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'bertc_cpu.linear' op expects 3 ins for its has_* attributes, got 2}}
  %0 = bertc_cpu.linear ins(%x, %w) outs(%c) {has_bias} : (tensor<?x64xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

func.func @linear_k(%x: tensor<?x48xf32>, %w: tensor<64x32xf32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'bertc_cpu.linear' op input columns 48 differ from K 64}}
  %0 = bertc_cpu.linear ins(%x, %w) outs(%c) : (tensor<?x48xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

func.func @linear_mixed(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %c: memref<?x32xf32>) {
  // expected-error @+1 {{'bertc_cpu.linear' op operands must be all tensors or all memrefs}}
  bertc_cpu.linear ins(%x, %w) outs(%c) : (tensor<?x64xf32>, tensor<64x32xf32>, memref<?x32xf32>) -> ()
  return
}

// -----

func.func @linear_no_result(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %c: tensor<?x32xf32>) {
  // expected-error @+1 {{'bertc_cpu.linear' op on tensors, each out needs a result}}
  bertc_cpu.linear ins(%x, %w) outs(%c) : (tensor<?x64xf32>, tensor<64x32xf32>, tensor<?x32xf32>) -> ()
  return
}

// -----

func.func @layer_norm_gamma(%x: tensor<?x64xf32>, %g: tensor<32xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'bertc_cpu.layer_norm' op gamma, beta and bias must be [C]}}
  %0 = bertc_cpu.layer_norm ins(%x, %g) outs(%x) {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<32xf32>, tensor<?x64xf32>) -> tensor<?x64xf32>
  return %0 : tensor<?x64xf32>
}

// -----

func.func @layer_norm_outs(%x: tensor<?x64xf32>, %g: tensor<64xf32>) -> tensor<?x64xf32> {
  // expected-error @+1 {{'bertc_cpu.layer_norm' op expects 1 to 2 outs, got 3}}
  %0:3 = bertc_cpu.layer_norm ins(%x, %g) outs(%x, %x, %x) {epsilon = 1.0e-5 : f32} : (tensor<?x64xf32>, tensor<64xf32>, tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>) -> (tensor<?x64xf32>, tensor<?x64xf32>, tensor<?x64xf32>)
  return %0#0 : tensor<?x64xf32>
}

// -----

func.func @attention_heads(%q: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc_cpu.attention' op hidden size 64 is not a multiple of num_heads 5}}
  %0 = bertc_cpu.attention ins(%q, %q, %q) outs(%q) {num_heads = 5 : i64, scale = 1.0 : f32, mask_value = 0.0 : f32} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

func.func @attention_bias(%q: tensor<1x4x64xf32>, %b: tensor<1x3x4x4xf32>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc_cpu.attention' op bias dimension 1 neither 1 nor 4}}
  %0 = bertc_cpu.attention ins(%q, %q, %q, %b) outs(%q) {num_heads = 4 : i64, scale = 1.0 : f32, mask_value = 0.0 : f32, has_bias} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x3x4x4xf32>, tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

// The entry point's signature must be the function's.
module {
  func.func @main_graph(%x: tensor<?x4xf32>) -> tensor<?x4xf32> {
    return %x : tensor<?x4xf32>
  }
  // expected-error @+1 {{'bertc_cpu.entry_point' op inputs #0 'x' is 'tensor<?x8xf32>', but @main_graph has 'tensor<?x4xf32>'}}
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"x" : tensor<?x8xf32>>]
      outputs [#bertc_cpu.tensor<"y" : tensor<?x4xf32>, owned>]
      attributes {model_name = "m", producer = "p", kernel_isa = 2 : i32, error_sites = []}
}

// -----

module {
  func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  // expected-error @+1 {{'bertc_cpu.entry_point' op has 0 outputs, but @main_graph has 1}}
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"x" : tensor<4xf32>>] outputs []
      attributes {model_name = "m", producer = "p", kernel_isa = 2 : i32, error_sites = []}
}

// -----

module {
  func.func @main_graph(%x: tensor<4xf32>) -> tensor<4xf32> {
    return %x : tensor<4xf32>
  }
  // expected-error @+1 {{'bertc_cpu.entry_point' op inputs are the caller's: none can be `owned`}}
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"x" : tensor<4xf32>, owned>]
      outputs [#bertc_cpu.tensor<"y" : tensor<4xf32>, owned>]
      attributes {model_name = "m", producer = "p", kernel_isa = 2 : i32, error_sites = []}
}

// -----

// expected-error @+1 {{tensor 'x' names its static dim #0}}
"test.attr"() {sig = #bertc_cpu.tensor<"x" : tensor<4xf32>, dims ["n"]>} : () -> ()

// -----

// expected-error @+1 {{tensor 'x' of rank 2 has 1 dim names}}
"test.attr"() {sig = #bertc_cpu.tensor<"x" : tensor<?x4xf32>, dims ["n"]>} : () -> ()

// -----

// expected-error @+1 {{tensor 'x' has element type 'complex<f32>', which the model.so ABI cannot carry}}
"test.attr"() {sig = #bertc_cpu.tensor<"x" : tensor<4xcomplex<f32>>>} : () -> ()

// -----

func.func @qlinear_packed_k(%x: tensor<?x64xf32>, %p: tensor<1x8x128xi8>, %s: tensor<32xf32>, %cs: tensor<32xi32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'bertc_cpu.qlinear' op packed weight has 8 groups of 4 for K = 64}}
  %0 = bertc_cpu.qlinear ins(%x, %p, %s, %cs) outs(%c) : (tensor<?x64xf32>, tensor<1x8x128xi8>, tensor<32xf32>, tensor<32xi32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}

// -----

func.func @qlinear_weight_type(%x: tensor<?x64xf32>, %w: tensor<64x32xf32>, %s: tensor<32xf32>, %c: tensor<?x32xf32>) -> tensor<?x32xf32> {
  // expected-error @+1 {{'bertc_cpu.qlinear' op weight must be i8}}
  %0 = bertc_cpu.qlinear ins(%x, %w, %s) outs(%c) : (tensor<?x64xf32>, tensor<64x32xf32>, tensor<32xf32>, tensor<?x32xf32>) -> tensor<?x32xf32>
  return %0 : tensor<?x32xf32>
}
