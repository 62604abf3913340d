#!/usr/bin/env python3
"""Accuracy against reference outputs: run a compiled model (bertc-run) on
given .npy inputs and compare each named output with a reference .npy.

  compare_ref.py MODEL.so --bertc-run BIN --workdir DIR
                 --input NAME=FILE.npy ... --ref OUTPUT=FILE.npy ...
                 [--mean-pool OUTPUT=REF.npy] [--tol 1e-4] [--min-cos 0.9999]

Per reference: relative L2 error ||out - ref|| / ||ref|| (<= --tol) and the
minimum cosine over rows (the last axis; >= --min-cos). --mean-pool compares
the mean of OUTPUT over the tokens whose attention_mask is 1 (sentence
embeddings) with REF. Exits 1 if any check fails, 2 on a tool failure.
"""
import argparse
import os
import subprocess
import sys

import numpy as np


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("lib")
    ap.add_argument("--bertc-run", required=True)
    ap.add_argument("--workdir", required=True)
    ap.add_argument("--input", action="append", default=[])
    ap.add_argument("--ref", action="append", default=[])
    ap.add_argument("--mean-pool", action="append", default=[])
    ap.add_argument("--tol", type=float, default=1e-4)
    ap.add_argument("--min-cos", type=float, default=0.9999)
    a = ap.parse_args()
    os.makedirs(a.workdir, exist_ok=True)
    out_dir = os.path.join(a.workdir, "out")
    cmd = [a.bertc_run, a.lib, "--output-dir", out_dir, "-q"]
    inputs = {}
    for spec in a.input:
        name, path = spec.split("=", 1)
        inputs[name] = np.load(path)
        cmd += ["--input", spec]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        print(r.stdout + r.stderr, file=sys.stderr)
        return 2
    ok = True

    def check(label, got, ref):
        nonlocal ok
        rel = float(np.linalg.norm(got - ref) / max(np.linalg.norm(ref), 1e-30))
        g = got.reshape(-1, got.shape[-1]).astype(np.float64)
        f = ref.reshape(-1, ref.shape[-1]).astype(np.float64)
        cos = np.sum(g * f, 1) / np.maximum(
            np.linalg.norm(g, axis=1) * np.linalg.norm(f, axis=1), 1e-30)
        good = rel <= a.tol and cos.min() >= a.min_cos
        ok &= good
        print(f"{'ok  ' if good else 'FAIL'} {label}{list(ref.shape)}: rel_l2={rel:.3e} "
              f"min_cos={cos.min():.7f} (tol {a.tol}, min cos {a.min_cos})")

    for spec in a.ref:
        name, path = spec.split("=", 1)
        check(name, np.load(os.path.join(out_dir, name + ".npy")), np.load(path))
    for spec in a.mean_pool:
        name, path = spec.split("=", 1)
        hidden = np.load(os.path.join(out_dir, name + ".npy"))
        mask = inputs["attention_mask"].astype(np.float32)[..., None]
        pooled = (hidden * mask).sum(1) / np.maximum(mask.sum(1), 1e-9)
        check(f"mean_pool({name})", pooled, np.load(path))
    print("PASS" if ok else "FAIL")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
