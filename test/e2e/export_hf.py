#!/usr/bin/env python3
"""Exports a small Hugging Face `transformers` model with seeded random
weights (nothing is downloaded) the way users do, for end-to-end tests of
the ops that real exports contain.

  export_hf.py FAMILY --exporter ts|dynamo --opset N [--attn eager|sdpa] -o OUT.onnx

FAMILY: albert, debertav3 (DeBERTa-v2 classes with the v3 relative-position
configuration: Sign, Clip, Ceil, Log, Tile, GatherElements), modernbert
(rotary embeddings: Cos, Sin). The graph's output is last_hidden_state; the
inputs are input_ids and attention_mask [batch, sequence] (int64), both
axes dynamic.
"""
import argparse
import warnings

warnings.filterwarnings("ignore")

import torch  # noqa: E402
import transformers as T  # noqa: E402

SMALL = dict(hidden_size=64, num_attention_heads=4, num_hidden_layers=2,
             intermediate_size=128, vocab_size=500)


def build(family):
    if family == "albert":
        return T.AlbertModel(T.AlbertConfig(embedding_size=32, **SMALL))
    if family == "debertav3":
        return T.DebertaV2Model(T.DebertaV2Config(
            relative_attention=True, position_buckets=256, max_relative_positions=-1,
            pos_att_type=["p2c", "c2p"], norm_rel_ebd="layer_norm", share_att_key=True,
            **SMALL))
    if family == "modernbert":
        return T.ModernBertModel(T.ModernBertConfig(
            pad_token_id=0, bos_token_id=1, eos_token_id=2, cls_token_id=1,
            sep_token_id=2, global_attn_every_n_layers=1, **SMALL))
    raise SystemExit(f"unknown family {family}")


class LastHidden(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask):
        return self.m(input_ids=input_ids, attention_mask=attention_mask)[0]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("family")
    p.add_argument("--exporter", choices=["ts", "dynamo"], required=True)
    p.add_argument("--opset", type=int, required=True)
    p.add_argument("--attn", default="eager", choices=["eager", "sdpa"])
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args()
    torch.manual_seed(0)
    m = build(a.family)
    m.set_attn_implementation(a.attn)
    w = LastHidden(m).eval()
    ids = torch.randint(3, 400, (2, 12))
    mask = torch.ones(2, 12, dtype=torch.long)
    mask[1, 9:] = 0
    names = ["input_ids", "attention_mask"]
    if a.exporter == "ts":
        dyn = {n: {0: "batch", 1: "sequence"} for n in names + ["last_hidden_state"]}
        torch.onnx.export(w, (ids, mask), a.output, input_names=names,
                          output_names=["last_hidden_state"], dynamic_axes=dyn,
                          opset_version=a.opset, dynamo=False)
    else:
        b = torch.export.Dim("batch", min=1, max=64)
        s = torch.export.Dim("sequence", min=2, max=512)
        torch.onnx.export(w, (ids, mask), a.output, input_names=names,
                          output_names=["last_hidden_state"],
                          dynamic_shapes=({0: b, 1: s}, {0: b, 1: s}),
                          opset_version=a.opset, dynamo=True)


if __name__ == "__main__":
    main()
