#!/usr/bin/env python3
"""Build and time MLIR-generated fp32 GEMMs (see gen.py, README.md).

  bench.py [--keep DIR] [--shapes MxNxK,...] [--variants V,...] [--asm]

For each variant and shape:
  1. gen.py kernel -> mlir-opt: transform interpreter (tiling, vectorization,
     hoisting, vector lowering), one-shot bufferization -> @gemm on memrefs
  2. splice @gemm into the driver (gen.py main), lower everything to LLVM
  3. mlir-cpu-runner -O3 (JIT for the host CPU) -> max |err| vs the scalar
     reference, ms per call, GFLOP/s (best of 5 rounds)
Prints one line per variant/shape.
"""
import argparse
import os
import re
import resource
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
LLVM = os.environ.get("LLVM_DIR", "/usr/lib/llvm-19")
OPT = f"{LLVM}/bin/mlir-opt"
RUNNER = f"{LLVM}/bin/mlir-cpu-runner"
TRANSLATE = f"{LLVM}/bin/mlir-translate"
LLC = f"{LLVM}/bin/llc"
LIBS = f"{LLVM}/lib/libmlir_c_runner_utils.so,{LLVM}/lib/libmlir_runner_utils.so"

KERNEL_PIPELINE = [
    "-transform-interpreter",
    "-test-transform-dialect-erase-schedule",
    "-canonicalize", "-cse",
    "--mlir-print-local-scope",
]
LLVM_PIPELINE = [
    "-convert-vector-to-scf=full-unroll target-rank=1",
    "-convert-linalg-to-loops",
    "-lower-affine",
    "-expand-strided-metadata",
    "-lower-affine",
    "-convert-scf-to-cf",
    "-convert-vector-to-llvm",
    "-finalize-memref-to-llvm",
    "-convert-math-to-llvm",
    "-convert-arith-to-llvm",
    "-convert-index-to-llvm",
    "-convert-func-to-llvm",
    "-convert-cf-to-llvm",
    "-reconcile-unrealized-casts",
]

DEFAULT_SHAPES = "128x768x768,128x3072x768,128x768x3072"
DEFAULT_VARIANTS = ",".join([
    "naive",
    "tile:8x32:768:256",
])


def _limits():  # a runaway pattern rewrite must not take the machine down
    resource.setrlimit(resource.RLIMIT_AS, (6 << 30, 6 << 30))


def run(cmd, timeout=300, **kw):
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout,
                           preexec_fn=_limits, **kw)
    except subprocess.TimeoutExpired:
        raise RuntimeError(f"{' '.join(cmd[:2])} ... timed out after {timeout} s")
    if r.returncode:
        raise RuntimeError(f"{' '.join(cmd[:2])} ... failed ({r.returncode}):\n{r.stderr[-3000:]}")
    return r.stdout


def extract_gemm(text):
    """The func.func @gemm op of a printed module (local-scope maps)."""
    lines = text.splitlines()
    start = next(i for i, l in enumerate(lines) if re.match(r"\s*func\.func @gemm\(", l))
    indent = len(lines[start]) - len(lines[start].lstrip())
    for j in range(start + 1, len(lines)):
        if lines[j] == " " * indent + "}":
            return "\n".join(l[indent:] for l in lines[start:j + 1])
    raise RuntimeError("no end of @gemm")


def build_and_run(variant, M, N, K, work, asm=False, target_gflop=8.0):
    tag = f"{variant.replace(':', '_')}_{M}x{N}x{K}"
    gen = [sys.executable, os.path.join(HERE, "gen.py")]
    kernel = run(gen + ["kernel", variant, str(M), str(N), str(K)])
    main = run(gen + ["main", variant, str(M), str(N), str(K), str(target_gflop)])
    kpath = os.path.join(work, tag + ".kernel.mlir")
    open(kpath, "w").write(kernel)
    kbuf = run([OPT, kpath] + KERNEL_PIPELINE)
    open(os.path.join(work, tag + ".kernel.bufferized.mlir"), "w").write(kbuf)
    full = main.replace("// @@GEMM@@ (the bufferized kernel is spliced in here)", extract_gemm(kbuf))
    fpath = os.path.join(work, tag + ".full.mlir")
    open(fpath, "w").write(full)
    llpath = os.path.join(work, tag + ".llvm.mlir")
    run([OPT, fpath] + LLVM_PIPELINE + ["-o", llpath])
    if asm:  # for inspection only: the same LLVM IR through llc for the host CPU
        ll = run([TRANSLATE, "--mlir-to-llvmir", llpath])
        open(os.path.join(work, tag + ".ll"), "w").write(ll)
        run([LLC, "-O3", "-mcpu=native", os.path.join(work, tag + ".ll"),
             "-o", os.path.join(work, tag + ".s")])
    out = run([RUNNER, "-O3", "-e", "main", "-entry-point-result=void",
               f"-shared-libs={LIBS}", llpath])
    vals = {}
    lines = out.split("\n")
    for i, l in enumerate(lines):
        for key in ("MAXERR", "PROBE", "MS_PER_CALL", "GFLOPS"):
            if l.strip() == key and i + 1 < len(lines):
                vals[key] = float(lines[i + 1])
    if len(vals) < 4:  # vector.print str prints without newline: "KEY value"
        for key in ("MAXERR", "PROBE", "MS_PER_CALL", "GFLOPS"):
            m = re.search(key + r"\s+([-+0-9.eE]+|nan|inf)", out)
            if m:
                vals[key] = float(m.group(1))
    return vals, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--keep", help="directory for the intermediate files (default: a temp dir)")
    ap.add_argument("--shapes", default=DEFAULT_SHAPES)
    ap.add_argument("--variants", default=DEFAULT_VARIANTS)
    ap.add_argument("--asm", action="store_true", help="also write llc -mcpu=native assembly")
    ap.add_argument("--gflop", type=float, default=8.0, help="GFLOP per timing round")
    a = ap.parse_args()
    work = a.keep or tempfile.mkdtemp(prefix="mlir_gemm_")
    os.makedirs(work, exist_ok=True)
    print(f"# {' '.join(run([OPT, '--version']).split()[:4])}; intermediates in {work}")
    print(f"{'variant':<34} {'M x N x K':>16} {'ms/call':>9} {'GFLOP/s':>8}  check")
    for v in a.variants.split(","):
        for s in a.shapes.split(","):
            M, N, K = (int(x) for x in s.split("x"))
            try:
                vals, _ = build_and_run(v, M, N, K, work, a.asm, a.gflop)
                ok = vals.get("MAXERR", 1.0) == 0.0
                chk = "exact match vs scalar reference" if ok else f"MISMATCH max|err|={vals.get('MAXERR')}"
                print(f"{v:<34} {s:>16} {vals['MS_PER_CALL']:>9.3f} {vals['GFLOPS']:>8.1f}  {chk}",
                      flush=True)
            except Exception as e:  # report and go on with the next one
                msg = str(e).strip().splitlines()
                print(f"{v:<34} {s:>16} {'-':>9} {'-':>8}  FAILED: {' | '.join(msg[:4])[:300]}",
                      flush=True)


if __name__ == "__main__":
    main()
