// RUN: bertc-opt %s --split-input-file --verify-diagnostics

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
