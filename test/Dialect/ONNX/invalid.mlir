// RUN: bertc-opt %s -split-input-file -verify-diagnostics

func.func @add_elt_mismatch(%a: tensor<2xf32>, %b: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+1 {{operand element types differ}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @add_not_broadcastable(%a: tensor<2x3xf32>, %b: tensor<4xf32>) -> tensor<2x3xf32> {
  // expected-error @+2 {{operands are not broadcast-compatible: tensor<2x3xf32> and tensor<4xf32>}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @wrong_result_type(%a: tensor<2x3xf32>, %b: tensor<3xf32>) -> tensor<2x4xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x3xf32>' are incompatible with return type(s) of operation 'tensor<2x4xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.Add"(%a, %b) : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @gemm_k_mismatch(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) -> tensor<2x5xf32> {
  // expected-error @+1 {{contraction sizes differ: 3 vs 4}}
  %0 = "onnx.Gemm"(%a, %b) {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 0 : i64} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return %0 : tensor<2x5xf32>
}

// -----

func.func @transpose_not_perm(%a: tensor<2x3xf32>) -> tensor<2x2xf32> {
  // expected-error @+1 {{}}
  %0 = "onnx.Transpose"(%a) {perm = array<i64: 0, 0>} : (tensor<2x3xf32>) -> tensor<2x2xf32>
  return %0 : tensor<2x2xf32>
}

// -----

func.func @reduce_axes_unsorted(%a: tensor<2x3x4xf32>) -> tensor<1x1x4xf32> {
  // expected-error @+1 {{axes must be sorted and unique}}
  %0 = "onnx.ReduceMean"(%a) {axes = array<i64: 1, 0>, keepdims = 1 : i64} : (tensor<2x3x4xf32>) -> tensor<1x1x4xf32>
  return %0 : tensor<1x1x4xf32>
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) -> tensor<2x3xf32> {
  // expected-error @+1 {{axis 2 is not in [0, 2)}}
  %0 = onnx.Softmax %a {axis = 2 : i64} : tensor<2x3xf32> -> tensor<2x3xf32>
  return %0 : tensor<2x3xf32>
}

// -----

func.func @and_not_bool(%a: tensor<2xi64>, %b: tensor<2xi64>) -> tensor<2xi64> {
  // expected-error @+1 {{expects i1 operands}}
  %0 = "onnx.And"(%a, %b) : (tensor<2xi64>, tensor<2xi64>) -> tensor<2xi64>
  return %0 : tensor<2xi64>
}

// -----

func.func @gathernd_batch_dims(%d: tensor<2x3xf32>, %i: tensor<2x1xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{GatherND batch_dims 2 must be in [0, min(rank(data), rank(indices)) = 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherND"(%d, %i) {batch_dims = 2 : i64} : (tensor<2x3xf32>, tensor<2x1xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gathernd_dynamic_tuple(%d: tensor<?x3xf32>, %i: tensor<4x?xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{GatherND needs the last dimension of indices (the index tuple length) to be static}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherND"(%d, %i) : (tensor<?x3xf32>, tensor<4x?xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gathernd_tuple_too_long(%d: tensor<?x3xf32>, %i: tensor<4x3xi64>) -> tensor<4xf32> {
  // expected-error @+2 {{GatherND index tuples of length 3 do not fit data of rank 2 with batch_dims 0}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherND"(%d, %i) : (tensor<?x3xf32>, tensor<4x3xi64>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @gathernd_batch_mismatch(%d: tensor<2x5x8xf32>, %i: tensor<3x4x1xi64>) -> tensor<3x4x8xf32> {
  // expected-error @+2 {{GatherND batch dimension 0 differs: 2 in data, 3 in indices}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherND"(%d, %i) {batch_dims = 1 : i64} : (tensor<2x5x8xf32>, tensor<3x4x1xi64>) -> tensor<3x4x8xf32>
  return %0 : tensor<3x4x8xf32>
}

// -----

// Inference keeps the static batch size of either operand.
func.func @gathernd_wrong_result(%d: tensor<2x?x8xf32>, %i: tensor<?x4x1xi64>) -> tensor<3x4x8xf32> {
  // expected-error @+2 {{inferred type(s) 'tensor<2x4x8xf32>' are incompatible with return type(s) of operation 'tensor<3x4x8xf32>'}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherND"(%d, %i) {batch_dims = 1 : i64} : (tensor<2x?x8xf32>, tensor<?x4x1xi64>) -> tensor<3x4x8xf32>
  return %0 : tensor<3x4x8xf32>
}

// -----

func.func @gather_elements_rank(%d: tensor<2x3xf32>, %i: tensor<2xi64>) -> tensor<2xf32> {
  // expected-error @+2 {{GatherElements needs data and indices of one rank, got 2 and 1}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = "onnx.GatherElements"(%d, %i) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2xi64>) -> tensor<2xf32>
  return %0 : tensor<2xf32>
}

// -----

func.func @gather_elements_larger(%d: tensor<2x3xf32>, %i: tensor<2x4xi64>) -> tensor<2x4xf32> {
  // expected-error @+1 {{indices dimension 1 (4) is larger than the data's (3)}}
  %0 = "onnx.GatherElements"(%d, %i) {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xi64>) -> tensor<2x4xf32>
  return %0 : tensor<2x4xf32>
}

// -----

func.func @gelu_approximate(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{approximate must be "none" or "tanh", got "fast"}}
  %0 = onnx.Gelu %x {approximate = "fast"} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @isnan_int(%x: tensor<?x8xi64>) -> tensor<?x8xi1> {
  // expected-error @+1 {{operand #0 must be ranked tensor of floating-point values}}
  %0 = "onnx.IsNaN"(%x) : (tensor<?x8xi64>) -> tensor<?x8xi1>
  return %0 : tensor<?x8xi1>
}

// -----

func.func @clip_bound_type(%x: tensor<?x8xf32>, %lo: tensor<f16>) -> tensor<?x8xf32> {
  // expected-error @+1 {{min has element type 'f16', the input 'f32'}}
  %0 = onnx.Clip %x min %lo : (tensor<?x8xf32>, tensor<f16>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @clip_bound_shape(%x: tensor<?x8xf32>, %hi: tensor<8xf32>) -> tensor<?x8xf32> {
  // expected-error @+1 {{max must be a single element (rank 0, or rank 1 of size 1), got 'tensor<8xf32>'}}
  %0 = onnx.Clip %x max %hi : (tensor<?x8xf32>, tensor<8xf32>) -> tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

func.func @tile_repeats_length(%x: tensor<?x8xf32>, %r: tensor<3xi64>) -> tensor<?x?xf32> {
  // expected-error @+2 {{Tile needs repeats of shape [2] (one per input dimension)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.Tile %x, %r : (tensor<?x8xf32>, tensor<3xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @tile_negative(%x: tensor<?x8xf32>) -> tensor<?x?xf32> {
  %r = onnx.Constant dense<[1, -2]> : tensor<2xi64>
  // expected-error @+1 {{repeats[1] is negative (-2)}}
  %0 = onnx.Tile %x, %r : (tensor<?x8xf32>, tensor<2xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

func.func @mod_float_fmod0(%a: tensor<4xf32>) -> tensor<4xf32> {
  // expected-error @+1 {{floating-point Mod needs fmod = 1}}
  %0 = onnx.Mod %a, %a : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  return %0 : tensor<4xf32>
}

// -----

func.func @mod_elt_mismatch(%a: tensor<4xi64>, %b: tensor<4xi32>) -> tensor<4xi64> {
  // expected-error @+1 {{operand element types differ}}
  %0 = onnx.Mod %a, %b : (tensor<4xi64>, tensor<4xi32>) -> tensor<4xi64>
  return %0 : tensor<4xi64>
}

// -----

func.func @argmax_axis(%x: tensor<?x8xf32>) -> tensor<?xi64> {
  // expected-error @+2 {{ArgMax axis 2 is not in [0, 2)}}
  // expected-error @+1 {{failed to infer returned types}}
  %0 = onnx.ArgMax %x {axis = 2 : i64, keepdims = 0 : i64} : (tensor<?x8xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}

// -----

func.func @argmax_empty_axis(%x: tensor<?x0xf32>) -> tensor<?xi64> {
  // expected-error @+1 {{axis 1 has size 0}}
  %0 = onnx.ArgMax %x {axis = 1 : i64, keepdims = 0 : i64} : (tensor<?x0xf32>) -> tensor<?xi64>
  return %0 : tensor<?xi64>
}
