#!/usr/bin/env python3
"""Fusion coverage: bertc vs ONNX Runtime's transformer optimizer.

For each model, counts the attention, LayerNorm and GELU subgraphs that
ONNX Runtime's optimizer fuses (onnxruntime.transformers.optimizer.
optimize_model(...).get_fused_operator_statistics(); the best of model types
bert, gpt2 and vit, so the peer gets its most favourable setting) and those
that bertc fuses (`bertc --emit=mlir --fusion-report`), and prints a Markdown
table. With --check, exits 1 if bertc fuses fewer of any kind than ORT, or
leaves an onnx Softmax/ReduceMean/Erf of those patterns in the IR.

  bench/fusion_table.py [--check] MODEL.onnx ...
  bench/fusion_table.py --shared ../shared/models --generated
"""
import argparse
import glob
import io
import logging
import os
import re
import subprocess
import sys
import tempfile
from contextlib import redirect_stdout, redirect_stderr

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "test", "e2e"))


def ort_counts(path, heads, hidden):
    from onnxruntime.transformers.optimizer import optimize_model
    logging.disable(logging.CRITICAL)
    best = {"attention": 0, "layer_norm": 0, "gelu": 0}
    for model_type in ("bert", "gpt2", "vit"):
        try:
            with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
                m = optimize_model(path, model_type=model_type, num_heads=heads,
                                   hidden_size=hidden, opt_level=0)
                s = m.get_fused_operator_statistics()
        except Exception:  # noqa: BLE001 - a model type that does not apply
            continue
        got = {
            "attention": s.get("Attention", 0) + s.get("MultiHeadAttention", 0),
            "layer_norm": s.get("LayerNormalization", 0)
            + s.get("SkipLayerNormalization", 0) + s.get("EmbedLayerNormalization", 0)
            + s.get("SimplifiedLayerNormalization", 0)
            + s.get("SkipSimplifiedLayerNormalization", 0),
            "gelu": s.get("Gelu", 0) + s.get("FastGelu", 0) + s.get("BiasGelu", 0)
            + s.get("GemmFastGelu", 0),
        }
        for k in best:
            best[k] = max(best[k], got[k])
    return best


def bertc_counts(bertc, path):
    r = subprocess.run([bertc, path, "--emit=mlir", "--fusion-report",
                        "--mlir-elide-elementsattrs-if-larger=4"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        raise RuntimeError(f"bertc failed on {path}:\n{r.stderr}")
    out = r.stderr
    num = lambda pat: int(re.search(pat, out).group(1))  # noqa: E731
    return {
        "attention": num(r"attention\s+(\d+)"),
        "layer_norm": num(r"layer_norm\s+(\d+)"),
        "gelu": num(r"gelu\s+(\d+)"),
        "softmax_left": num(r"Softmax (\d+)"),
        "reducemean_left": num(r"ReduceMean (\d+)"),
        "erf_left": num(r"Erf (\d+)"),
        "pow_left": num(r"Pow (\d+)"),
        "gelu_left": num(r"Gelu (\d+)"),
        "ln_left": num(r"LayerNormalization (\d+)"),
        "missed": [l.strip() for l in out.splitlines() if l.startswith("  node ")],
    }, dims_from_ir(r.stdout)


def dims_from_ir(ir):
    """(heads, hidden) of the first fused attention, for ORT's gpt2 type."""
    m = re.search(r"bertc.attention .*num_heads = (\d+).*-> tensor<[?\d]+x[?\d]+x(\d+)xf32>", ir)
    return (int(m.group(1)), int(m.group(2))) if m else (0, 0)


def generated_models(tmp):
    import make_model
    specs = {
        "gen_bert_op11": ["--family", "bert", "--opset", "11"],
        "gen_bert_op14_finfo": ["--family", "bert", "--opset", "14", "--mask", "finfo"],
        "gen_bert_op17_ln": ["--family", "bert", "--opset", "17", "--native-ln"],
        "gen_distilbert_op14": ["--family", "distilbert", "--opset", "14"],
        "gen_gpt2_op13": ["--family", "gpt2", "--opset", "13"],
        "gen_roberta_op14": ["--family", "roberta", "--opset", "14"],
        "gen_albert_op14": ["--family", "albert", "--opset", "14"],
    }
    paths = []
    for name, args in specs.items():
        p = os.path.join(tmp, name + ".onnx")
        make_model.main(args + ["-o", p])
        paths.append(p)
    return paths


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("models", nargs="*")
    ap.add_argument("--shared", action="append", default=[],
                    help="directory of .onnx models to include (repeatable)")
    ap.add_argument("--generated", action="store_true",
                    help="include generated exports of each family (test/e2e/make_model.py)")
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    build = os.environ.get("BERTC_BUILD", os.path.join(ROOT, "build"))
    bertc = os.path.join(build, "bin", "bertc")
    tmp = tempfile.mkdtemp(prefix="bertc-fusion-")
    models = list(a.models)
    for d in a.shared:
        models += sorted(glob.glob(os.path.join(d, "*.onnx")))
    if a.generated:
        models += generated_models(tmp)
    print("| model | attention ORT | attention bertc | LayerNorm ORT | LayerNorm bertc "
          "| GELU ORT | GELU bertc | onnx Softmax/ReduceMean/Erf/Pow/Gelu left in bertc |")
    print("|---|---|---|---|---|---|---|---|")
    totals = {"attention": [0, 0], "layer_norm": [0, 0], "gelu": [0, 0]}
    ok = True
    notes = []
    for path in models:
        b, (heads, hidden) = bertc_counts(bertc, path)
        o = ort_counts(path, heads, hidden)
        left = (b["softmax_left"], b["reducemean_left"], b["erf_left"],
                b["pow_left"], b["gelu_left"])
        name = os.path.splitext(os.path.basename(path))[0]
        print(f"| {name} | {o['attention']} | {b['attention']} | {o['layer_norm']} | "
              f"{b['layer_norm']} | {o['gelu']} | {b['gelu']} | "
              f"{'/'.join(str(x) for x in left)} |")
        for k in totals:
            totals[k][0] += o[k]
            totals[k][1] += b[k]
        for k in ("attention", "layer_norm", "gelu"):
            if b[k] < o[k]:
                ok = False
                notes.append(f"{name}: bertc fuses fewer {k} ({b[k]}) than ORT ({o[k]})")
        # A Softmax may stay where attention did not fuse and the report says
        # why; nothing else of the fused patterns may.
        if left[0] != len(b["missed"]) or any(left[1:]) or b["ln_left"]:
            ok = False
            notes.append(f"{name}: onnx ops of fused patterns remain: {left}")
        for m in b["missed"]:
            notes.append(f"{name}: not fused: {m}")
    print(f"| total | {totals['attention'][0]} | {totals['attention'][1]} | "
          f"{totals['layer_norm'][0]} | {totals['layer_norm'][1]} | "
          f"{totals['gelu'][0]} | {totals['gelu'][1]} | |")
    for n in notes:
        print(f"- {n}")
    if a.check and not ok:
        print("FAIL: bertc fuses less than ONNX Runtime", file=sys.stderr)
        return 1
    print("PASS" if ok else "bertc fuses less than ORT somewhere (see above)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
