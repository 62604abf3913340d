// RUN: bertc-opt %s --split-input-file --bertc-convert-entry-point-to-llvm --verify-diagnostics | FileCheck %s
// bertc_cpu.entry_point becomes the model.so ABI of bertc/model_abi.h in the
// LLVM dialect.

// The trampoline: output struct pointer first, then each input descriptor.
// CHECK-LABEL: llvm.func hidden @bertc_model_invoke(%arg0: !llvm.ptr, %arg1: !llvm.ptr)
// CHECK: %[[SLOT:.*]] = llvm.getelementptr %arg0[0] : (!llvm.ptr) -> !llvm.ptr, !llvm.ptr
// CHECK: %[[IN:.*]] = llvm.load %[[SLOT]] : !llvm.ptr -> !llvm.ptr
// CHECK: llvm.call @_mlir_ciface_main_graph(%arg1, %[[IN]])
// CHECK: llvm.func @bertc_cpu_model_run(!llvm.ptr, !llvm.ptr, !llvm.ptr) -> i32

// Strings (merged when equal), dims with -1 for dynamic ones, dim names
// with null for unnamed dims.
// CHECK-DAG: llvm.mlir.global private unnamed_addr constant @[[NAME:.*]]("tiny\00")
// CHECK-DAG: llvm.mlir.global private unnamed_addr constant @[[IDS:.*]]("input_ids\00")
// CHECK-DAG: llvm.mlir.global private unnamed_addr constant @[[BATCH:.*]]("batch\00")
// CHECK-DAG: llvm.mlir.global private constant @[[IDIMS:.*]](dense<-1> : tensor<2xi64>) {{.*}} : !llvm.array<2 x i64>

// bertc_abi_tensor_info {name, dtype, rank, dims, dim_names, flags, 0}:
// i64 = 9, f32 = 1; the input is not owned (flags = 0), the output is (1).
// CHECK-LABEL: llvm.mlir.global private constant @__bertc_abi_inputs_{{[0-9]+}}()
// CHECK-SAME: !llvm.array<1 x struct<(ptr, i32, i32, ptr, ptr, i32, i32)>>
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.addressof @[[IDS]]
// CHECK-NEXT: llvm.mlir.constant(9 : i32)
// CHECK-NEXT: llvm.mlir.constant(2 : i32)
// CHECK-NEXT: llvm.mlir.addressof @[[IDIMS]]
// CHECK-NEXT: llvm.mlir.addressof
// CHECK-NEXT: llvm.mlir.constant(0 : i32)
// CHECK: llvm.mlir.global private constant @[[ODIMS:.*]](dense<[-1, 8]> : tensor<2xi64>) {{.*}} : !llvm.array<2 x i64>
// CHECK: llvm.mlir.global private constant @[[ONAMES:.*]]() {{.*}} : !llvm.array<2 x ptr>
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.addressof @[[BATCH]]
// CHECK-NEXT: llvm.insertvalue
// CHECK-NEXT: llvm.mlir.zero
// CHECK-LABEL: llvm.mlir.global private constant @__bertc_abi_outputs_{{[0-9]+}}()
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.addressof
// CHECK-NEXT: llvm.mlir.constant(1 : i32)
// CHECK-NEXT: llvm.mlir.constant(2 : i32)
// CHECK-NEXT: llvm.mlir.addressof @[[ODIMS]]
// CHECK-NEXT: llvm.mlir.addressof @[[ONAMES]]
// CHECK-NEXT: llvm.mlir.constant(1 : i32)

// bertc_abi_model {abi_version = 2, device = CPU (0), name, producer,
// num_inputs, num_outputs, inputs, outputs, run}.
// CHECK: llvm.mlir.global private constant @[[MODEL:__bertc_abi_model_[0-9]+]]()
// CHECK-SAME: !llvm.struct<(i32, i32, ptr, ptr, i32, i32, ptr, ptr, ptr)>
// CHECK-NEXT: llvm.mlir.undef
// CHECK-NEXT: llvm.mlir.constant(2 : i32)
// CHECK-NEXT: llvm.mlir.constant(0 : i32)
// CHECK-NEXT: llvm.mlir.addressof @[[NAME]]
// CHECK-NEXT: llvm.mlir.addressof
// CHECK-NEXT: llvm.mlir.constant(1 : i32)
// CHECK-NEXT: llvm.mlir.constant(1 : i32)
// CHECK-NEXT: llvm.mlir.addressof @__bertc_abi_inputs_
// CHECK-NEXT: llvm.mlir.addressof @__bertc_abi_outputs_
// CHECK-NEXT: llvm.mlir.addressof @bertc_cpu_model_run

// The kernel library's hidden symbols: error sites and the ISA cap.
// CHECK: llvm.mlir.global private unnamed_addr constant @[[SITE:.*]]("emb_gather\00")
// CHECK-LABEL: llvm.mlir.global external hidden constant @bertc_model_error_sites()
// CHECK-SAME: !llvm.array<1 x ptr>
// CHECK: llvm.mlir.addressof @[[SITE]]
// CHECK-LABEL: llvm.mlir.global external hidden constant @bertc_model_num_error_sites()
// CHECK-NEXT: llvm.mlir.constant(1 : i32)
// CHECK-LABEL: llvm.mlir.global external hidden constant @bertc_model_kernel_isa()
// CHECK-NEXT: llvm.mlir.constant(1 : i32)

// The exported entry returns the descriptor.
// CHECK-LABEL: llvm.func @bertc_model_v1() -> !llvm.ptr
// CHECK-NEXT: %[[D:.*]] = llvm.mlir.addressof @[[MODEL]]
// CHECK-NEXT: llvm.return %[[D]]
// CHECK-NOT: bertc_cpu.entry_point
module {
  llvm.func @_mlir_ciface_main_graph(%out: !llvm.ptr, %in: !llvm.ptr) {
    llvm.return
  }
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"input_ids" : tensor<?x?xi64>, dims ["batch", "sequence"]>]
      outputs [#bertc_cpu.tensor<"hidden" : tensor<?x8xf32>, dims ["batch", ""], owned>]
      attributes {model_name = "tiny", producer = "bertc test", kernel_isa = 1 : i32,
                  error_sites = ["emb_gather"]}
}

// -----

// A model without inputs: null tensor-info pointer, a trampoline passing the
// output pointer only.
// CHECK-LABEL: llvm.func hidden @bertc_model_invoke
// CHECK-NEXT: llvm.call @_mlir_ciface_main_graph(%arg1) : (!llvm.ptr) -> ()
// CHECK: llvm.mlir.global private constant @__bertc_abi_model_
// CHECK: llvm.mlir.zero : !llvm.ptr
// CHECK-NEXT: llvm.mlir.addressof @__bertc_abi_outputs_
module {
  llvm.func @_mlir_ciface_main_graph(%out: !llvm.ptr) {
    llvm.return
  }
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph inputs []
      outputs [#bertc_cpu.tensor<"c" : tensor<2xf32>, owned>]
      attributes {model_name = "const", producer = "p", kernel_isa = 0 : i32, error_sites = []}
}

// -----

module {
  // expected-error @+1 {{no @_mlir_ciface_main_graph in the LLVM dialect: lower @main_graph (with llvm.emit_c_interface) first}}
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph inputs []
      outputs [#bertc_cpu.tensor<"c" : tensor<2xf32>, owned>]
      attributes {model_name = "m", producer = "p", kernel_isa = 0 : i32, error_sites = []}
}

// -----

module {
  llvm.func @_mlir_ciface_main_graph(%out: !llvm.ptr) {
    llvm.return
  }
  // expected-error @+1 {{@_mlir_ciface_main_graph takes 1 arguments, the entry point describes 2}}
  bertc_cpu.entry_point @bertc_model_v1 calls @main_graph
      inputs [#bertc_cpu.tensor<"x" : tensor<2xf32>>]
      outputs [#bertc_cpu.tensor<"c" : tensor<2xf32>, owned>]
      attributes {model_name = "m", producer = "p", kernel_isa = 0 : i32, error_sites = []}
}
