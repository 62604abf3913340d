//===- ExternalizeWeights.cpp - Large constant globals out of LLVM --------===//
//
// BERT-base has 440 MB of weights. Translating them to LLVM IR constants and
// through the code generator costs seconds and gigabytes for bytes that are
// only ever copied. So each large constant `llvm.mlir.global` is written to
// <dir>/weights.bin and becomes an external hidden declaration (the code
// addresses it directly, dso_local); <dir>/weights.S defines the symbols
// with `.incbin`, and the driver assembles and links it into model.so.
//
//===----------------------------------------------------------------------===//
#include "bertc/Conversion/Passes.h"
#include "bertc/Dialect/ONNX/IR/ConstantData.h"

#include "mlir/Dialect/LLVMIR/LLVMDialect.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/DialectResourceBlobManager.h"

#include "llvm/Support/FileSystem.h"
#include "llvm/Support/MathExtras.h"
#include "llvm/Support/Path.h"
#include "llvm/Support/raw_ostream.h"

namespace bertc {
#define GEN_PASS_DEF_EXTERNALIZEWEIGHTS
#include "bertc/Conversion/Passes.h.inc"
} // namespace bertc

using namespace mlir;

namespace {

/// Raw little-endian bytes of a constant global's initializer, if it is a
/// non-splat dense tensor of byte-sized elements (the layout LLVM would give
/// the nested array type).
std::optional<ArrayRef<char>> rawBytes(Attribute value) {
  auto elements = dyn_cast_or_null<ElementsAttr>(value);
  if (!elements)
    return std::nullopt;
  Type elt = elements.getElementType();
  if (!elt.isIntOrFloat() || elt.getIntOrFloatBitWidth() % 8 != 0)
    return std::nullopt;
  if (auto resource = dyn_cast<DenseResourceElementsAttr>(value)) {
    if (AsmResourceBlob *blob = resource.getRawHandle().getBlob())
      return blob->getData();
    return std::nullopt;
  }
  if (auto dense = dyn_cast<DenseElementsAttr>(value))
    if (!dense.isSplat())
      return dense.getRawData();
  return std::nullopt;
}

std::string quoted(StringRef path) {
  std::string q;
  for (char c : path) {
    if (c == '"' || c == '\\')
      q += '\\';
    q += c;
  }
  return q;
}

struct ExternalizeWeightsPass
    : bertc::impl::ExternalizeWeightsBase<ExternalizeWeightsPass> {
  using ExternalizeWeightsBase::ExternalizeWeightsBase;

  void runOnOperation() override {
    if (dir.empty())
      return;
    ModuleOp module = getOperation();
    uint64_t threshold = minBytes ? uint64_t(minBytes)
                                  : uint64_t(bertc::onnx::kInlineConstantBytes);
    llvm::SmallString<128> blobPath(dir), asmPath(dir);
    llvm::sys::path::append(blobPath, "weights.bin");
    llvm::sys::path::append(asmPath, "weights.S");
    auto fail = [&](const Twine &msg) {
      module.emitError(msg);
      signalPassFailure();
    };

    std::error_code ec;
    llvm::raw_fd_ostream blob(blobPath, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot open '" + blobPath + "': " + ec.message());
    std::string asmText;
    llvm::raw_string_ostream as(asmText);
    as << "# Weights of the model, appended by the assembler from\n# "
       << blobPath
       << " (written by bertc-externalize-weights).\n"
          "\t.section .rodata.bertc_weights,\"a\"\n";
    std::string blobName = quoted(blobPath);
    uint64_t offset = 0;
    for (auto global : module.getOps<LLVM::GlobalOp>()) {
      if (!global.getConstant())
        continue;
      std::optional<ArrayRef<char>> bytes = rawBytes(global.getValueOrNull());
      if (!bytes || bytes->size() < threshold)
        continue;
      uint64_t align =
          std::max<uint64_t>(global.getAlignment().value_or(16), 64);
      uint64_t padded = llvm::alignTo(offset, align);
      for (; offset < padded; ++offset)
        blob << '\0';
      blob.write(bytes->data(), bytes->size());
      StringRef name = global.getSymName();
      as << "\t.balign " << align << "\n\t.globl " << name << "\n\t.hidden "
         << name << "\n\t.type " << name << ", @object\n\t.size " << name
         << ", " << bytes->size() << "\n"
         << name << ":\n\t.incbin \"" << blobName << "\", " << offset << ", "
         << bytes->size() << "\n";
      offset += bytes->size();
      numBytes += bytes->size();
      ++numMoved;
      // Keep a declaration: the code addresses it directly.
      global.removeValueAttr();
      global.setLinkage(LLVM::Linkage::External);
      global.setVisibility_(LLVM::Visibility::Hidden);
      global.setDsoLocal(true);
    }
    as << "\t.section .note.GNU-stack,\"\",@progbits\n";
    blob.close();
    if (blob.has_error())
      return fail("error writing '" + blobPath + "'");
    llvm::raw_fd_ostream asmFile(asmPath, ec, llvm::sys::fs::OF_None);
    if (ec)
      return fail("cannot open '" + asmPath + "': " + ec.message());
    asmFile << asmText;
    asmFile.close();
    if (asmFile.has_error())
      return fail("error writing '" + asmPath + "'");
  }
};
} // namespace
