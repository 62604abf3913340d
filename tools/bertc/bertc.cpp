//===- bertc.cpp - The bertc compiler driver -------------------------------===//
//
//   bertc model.onnx -o model.so
//
// ONNX import -> graph pipeline (onnx dialect) -> CPU lowering (LLVM dialect)
// -> LLVM IR with the model.so ABI -> object -> shared library. `--emit`
// stops at any stage and prints or writes what it has.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/RuntimeChecks.h"
#include "bertc/Dialect/Bertc/IR/BertcOps.h"
#include "bertc/Dialect/ONNX/IR/ONNXOps.h"
#include "bertc/Import/ONNXImporter.h"
#include "bertc/Pipelines/Pipelines.h"
#include "bertc/Transforms/FusionReport.h"
#include "bertc/Target/ModelLibrary.h"

#include "mlir/Dialect/Tensor/IR/Tensor.h"
#include "mlir/IR/AsmState.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/DialectRegistry.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"
#include "mlir/Parser/Parser.h"
#include "mlir/Pass/PassManager.h"
#include "mlir/Support/FileUtilities.h"
#include "mlir/Support/Timing.h"

#include "llvm/IR/LLVMContext.h"
#include "llvm/IR/Module.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/Support/CommandLine.h"
#include "llvm/Support/FileSystem.h"
#include "llvm/Support/FileUtilities.h"
#include "llvm/Support/InitLLVM.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/ToolOutputFile.h"
#include "llvm/Support/raw_ostream.h"
#include "llvm/Target/TargetMachine.h"

using namespace mlir;
namespace cl = llvm::cl;

namespace {
enum class Emit { ONNX, MLIR, Lowered, LLVM, Obj, SO };

cl::OptionCategory category("bertc options");

cl::opt<std::string> inputFile(cl::Positional, cl::desc("<model.onnx | file.mlir>"),
                               cl::Required, cl::cat(category));
cl::opt<std::string> outputFile("o", cl::desc("Output file ('-' for stdout)"),
                                cl::value_desc("file"), cl::cat(category));
cl::opt<Emit> emit(
    "emit", cl::desc("Stop after a stage and write its result:"),
    cl::init(Emit::SO),
    cl::values(
        clEnumValN(Emit::ONNX, "onnx", "imported onnx dialect, unoptimized"),
        clEnumValN(Emit::MLIR, "mlir", "after graph optimizations (onnx dialect)"),
        clEnumValN(Emit::Lowered, "lowered",
                   "after CPU lowering: LLVM dialect with the model.so ABI "
                   "(what bertc-opt --bertc-cpu-pipeline prints)"),
        clEnumValN(Emit::LLVM, "llvm", "optimized LLVM IR"),
        clEnumValN(Emit::Obj, "obj", "object file"),
        clEnumValN(Emit::SO, "so", "shared library model.so (default)")),
    cl::cat(category));
cl::opt<std::string> targetName("target", cl::desc("Target device: cpu"),
                                cl::init("cpu"), cl::cat(category));
// -O2 is the default: on BERT-base, -O3 (aggressive LLVM codegen) takes 3x
// longer to compile (72 s vs 22 s) for no measured run-time gain.
cl::opt<char> optLevel("O", cl::desc("Optimization level: -O0, -O1, -O2 (default), -O3"),
                       cl::Prefix, cl::init('2'), cl::cat(category));
cl::opt<std::string> mcpu("mcpu",
                          cl::desc("Target CPU (default: host); the run-time "
                                   "kernels use at most its vector ISA "
                                   "(x86-64-v3: AVX2, x86-64-v4: AVX-512)"),
                          cl::init("host"), cl::cat(category));
cl::opt<std::string> mattr("mattr",
                           cl::desc("Target features, e.g. -avx512f (also caps "
                                    "the run-time kernels)"),
                           cl::init(""), cl::cat(category));
cl::opt<std::string> externalDataDir(
    "external-data-dir",
    cl::desc("Directory of ONNX external-data files (default: the model's)"),
    cl::init(""), cl::cat(category));
cl::opt<std::string> kernelLibrary(
    "kernel-lib", cl::desc("Path of libbertc_cpu_kernels.a (default: next to bertc)"),
    cl::init(""), cl::cat(category), cl::Hidden);
cl::opt<bool> noKernelCalls(
    "no-kernel-calls",
    cl::desc("Lower matmuls to loops instead of calling the GEMM kernels"),
    cl::init(false), cl::cat(category));

cl::opt<bool> noFusions(
    "no-fusions",
    cl::desc("Skip the transformer fusions (bertc-fuse-*): plain onnx lowering"),
    cl::init(false), cl::cat(category));
cl::opt<bool> fusionReport(
    "fusion-report",
    cl::desc("Print, per fused kind, how many subgraphs were fused, and for "
             "each Softmax that did not fuse into attention, the node where "
             "the match broke"),
    cl::init(false), cl::cat(category));

cl::opt<std::string> quantize(
    "quantize",
    cl::desc("int8 quantization: none (default), dynamic (int8 weights per "
             "output channel, inputs quantized at run time)"),
    cl::init("none"), cl::cat(category));
cl::opt<std::string> quantizeInput(
    "quantize-input",
    cl::desc("With --quantize=dynamic: quantize each row (token) of a "
             "linear's input with its own scale (row, default) or the whole "
             "input with one (tensor, as ONNX Runtime's quantize_dynamic)"),
    cl::init("row"), cl::cat(category));
cl::opt<bool> quantizationReport(
    "quantization-report",
    cl::desc("Print, for each linear, whether it was quantized (weight "
             "scale, rounding error) or kept in f32 and why"),
    cl::init(false), cl::cat(category));

std::string defaultOutput() {
  if (emit == Emit::ONNX || emit == Emit::MLIR || emit == Emit::Lowered ||
      emit == Emit::LLVM)
    return "-";
  llvm::SmallString<128> path(llvm::sys::path::filename(inputFile.getValue()));
  llvm::sys::path::replace_extension(path, emit == Emit::Obj ? "o" : "so");
  return std::string(path);
}

/// `file: error: message`, naming the ONNX node when the location has one.
struct DriverDiagnostics {
  explicit DriverDiagnostics(MLIRContext &ctx) {
    ctx.getDiagEngine().registerHandler([](Diagnostic &diag) {
      printDiag(diag);
      for (Diagnostic &note : diag.getNotes())
        printDiag(note);
      return success();
    });
  }
  static void printDiag(Diagnostic &diag) {
    std::string file, node;
    unsigned line = 0, col = 0;
    diag.getLocation()->walk([&](Location loc) {
      if (auto f = dyn_cast<FileLineColLoc>(loc)) {
        if (file.empty()) {
          file = f.getFilename().str();
          line = f.getLine();
          col = f.getColumn();
        }
      } else if (auto n = dyn_cast<NameLoc>(loc)) {
        if (node.empty())
          node = n.getName().str();
      }
      return WalkResult::advance();
    });
    auto &os = llvm::errs();
    os << (file.empty() ? std::string("bertc") : bertc::printableName(file));
    if (line)
      os << ":" << line << ":" << col;
    switch (diag.getSeverity()) {
    case DiagnosticSeverity::Error: os << ": error: "; break;
    case DiagnosticSeverity::Warning: os << ": warning: "; break;
    case DiagnosticSeverity::Note: os << ": note: "; break;
    case DiagnosticSeverity::Remark: os << ": remark: "; break;
    }
    // Names come from the model file: whatever bytes they hold are printed
    // escaped (bertc::printableName; newlines and tabs of multi-line
    // messages kept). The node is named unless the message already quotes it.
    std::string msg = diag.str();
    if (!node.empty() && msg.find("'" + node + "'") == std::string::npos)
      os << "node '" << bertc::printableName(node) << "': ";
    std::string shown;
    for (llvm::StringRef rest = msg; !rest.empty();) {
      size_t cut = rest.find_first_of("\n\t");
      shown += bertc::printableName(rest.take_front(cut),
                                      /*escapeBackslash=*/false);
      if (cut == llvm::StringRef::npos)
        break;
      shown += rest[cut];
      rest = rest.drop_front(cut + 1);
    }
    os << shown << "\n";
  }
};

int fail(const llvm::Twine &msg) {
  llvm::errs() << "bertc: error: " << msg << "\n";
  return 1;
}

LogicalResult runPipeline(ModuleOp module, TimingScope &timing,
                          llvm::function_ref<LogicalResult(OpPassManager &)> build) {
  PassManager pm(module.getContext(), ModuleOp::getOperationName());
  if (failed(applyPassManagerCLOptions(pm)))
    return failure();
  pm.enableTiming(timing);
  if (failed(build(pm)))
    return failure();
  return pm.run(module);
}

std::string kernelLibraryPath(const char *argv0) {
  if (!kernelLibrary.empty())
    return kernelLibrary;
  if (const char *env = std::getenv("BERTC_KERNEL_LIB"))
    return env;
  std::string exe = llvm::sys::fs::getMainExecutable(
      argv0, reinterpret_cast<void *>(&kernelLibraryPath));
  llvm::SmallString<256> path(llvm::sys::path::parent_path(exe));
  llvm::sys::path::append(path, "..", "lib", "libbertc_cpu_kernels.a");
  return std::string(path);
}
} // namespace

int main(int argc, char **argv) {
  llvm::InitLLVM init(argc, argv);
  registerAsmPrinterCLOptions();
  registerMLIRContextCLOptions();
  registerPassManagerCLOptions();
  registerDefaultTimingManagerCLOptions();
  bertc::registerBertcPasses();
  // Show bertc's options and the MLIR ones users reach for; hide the rest of
  // LLVM's (they still work).
  cl::HideUnrelatedOptions(category);
  auto &registered = cl::getRegisteredOptions();
  for (llvm::StringRef name :
       {"mlir-timing", "mlir-timing-display", "mlir-print-ir-after-all",
        "mlir-print-ir-before-all", "mlir-print-ir-after-failure",
        "mlir-print-debuginfo", "mlir-pass-statistics", "mlir-elide-elementsattrs-if-larger"}) {
    auto it = registered.find(name);
    if (it == registered.end())
      continue;
    it->second->setHiddenFlag(cl::NotHidden);
    it->second->addCategory(category);
  }
  cl::SetVersionPrinter([](llvm::raw_ostream &os) {
    os << "bertc 0.1.0 (LLVM/MLIR " << LLVM_VERSION_STRING << ")\n";
  });
  cl::ParseCommandLineOptions(
      argc, argv,
      "bertc: ahead-of-time compiler for ONNX transformer models\n\n"
      "  bertc model.onnx -o model.so        compile for the host CPU\n"
      "  bertc model.onnx --emit=mlir        print the optimized graph\n"
      "  bertc model.onnx -o model.so --quantize=dynamic\n"
      "                                      int8 linears (inputs quantized at "
      "run time)\n\n"
      "Pass timing: --mlir-timing. IR dumps: --mlir-print-ir-after-all.\n");

  if (targetName != "cpu")
    return fail("unsupported --target='" + targetName +
                "' (supported: cpu)");
  if (optLevel < '0' || optLevel > '3')
    return fail(llvm::Twine("invalid optimization level -O") +
                llvm::Twine(static_cast<char>(optLevel)));
  unsigned opt = optLevel - '0';

  DialectRegistry registry;
  bertc::registerBertcDialects(registry);
  MLIRContext context(registry);
  context.loadAllAvailableDialects();
  // Diagnostics name the ONNX node; the op as IR is for --mlir-print-ir-*.
  context.printOpOnDiagnostic(false);
  DriverDiagnostics diagnostics(context);

  DefaultTimingManager timingManager;
  applyDefaultTimingManagerCLOptions(timingManager);
  TimingScope timing = timingManager.getRootScope();

  std::string output = outputFile.empty() ? defaultOutput() : outputFile;

  // 1. Import.
  OwningOpRef<ModuleOp> module;
  {
    TimingScope t = timing.nest("Import");
    if (llvm::StringRef(inputFile).ends_with(".mlir")) {
      module = parseSourceFile<ModuleOp>(inputFile, &context);
    } else {
      bertc::ImportOptions options;
      options.externalDataDir = externalDataDir;
      module = bertc::importONNXFile(inputFile, context, options);
    }
    if (!module)
      return 1;
    // The importer verifies each op it creates; the whole module once more
    // before any pass sees it (what the fuzzer checks, test/fuzz).
    if (failed(verify(*module)))
      return 1;
  }
  auto writeText = [&](llvm::function_ref<void(llvm::raw_ostream &)> print) {
    std::string err;
    auto file = openOutputFile(output, &err);
    if (!file)
      return fail(err);
    print(file->os());
    file->keep();
    return 0;
  };
  if (emit == Emit::ONNX) {
    return writeText([&](llvm::raw_ostream &os) { module->print(os); os << "\n"; });
  }

  // 2. Graph optimizations.
  bertc::PipelineOptions pipelineOptions;
  pipelineOptions.kernelCalls = !noKernelCalls;
  pipelineOptions.fusions = !noFusions;
  if (quantize != "none" && quantize != "dynamic")
    return fail("unsupported --quantize='" + quantize +
                "' (supported: none, dynamic; static quantization with "
                "calibration is not implemented yet)");
  if (quantizeInput != "row" && quantizeInput != "tensor")
    return fail("unsupported --quantize-input='" + quantizeInput +
                "' (supported: row, tensor)");
  if (quantize == "dynamic" && noFusions)
    return fail("--quantize=dynamic quantizes the fused linears: it cannot "
                "be combined with --no-fusions");
  pipelineOptions.quantize = quantize.getValue();
  pipelineOptions.quantizeInput = quantizeInput.getValue();
  pipelineOptions.quantizationReport = quantizationReport.getValue();
  bertc::FusionReport report;
  pipelineOptions.report = &report;
  if (failed(runPipeline(*module, timing, [&](OpPassManager &pm) {
        bertc::buildGraphPipeline(pm, pipelineOptions);
        return success();
      })))
    return 1;
  if (fusionReport)
    report.print(*module, inputFile, llvm::errs());
  if (emit == Emit::MLIR)
    return writeText([&](llvm::raw_ostream &os) { module->print(os); os << "\n"; });

  // 3. CPU lowering, to the module that becomes model.so (LLVM dialect with
  // the ABI descriptor). The target decides the descriptor's kernel ISA cap;
  // for model.so, large weights are moved out to a blob in a private
  // temporary directory (bertc-externalize-weights), assembled beside the
  // object.
  std::string error;
  bertc::CodegenOptions codegen;
  codegen.cpu = mcpu;
  codegen.features = mattr;
  codegen.optLevel = opt;
  auto tm = bertc::createTargetMachine(codegen, error);
  if (failed(tm))
    return fail(error);
  bertc::TargetDescription target = bertc::describeTarget(**tm);
  pipelineOptions.kernelIsa = target.kernelIsa;
  pipelineOptions.producer = target.producer;
  llvm::SmallString<128> tmpDir;
  auto removeTmp = llvm::make_scope_exit([&] {
    if (!tmpDir.empty())
      llvm::sys::fs::remove_directories(tmpDir);
  });
  if (emit == Emit::SO) {
    if (auto ec = llvm::sys::fs::createUniqueDirectory("bertc", tmpDir))
      return fail("cannot create a temporary directory: " + ec.message());
    pipelineOptions.weightsDir = std::string(tmpDir);
  }
  if (failed(runPipeline(*module, timing, [&](OpPassManager &pm) {
        return bertc::buildCPULoweringPipeline(pm, pipelineOptions);
      })))
    return 1;
  if (emit == Emit::Lowered)
    return writeText([&](llvm::raw_ostream &os) { module->print(os); os << "\n"; });

  // 4. LLVM IR.
  llvm::LLVMContext llvmContext;
  std::unique_ptr<llvm::Module> llvmModule;
  {
    TimingScope t = timing.nest("LLVM IR translation and optimization");
    llvmModule = bertc::buildLLVMModule(*module, llvmContext, **tm, opt);
    if (!llvmModule)
      return 1;
  }
  if (emit == Emit::LLVM)
    return writeText([&](llvm::raw_ostream &os) { llvmModule->print(os, nullptr); });

  // 5. Object code, then model.so.
  TimingScope codegenTiming = timing.nest("Code generation and linking");
  if (emit == Emit::Obj) {
    if (failed(bertc::emitObjectFile(*llvmModule, **tm, output, error)))
      return fail(error);
    return 0;
  }
  llvm::SmallString<128> object(tmpDir);
  llvm::sys::path::append(object, "model.o");
  if (failed(bertc::emitObjectFile(*llvmModule, **tm, object, error)))
    return fail(error);
  llvm::SmallString<128> weights(tmpDir);
  llvm::sys::path::append(weights, "weights.S");
  std::vector<std::string> inputs = {object.str().str(), weights.str().str()};
  if (failed(bertc::linkSharedLibrary(inputs, output, kernelLibraryPath(argv[0]),
                                      error)))
    return fail(error);
  return 0;
}
