// RUN: bertc-opt %s --split-input-file --convert-onnx-to-linalg --canonicalize | FileCheck %s

// Broadcasting is in the indexing maps; dynamic sizes come from the operand
// that has them.
// CHECK-DAG: #[[ID:.*]] = affine_map<(d0, d1, d2) -> (d0, d1, d2)>
// CHECK-DAG: #[[LAST:.*]] = affine_map<(d0, d1, d2) -> (d2)>
// CHECK-LABEL: func.func @add_bias
// CHECK: %[[D0:.*]] = tensor.dim %arg0, %c0
// CHECK: %[[D1:.*]] = tensor.dim %arg0, %c1
// CHECK: %[[E:.*]] = tensor.empty(%[[D0]], %[[D1]]) : tensor<?x?x32xf32>
// CHECK: linalg.generic {indexing_maps = [#[[ID]], #[[LAST]], #[[ID]]], iterator_types = ["parallel", "parallel", "parallel"]}
// CHECK-NEXT: ^bb0
// CHECK-NEXT: arith.addf
// CHECK-NEXT: linalg.yield
func.func @add_bias(%a: tensor<?x?x32xf32>, %b: tensor<32xf32>) -> tensor<?x?x32xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x?x32xf32>, tensor<32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// CHECK-LABEL: func.func @erf_gelu_parts
// CHECK: math.erf
// CHECK: math.sqrt
// CHECK: math.tanh
func.func @erf_gelu_parts(%a: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = "onnx.Erf"(%a) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %1 = "onnx.Sqrt"(%0) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  %2 = "onnx.Tanh"(%1) : (tensor<?x8xf32>) -> tensor<?x8xf32>
  return %2 : tensor<?x8xf32>
}

// -----

// The padding-mask select: Where(bool, scalar, tensor).
// CHECK-LABEL: func.func @where_mask
// CHECK: linalg.generic
// CHECK: arith.select
func.func @where_mask(%m: tensor<?x1x1x?xi1>, %n: tensor<f32>, %s: tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32> {
  %0 = "onnx.Where"(%m, %n, %s) : (tensor<?x1x1x?xi1>, tensor<f32>, tensor<?x4x?x?xf32>) -> tensor<?x4x?x?xf32>
  return %0 : tensor<?x4x?x?xf32>
}

// -----

// Cast int64 -> f32 (attention_mask to float).
// CHECK-LABEL: func.func @cast_mask
// CHECK: arith.sitofp %{{.*}} : i64 to f32
func.func @cast_mask(%m: tensor<?x?xi64>) -> tensor<?x?xf32> {
  %0 = onnx.Cast %m {to = f32} : (tensor<?x?xi64>) -> tensor<?x?xf32>
  return %0 : tensor<?x?xf32>
}

// -----

// Two operands read along the same dynamic dim must agree at run time
// (position embeddings [1, seq', H] added to [batch, seq, H] when seq' !=
// seq): the generated code checks it and reports an error naming the node,
// which ends the run before the loop reads anything out of bounds.
// The static-1 broadcast dim 0 of %b needs no check.
// CHECK-LABEL: func.func @add_dynamic_dims_checked
// CHECK-DAG: %[[A1:.*]] = tensor.dim %arg0, %c1
// CHECK-DAG: %[[B1:.*]] = tensor.dim %arg1, %c1
// CHECK: %[[NE:.*]] = arith.cmpi ne, %[[A1]], %[[B1]]
// CHECK-NEXT: scf.if %[[NE]] {
// CHECK: func.call @bertc_cpu_broadcast_error({{.*}}, {{.*}}, %c1_i32, %c0_i32) : (i64, i64, i32, i32) -> ()
// CHECK: tensor.empty({{.*}}, %[[A1]]) : tensor<?x?x32xf32>
// CHECK-NOT: scf.if
// CHECK: return
func.func @add_dynamic_dims_checked(%a: tensor<?x?x32xf32>, %b: tensor<1x?x32xf32>) -> tensor<?x?x32xf32> {
  %0 = "onnx.Add"(%a, %b) : (tensor<?x?x32xf32>, tensor<1x?x32xf32>) -> tensor<?x?x32xf32>
  return %0 : tensor<?x?x32xf32>
}

// -----

// IsNaN is an unordered self-comparison.
// CHECK-LABEL: func.func @isnan
// CHECK: linalg.generic
// CHECK: ^bb0(%[[IN:.*]]: f32, %{{.*}}: i1):
// CHECK-NEXT: %[[R:.*]] = arith.cmpf uno, %[[IN]], %[[IN]] : f32
// CHECK-NEXT: linalg.yield %[[R]] : i1
func.func @isnan(%x: tensor<?x8xf32>) -> tensor<?x8xi1> {
  %0 = onnx.IsNaN %x : (tensor<?x8xf32>) -> tensor<?x8xi1>
  return %0 : tensor<?x8xi1>
}

// -----

// Gelu, exact: x * 0.5 * (1 + erf(x / sqrt 2)).
// CHECK-LABEL: func.func @gelu_erf
// CHECK-DAG: %[[HALF:.*]] = arith.constant 5.000000e-01 : f32
// CHECK-DAG: %[[ONE:.*]] = arith.constant 1.000000e+00 : f32
// CHECK-DAG: %[[RS2:.*]] = arith.constant 0.707106769 : f32
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[S:.*]] = arith.mulf %[[X]], %[[RS2]]
// CHECK-NEXT: %[[E:.*]] = math.erf %[[S]]
// CHECK-NEXT: %[[XH:.*]] = arith.mulf %[[X]], %[[HALF]]
// CHECK-NEXT: %[[P:.*]] = arith.addf %[[E]], %[[ONE]]
// CHECK-NEXT: %[[R:.*]] = arith.mulf %[[XH]], %[[P]]
// CHECK-NEXT: linalg.yield %[[R]]
func.func @gelu_erf(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Gelu %x : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Gelu, tanh: 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))).
// CHECK-LABEL: func.func @gelu_tanh
// CHECK-DAG: %[[K:.*]] = arith.constant 0.797884583 : f32
// CHECK-DAG: %[[C:.*]] = arith.constant 4.471500e-02 : f32
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[X2:.*]] = arith.mulf %[[X]], %[[X]]
// CHECK-NEXT: %[[X3:.*]] = arith.mulf %[[X2]], %[[X]]
// CHECK-NEXT: %[[CX3:.*]] = arith.mulf %[[X3]], %[[C]]
// CHECK-NEXT: %[[IN:.*]] = arith.addf %[[X]], %[[CX3]]
// CHECK-NEXT: %[[KIN:.*]] = arith.mulf %[[IN]], %[[K]]
// CHECK-NEXT: math.tanh %[[KIN]]
func.func @gelu_tanh(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Gelu %x {approximate = "tanh"} : tensor<?x8xf32>
  return %0 : tensor<?x8xf32>
}

// -----

// Clip reads each bound once, outside the loop: max(x, lo) then min(., hi);
// with only a max, only the min.
// CHECK-LABEL: func.func @clip
// CHECK: %[[LO:.*]] = tensor.extract %arg1[] : tensor<f32>
// CHECK: %[[HI:.*]] = tensor.extract %arg2[%c0] : tensor<1xf32>
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[A:.*]] = arith.maximumf %[[X]], %[[LO]] : f32
// CHECK-NEXT: %[[B:.*]] = arith.minimumf %[[A]], %[[HI]] : f32
// CHECK-NEXT: linalg.yield %[[B]]
// CHECK: linalg.generic
// CHECK: ^bb0(%[[X2:.*]]: f32, %{{.*}}: f32):
// CHECK-NEXT: %[[C:.*]] = arith.minimumf %[[X2]], %{{.*}} : f32
// CHECK-NEXT: linalg.yield %[[C]]
func.func @clip(%x: tensor<?x8xf32>, %lo: tensor<f32>, %hi: tensor<1xf32>) -> (tensor<?x8xf32>, tensor<?x8xf32>) {
  %0 = onnx.Clip %x min %lo max %hi : (tensor<?x8xf32>, tensor<f32>, tensor<1xf32>) -> tensor<?x8xf32>
  %1 = onnx.Clip %x max %hi : (tensor<?x8xf32>, tensor<1xf32>) -> tensor<?x8xf32>
  return %0, %1 : tensor<?x8xf32>, tensor<?x8xf32>
}

// -----

// Sign of a float keeps NaN; of an integer it is -1, 0 or 1.
// CHECK-LABEL: func.func @sign
// CHECK: ^bb0(%[[X:.*]]: f32, %{{.*}}: f32):
// CHECK: arith.cmpf ogt, %[[X]]
// CHECK: arith.cmpf olt, %[[X]]
// CHECK: %[[NAN:.*]] = arith.cmpf uno, %[[X]], %[[X]]
// CHECK: arith.select %[[NAN]], %[[X]],
// CHECK: ^bb0(%[[I:.*]]: i64, %{{.*}}: i64):
// CHECK: arith.cmpi sgt, %[[I]]
// CHECK: arith.cmpi slt, %[[I]]
func.func @sign(%x: tensor<?x8xf32>, %i: tensor<?xi64>) -> (tensor<?x8xf32>, tensor<?xi64>) {
  %0 = onnx.Sign %x : tensor<?x8xf32>
  %1 = onnx.Sign %i : tensor<?xi64>
  return %0, %1 : tensor<?x8xf32>, tensor<?xi64>
}

// -----

// CHECK-LABEL: func.func @rounding_and_trig
// CHECK: math.ceil
// CHECK: math.floor
// CHECK: math.roundeven
// CHECK: math.cos
// CHECK: math.sin
func.func @rounding_and_trig(%x: tensor<?x8xf32>) -> tensor<?x8xf32> {
  %0 = onnx.Ceil %x : tensor<?x8xf32>
  %1 = onnx.Floor %0 : tensor<?x8xf32>
  %2 = onnx.Round %1 : tensor<?x8xf32>
  %3 = onnx.Cos %2 : tensor<?x8xf32>
  %4 = onnx.Sin %3 : tensor<?x8xf32>
  return %4 : tensor<?x8xf32>
}

// -----

// Integer Mod (fmod = 0) takes the divisor's sign: remsi, then a fix-up by
// one divisor. A zero divisor calls the division-error hook (the run ends
// there, naming the node) and divides by 1 so that nothing traps. Float
// Mod (fmod = 1) is remf.
// CHECK: module attributes {bertc.error_sites = ["positions_mod"]}
// CHECK: func.func private @bertc_cpu_division_error(i64, i64, i32)
// CHECK-LABEL: func.func @mod
// CHECK: ^bb0(%[[A:.*]]: i64, %[[B:.*]]: i64, %{{.*}}: i64):
// CHECK-NEXT: %[[Z0:.*]] = arith.cmpi eq, %[[B]], %c0_i64
// CHECK-NEXT: scf.if %[[Z0]] {
// CHECK-NEXT: func.call @bertc_cpu_division_error(%[[A]], %[[B]], %c0_i32)
// CHECK: %[[SAFE:.*]] = arith.select %{{.*}}, %c1_i64, %[[B]]
// CHECK-NEXT: %[[R:.*]] = arith.remsi %[[A]], %[[SAFE]]
// CHECK: %[[FIXED:.*]] = arith.addi %[[R]], %[[SAFE]]
// CHECK-NEXT: %[[SEL:.*]] = arith.select %{{.*}}, %[[FIXED]], %[[R]]
// CHECK-NEXT: linalg.yield %[[SEL]]
// CHECK: arith.remf
func.func @mod(%a: tensor<?x8xi64>, %b: tensor<8xi64>, %x: tensor<?xf32>, %y: tensor<f32>) -> (tensor<?x8xi64>, tensor<?xf32>) {
  %0 = onnx.Mod %a, %b : (tensor<?x8xi64>, tensor<8xi64>) -> tensor<?x8xi64> loc("positions_mod")
  %1 = onnx.Mod %x, %y {fmod = 1 : i64} : (tensor<?xf32>, tensor<f32>) -> tensor<?xf32>
  return %0, %1 : tensor<?x8xi64>, tensor<?xf32>
}
