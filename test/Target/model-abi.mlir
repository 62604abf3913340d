// RUN: bertc %s --emit=llvm -O0 -o - | FileCheck %s
// The model.so ABI (runtime/include/bertc/model_abi.h) as LLVM globals, after
// translation: names, dtypes (f32 = 1, i64 = 9), ranks, dims with -1 for
// dynamic ones and their symbolic names, output ownership, and the
// descriptor whose `run` is the kernel library's bertc_cpu_model_run. The
// producer and kernel ISA cap name the target (bertc --mcpu/--mattr). The
// LLVM dialect form is checked in test/Pipelines/model-abi.mlir.

// CHECK-DAG: @[[NAME:.*]] = private unnamed_addr constant [5 x i8] c"tiny\00"
// CHECK-DAG: @[[PRODUCER:.*]] = private unnamed_addr constant {{.*}} c"bertc 0.1.0 ({{.*}}, kernels up to {{generic|avx2|avx512|avx512_vnni}})\00"
// CHECK-DAG: @[[IDS:.*]] = private unnamed_addr constant [10 x i8] c"input_ids\00"
// CHECK-DAG: @[[BATCH:.*]] = private unnamed_addr constant [6 x i8] c"batch\00"
// CHECK-DAG: @[[SEQ:.*]] = private unnamed_addr constant [9 x i8] c"sequence\00"
// CHECK-DAG: @[[DIMS:.*]] = private constant [2 x i64] [i64 -1, i64 -1]
// CHECK-DAG: @[[DIMNAMES:.*]] = private constant [2 x ptr] [ptr @[[BATCH]], ptr @[[SEQ]]]
// CHECK-DAG: @[[INPUTS:.*]] = private constant [1 x { ptr, i32, i32, ptr, ptr, i32, i32 }] [{ ptr, i32, i32, ptr, ptr, i32, i32 } { ptr @[[IDS]], i32 9, i32 2, ptr @[[DIMS]], ptr @[[DIMNAMES]], i32 0, i32 0 }]
// The output is owned by the caller (BERTC_ABI_TENSOR_OWNED = 1).
// CHECK-DAG: @[[OUTPUTS:.*]] = private constant [1 x { ptr, i32, i32, ptr, ptr, i32, i32 }] [{ ptr, i32, i32, ptr, ptr, i32, i32 } { ptr @{{.*}}, i32 1, i32 3, ptr @{{.*}}, ptr @{{.*}}, i32 1, i32 0 }]
// CHECK-DAG: @[[MODEL:.*]] = private constant { i32, i32, ptr, ptr, i32, i32, ptr, ptr, ptr } { i32 2, i32 0, ptr @[[NAME]], ptr @[[PRODUCER]], i32 1, i32 1, ptr @[[INPUTS]], ptr @[[OUTPUTS]], ptr @bertc_cpu_model_run }

// Node names of run-time error sites: the Gather checks its indices (and
// the size of its result buffer), the output copy its size ("?": no node).
// CHECK-DAG: @[[SITE:.*]] = private unnamed_addr constant [11 x i8] c"emb_gather\00"
// CHECK-DAG: @[[NOSITE:.*]] = private unnamed_addr constant [2 x i8] c"?\00"
// CHECK-DAG: @bertc_model_error_sites = hidden constant [2 x ptr] [ptr @[[SITE]], ptr @[[NOSITE]]]
// CHECK-DAG: @bertc_model_num_error_sites = hidden constant i32 2
// CHECK-DAG: @bertc_model_kernel_isa = hidden constant i32 {{[0-3]}}

// The trampoline unpacks the input descriptor pointers for the C wrapper.
// CHECK-LABEL: define hidden void @bertc_model_invoke(
// CHECK: call void @_mlir_ciface_main_graph(ptr
// CHECK-LABEL: define {{.*}}ptr @bertc_model_v1()
// CHECK-NEXT: ret ptr @[[MODEL]]

module attributes {bertc.model_name = "tiny"} {
  func.func @main_graph(%ids: tensor<?x?xi64> {bertc.name = "input_ids", bertc.dim_names = ["batch", "sequence"]})
      -> (tensor<?x?x8xf32> {bertc.name = "hidden", bertc.dim_names = ["batch", "sequence", ""]}) {
    %table = onnx.Constant dense<1.5> : tensor<100x8xf32>
    %0 = onnx.Gather %table, %ids {axis = 0 : i64} : (tensor<100x8xf32>, tensor<?x?xi64>) -> tensor<?x?x8xf32> loc("emb_gather")
    return %0 : tensor<?x?x8xf32>
  }
}
