// RUN: bertc-opt %s --bertc-cpu-pipeline | FileCheck %s
// The whole CPU pipeline ends in the LLVM dialect only: the entry has its C
// wrapper, the f32 matmul calls the GEMM kernel, erf goes to libm, nothing
// from the higher dialects is left.

// CHECK-NOT: onnx.
// CHECK-NOT: linalg.
// CHECK-NOT: tensor.
// CHECK-NOT: memref.
// CHECK-DAG: llvm.func @erff(f32) -> f32
// CHECK-DAG: llvm.func @_mlir_ciface_bertc_matmul_f32(!llvm.ptr, !llvm.ptr, !llvm.ptr, i64)
// CHECK-DAG: llvm.func @main_graph(
// CHECK-DAG: llvm.func @_mlir_ciface_main_graph(
// CHECK-NOT: builtin.unrealized_conversion_cast
func.func @main_graph(%x: tensor<?x?x64xf32> {bertc.name = "x"}, %w: tensor<64x32xf32> {bertc.name = "w"}) -> (tensor<?x?x32xf32> {bertc.name = "y"}) {
  %0 = "onnx.MatMul"(%x, %w) : (tensor<?x?x64xf32>, tensor<64x32xf32>) -> tensor<?x?x32xf32>
  %1 = "onnx.Erf"(%0) : (tensor<?x?x32xf32>) -> tensor<?x?x32xf32>
  %2 = onnx.Softmax %1 {axis = 2 : i64} : tensor<?x?x32xf32> -> tensor<?x?x32xf32>
  return %2 : tensor<?x?x32xf32>
}
