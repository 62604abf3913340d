//===- ONNXImporter.cpp - ONNX ModelProto to the onnx dialect -------------===//
//
// One onnx-dialect op per ONNX node, in graph order, each located at
// NameLoc(node name, file). Initializers become onnx.Constant ops
// (TensorImport.cpp). Each node is built by the row of the op table
// (ONNXNodeImport.cpp) for its domain, op type and the model's opset, which
// resolves the opset differences (attributes that became inputs, changed
// defaults) so that the dialect has one form per op. Every failure is a
// diagnostic naming the node (or the initializer or graph input), its op
// type and the opset; nothing aborts.
//
// This file: the model and its graph (Importer::run, importNode) and the
// public entry points of bertc/Import/ONNXImporter.h. The model file is
// untrusted (docs/Limits.md); see TensorImport.cpp and ExternalData.cpp.
//
//===----------------------------------------------------------------------===//
#include "bertc/Import/ONNXImporter.h"

#include "Importer.h"

#include "bertc/Dialect/ONNX/IR/ONNXOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinAttributes.h"
#include "mlir/IR/BuiltinTypes.h"
#include "mlir/IR/Diagnostics.h"

#include "llvm/ADT/STLExtras.h"
#include "llvm/ADT/ScopeExit.h"
#include "llvm/ADT/StringSet.h"
#include "llvm/Support/ConvertUTF.h"
#include "llvm/Support/MemoryBuffer.h"

#include <onnx/onnx_pb.h>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstring>

using namespace mlir;

namespace bertc::importer {

FailureOr<Value> Importer::lookup(const NodeProto &node, int i) {
  if (i >= node.input_size() || node.input(i).empty())
    return Value();
  auto it = values.find(node.input(i));
  if (it == values.end()) {
    error(node) << "input '" << printableName(node.input(i))
                << "' is not a graph input, an initializer or the output of an "
                   "earlier node";
    return failure();
  }
  return it->second;
}

LogicalResult Importer::importNode(const NodeProto &node) {
  Location loc = nodeLoc(node);
  b.setInsertionPointToEnd(b.getInsertionBlock());
  auto forms = importer::findOpForms(node.domain(), node.op_type());
  const importer::OpForm *form = nullptr;
  for (const importer::OpForm *f : forms)
    if (f->since <= opset && opset <= f->until)
      form = f;
  if (!form) {
    if (!node.domain().empty() && node.domain() != "ai.onnx" && forms.empty())
      return importer::nodeError(loc, node, opset)
             << "unsupported ONNX operator (only the default domain is "
                "supported)";
    InFlightDiagnostic diag = importer::nodeError(loc, node, opset)
                              << "unsupported ONNX operator";
    if (!forms.empty()) {
      // Known at other opsets (e.g. an op newer than the model): say which,
      // with adjacent rows merged into one range.
      SmallVector<std::pair<int64_t, int64_t>> ranges;
      for (const importer::OpForm *f : forms) {
        if (!ranges.empty() && ranges.back().second != importer::kOpenOpset &&
            ranges.back().second + 1 == f->since)
          ranges.back().second = f->until;
        else
          ranges.push_back({f->since, f->until});
      }
      diag << " at opset " << opset << " (bertc imports "
           << printableName(node.op_type());
      for (auto [i, r] : llvm::enumerate(ranges)) {
        diag << (i ? ", " : " ");
        if (r.second == importer::kOpenOpset)
          diag << "from opset " << r.first;
        else if (r.first == r.second)
          diag << "at opset " << r.first;
        else
          diag << "at opsets " << r.first << " to " << r.second;
      }
      diag << ")";
    }
    return diag;
  }

  SmallVector<Value> in;
  for (int i = 0; i < node.input_size(); ++i) {
    auto v = lookup(node, i);
    if (failed(v))
      return failure();
    in.push_back(*v);
  }
  importer::NodeImporter n(b, *this, node, opset, loc, std::move(in));
  if (failed(form->build(n)))
    return failure();

  // Bind outputs.
  for (int i = 0; i < node.output_size(); ++i) {
    const std::string &name = node.output(i);
    if (name.empty())
      continue;
    if (i >= (int)n.results.size())
      return error(node) << "output #" << i << " ('" << printableName(name)
                         << "') is not supported";
    if (!values.try_emplace(name, n.results[i]).second)
      return error(node) << "value '" << printableName(name)
                         << "' is defined twice";
  }
  return success();
}

OwningOpRef<ModuleOp> Importer::run(::onnx::ModelProto &model) {
  opset = -1;
  for (const auto &o : model.opset_import())
    if (o.domain().empty() || o.domain() == "ai.onnx")
      opset = o.version();
  if (opset < 0) {
    error() << "model has no opset import for the default ONNX domain";
    return nullptr;
  }
  // Opsets whose op forms the op table was written and tested for; ORT too
  // rejects opsets newer than it knows.
  if (opset < kMinOpset || opset > kMaxOpset) {
    error() << "opset " << opset << " is "
            << (opset < kMinOpset ? "older than the oldest" : "newer than the newest")
            << " opset bertc supports (" << kMinOpset << " to " << kMaxOpset
            << ")"
            << (opset < kMinOpset ? "; convert the model first, e.g. with "
                                    "onnx.version_converter"
                                  : "");
    return nullptr;
  }
  if (!model.has_graph()) {
    error() << "model has no graph";
    return nullptr;
  }
  ::onnx::GraphProto &graph = *model.mutable_graph();

  OwningOpRef<ModuleOp> module = ModuleOp::create(fileLoc);
  (*module)->setAttr("bertc.onnx.opset", b.getI64IntegerAttr(opset));
  (*module)->setAttr("bertc.model_name", b.getStringAttr(graph.name()));
  (*module)->setAttr("bertc.producer",
                     b.getStringAttr(model.producer_name() +
                                     (model.producer_version().empty()
                                          ? ""
                                          : " " + model.producer_version())));

  if (graph.output_size() == 0) {
    error() << "model has no outputs (graph '" << printableName(graph.name())
            << "' declares none)";
    return nullptr;
  }

  // Initializers: constants. (Old exporters also list them as inputs; those
  // inputs are treated as the constants.)
  llvm::StringSet<> initializerNames;
  for (const TensorProto &t : graph.initializer())
    initializerNames.insert(t.name());
  if (graph.sparse_initializer_size() > 0) {
    error() << "sparse initializers are not supported";
    return nullptr;
  }

  SmallVector<Type> argTypes;
  SmallVector<ArrayAttr> argDimNames;
  SmallVector<std::string> argNames;
  for (const auto &vi : graph.input()) {
    if (initializerNames.contains(vi.name()))
      continue;
    ArrayAttr dimNames;
    auto type = valueInfoType(vi, &dimNames);
    if (failed(type))
      return nullptr;
    argTypes.push_back(*type);
    argDimNames.push_back(dimNames);
    argNames.push_back(vi.name());
  }

  b.setInsertionPointToEnd(module->getBody());
  auto func = b.create<func::FuncOp>(fileLoc, "main_graph",
                                     b.getFunctionType(argTypes, {}));
  Block *entry = func.addEntryBlock();
  for (unsigned i = 0; i < argTypes.size(); ++i) {
    func.setArgAttr(i, "bertc.name", b.getStringAttr(argNames[i]));
    func.setArgAttr(i, "bertc.dim_names", argDimNames[i]);
    if (!values.try_emplace(argNames[i], entry->getArgument(i)).second) {
      error() << "graph input '" << printableName(argNames[i])
              << "' is listed twice";
      return nullptr;
    }
  }
  b.setInsertionPointToEnd(entry);

  for (TensorProto &t : *graph.mutable_initializer()) {
    Location loc = nameLoc(t.name());
    auto value = tensorAttr(t, loc, /*node=*/nullptr, "");
    if (failed(value))
      return nullptr;
    auto c = b.create<onnx::ConstantOp>(loc, value->getType(), *value);
    if (!values.try_emplace(t.name(), c.getResult()).second) {
      emitError(loc) << "initializer '" << printableName(t.name())
                     << "' is defined twice";
      return nullptr;
    }
  }

  for (const NodeProto &node : graph.node())
    if (failed(importNode(node)))
      return nullptr;

  SmallVector<Value> results;
  SmallVector<Type> resultTypes;
  for (const auto &vi : graph.output()) {
    auto it = values.find(vi.name());
    if (it == values.end()) {
      error() << "graph output '" << printableName(vi.name())
              << "' is not produced by any node";
      return nullptr;
    }
    results.push_back(it->second);
    resultTypes.push_back(it->second.getType());
  }
  b.create<func::ReturnOp>(fileLoc, results);
  func.setType(b.getFunctionType(argTypes, resultTypes));
  for (auto [i, vi] : llvm::enumerate(graph.output())) {
    func.setResultAttr(i, "bertc.name", b.getStringAttr(vi.name()));
    // Names from the declared output shape where the dim is still dynamic.
    ArrayAttr declared;
    SmallVector<Attribute> names;
    auto type = cast<RankedTensorType>(resultTypes[i]);
    if (vi.type().has_tensor_type() && vi.type().tensor_type().has_shape() &&
        vi.type().tensor_type().shape().dim_size() == type.getRank()) {
      for (const auto &d : vi.type().tensor_type().shape().dim())
        names.push_back(b.getStringAttr(d.has_dim_param() ? d.dim_param() : ""));
    } else {
      names.assign(type.getRank(), b.getStringAttr(""));
    }
    func.setResultAttr(i, "bertc.dim_names", b.getArrayAttr(names));
    (void)declared;
  }
  return module;
}

} // namespace bertc::importer

namespace bertc {

OwningOpRef<ModuleOp> importONNXBuffer(StringRef bytes, StringRef sourceName,
                                       MLIRContext &ctx,
                                       const ImportOptions &options) {
  Location loc = FileLineColLoc::get(&ctx, sourceName, 0, 0);
  if (bytes.empty()) {
    emitError(loc) << "'" << printableName(sourceName)
                   << "' is empty (0 bytes): not an ONNX model";
    return nullptr;
  }
  // Protobuf cannot parse messages of 2 GiB or more; weights that large go
  // to external data.
  if (bytes.size() > static_cast<size_t>(INT_MAX)) {
    emitError(loc) << "'" << printableName(sourceName) << "' has "
                   << bytes.size()
                   << " bytes; an ONNX protobuf must be under 2 GiB (keep "
                      "large weights in external data)";
    return nullptr;
  }
  ::onnx::ModelProto model;
  if (!model.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    emitError(loc) << "failed to parse ONNX ModelProto from '"
                   << printableName(sourceName)
                   << "' (malformed or truncated protobuf)";
    return nullptr;
  }
  importer::Importer importer(ctx, sourceName, options);
  return importer.run(model);
}

OwningOpRef<ModuleOp> importONNXFile(StringRef path, MLIRContext &ctx,
                                     const ImportOptions &options) {
  Location loc = FileLineColLoc::get(&ctx, path, 0, 0);
  // Only regular files: a FIFO would block, /dev/zero never ends.
  struct stat st;
  std::string p = path.str();
  if (::stat(p.c_str(), &st) != 0) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << std::strerror(errno);
    return nullptr;
  }
  if (!S_ISREG(st.st_mode)) {
    emitError(loc) << "cannot read '" << printableName(path) << "': "
                   << (S_ISDIR(st.st_mode) ? "it is a directory"
                                           : "not a regular file");
    return nullptr;
  }
  int fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NONBLOCK);
  if (fd < 0) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << std::strerror(errno);
    return nullptr;
  }
  auto closeFd = llvm::make_scope_exit([&] { ::close(fd); });
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': not a regular file";
    return nullptr;
  }
  auto buffer = llvm::MemoryBuffer::getOpenFile(
      fd, path, static_cast<uint64_t>(st.st_size),
      /*RequiresNullTerminator=*/false);
  if (!buffer) {
    emitError(loc) << "cannot read '" << printableName(path)
                   << "': " << buffer.getError().message();
    return nullptr;
  }
  return importONNXBuffer((*buffer)->getBuffer(), path, ctx, options);
}

std::string printableName(StringRef s, bool escapeBackslash) {
  std::string out;
  out.reserve(s.size());
  const auto *p = reinterpret_cast<const llvm::UTF8 *>(s.data());
  const auto *end = p + s.size();
  auto hex = [&](unsigned char c) {
    static const char digits[] = "0123456789abcdef";
    out += "\\x";
    out += digits[c >> 4];
    out += digits[c & 15];
  };
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f || (escapeBackslash && c == '\\'))
        hex(c);
      else
        out += static_cast<char>(c);
      ++p;
      continue;
    }
    unsigned n = llvm::getNumBytesForUTF8(c);
    if (n > 1 && n <= static_cast<unsigned>(end - p) &&
        llvm::isLegalUTF8Sequence(p, p + n)) {
      out.append(reinterpret_cast<const char *>(p), n);
      p += n;
    } else {
      hex(c);
      ++p;
    }
  }
  return out;
}

} // namespace bertc
