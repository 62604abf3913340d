#!/usr/bin/env python3
"""Make the BERT-base ONNX exports that bench/run_bench.py times.

BERT-base config (hidden 768, 12 layers, 12 heads, intermediate 3072, vocab
30522, 512 positions) from transformers' BertModel with seeded random
weights (torch.manual_seed(SEED) before the model is built, then small
normal noise on every parameter as in test/models/hf/make_hf_fixtures.py, so
biases are not 0 and LayerNorms are not the identity), exported twice:

  bert-base_eager_ts17.onnx      attn_implementation="eager",
                                 torch.onnx.export(..., dynamo=False, opset_version=17),
                                 dynamic axes batch, sequence
  bert-base_sdpa_dynamo18.onnx   attn_implementation="sdpa",
                                 torch.onnx.export(..., dynamo=True, opset_version=18,
                                 dynamic_shapes={0: Dim("batch"), 1: Dim("sequence")}),
                                 node metadata stripped

Inputs input_ids, attention_mask, token_type_ids (int64 [batch, sequence]);
outputs last_hidden_state, pooler_output. Each model is one file (about
420 MB; no external data). Each export is run once in ONNX Runtime and
compared with PyTorch at 2x16 (relative L2 of last_hidden_state < 1e-4).

Files that already exist are kept (delete them, or --force, to re-make).

  python3 bench/make_bench_models.py [--out bench/.models] [--only ts|dynamo] [--force]

Needs torch, transformers, onnxscript, onnx, onnxruntime. By hand only: CI
never runs this (run_bench.py --quick does not use these models).
"""
import argparse
import contextlib
import io
import json
import os
import sys
import tempfile
import time
import warnings

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_OUT = os.path.join(ROOT, "bench", ".models")
SEED = 2024
CONFIG = dict(vocab_size=30522, hidden_size=768, num_hidden_layers=12,
              num_attention_heads=12, intermediate_size=3072,
              max_position_embeddings=512, type_vocab_size=2)
EXPORT_SHAPE = (2, 16)
NAMES = ["input_ids", "attention_mask", "token_type_ids"]
OUTPUTS = ["last_hidden_state", "pooler_output"]
# file name -> (attn_implementation, exporter, opset)
MODELS = {
    "bert-base_eager_ts17.onnx": ("eager", "ts", 17),
    "bert-base_sdpa_dynamo18.onnx": ("sdpa", "dynamo", 18),
}


def model_paths(out=DEFAULT_OUT):
    return {name: os.path.join(out, name) for name in MODELS}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--out", default=DEFAULT_OUT)
    ap.add_argument("--only", choices=["ts", "dynamo"], default=None)
    ap.add_argument("--force", action="store_true")
    a = ap.parse_args(argv)
    todo = {n: v for n, v in MODELS.items()
            if (a.only is None or v[1] == a.only)
            and (a.force or not os.path.exists(os.path.join(a.out, n)))}
    if not todo:
        print(f"# bench models present in {a.out}")
        return 0
    os.makedirs(a.out, exist_ok=True)

    warnings.filterwarnings("ignore")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    import numpy as np
    import onnx
    import onnxruntime as ort
    import torch
    import transformers
    transformers.logging.set_verbosity_error()
    torch.set_num_threads(max(1, os.cpu_count() or 1))

    class Wrap(torch.nn.Module):
        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids, attention_mask, token_type_ids):
            out = self.model(input_ids=input_ids, attention_mask=attention_mask,
                             token_type_ids=token_type_ids, return_dict=True)
            return out.last_hidden_state, out.pooler_output

    def build(attn):
        cfg = transformers.BertConfig(**CONFIG)
        torch.manual_seed(SEED)
        model = transformers.BertModel._from_config(cfg, attn_implementation=attn)
        if model.config._attn_implementation != attn:
            sys.exit(f"BertModel built with {model.config._attn_implementation!r}, not {attn!r}")
        g = torch.Generator().manual_seed(SEED + 7919)
        with torch.no_grad():
            for _, p in sorted(model.named_parameters(), key=lambda kv: kv[0]):
                scale = 0.02 if p.dim() >= 2 else 0.1
                p.add_(torch.randn(p.shape, generator=g, dtype=p.dtype) * scale)
        model.eval()
        w = Wrap(model)
        w.eval()
        return w

    def feeds(batch, seq, seed):
        rng = np.random.default_rng(seed)
        mask = np.ones((batch, seq), np.int64)
        for b in range(batch):
            mask[b, max(1, seq - 4 * b):] = 0
        tt = np.zeros((batch, seq), np.int64)
        tt[:, seq // 2:] = 1
        return {"input_ids": rng.integers(0, CONFIG["vocab_size"], (batch, seq)).astype(np.int64),
                "attention_mask": mask, "token_type_ids": tt}

    def strip_metadata(m):
        for n in m.graph.node:
            del n.metadata_props[:]
        for f in m.functions:
            for n in f.node:
                del n.metadata_props[:]

    info = {}
    for name, (attn, exporter, opset) in todo.items():
        path = os.path.join(a.out, name)
        tmp_path = path + ".tmp"
        t0 = time.time()
        wrap = build(attn)
        f = feeds(*EXPORT_SHAPE, seed=SEED)
        args = tuple(torch.from_numpy(f[n]) for n in NAMES)
        log = io.StringIO()
        with contextlib.redirect_stdout(log), contextlib.redirect_stderr(log):
            if exporter == "ts":
                axes = {n: {0: "batch", 1: "sequence"} for n in NAMES}
                axes["last_hidden_state"] = {0: "batch", 1: "sequence"}
                axes["pooler_output"] = {0: "batch"}
                torch.onnx.export(wrap, args, tmp_path, input_names=NAMES,
                                  output_names=OUTPUTS, dynamic_axes=axes,
                                  opset_version=opset, dynamo=False)
                m = onnx.load(tmp_path, load_external_data=True)
            else:
                Dim = torch.export.Dim
                batch = Dim("batch", min=1, max=1024)
                seq = Dim("sequence", min=1, max=CONFIG["max_position_embeddings"])
                shapes = {n: {0: batch, 1: seq} for n in NAMES}
                prog = torch.onnx.export(wrap, args, input_names=NAMES, output_names=OUTPUTS,
                                         dynamic_shapes=shapes, opset_version=opset,
                                         dynamo=True)
                with tempfile.TemporaryDirectory(dir=a.out) as td:
                    t = os.path.join(td, "m.onnx")
                    prog.save(t)
                    m = onnx.load(t, load_external_data=True)
                strip_metadata(m)
        # One file, no external data (about 420 MB, far below protobuf's 2 GB).
        onnx.save(m, tmp_path, save_as_external_data=False)
        del m
        onnx.checker.check_model(tmp_path)
        # Check against PyTorch before the file takes its final name.
        chk = feeds(*EXPORT_SHAPE, seed=SEED + 1)
        sess = ort.InferenceSession(tmp_path, providers=["CPUExecutionProvider"])
        got = sess.run(["last_hidden_state"], chk)[0]
        with torch.no_grad():
            ref = wrap(*[torch.from_numpy(chk[n]) for n in NAMES])[0].numpy()
        err = float(np.linalg.norm(got.astype(np.float64) - ref)
                    / max(np.linalg.norm(ref.astype(np.float64)), 1e-30))
        del sess
        if not (err < 1e-4):
            os.remove(tmp_path)
            sys.exit(f"{name}: ORT differs from PyTorch at 2x16: rel L2 {err:.2e}")
        os.replace(tmp_path, path)
        size = os.path.getsize(path)
        print(f"# made {path}: {size / 2**20:.1f} MiB, {time.time() - t0:.0f} s, "
              f"ORT vs PyTorch rel L2 {err:.1e}", flush=True)
        info[name] = dict(attention=attn, exporter=exporter, opset=opset, size_bytes=size,
                          rel_l2_vs_torch=err)
    meta_path = os.path.join(a.out, "models.json")
    meta = {}
    if os.path.exists(meta_path):
        with open(meta_path) as fh:
            meta = json.load(fh)
    meta.setdefault("models", {}).update(info)
    meta.update(seed=SEED, config=CONFIG, torch=torch.__version__,
                transformers=transformers.__version__, onnx=onnx.__version__,
                onnxscript=getattr(__import__("onnxscript"), "__version__", None))
    with open(meta_path, "w") as fh:
        json.dump(meta, fh, indent=1)
        fh.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
