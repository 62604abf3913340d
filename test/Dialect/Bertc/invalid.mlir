// RUN: bertc-opt %s --split-input-file --verify-diagnostics

func.func @linear_k_mismatch(%x: tensor<2x4xf32>, %w: tensor<5x8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.linear' op input has 4 features but the weight expects 5}}
  %0 = bertc.linear %x, %w : (tensor<2x4xf32>, tensor<5x8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @linear_bias(%x: tensor<2x4xf32>, %w: tensor<4x8xf32>, %b: tensor<7xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.linear' op bias must be [N] with N = 8}}
  %0 = bertc.linear %x, %w, %b : (tensor<2x4xf32>, tensor<4x8xf32>, tensor<7xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @gelu_relu(%x: tensor<2x4xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bertc.gelu' op approximation must be gelu_erf, gelu_tanh or quick_gelu, got relu}}
  %0 = bertc.gelu %x {approximation = #bertc<activation relu>} : tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @ln_gamma(%x: tensor<2x4xf32>, %g: tensor<5xf32>) -> tensor<2x4xf32> {
  // expected-error @+1 {{'bertc.layer_norm' op gamma must be a vector of the last dimension's size (4), got 'tensor<5xf32>'}}
  %y, %s = bertc.layer_norm %x, %g {epsilon = 1.0e-5 : f32} : (tensor<2x4xf32>, tensor<5xf32>) -> (tensor<2x4xf32>, tensor<2x4xf32>)
  return %y : tensor<2x4xf32>
}

// -----

func.func @attention_heads(%q: tensor<1x4x64xf32>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc.attention' op hidden size 64 is not a multiple of num_heads 5}}
  %0 = bertc.attention %q, %q, %q {num_heads = 5 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

func.func @attention_mask_rank(%q: tensor<1x4x64xf32>, %m: tensor<1x1x4xi64>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc.attention' op mask must be [batch, seq_k], got 'tensor<1x1x4xi64>'}}
  %0 = bertc.attention %q, %q, %q mask %m {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x1x4xi64>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

func.func @attention_bias_rank(%q: tensor<1x4x64xf32>, %b: tensor<4x4xf32>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc.attention' op bias must be [batch, num_heads, seq_q, seq_k], got 'tensor<4x4xf32>'}}
  %0 = bertc.attention %q, %q, %q bias %b {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<4x4xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

func.func @attention_bias_heads(%q: tensor<1x4x64xf32>, %b: tensor<1x3x4x4xf32>) -> tensor<1x4x64xf32> {
  // expected-error @+1 {{'bertc.attention' op bias dimension 1 is 3: neither 1 nor num_heads (4)}}
  %0 = bertc.attention %q, %q, %q bias %b {num_heads = 4 : i64, scale = 1.0 : f32, causal = false, mask_value = 0.0 : f32, mask_replace = false} : (tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x4x64xf32>, tensor<1x3x4x4xf32>) -> tensor<1x4x64xf32>
  return %0 : tensor<1x4x64xf32>
}

// -----

func.func @qlinear_scale_shape(%x: tensor<2x4xf32>, %w: tensor<4x8xi8>, %s: tensor<4xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.quantized_linear' op weight_scale must be [N] with N = 8}}
  %0 = bertc.quantized_linear %x, %w, %s : (tensor<2x4xf32>, tensor<4x8xi8>, tensor<4xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @qlinear_static_without_scale(%x: tensor<2x4xf32>, %w: tensor<4x8xi8>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.quantized_linear' op static input quantization needs input_scale and input_zero_point}}
  %0 = bertc.quantized_linear %x, %w, %s {input_quantization = #bertc<input_quantization static>} : (tensor<2x4xf32>, tensor<4x8xi8>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @qlinear_dynamic_with_scale(%x: tensor<2x4xf32>, %w: tensor<4x8xi8>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.quantized_linear' op input_scale and input_zero_point are for static input quantization only}}
  %0 = bertc.quantized_linear %x, %w, %s {input_scale = 1.0 : f32, input_zero_point = 0 : i32} : (tensor<2x4xf32>, tensor<4x8xi8>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @qlinear_zero_point_range(%x: tensor<2x4xf32>, %w: tensor<4x8xi8>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.quantized_linear' op input_zero_point must be in [0, 255] (u8), got 300}}
  %0 = bertc.quantized_linear %x, %w, %s {input_quantization = #bertc<input_quantization static>, input_scale = 1.0 : f32, input_zero_point = 300 : i32} : (tensor<2x4xf32>, tensor<4x8xi8>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}

// -----

func.func @qlinear_bad_scale(%x: tensor<2x4xf32>, %w: tensor<4x8xi8>, %s: tensor<8xf32>) -> tensor<2x8xf32> {
  // expected-error @+1 {{'bertc.quantized_linear' op input_scale must be finite and > 0, got 0}}
  %0 = bertc.quantized_linear %x, %w, %s {input_quantization = #bertc<input_quantization static>, input_scale = 0.0 : f32, input_zero_point = 0 : i32} : (tensor<2x4xf32>, tensor<4x8xi8>, tensor<8xf32>) -> tensor<2x8xf32>
  return %0 : tensor<2x8xf32>
}
