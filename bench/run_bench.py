#!/usr/bin/env python3
"""bertc vs ONNX Runtime and OpenVINO on the CPU, side by side, in one command.

For each model, compiles it with bertc (timed), checks bertc's outputs against
ONNX Runtime at one shape (relative L2 <= 1e-4, or the model is not timed),
then for each (batch, sequence) runs bertc (bertc-run --bench), ONNX Runtime
(ORT_ENABLE_ALL, intra_op_num_threads = T, inter_op 1, sequential) and
OpenVINO (read_model, reshaped to the row's static shape, compiled on "CPU"
with PERFORMANCE_HINT=LATENCY, INFERENCE_NUM_THREADS = T and
INFERENCE_PRECISION_HINT=f32, one InferRequest) on the same inputs, with the
same thread count, interleaved over several rounds after warm-up, and prints
a Markdown table: median latency of each, the ratios bertc/ORT, bertc/OV and
bertc/min(ORT, OV), the model's matmul GFLOP/s against the fp32 peak measured
in the same run, and bertc's peak resident memory. It also prints compile
time and model.so size against the ONNX file's.

Models (--models, comma-separated names or groups):
  real (default): the three below
    minilm-l6          the trained all-MiniLM-L6-v2 (TorchScript export, opset
                       14) in ../shared/models/real/
    bert-base-ts       BERT-base, random seeded weights, transformers BertModel,
                       attn eager, TorchScript exporter, opset 17
    bert-base-dynamo   the same weights, attn sdpa, dynamo exporter, opset 18
                       (both made into --model-dir by bench/make_bench_models.py
                       on first use; needs torch + transformers + onnxscript)
  generated: gen-bert-base, gen-minilm (test/e2e/make_model.py, the node
    pattern of a BERT export, random weights); bert-tiny (--quick)

Inputs: input_ids random in [0, vocab), attention_mask all ones,
token_type_ids zeros (whichever the model has).

  bench/run_bench.py                                    # full table, ~20-40 min on 2 cores
  bench/run_bench.py --models minilm-l6 --rows '*:1x32' --rounds 2   # sanity run
  bench/run_bench.py --rows 'bert-base-*:1x128' --rounds 5
  bench/run_bench.py --quick                            # CI smoke test: bert-tiny, 1x16, ORT only
  bench/run_bench.py --int8                             # int8: bertc --quantize=dynamic vs ORT quantize_dynamic

--rows takes comma-separated MODEL:BATCHxSEQ glob patterns (fnmatch).
Before each row the script waits while a build (ninja, cc1plus, ...) runs;
a row during which one was seen is re-measured once, and marked (busy) if it
still was.

Environment: BERTC_BUILD (default ./build) holds bin/bertc and bin/bertc-run.
"""
import argparse
import fnmatch
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import threading
import time

import numpy as np

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))

ARCH = {"bert-base": dict(layers=12, hidden=768, heads=12, ffn=3072),
        "minilm": dict(layers=6, hidden=384, heads=12, ffn=1536),
        "bert-tiny": dict(layers=2, hidden=128, heads=2, ffn=512)}

SHARED_REAL = os.path.join(os.path.dirname(ROOT), "shared", "models", "real")

# name -> how to get it. kind: real (a file), export (make_bench_models.py),
# generated (test/e2e/make_model.py).
MODELS = {
    "minilm-l6": dict(kind="real", arch="minilm", vocab=30522,
                      path=os.path.join(SHARED_REAL, "all-MiniLM-L6-v2.onnx")),
    "bert-base-ts": dict(kind="export", arch="bert-base", vocab=30522,
                         file="bert-base_eager_ts17.onnx"),
    "bert-base-dynamo": dict(kind="export", arch="bert-base", vocab=30522,
                             file="bert-base_sdpa_dynamo18.onnx"),
    "gen-bert-base": dict(kind="generated", arch="bert-base", vocab=30522),
    "gen-minilm": dict(kind="generated", arch="minilm", vocab=30522),
    "bert-tiny": dict(kind="generated", arch="bert-tiny", vocab=500),
}
GROUPS = {"real": ["minilm-l6", "bert-base-ts", "bert-base-dynamo"],
          "generated": ["gen-bert-base", "gen-minilm"]}

CHECK_TOL = 1e-4
BUILD_PROCS = {"ninja", "make", "cmake", "cc1", "cc1plus", "ld", "ld.lld", "lld",
               "ld.gold", "collect2", "clang", "clang++", "lit", "llvm-lit", "ctest",
               "mlir-tblgen", "FileCheck", "bertc", "bertc-run", "bertc-opt"}


def model_flops(cfg, batch, seq):
    """Multiply-adds x2 of the matmuls (projections, FFN, attention)."""
    h, f, layers = cfg["hidden"], cfg["ffn"], cfg["layers"]
    m = batch * seq
    per_layer = 2 * m * (4 * h * h + 2 * h * f) + 2 * 2 * batch * seq * seq * h
    return layers * per_layer + 2 * batch * h * h  # + pooler


def model_path(name, a):
    """The ONNX file of model `name`, made if needed; None (with a message) if
    it cannot be had."""
    spec = MODELS[name]
    if spec["kind"] == "real":
        if not os.path.exists(spec["path"]):
            print(f"# {name}: {spec['path']} not found, skipped", flush=True)
            return None
        return spec["path"]
    if spec["kind"] == "export":
        path = os.path.join(a.model_dir, spec["file"])
        if not os.path.exists(path):
            maker = os.path.join(ROOT, "bench", "make_bench_models.py")
            print(f"# {name}: {path} missing; making it: {maker} --out {a.model_dir}",
                  flush=True)
            r = subprocess.run([sys.executable, maker, "--out", a.model_dir])
            if r.returncode != 0 or not os.path.exists(path):
                print(f"# {name}: could not make it (needs torch, transformers, onnxscript); "
                      f"run {maker} by hand. Skipped.", flush=True)
                return None
        return path
    import make_model  # test/e2e
    cfg = ARCH[spec["arch"]]
    path = os.path.join(a.cache, f"{name}.onnx")
    if not os.path.exists(path):
        args = ["--family", "bert", "--layers", str(cfg["layers"]), "--hidden",
                str(cfg["hidden"]), "--heads", str(cfg["heads"]), "--ffn",
                str(cfg["ffn"]), "--vocab", "30522", "--opset", "14", "-o", path]
        make_model.main(args)
    return path


def measure_peak(build, threads, quick):
    """(peak GFLOP/s with `threads` threads, GEMM GFLOP/s at 128x768x768)
    from bench/gemm_bench.c, measured now; (None, None) if unavailable."""
    exe = os.path.join(build, "bin", "gemm_bench")
    if not os.path.exists(exe):
        return None, None
    r = subprocess.run([exe, "--threads", str(threads), "--min-time",
                        "0.05" if quick else "0.3", "128", "768", "768"],
                       capture_output=True, text=True)
    peak = gemm = None
    for line in r.stdout.splitlines():
        if line.startswith("fp32 FMA peak"):
            for t, v in re.findall(r"(\d+) threads? ([\d.]+) GFLOP/s", line):
                if int(t) == threads:
                    peak = float(v)
        if line.startswith("| custom |"):
            cells = [c.strip() for c in line.strip("|").split("|")]
            gemm = float(cells[-2]) if threads > 1 else float(cells[4])
    return peak, gemm


def bertc_bench(bertc_run, lib, files, runs, warmup, threads):
    cmd = ["/usr/bin/time", "-f", "maxrss_kb=%M", bertc_run, lib, "--quiet",
           "--bench", str(runs), "--warmup", str(warmup), "--threads", str(threads)]
    for name, f in files.items():
        cmd += ["--input", f"{name}={f}"]
    if not os.path.exists("/usr/bin/time"):
        cmd = cmd[3:]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"bertc-run failed: {r.stderr}")
    median = None
    for line in r.stdout.splitlines():
        if line.startswith("median_ms="):
            median = float(line.split("=")[1])
    rss = None
    for line in r.stderr.splitlines():
        if line.startswith("maxrss_kb="):
            rss = int(line.split("=")[1])
    return median, rss


def bertc_outputs(bertc_run, lib, files, threads, out_dir, names):
    shutil.rmtree(out_dir, ignore_errors=True)
    cmd = [bertc_run, lib, "--quiet", "--threads", str(threads), "-o", out_dir]
    for name, f in files.items():
        cmd += ["--input", f"{name}={f}"]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"bertc-run failed: {r.stderr}")
    return [np.load(os.path.join(out_dir, re.sub(r"[^A-Za-z0-9._-]", "_", n) + ".npy"))
            for n in names]


def rel_l2(a, b):
    a = np.asarray(a, np.float64)
    b = np.asarray(b, np.float64)
    if a.shape != b.shape:
        return float("inf")
    return float(np.linalg.norm(a - b) / max(np.linalg.norm(b), 1e-30))


class BuildWatch:
    """Watches /proc for build processes (ninja, compilers, linkers, lit) in a
    background thread; `seen` is set when one ran since the last reset()."""

    def __init__(self, period=1.0):
        self.period = period
        self.seen = set()
        self._stop = False
        self._t = threading.Thread(target=self._loop, daemon=True)
        self._t.start()

    @staticmethod
    def running():
        """Names of build or test processes now running that this script did
        not start."""
        procs = {}
        for pid in os.listdir("/proc"):
            if not pid.isdigit():
                continue
            try:
                with open(f"/proc/{pid}/stat") as f:
                    st = f.read()
            except OSError:
                continue
            comm = st[st.index("(") + 1:st.rindex(")")]
            ppid = int(st[st.rindex(")") + 2:].split()[1])
            procs[int(pid)] = (comm, ppid)
        me = os.getpid()
        found = set()
        for pid, (comm, ppid) in procs.items():
            if comm not in BUILD_PROCS:
                continue
            mine, q, hops = False, pid, 0
            while q > 1 and hops < 64:
                if q == me:
                    mine = True
                    break
                q = procs.get(q, ("", 0))[1]
                hops += 1
            if not mine:
                found.add(comm)
        return found

    def _loop(self):
        while not self._stop:
            self.seen |= self.running()
            time.sleep(self.period)

    def reset(self):
        self.seen = set()

    def wait_idle(self, max_s):
        t0 = time.time()
        told = False
        while self.running() and time.time() - t0 < max_s:
            if not told:
                print(f"# waiting for a build to finish ({', '.join(sorted(self.running()))})",
                      flush=True)
                told = True
            time.sleep(5)
        if told:
            print(f"# waited {time.time() - t0:.0f} s for the build", flush=True)
        return not self.running()


def parse_shape(s):
    b, q = (int(x) for x in s.lower().split("x"))
    return b, q


def make_feeds(input_names, vocab, batch, seq, rng):
    feeds = {}
    for k in input_names:
        if k == "input_ids":
            feeds[k] = rng.integers(0, vocab, (batch, seq)).astype(np.int64)
        elif k == "attention_mask":
            feeds[k] = np.ones((batch, seq), np.int64)
        elif k == "token_type_ids":
            feeds[k] = np.zeros((batch, seq), np.int64)
        else:
            raise RuntimeError(f"unexpected model input {k!r}")
    return feeds


def fmt_ms(v):
    return "n/a" if v is None else f"{v:.2f}"


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--models", default="real",
                   help="comma-separated model names or groups (real, generated); "
                        f"names: {', '.join(MODELS)}")
    p.add_argument("--shapes", default="1x32,1x128,1x384,8x32,8x128,8x384",
                   help="comma-separated BATCHxSEQ")
    p.add_argument("--rows", default="*",
                   help="comma-separated MODEL:BATCHxSEQ glob patterns; only matching "
                        "rows are timed (e.g. 'minilm-l6:1x32', '*:8x*')")
    p.add_argument("--peers", default="ort,ov",
                   help="comma-separated: ort, ov (OpenVINO; skipped with a note if "
                        "not installed)")
    p.add_argument("--threads", type=int, default=os.cpu_count())
    p.add_argument("--rounds", type=int, default=5, help="interleaved rounds")
    p.add_argument("--runs", type=int, default=5,
                   help="timed runs per round and engine, at least (see --min-time)")
    p.add_argument("--min-time", type=float, default=0.5,
                   help="seconds of timed runs per round and engine, at least: short "
                        "rows get more runs than --runs (up to 200), from one run of "
                        "ONNX Runtime timed before the rounds")
    p.add_argument("--warmup", type=int, default=2,
                   help="untimed runs of each engine before the first round (bertc-run "
                        "starts a process per round: 1 untimed run in later rounds)")
    p.add_argument("--check-shape", default="2x32",
                   help="BATCHxSEQ of the bertc-vs-ORT correctness check")
    p.add_argument("--cache", default=os.path.join(ROOT, "build", "bench"),
                   help="compiled models and inputs")
    p.add_argument("--model-dir", default=os.path.join(ROOT, "bench", ".models"),
                   help="the BERT-base exports (bench/make_bench_models.py)")
    p.add_argument("--ov-precision", default="f32",
                   help="OpenVINO INFERENCE_PRECISION_HINT (its CPU default on "
                        "AVX512_BF16 machines is bf16)")
    p.add_argument("--bertc-arg", action="append", default=[])
    p.add_argument("--unfused", action="store_true",
                   help="also time a --no-fusions build of each model (fusion speedup)")
    p.add_argument("--no-wait", action="store_true",
                   help="do not wait for builds to finish before each row (rows during "
                        "which one ran are still marked busy)")
    p.add_argument("--int8", action="store_true",
                   help="int8: bertc --quantize=dynamic against ONNX Runtime on the "
                        "model made by onnxruntime.quantization.quantize_dynamic "
                        "(QInt8 weights; per_channel as --ort-per-channel), both checked "
                        "against ORT fp32 with --int8-tol; OpenVINO is left out (its "
                        "int8 needs NNCF calibration)")
    p.add_argument("--ort-per-channel", action="store_true",
                   help="with --int8: ORT's model quantized per channel (default: "
                        "per tensor, quantize_dynamic's default)")
    p.add_argument("--int8-tol", type=float, default=0.1,
                   help="with --int8: largest relative L2 against ORT fp32")
    p.add_argument("--quick", action="store_true",
                   help="CI smoke test: bert-tiny, 1x16, ORT only, 1 round of 2 runs")
    a = p.parse_args()
    if a.quick:
        a.models, a.shapes, a.rounds, a.runs, a.warmup = "bert-tiny", "1x16", 1, 2, 1
        a.min_time = 0
        a.peers, a.rows, a.check_shape, a.no_wait = "ort", "*", "1x16", True
    if a.int8:
        a.bertc_arg = ["--quantize=dynamic"] + a.bertc_arg
        a.peers = ",".join(x for x in a.peers.split(",") if x.strip().lower() != "ov")
    build = os.environ.get("BERTC_BUILD", os.path.join(ROOT, "build"))
    bertc = os.path.join(build, "bin", "bertc")
    bertc_run = os.path.join(build, "bin", "bertc-run")
    os.makedirs(a.cache, exist_ok=True)

    names = []
    for m in a.models.split(","):
        m = m.strip()
        for n in GROUPS.get(m, [m]):
            if n not in MODELS:
                p.error(f"unknown model {n!r}; known: {', '.join(list(GROUPS) + list(MODELS))}")
            if n not in names:
                names.append(n)
    shapes = [parse_shape(s) for s in a.shapes.split(",")]
    pats = [r.strip() for r in a.rows.split(",") if r.strip()]

    def wanted(name, b, s):
        key = f"{name}:{b}x{s}"
        return any(fnmatch.fnmatch(key, pt if ":" in pt else pt + ":*") for pt in pats)

    plan = [(n, b, s) for n in names for (b, s) in shapes if wanted(n, b, s)]
    if not plan:
        p.error("no row matches --models/--shapes/--rows")

    import onnxruntime as ort
    so = ort.SessionOptions()
    so.intra_op_num_threads = a.threads
    so.inter_op_num_threads = 1
    so.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL

    peers = [x.strip().lower() for x in a.peers.split(",") if x.strip()]
    ov = None
    if "ov" in peers:
        try:
            import openvino as ov
        except ImportError:
            print("# OpenVINO not installed (pip install openvino): its columns are left out",
                  flush=True)
            peers.remove("ov")
    label = {"ort": "ORT-int8" if a.int8 else "ORT", "ov": "OV"}

    watch = None if a.quick else BuildWatch()
    wait = watch is not None and not a.no_wait
    busy_start = BuildWatch.running()
    versions = f"ONNX Runtime {ort.__version__}"
    if ov is not None:
        versions += f", OpenVINO {ov.__version__}"
    print(f"# bertc vs {versions}, {a.threads} threads, {a.rounds} rounds x {a.runs} runs "
          f"(or more, to {a.min_time:g} s a round) after {a.warmup} warm-up, medians")
    cpu = platform.processor() or ""
    try:
        with open("/proc/cpuinfo") as f:
            cpu = next((l.split(":", 1)[1].strip() for l in f if l.startswith("model name")),
                       cpu)
    except OSError:
        pass
    print(f"# machine: {cpu}, {os.cpu_count()} logical CPUs; load average "
          f"{os.getloadavg()[0]:.2f} at start"
          + (f"; build running at start: {', '.join(sorted(busy_start))}" if busy_start else ""))
    # Estimate: each engine runs warmup + rounds x (runs + 1) times per row
    # (bertc-run's untimed run per round), runs raised to fill --min-time,
    # at ~170 GFLOP/s (a guess from earlier runs on 2 Zen 4 cores; scaled by
    # the thread count), plus compile and session set-up.
    rate = 85e9 * max(1, a.threads)
    n_eng = 1 + len(peers)

    def row_est(n, b, s):
        t1 = model_flops(ARCH[MODELS[n]["arch"]], b, s) / rate
        per_round = max(a.runs * t1, min(a.min_time, 200 * t1)) + t1
        return (a.warmup * t1 + a.rounds * per_round) * n_eng * (2 if a.unfused else 1)

    est = sum(row_est(*x) for x in plan)
    est += sum(40 if ARCH[MODELS[n]["arch"]]["hidden"] >= 768 else 10 for n in set(x[0] for x in plan))
    est += 3 * len(plan) * (1 if ov is not None else 0)
    print(f"# {len(plan)} rows; estimated time {est / 60:.1f} min", flush=True)
    t_start = time.time()

    if wait:
        watch.wait_idle(3600)
    peak, gemm = measure_peak(build, a.threads, a.quick)
    if peak:
        print(f"# fp32 FMA peak measured now ({a.threads} threads): {peak:.1f} GFLOP/s; "
              f"bertc GEMM 128x768x768: {gemm:.1f} GFLOP/s ({100 * gemm / peak:.0f}% of peak)")
    rows, notes, checks = [], [], []
    est_done, time_done = 0.0, 0.0
    est_total = sum(row_est(*x) for x in plan)
    for name in names:
        mrows = [(b, s) for n, b, s in plan if n == name]
        if not mrows:
            continue
        spec = MODELS[name]
        cfg = ARCH[spec["arch"]]
        onnx_path = model_path(name, a)
        if onnx_path is None:
            notes.append(f"{name}: model not available, not timed")
            continue
        lib = os.path.join(a.cache, f"{name}{'.int8' if a.int8 else ''}.so")
        t0 = time.perf_counter()
        r = subprocess.run([bertc, onnx_path, "-o", lib] + a.bertc_arg,
                           capture_output=True, text=True)
        compile_s = time.perf_counter() - t0
        if r.returncode != 0:
            print(r.stderr, file=sys.stderr)
            return 1
        weights = os.path.getsize(onnx_path)
        notes.append(f"{name}: compile {compile_s:.1f} s, model.so "
                     f"{os.path.getsize(lib) / 2**20:.1f} MiB, ONNX file "
                     f"{weights / 2**20:.1f} MiB")
        lib_unfused = None
        if a.unfused:
            lib_unfused = os.path.join(a.cache, f"{name}.unfused.so")
            r = subprocess.run([bertc, onnx_path, "-o", lib_unfused, "--no-fusions"]
                               + a.bertc_arg, capture_output=True, text=True)
            if r.returncode != 0:
                print(r.stderr, file=sys.stderr)
                return 1
        sess = ort.InferenceSession(onnx_path, so, providers=["CPUExecutionProvider"])
        ref_sess = sess  # the correctness reference: ORT fp32
        if a.int8:
            from onnxruntime.quantization import QuantType, quantize_dynamic
            qpath = os.path.join(a.cache, f"{name}.ort-int8"
                                 f"{'-pc' if a.ort_per_channel else ''}.onnx")
            if not os.path.exists(qpath):
                quantize_dynamic(onnx_path, qpath, weight_type=QuantType.QInt8,
                                 per_channel=a.ort_per_channel)
            sess = ort.InferenceSession(qpath, so, providers=["CPUExecutionProvider"])
        in_names = [i.name for i in sess.get_inputs()]
        out_names = [o.name for o in sess.get_outputs()]
        ov_model = None
        if ov is not None:
            core = ov.Core()
            ov_model = core.read_model(onnx_path)

        def ov_compile(batch, seq):
            ov_model.reshape({n: [batch, seq] for n in in_names})
            cm = core.compile_model(ov_model, "CPU", {
                "PERFORMANCE_HINT": "LATENCY", "INFERENCE_NUM_THREADS": a.threads,
                "INFERENCE_PRECISION_HINT": a.ov_precision})
            return cm, cm.create_infer_request()

        def ov_run(req, feeds):
            for k, v in feeds.items():
                req.set_tensor(k, ov.Tensor(v))
            req.infer()

        def save_inputs(tag, feeds):
            files = {}
            for k, v in feeds.items():
                f = os.path.join(a.cache, f"{name}_{tag}_{k}.npy")
                np.save(f, v)
                files[k] = f
            return files

        # Correctness guard: bertc (and OpenVINO) against ORT at one shape.
        cb, cs = parse_shape(a.check_shape)
        feeds = make_feeds(in_names, spec["vocab"], cb, cs, np.random.default_rng(1))
        ref = ref_sess.run(out_names, feeds)
        got = bertc_outputs(bertc_run, lib, save_inputs("check", feeds), a.threads,
                            os.path.join(a.cache, f"{name}_check_out"), out_names)
        errs = {n: rel_l2(g, r_) for n, g, r_ in zip(out_names, got, ref)}
        worst = max(errs.values())
        line = (f"check {name} at {cb}x{cs}: bertc vs ORT rel L2 "
                + ", ".join(f"{n} {e:.1e}" for n, e in errs.items()))
        if ov_model is not None:
            cm, req = ov_compile(cb, cs)
            ov_run(req, feeds)
            oerr = max(rel_l2(req.get_output_tensor(i).data, r_) for i, r_ in enumerate(ref))
            prec = cm.get_property("INFERENCE_PRECISION_HINT")
            line += (f"; OpenVINO ({getattr(prec, 'get_type_name', lambda: prec)()}) vs ORT "
                     f"{oerr:.1e}")
            del req, cm
        tol = a.int8_tol if a.int8 else CHECK_TOL
        if a.int8:
            qref = sess.run(out_names, feeds)
            line += "; ORT int8 vs ORT fp32 " + ", ".join(
                f"{n} {rel_l2(q, r_):.1e}" for n, q, r_ in zip(out_names, qref, ref))
        ok = bool(np.isfinite(worst) and worst <= tol)
        line += " ok" if ok else f" MISMATCH (> {tol:g}): not timed"
        print(f"# {line}", flush=True)
        checks.append(line)
        if not ok:
            continue

        rng = np.random.default_rng(0)
        for batch, seq in mrows:
            feeds = make_feeds(in_names, spec["vocab"], batch, seq, rng)
            files = save_inputs(f"{batch}x{seq}", feeds)
            req = cm = None
            if ov_model is not None:
                cm, req = ov_compile(batch, seq)
            for attempt in range(2):
                if wait:
                    watch.wait_idle(3600)
                if watch:
                    watch.reset()
                load0 = os.getloadavg()[0]
                t = time.perf_counter()
                sess.run(None, feeds)
                one_ms = (time.perf_counter() - t) * 1e3
                runs = max(a.runs, min(200, int(np.ceil(a.min_time * 1e3 / one_ms))))
                meds = {"bertc": [], "ort": [], "ov": [], "unfused": []}
                rss = 0

                def t_bertc(first):
                    nonlocal rss
                    w = a.warmup if first else 1
                    med, r_kb = bertc_bench(bertc_run, lib, files, runs, w, a.threads)
                    meds["bertc"].append(med)
                    rss = max(rss, r_kb or 0)
                    if lib_unfused:
                        meds["unfused"].append(
                            bertc_bench(bertc_run, lib_unfused, files, runs, w, a.threads)[0])

                def t_ort(first):
                    for _ in range(a.warmup if first else 0):
                        sess.run(None, feeds)
                    ts = []
                    for _ in range(runs):
                        t = time.perf_counter()
                        sess.run(None, feeds)
                        ts.append((time.perf_counter() - t) * 1e3)
                    meds["ort"].append(statistics.median(ts))

                def t_ov(first):
                    for k, v in feeds.items():
                        req.set_tensor(k, ov.Tensor(v))
                    for _ in range(a.warmup if first else 0):
                        req.infer()
                    ts = []
                    for _ in range(runs):
                        t = time.perf_counter()
                        req.infer()
                        ts.append((time.perf_counter() - t) * 1e3)
                    meds["ov"].append(statistics.median(ts))

                engines = [t_bertc] + ([t_ort] if "ort" in peers else []) + \
                          ([t_ov] if req is not None else [])
                t_row = time.time()
                for rnd in range(a.rounds):
                    # Rotate the order each round so no engine always runs
                    # right after another's heavy run.
                    k = rnd % len(engines)
                    for e in engines[k:] + engines[:k]:
                        e(rnd == 0)
                busy = set(watch.seen) if watch else set()
                if not busy or attempt == 1 or not wait:
                    break
                print(f"# {name} {batch}x{seq}: a build ran during the row "
                      f"({', '.join(sorted(busy))}); measuring it again", flush=True)
            row_s = time.time() - t_row
            del req, cm
            b = statistics.median(meds["bertc"])
            o = statistics.median(meds["ort"]) if meds["ort"] else None
            v = statistics.median(meds["ov"]) if meds["ov"] else None
            u = statistics.median(meds["unfused"]) if meds["unfused"] else None
            fl = model_flops(cfg, batch, seq)
            gf = fl / (b * 1e-3) / 1e9
            rows.append(dict(name=name, batch=batch, seq=seq, b=b, ort=o, ov=v, u=u, gf=gf,
                             rss=rss / 1024, busy=busy, load=load0))
            est_done += row_est(name, batch, seq)
            time_done += row_s
            left = (est_total - est_done) * time_done / est_done if est_done else 0
            print(f"# {name} {batch}x{seq}: bertc {b:.2f} ms, ORT {fmt_ms(o)}, OV {fmt_ms(v)}"
                  f" ({a.rounds} x {runs} runs, {row_s:.0f} s; {(time.time() - t_start) / 60:.1f} min so far, "
                  f"~{left / 60:.1f} min of timing left)"
                  + (f" [build ran: {', '.join(sorted(busy))}]" if busy else ""), flush=True)
        del sess, ov_model

    cols = ["model", "batch", "seq", "threads", "bertc ms"]
    cols += [f"{label[x]} ms" for x in peers]
    cols += [f"bertc/{label[x]}" for x in peers]
    if len(peers) > 1:
        cols.append("bertc/min(" + ",".join(label[x] for x in peers) + ")")
    cols += ["bertc GFLOP/s", "% of peak", "x FLOP floor", "bertc peak RSS MiB"]
    if a.unfused:
        cols += ["unfused ms", "fusion speedup"]
    print("\n| " + " | ".join(cols) + " |")
    print("|" + "---|" * len(cols))
    for r in rows:
        vals = {"ort": r["ort"], "ov": r["ov"]}
        cells = [r["name"] + (" (busy)" if r["busy"] else ""), str(r["batch"]),
                 str(r["seq"]), str(a.threads), f"{r['b']:.2f}"]
        cells += [fmt_ms(vals[x]) for x in peers]
        cells += [f"{r['b'] / vals[x]:.2f}" if vals[x] else "n/a" for x in peers]
        if len(peers) > 1:
            best = [vals[x] for x in peers if vals[x]]
            cells.append(f"{r['b'] / min(best):.2f}" if best else "n/a")
        cells += [f"{r['gf']:.1f}", f"{100 * r['gf'] / peak:.0f}%" if peak else "n/a",
                  f"{peak / r['gf']:.2f}" if peak else "n/a", f"{r['rss']:.0f}"]
        if a.unfused:
            cells += [f"{r['u']:.2f}", f"{r['u'] / r['b']:.2f}x"]
        print("| " + " | ".join(cells) + " |")
    print()
    for n in notes:
        print(f"- {n}")
    for c in checks:
        print(f"- {c}")
    busy_rows = [f"{r['name']} {r['batch']}x{r['seq']}" for r in rows if r["busy"]]
    if busy_rows:
        print(f"- a build ran during (busy): {', '.join(busy_rows)}")
    elif watch:
        print("- no build ran during any timed row")
    print(f"- total time {(time.time() - t_start) / 60:.1f} min")
    return 0


if __name__ == "__main__":
    sys.exit(main())
