// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels --bertc-pack-weights | FileCheck %s
// RUN: bertc-opt %s --split-input-file --convert-bertc-to-kernels | FileCheck %s --check-prefix=NOPACK

// A constant weight [K=40, N=40] is packed at compile time into the GEMM
// panel layout [ceil(N / 32), K, 32] (zero-padded), for the packed kernel;
// 10 KiB, so a resource blob (onnx::kInlineConstantBytes).
// CHECK-LABEL: func.func @linear_prepacked
// CHECK: %[[WP:.*]] = onnx.Constant dense_resource<weight_packed> : tensor<2x40x32xf32>
// CHECK: bertc_cpu.linear ins(%arg0, %[[WP]]) outs(%{{.*}}) : (tensor<?x40xf32>, tensor<2x40x32xf32>, tensor<?x40xf32>) -> tensor<?x40xf32>
func.func @linear_prepacked(%x: tensor<?x40xf32>) -> tensor<?x40xf32> {
  %w = onnx.Constant dense<0.5> : tensor<40x40xf32>
  %0 = bertc.linear %x, %w : (tensor<?x40xf32>, tensor<40x40xf32>) -> tensor<?x40xf32>
  return %0 : tensor<?x40xf32>
}
// NOPACK: bertc_cpu.linear ins(%arg0, %{{.*}}) outs(%{{.*}}) : (tensor<?x40xf32>, tensor<40x40xf32>, tensor<?x40xf32>)

// -----

// Two linears reading one weight share one packed copy (the unpacked
// constant goes); a weight that is no constant stays [K, N].
// CHECK-LABEL: func.func @shared_and_dynamic
// CHECK-COUNT-1: dense_resource<weight_packed> : tensor<2x40x32xf32>
// CHECK-NOT: tensor<40x40xf32>
// CHECK: bertc_cpu.linear ins(%arg0, %[[P:.*]]) outs
// CHECK: bertc_cpu.linear ins(%arg0, %[[P]]) outs
// CHECK: bertc_cpu.linear ins(%arg0, %arg1) outs
func.func @shared_and_dynamic(%x: tensor<?x40xf32>, %wd: tensor<40x40xf32>) -> (tensor<?x40xf32>, tensor<?x40xf32>, tensor<?x40xf32>) {
  %w = onnx.Constant dense<0.25> : tensor<40x40xf32>
  %0 = bertc.linear %x, %w : (tensor<?x40xf32>, tensor<40x40xf32>) -> tensor<?x40xf32>
  %1 = bertc.linear %x, %w : (tensor<?x40xf32>, tensor<40x40xf32>) -> tensor<?x40xf32>
  %2 = bertc.linear %x, %wd : (tensor<?x40xf32>, tensor<40x40xf32>) -> tensor<?x40xf32>
  return %0, %1, %2 : tensor<?x40xf32>, tensor<?x40xf32>, tensor<?x40xf32>
}
