// RUN: bertc-opt %s --convert-bertc-to-kernels --bertc-pack-weights --canonicalize | FileCheck %s
// RUN: bertc-opt %s --convert-bertc-to-kernels --bertc-pack-weights --convert-onnx-to-linalg --one-shot-bufferize="bufferize-function-boundaries" --bertc-linalg-to-kernel-calls | FileCheck %s --check-prefix=CALL
// bertc.quantized_linear -> bertc_cpu.qlinear; the int8 weight [K, N] is
// packed for vpdpbusd (kernel_abi.h: [ceil(N / 32), ceil(K / 4), 128],
// packed[p][q][4 j + t] = W[4 q + t][32 p + j], zero past K and N) and its
// column sums (3 + -5 = -2) become an operand; the call passes the
// activation (relu = 1), the input mode (dynamic_row = 0), the unused
// static scale and zero point, and BERTC_QLINEAR_BIAS.

// CHECK-DAG: %[[W:.*]] = onnx.Constant dense<"0x03FB0000{{0+}}"> : tensor<1x1x128xi8>
// CHECK-DAG: %[[CS:.*]] = onnx.Constant dense<-2> : tensor<1xi32>
// CHECK-DAG: %[[S:.*]] = onnx.Constant dense<5.000000e-01> : tensor<1xf32>
// CHECK: bertc_cpu.qlinear ins(%{{.*}}, %[[W]], %[[S]], %[[CS]], %{{.*}}) outs(%{{.*}}) {activation = #bertc<activation relu>, has_bias}
// CHECK-NOT: tensor<2x1xi8>

// CALL: call @bertc_qlinear_packed_f32({{.*}}) : (memref<?x?xf32, strided<[?, ?], offset: ?>>, memref<?x?x?xi8, strided<[?, ?, ?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?xi32, strided<[?], offset: ?>>, memref<?xf32, strided<[?], offset: ?>>, memref<?x?xf32, strided<[?, ?], offset: ?>>, i64, i64, f32, i64, i64) -> ()
func.func @q(%x: tensor<?x?x2xf32>) -> tensor<?x?x1xf32> {
  %w = onnx.Constant dense<[[3], [-5]]> : tensor<2x1xi8>
  %s = onnx.Constant dense<[0.5]> : tensor<1xf32>
  %b = onnx.Constant dense<[1.0]> : tensor<1xf32>
  %0 = bertc.quantized_linear %x, %w, %s, %b {activation = #bertc<activation relu>} : (tensor<?x?x2xf32>, tensor<2x1xi8>, tensor<1xf32>, tensor<1xf32>) -> tensor<?x?x1xf32>
  return %0 : tensor<?x?x1xf32>
}
