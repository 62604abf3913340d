#!/usr/bin/env python3
"""End-to-end check: compile an ONNX model with bertc once, run the library
at several shapes with bertc-run, and compare every output with ONNX Runtime.

Usage:
  compare_ort.py MODEL.onnx --bertc BIN --bertc-run BIN --workdir DIR
                 [--shape 2x16 --shape 1x37] [--tol 1e-4] [--lib model.so]
                 [--feeds FEEDS.py]

Inputs are generated from the model's signature:
  * int64/int32 inputs whose name contains "mask" get an attention mask
    with padding (row b keeps the first seq - 3*b tokens, at least one);
  * other integer inputs (token ids, token types, positions) get values in
    [0, bound) where bound is read from the first Gather that consumes the
    input (its data's first dimension), or 2 when that cannot be found;
  * float inputs get standard normal values.
Symbolic dimensions are bound in order of first appearance: the first to
the batch, the second to the sequence of --shape BxS. Fixed dimensions keep
their value.

With --feeds, the inputs come from FEEDS.py instead: a Python file (numpy
is `np`) that sets FEEDS to a list of {input name: array} dicts, one run
each (labelled feed0, feed1, ...), for inputs a test must choose (NaNs,
negative or boundary indices, ties).

The metric is the relative L2 error ||bertc - ort|| / max(||ort||, tiny) per
output over the finite reference values (NaN and infinite values must be
at the same positions, and infinities of the same sign); integer and bool
outputs must match exactly. The script exits 1 if any output exceeds --tol
(default 1e-4), 2 on any tool failure. Prints one line per output and shape.
"""
import argparse
import os
import subprocess
import sys

import numpy as np
import onnx
import onnxruntime as ort

NP_OF_ONNX = {
    onnx.TensorProto.FLOAT: np.float32,
    onnx.TensorProto.DOUBLE: np.float64,
    onnx.TensorProto.FLOAT16: np.float16,
    onnx.TensorProto.INT64: np.int64,
    onnx.TensorProto.INT32: np.int32,
    onnx.TensorProto.INT8: np.int8,
    onnx.TensorProto.UINT8: np.uint8,
    onnx.TensorProto.BOOL: np.bool_,
}


def gather_bound(model, name):
    inits = {i.name: i for i in model.graph.initializer}
    consts = {}
    for n in model.graph.node:
        if n.op_type == "Constant":
            for a in n.attribute:
                if a.name == "value":
                    consts[n.output[0]] = a.t
    for n in model.graph.node:
        if n.op_type == "Gather" and len(n.input) > 1 and n.input[1] == name:
            data = n.input[0]
            t = inits.get(data) or consts.get(data)
            if t is not None and len(t.dims) >= 1:
                return int(t.dims[0])
    return None


def make_inputs(model, batch, seq, rng):
    feeds = {}
    init_names = {i.name for i in model.graph.initializer}
    symbols = {}
    for vi in model.graph.input:
        if vi.name in init_names:
            continue
        tt = vi.type.tensor_type
        dtype = NP_OF_ONNX[tt.elem_type]
        shape = []
        for d in tt.shape.dim:
            if d.HasField("dim_value"):
                shape.append(d.dim_value)
            else:
                key = d.dim_param or f"?{len(symbols)}"
                if key not in symbols:
                    symbols[key] = [batch, seq][min(len(symbols), 1)]
                shape.append(symbols[key])
        if np.issubdtype(dtype, np.integer) or dtype == np.bool_:
            if "mask" in vi.name.lower():
                arr = np.zeros(shape, dtype=dtype)
                b, s = shape[0], shape[-1]
                for i in range(b):
                    keep = max(1, s - 3 * i)
                    arr[i, ..., :keep] = 1
            else:
                bound = gather_bound(model, vi.name) or 2
                arr = rng.integers(0, bound, size=shape).astype(dtype)
        else:
            arr = rng.standard_normal(shape).astype(dtype)
        feeds[vi.name] = arr
    return feeds


def rel_l2(got, ref):
    got = got.astype(np.float64)
    ref = ref.astype(np.float64)
    denom = max(np.linalg.norm(ref), 1e-30)
    return float(np.linalg.norm(got - ref) / denom)


def nonfinite_match(got, ref):
    """NaN where the reference has NaN, the same infinities where it has them."""
    if not np.array_equal(np.isnan(got), np.isnan(ref)):
        return False
    inf = np.isinf(ref)
    return np.array_equal(np.isinf(got), inf) and np.array_equal(got[inf], ref[inf])


def main():
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("model")
    p.add_argument("--bertc", required=True)
    p.add_argument("--bertc-run", required=True)
    p.add_argument("--workdir", required=True)
    p.add_argument("--shape", action="append", default=None,
                   help="BATCHxSEQ (repeatable; default 2x16 and 1x37)")
    p.add_argument("--tol", type=float, default=1e-4)
    p.add_argument("--lib", help="use this compiled library instead of compiling")
    p.add_argument("--bertc-arg", action="append", default=[],
                   help="extra argument for bertc (repeatable)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--feeds", help="Python file setting FEEDS, a list of input dicts")
    args = p.parse_args()
    shapes = args.shape or ["2x16", "1x37"]
    feed_sets = None
    if args.feeds:
        scope = {"np": np}
        exec(compile(open(args.feeds).read(), args.feeds, "exec"), scope)
        feed_sets = scope["FEEDS"]

    os.makedirs(args.workdir, exist_ok=True)
    base = os.path.splitext(os.path.basename(args.model))[0]
    lib = args.lib or os.path.join(args.workdir, base + ".so")
    if not args.lib:
        cmd = [args.bertc, args.model, "-o", lib] + args.bertc_arg
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            print(f"FAIL compile: {' '.join(cmd)}")
            return 2

    model = onnx.load(args.model)
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    sess = ort.InferenceSession(args.model, so, providers=["CPUExecutionProvider"])
    out_names = [o.name for o in sess.get_outputs()]
    rng = np.random.default_rng(args.seed)
    worst = 0.0
    failed = False
    runs = ([(f"feed{i}", f) for i, f in enumerate(feed_sets)] if feed_sets is not None
            else [(s, None) for s in shapes])
    for shape, feeds in runs:
        if feeds is None:
            batch, seq = (int(x) for x in shape.lower().split("x"))
            feeds = make_inputs(model, batch, seq, rng)
        refs = sess.run(out_names, feeds)
        d = os.path.join(args.workdir, f"{base}_{shape}")
        os.makedirs(d, exist_ok=True)
        cmd = [args.bertc_run, lib, "--quiet", "--output-dir", os.path.join(d, "out")]
        for name, arr in feeds.items():
            f = os.path.join(d, name.replace("/", "_") + ".npy")
            np.save(f, arr)
            cmd += ["--input", f"{name}={f}"]
        r = subprocess.run(cmd, capture_output=True, text=True)
        if r.returncode != 0:
            sys.stderr.write(r.stdout + r.stderr)
            print(f"FAIL run {shape}: {' '.join(cmd)}")
            return 2
        for name, ref in zip(out_names, refs):
            safe = "".join(c if (c.isalnum() or c in "._-") else "_" for c in name)
            got = np.load(os.path.join(d, "out", safe + ".npy"))
            if got.shape != ref.shape:
                print(f"FAIL {base} {shape} {name}: shape {got.shape} vs ort {ref.shape}")
                failed = True
                continue
            if ref.dtype.kind in "iub":
                ok = np.array_equal(got, ref)
                print(f"{'ok  ' if ok else 'FAIL'} {base} {shape} {name}: exact={ok}")
                failed |= not ok
                continue
            fin = np.isfinite(ref)
            err = rel_l2(got[fin], ref[fin])
            worst = max(worst, err)
            ok = err <= args.tol and nonfinite_match(got, ref)
            print(f"{'ok  ' if ok else 'FAIL'} {base} {shape} {name}{list(ref.shape)}: "
                  f"rel_l2={err:.3e} (tol {args.tol:g})")
            failed |= not ok
    print(f"{'PASS' if not failed else 'FAIL'} {base}: worst rel_l2={worst:.3e}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
