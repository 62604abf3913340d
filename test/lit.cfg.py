# lit configuration for bertc: IR tests (bertc-opt), tool tests (bertc,
# bertc-run) and end-to-end tests against ONNX Runtime.
import os
import lit.formats
from lit.llvm import llvm_config

config.name = "bertc"
config.test_format = lit.formats.ShTest(not llvm_config.use_lit_shell)
config.suffixes = [".mlir", ".test"]
config.excludes = ["Inputs", "onnx_from_text.py", "unit", "CMakeLists.txt", "lit.cfg.py", "lit.site.cfg.py"]
config.test_source_root = os.path.dirname(__file__)
config.test_exec_root = os.path.join(config.bertc_obj_root, "test")

llvm_config.use_default_substitutions()
# Our tools first, then LLVM's FileCheck/not/split-file.
llvm_config.with_environment("PATH", config.bertc_tools_dir, append_path=True)
llvm_config.with_environment("PATH", config.llvm_tools_dir, append_path=True)
os.environ["PATH"] = config.bertc_tools_dir + os.pathsep + config.llvm_tools_dir + os.pathsep + os.environ.get("PATH", "")
config.environment["PATH"] = os.environ["PATH"]
# Tests must not depend on the machine's thread count unless they say so.
config.environment["OMP_NUM_THREADS"] = "1"

config.substitutions.append(("%python", config.python_executable))
# Caps the address space of what follows (a tiny file must not make bertc
# allocate gigabytes). ASan reserves terabytes of shadow memory, so sanitized
# builds (BERTC_SANITIZE) skip the cap: ASan itself reports huge allocations.
sanitize = getattr(config, "bertc_sanitize", "")
if sanitize:
    config.available_features.add("sanitizer")
    for s in sanitize.replace(";", ",").split(","):
        if s:
            config.available_features.add("sanitize-" + s)
config.substitutions.append(("%limit_vm", "true" if sanitize else "ulimit -v 2000000"))
config.substitutions.append(("%shared_models", config.shared_models_dir))
config.substitutions.append(("%testmodels", config.test_models_dir))
config.substitutions.append(("%bertc_src", config.bertc_src_root))
config.substitutions.append(("%bertc_build", config.bertc_obj_root))
# ONNX textual syntax -> .onnx (test/Import/onnx_from_text.py).
config.substitutions.append(("%onnx_from_text", config.python_executable + " " +
    os.path.join(config.bertc_src_root, "test", "Import", "onnx_from_text.py")))

if os.path.isdir(config.shared_models_dir) and any(
    f.endswith(".onnx") for f in os.listdir(config.shared_models_dir)):
    config.available_features.add("shared-models")
try:
    import onnxruntime  # noqa: F401
    config.available_features.add("onnxruntime")
except ImportError:
    pass
# torch + transformers: tests that export Hugging Face classes themselves
# (test/e2e/export_hf.py). find_spec, not import: importing torch is slow.
import importlib.util
if importlib.util.find_spec("torch") and importlib.util.find_spec("transformers"):
    config.available_features.add("transformers")
