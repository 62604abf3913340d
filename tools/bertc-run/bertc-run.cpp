//===- bertc-run.cpp - Run a compiled model.so on .npy inputs -------------===//
//
//   bertc-run model.so --input x=x.npy --input mask=mask.npy -o out/
//   bertc-run model.so x.npy mask.npy --bench 100 --threads 4
//
// Errors go to stderr as "bertc-run: error: <message>" with exit code 1.
//
//===----------------------------------------------------------------------===//
#include "bertc/runtime.hpp"
#include "npy.h"

#include <algorithm>
#include <chrono>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <map>
#include <optional>
#include <sstream>
#include <string>
#include <vector>

namespace {

const char *const kTool = "bertc-run";

[[noreturn]] void fatal(const std::string &message) {
  std::cerr << kTool << ": error: " << message << "\n";
  std::exit(1);
}

void printUsage(std::ostream &os) {
  os << "USAGE: bertc-run MODEL.so [options] [INPUT.npy ...]\n"
        "\n"
        "Runs a model compiled by bertc on inputs read from .npy files.\n"
        "Positional INPUT.npy files are matched to the model inputs in order;\n"
        "--input names them explicitly.\n"
        "\n"
        "OPTIONS:\n"
        "  -i, --input NAME=FILE.npy  Input NAME from FILE.npy (repeatable)\n"
        "  -o, --output-dir DIR       Write each output to DIR/<name>.npy\n"
        "                             (DIR is created; characters other than\n"
        "                             [A-Za-z0-9._-] in names become '_';\n"
        "                             bfloat16 outputs are saved as float32)\n"
        "  --bench N                  Time N runs and print latency statistics;\n"
        "                             the last line is 'median_ms=<value>'\n"
        "  --warmup W                 Untimed runs before --bench (default 3)\n"
        "  -t, --threads T            Threads per run (default 0 = all cores)\n"
        "  --print-signature          Print the model's inputs and outputs\n"
        "  -q, --quiet                Do not print the output summary\n"
        "  --version                  Print the runtime version\n"
        "  -h, --help                 Print this help\n"
        "\n"
        "Supported .npy dtypes: <f4 <f2 <f8 |i1 |u1 <i2 <i4 <i8 |b1 (C order,\n"
        "little endian).\n";
}

struct Options {
  std::string model;
  std::vector<std::string> positional;
  std::vector<std::pair<std::string, std::string>> named; // name, file
  std::string outputDir;
  int64_t bench = 0;
  int64_t warmup = 3;
  int64_t threads = 0;
  bool printSignature = false;
  bool quiet = false;
};

int64_t parseInt(const std::string &opt, const std::string &text, int64_t min,
                 int64_t max) {
  errno = 0;
  char *end = nullptr;
  long long v = std::strtoll(text.c_str(), &end, 10);
  if (text.empty() || *end != '\0' || errno == ERANGE || v < min || v > max)
    fatal("invalid value '" + text + "' for " + opt + " (expected an integer "
          "in [" + std::to_string(min) + ", " + std::to_string(max) + "])");
  return v;
}

Options parseArgs(int argc, char **argv) {
  Options o;
  bool endOfOptions = false;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (endOfOptions || arg.empty() || arg[0] != '-' || arg == "-") {
      if (o.model.empty())
        o.model = arg;
      else
        o.positional.push_back(arg);
      continue;
    }
    if (arg == "--") {
      endOfOptions = true;
      continue;
    }
    std::string name = arg, value;
    bool hasValue = false;
    size_t eq = arg.find('=');
    if (arg.rfind("--", 0) == 0 && eq != std::string::npos) {
      name = arg.substr(0, eq);
      value = arg.substr(eq + 1);
      hasValue = true;
    }
    auto needValue = [&]() -> std::string {
      if (hasValue)
        return value;
      if (i + 1 >= argc)
        fatal("option " + name + " needs a value");
      return argv[++i];
    };
    auto noValue = [&] {
      if (hasValue)
        fatal("option " + name + " takes no value");
    };
    if (name == "-h" || name == "--help") {
      noValue();
      printUsage(std::cout);
      std::exit(0);
    } else if (name == "--version") {
      noValue();
      std::cout << "bertc-run (bertc runtime " << bertc_runtime_version_string()
                << ")\n";
      std::exit(0);
    } else if (name == "-i" || name == "--input") {
      std::string spec = needValue();
      size_t e = spec.find('=');
      if (e == std::string::npos || e == 0 || e + 1 == spec.size())
        fatal("invalid --input '" + spec + "' (expected NAME=FILE.npy)");
      o.named.emplace_back(spec.substr(0, e), spec.substr(e + 1));
    } else if (name == "-o" || name == "--output-dir") {
      o.outputDir = needValue();
      if (o.outputDir.empty())
        fatal("--output-dir needs a directory");
    } else if (name == "--bench") {
      o.bench = parseInt(name, needValue(), 1, 100000000);
    } else if (name == "--warmup") {
      o.warmup = parseInt(name, needValue(), 0, 100000000);
    } else if (name == "-t" || name == "--threads") {
      o.threads = parseInt(name, needValue(), 0, 4096);
    } else if (name == "--print-signature") {
      noValue();
      o.printSignature = true;
    } else if (name == "-q" || name == "--quiet") {
      noValue();
      o.quiet = true;
    } else {
      fatal("unknown option '" + arg + "' (see --help)");
    }
  }
  if (o.model.empty())
    fatal("no model given (usage: bertc-run MODEL.so [options]; see --help)");
  return o;
}

std::string typeString(const bertc::TensorInfo &t) {
  std::string s = std::string(bertc_dtype_name(t.dtype)) + "[";
  for (size_t d = 0; d < t.dims.size(); ++d) {
    if (d)
      s += ", ";
    if (t.dims[d] >= 0)
      s += std::to_string(t.dims[d]);
    else
      s += t.dim_names[d].empty() ? "?" : t.dim_names[d];
  }
  return s + "]";
}

std::string shapeString(const std::vector<int64_t> &dims) {
  std::string s = "[";
  for (size_t d = 0; d < dims.size(); ++d)
    s += (d ? ", " : "") + std::to_string(dims[d]);
  return s + "]";
}

void printSignature(const bertc::Model &m) {
  std::cout << "model: " << m.name() << "\n";
  if (!m.producer().empty())
    std::cout << "producer: " << m.producer() << "\n";
  std::cout << "inputs:\n";
  for (const auto &t : m.inputs())
    std::cout << "  " << t.name << ": " << typeString(t) << "\n";
  std::cout << "outputs:\n";
  for (const auto &t : m.outputs())
    std::cout << "  " << t.name << ": " << typeString(t) << "\n";
}

float halfToFloat(uint16_t h) {
  uint32_t sign = (h >> 15) & 1, exp = (h >> 10) & 0x1f, mant = h & 0x3ff;
  float v;
  if (exp == 0)
    v = std::ldexp(static_cast<float>(mant), -24);
  else if (exp == 31)
    v = mant ? NAN : INFINITY;
  else
    v = std::ldexp(static_cast<float>(mant | 0x400), static_cast<int>(exp) - 25);
  return sign ? -v : v;
}

/// Element k of a tensor, formatted.
std::string element(const bertc::Tensor &t, int64_t k) {
  const auto *p = static_cast<const uint8_t *>(t.raw_data());
  std::ostringstream os;
  os.precision(7);
  switch (t.dtype()) {
  case BERTC_DTYPE_F32: {
    float v;
    std::memcpy(&v, p + 4 * k, 4);
    os << v;
    break;
  }
  case BERTC_DTYPE_F64: {
    double v;
    std::memcpy(&v, p + 8 * k, 8);
    os << v;
    break;
  }
  case BERTC_DTYPE_F16:
  case BERTC_DTYPE_BF16: {
    uint16_t v;
    std::memcpy(&v, p + 2 * k, 2);
    float f;
    if (t.dtype() == BERTC_DTYPE_F16) {
      f = halfToFloat(v);
    } else {
      uint32_t bits = static_cast<uint32_t>(v) << 16;
      std::memcpy(&f, &bits, 4);
    }
    os << f;
    break;
  }
  case BERTC_DTYPE_I8:
    os << static_cast<int>(reinterpret_cast<const int8_t *>(p)[k]);
    break;
  case BERTC_DTYPE_U8:
    os << static_cast<int>(p[k]);
    break;
  case BERTC_DTYPE_BOOL:
    os << (p[k] ? "true" : "false");
    break;
  case BERTC_DTYPE_I16: {
    int16_t v;
    std::memcpy(&v, p + 2 * k, 2);
    os << v;
    break;
  }
  case BERTC_DTYPE_I32: {
    int32_t v;
    std::memcpy(&v, p + 4 * k, 4);
    os << v;
    break;
  }
  case BERTC_DTYPE_I64: {
    int64_t v;
    std::memcpy(&v, p + 8 * k, 8);
    os << v;
    break;
  }
  default:
    os << "?";
  }
  return os.str();
}

std::string fileNameFor(const std::string &name) {
  std::string s;
  for (char c : name)
    s += (std::isalnum(static_cast<unsigned char>(c)) || c == '.' ||
          c == '_' || c == '-')
             ? c
             : '_';
  if (s.empty() || s == "." || s == "..")
    s = "_" + s;
  return s;
}

double percentile(const std::vector<double> &sorted, double q) {
  // Nearest-rank percentile.
  size_t rank = static_cast<size_t>(std::ceil(q * sorted.size()));
  return sorted[std::min(sorted.size(), std::max<size_t>(rank, 1)) - 1];
}

int run(int argc, char **argv) {
  Options o = parseArgs(argc, argv);
  bertc::Model model(o.model);
  if (o.printSignature) {
    printSignature(model);
    if (o.positional.empty() && o.named.empty())
      return 0;
  }

  // Match files to inputs.
  size_t n = model.num_inputs();
  std::vector<std::string> names(n);
  for (size_t i = 0; i < n; ++i)
    names[i] = model.input(i).name;
  std::vector<std::optional<std::string>> files(n);
  if (o.positional.size() > n)
    fatal(std::to_string(o.positional.size()) +
          " positional inputs given, but model '" + model.name() + "' has " +
          std::to_string(n) + " input" + (n == 1 ? "" : "s"));
  for (size_t i = 0; i < o.positional.size(); ++i)
    files[i] = o.positional[i];
  for (const auto &[name, file] : o.named) {
    auto it = std::find(names.begin(), names.end(), name);
    if (it == names.end()) {
      std::string all;
      for (const auto &s : names)
        all += (all.empty() ? "" : ", ") + s;
      fatal("model '" + model.name() + "' has no input named '" + name +
            "' (inputs: " + (all.empty() ? "none" : all) + ")");
    }
    size_t i = static_cast<size_t>(it - names.begin());
    if (files[i])
      fatal("input '" + name + "' is given more than once");
    files[i] = file;
  }
  for (size_t i = 0; i < n; ++i)
    if (!files[i])
      fatal("missing input '" + names[i] + "' (give it with --input " +
            names[i] + "=FILE.npy)");

  std::vector<bertc::npy::Array> arrays(n);
  std::vector<bertc::Tensor> inputs;
  for (size_t i = 0; i < n; ++i) {
    std::string error;
    if (!bertc::npy::read(*files[i], arrays[i], error))
      fatal(error);
    try {
      inputs.push_back(bertc::Tensor::view(
          arrays[i].dtype, arrays[i].shape,
          arrays[i].data.empty() ? nullptr : arrays[i].data.data(),
          arrays[i].data.size()));
    } catch (const bertc::Error &e) {
      fatal(*files[i] + ": " + e.what());
    }
  }

  bertc::RunOptions options;
  options.set_num_threads(static_cast<int32_t>(o.threads));
  std::vector<bertc::Tensor> outputs = model.run(inputs, &options);

  std::vector<double> times;
  if (o.bench > 0) {
    for (int64_t i = 0; i < o.warmup; ++i)
      outputs = model.run(inputs, &options);
    times.reserve(static_cast<size_t>(o.bench));
    for (int64_t i = 0; i < o.bench; ++i) {
      std::vector<bertc::Tensor> out;
      auto start = std::chrono::steady_clock::now();
      out = model.run(inputs, &options);
      auto stop = std::chrono::steady_clock::now();
      times.push_back(
          std::chrono::duration<double, std::milli>(stop - start).count());
      outputs = std::move(out); // freed outside the timed region
    }
  }

  if (!o.outputDir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.outputDir, ec);
    if (ec)
      fatal("cannot create directory '" + o.outputDir + "': " + ec.message());
    std::map<std::string, size_t> used;
    for (size_t i = 0; i < outputs.size(); ++i) {
      std::string base = fileNameFor(model.output(i).name);
      if (used.count(base))
        base += "_" + std::to_string(i);
      used[base] = i;
      std::string path =
          (std::filesystem::path(o.outputDir) / (base + ".npy")).string();
      std::string error;
      const bertc::Tensor &t = outputs[i];
      if (!bertc::npy::write(path, t.dtype(), t.dims(), t.raw_data(),
                             t.byte_size(), error))
        fatal(error);
    }
  }

  if (!o.quiet) {
    for (size_t i = 0; i < outputs.size(); ++i) {
      const bertc::Tensor &t = outputs[i];
      std::cout << model.output(i).name << ": " << bertc_dtype_name(t.dtype())
                << shapeString(t.dims()) << " = [";
      int64_t shown = std::min<int64_t>(t.num_elements(), 8);
      for (int64_t k = 0; k < shown; ++k)
        std::cout << (k ? ", " : "") << element(t, k);
      if (t.num_elements() > shown)
        std::cout << ", ...";
      std::cout << "]\n";
    }
  }

  if (o.bench > 0) {
    std::vector<double> sorted = times;
    std::sort(sorted.begin(), sorted.end());
    double mean = 0;
    for (double t : times)
      mean += t;
    mean /= static_cast<double>(times.size());
    double median = sorted.size() % 2
                        ? sorted[sorted.size() / 2]
                        : (sorted[sorted.size() / 2 - 1] +
                           sorted[sorted.size() / 2]) /
                              2;
    char buf[256];
    std::cout << "bench: " << o.bench << " runs after " << o.warmup
              << " warmup, threads="
              << bertc_run_options_effective_num_threads(options.get())
              << "\n";
    std::snprintf(buf, sizeof buf,
                  "  min %.4f ms  mean %.4f ms  median %.4f ms  p90 %.4f ms  "
                  "max %.4f ms\n",
                  sorted.front(), mean, median, percentile(sorted, 0.9),
                  sorted.back());
    std::cout << buf;
    std::snprintf(buf, sizeof buf, "median_ms=%.4f\n", median);
    std::cout << buf;
  }
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  try {
    return run(argc, argv);
  } catch (const bertc::Error &e) {
    fatal(e.what());
  } catch (const std::bad_alloc &) {
    fatal("out of memory");
  } catch (const std::exception &e) {
    fatal(e.what());
  }
}
