#!/usr/bin/env python3
"""Generates transformer ONNX models in the node patterns that real exporters
emit, with seeded random weights, for tests and benchmarks.

Each family reproduces what `torch.onnx.export` (PyTorch 1.13 - 2.x, opsets 11
to 17) writes for the Hugging Face module of that name:

  bert        BertModel: word + position (Slice of the position_ids buffer) +
              token-type embeddings, LayerNorm decomposed (ReduceMean, Sub,
              Pow, ReduceMean, Add eps, Sqrt, Div, Mul, Add) or opset-17
              LayerNormalization, extended mask (1 - mask) * -10000 (or
              * finfo.min with --mask finfo), Q/K/V MatMul + Add, Reshape with
              shapes computed at run time (Shape/Gather/Unsqueeze/Concat),
              Transpose, scores / sqrt(d), Softmax, erf-GELU
              (x * 0.5 * (1 + erf(x / sqrt 2))), pooler (Gather, Gemm, Tanh).
  distilbert  DistilBertModel: no token types, q / sqrt(d) before the
              QK matmul, mask by Equal(mask, 0) -> Reshape -> Expand ->
              Where(mask, finfo.min, scores), ffn GELU.
  roberta     RobertaModel: position ids from the input ids (padding_idx 1):
              Not(Equal(ids, 1)) -> Cast -> CumSum -> Mul -> Add 1, token
              types from a buffered zeros tensor (Slice + Expand), LayerNorm
              eps 1e-5, mask (1 - m) * finfo.min.
  albert      AlbertModel: factorized embeddings (E = hidden / 2, then a
              Linear to the hidden size), one set of layer weights shared by
              every layer, gelu_new (tanh) in the FFN.
  gpt2        GPT2Model (no past): Conv1D weights [in, out] as
              Reshape -> Gemm -> Reshape, packed QKV split by Split, causal
              mask from a Trilu'ed bias buffer sliced by the sequence, Where
              with finfo.min, padding mask (1 - mask) * finfo.min, tanh GELU
              0.5 * x * (1 + tanh(sqrt(2/pi) * (x + 0.044715 * x^3))),
              pre-norm, final LayerNorm.

Usage:
  make_model.py --family bert --layers 2 --hidden 64 --heads 4 -o model.onnx
  make_model.py --preset bert-base -o bert-base.onnx   (12 x 768, 12 heads)
"""
import argparse
import math
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

PRESETS = {
    "bert-tiny": dict(family="bert", layers=2, hidden=128, heads=2, ffn=512, vocab=1000),
    "bert-mini": dict(family="bert", layers=4, hidden=256, heads=4, ffn=1024, vocab=2000),
    "minilm": dict(family="bert", layers=6, hidden=384, heads=12, ffn=1536, vocab=30522),
    "bert-base": dict(family="bert", layers=12, hidden=768, heads=12, ffn=3072, vocab=30522),
    "distilbert-tiny": dict(family="distilbert", layers=2, hidden=64, heads=4, ffn=256, vocab=500),
    "gpt2-tiny": dict(family="gpt2", layers=2, hidden=64, heads=4, ffn=256, vocab=500),
}


class Builder:
    """Tiny graph builder: unique value names, initializers, nodes."""

    def __init__(self, opset, rng):
        self.opset = opset
        self.rng = rng
        self.nodes = []
        self.inits = []
        self.count = {}
        self.named = {}  # shared weights (ALBERT)

    def name(self, base):
        n = self.count.get(base, 0)
        self.count[base] = n + 1
        return f"{base}_{n}" if n else base

    def init(self, base, array):
        nm = self.name(base)
        self.inits.append(numpy_helper.from_array(np.asarray(array), nm))
        return nm

    def const(self, array, base="const"):
        """A Constant node, as exporters emit for scalars and shapes."""
        out = self.name(base)
        self.nodes.append(helper.make_node(
            "Constant", [], [out], name=self.name("Constant"),
            value=numpy_helper.from_array(np.asarray(array))))
        return out

    def op(self, op_type, inputs, n_out=1, **attrs):
        outs = [self.name(f"{op_type.lower()}_out") for _ in range(n_out)]
        self.nodes.append(helper.make_node(op_type, inputs, outs,
                                           name=self.name(f"/{op_type}"), **attrs))
        return outs[0] if n_out == 1 else outs

    def weight(self, base, shape, scale=0.05):
        return self.init(base, (self.rng.standard_normal(shape) * scale).astype(np.float32))

    # Opset-dependent forms.
    def unsqueeze(self, x, axes):
        if self.opset >= 13:
            return self.op("Unsqueeze", [x, self.const(np.array(axes, np.int64))])
        return self.op("Unsqueeze", [x], axes=axes)

    def reduce_mean(self, x, axes):
        if self.opset >= 18:
            return self.op("ReduceMean", [x, self.const(np.array(axes, np.int64))])
        return self.op("ReduceMean", [x], axes=axes)

    def split(self, x, sizes, axis):
        if self.opset >= 13:
            return self.op("Split", [x, self.const(np.array(sizes, np.int64))],
                           n_out=len(sizes), axis=axis)
        return self.op("Split", [x], n_out=len(sizes), axis=axis, split=sizes)

    def dim(self, x, i):
        """Shape(x)[i] as a 0-d int64, the way torch exports x.size(i)."""
        s = self.op("Shape", [x])
        return self.op("Gather", [s, self.const(np.array(i, np.int64))], axis=0)

    def runtime_shape(self, parts):
        """Concat of 1-d pieces: 0-d dims get Unsqueezed, ints become constants."""
        pieces = []
        for p in parts:
            if isinstance(p, int):
                pieces.append(self.const(np.array([p], np.int64)))
            else:
                pieces.append(self.unsqueeze(p, [0]))
        return self.op("Concat", pieces, axis=0)


def layer_norm(b, x, hidden, eps, native):
    g = b.init("ln.weight", (1 + 0.1 * b.rng.standard_normal(hidden)).astype(np.float32))
    bb = b.init("ln.bias", (0.1 * b.rng.standard_normal(hidden)).astype(np.float32))
    if native and b.opset >= 17:
        return b.op("LayerNormalization", [x, g, bb], axis=-1, epsilon=eps)
    mean = b.reduce_mean(x, [-1])
    d = b.op("Sub", [x, mean])
    var = b.reduce_mean(b.op("Pow", [d, b.const(np.array(2.0, np.float32))]), [-1])
    std = b.op("Sqrt", [b.op("Add", [var, b.const(np.array(eps, np.float32))])])
    return b.op("Add", [b.op("Mul", [b.op("Div", [d, std]), g]), bb])


def linear(b, x, n_in, n_out, base):
    w = b.weight(base + ".weight", (n_in, n_out))
    bias = b.init(base + ".bias", (0.02 * b.rng.standard_normal(n_out)).astype(np.float32))
    return b.op("Add", [bias, b.op("MatMul", [x, w])])


def gelu_erf(b, x):
    e = b.op("Erf", [b.op("Div", [x, b.const(np.array(1.4142135381698608, np.float32))])])
    one = b.op("Add", [e, b.const(np.array(1.0, np.float32))])
    return b.op("Mul", [b.op("Mul", [x, one]), b.const(np.array(0.5, np.float32))])


def gelu_tanh(b, x):
    x3 = b.op("Pow", [x, b.const(np.array(3.0, np.float32))])
    inner = b.op("Add", [x, b.op("Mul", [b.const(np.array(0.044715, np.float32)), x3])])
    t = b.op("Tanh", [b.op("Mul", [b.const(np.array(math.sqrt(2 / math.pi), np.float32)), inner])])
    one = b.op("Add", [b.const(np.array(1.0, np.float32)), t])
    return b.op("Mul", [b.op("Mul", [b.const(np.array(0.5, np.float32)), x]), one])


def split_heads(b, x, heads, d):
    """[B, S, H] -> [B, heads, S, d] via a run-time shape, as HF transpose_for_scores."""
    shape = b.runtime_shape([b.dim(x, 0), b.dim(x, 1), heads, d])
    return b.op("Transpose", [b.op("Reshape", [x, shape])], perm=[0, 2, 1, 3])


def merge_heads(b, ctx, hidden):
    t = b.op("Transpose", [ctx], perm=[0, 2, 1, 3])
    shape = b.runtime_shape([b.dim(t, 0), b.dim(t, 1), hidden])
    return b.op("Reshape", [t, shape])


def bert(b, a):
    H, nh = a.hidden, a.heads
    d = H // nh
    eps = 1e-12
    ids, mask, tt = "input_ids", "attention_mask", "token_type_ids"
    word = b.weight("embeddings.word_embeddings.weight", (a.vocab, H), 0.5)
    pos = b.weight("embeddings.position_embeddings.weight", (a.max_pos, H), 0.5)
    typ = b.weight("embeddings.token_type_embeddings.weight", (2, H), 0.5)
    pos_ids = b.init("embeddings.position_ids",
                     np.arange(a.max_pos, dtype=np.int64).reshape(1, -1))
    seq = b.unsqueeze(b.dim(ids, 1), [0])
    pos_slice = b.op("Slice", [pos_ids, b.const(np.array([0], np.int64)), seq,
                               b.const(np.array([1], np.int64)),
                               b.const(np.array([1], np.int64))])
    x = b.op("Add", [b.op("Gather", [word, ids], axis=0), b.op("Gather", [typ, tt], axis=0)])
    x = b.op("Add", [x, b.op("Gather", [pos, pos_slice], axis=0)])
    x = layer_norm(b, x, H, eps, a.native_ln)

    m = b.op("Cast", [b.unsqueeze(b.unsqueeze(mask, [1]), [2])], to=TensorProto.FLOAT)
    inv = b.op("Sub", [b.const(np.array(1.0, np.float32)), m])
    big = -10000.0 if a.mask == "sub" else float(np.finfo(np.float32).min)
    ext = b.op("Mul", [inv, b.const(np.array(big, np.float32))])

    for i in range(a.layers):
        q = split_heads(b, linear(b, x, H, H, f"l{i}.attn.query"), nh, d)
        k = b.op("Transpose", [b.op("Reshape", [
            linear(b, x, H, H, f"l{i}.attn.key"),
            b.runtime_shape([b.dim(x, 0), b.dim(x, 1), nh, d])])], perm=[0, 2, 3, 1])
        v = split_heads(b, linear(b, x, H, H, f"l{i}.attn.value"), nh, d)
        s = b.op("Div", [b.op("MatMul", [q, k]), b.const(np.array(math.sqrt(d), np.float32))])
        p = b.op("Softmax", [b.op("Add", [s, ext])], axis=-1 if b.opset >= 13 else 3)
        ctx = merge_heads(b, b.op("MatMul", [p, v]), H)
        x = layer_norm(b, b.op("Add", [linear(b, ctx, H, H, f"l{i}.attn.output"), x]),
                       H, eps, a.native_ln)
        h = gelu_erf(b, linear(b, x, H, a.ffn, f"l{i}.intermediate"))
        x = layer_norm(b, b.op("Add", [linear(b, h, a.ffn, H, f"l{i}.output"), x]),
                       H, eps, a.native_ln)
    b.nodes[-1].output[0] = "last_hidden_state"
    x = "last_hidden_state"
    first = b.op("Gather", [x, b.const(np.array(0, np.int64))], axis=1)
    pw = b.weight("pooler.dense.weight", (H, H))
    pb = b.init("pooler.dense.bias", (0.02 * b.rng.standard_normal(H)).astype(np.float32))
    b.op("Gemm", [first, pw, pb], alpha=1.0, beta=1.0, transB=1)
    b.nodes[-1].output[0] = "pooler_pre"
    b.nodes.append(helper.make_node("Tanh", ["pooler_pre"], ["pooler_output"], name="/pooler/Tanh"))
    inputs = [(ids, TensorProto.INT64), (tt, TensorProto.INT64), (mask, TensorProto.INT64)]
    outputs = [("last_hidden_state", ["batch", "sequence", H]), ("pooler_output", ["batch", H])]
    return inputs, outputs


def distilbert(b, a):
    H, nh = a.hidden, a.heads
    d = H // nh
    eps = 1e-12
    ids, mask = "input_ids", "attention_mask"
    word = b.weight("embeddings.word_embeddings.weight", (a.vocab, H), 0.5)
    pos = b.weight("embeddings.position_embeddings.weight", (a.max_pos, H), 0.5)
    # position_ids = arange(seq) computed at run time (Range), unsqueezed.
    seq = b.dim(ids, 1)
    rng_ = b.op("Range", [b.const(np.array(0, np.int64)), seq, b.const(np.array(1, np.int64))])
    pos_ids = b.op("Expand", [b.unsqueeze(rng_, [0]), b.op("Shape", [ids])])
    x = b.op("Add", [b.op("Gather", [word, ids], axis=0), b.op("Gather", [pos, pos_ids], axis=0)])
    x = layer_norm(b, x, H, eps, a.native_ln)
    is_pad = b.op("Equal", [mask, b.const(np.array(0, np.int64))])
    mshape = b.runtime_shape([b.dim(ids, 0), 1, 1, b.dim(ids, 1)])
    m4 = b.op("Reshape", [is_pad, mshape])
    for i in range(a.layers):
        q = split_heads(b, linear(b, x, H, H, f"l{i}.attn.q_lin"), nh, d)
        q = b.op("Div", [q, b.const(np.array(math.sqrt(d), np.float32))])
        k = split_heads(b, linear(b, x, H, H, f"l{i}.attn.k_lin"), nh, d)
        v = split_heads(b, linear(b, x, H, H, f"l{i}.attn.v_lin"), nh, d)
        s = b.op("MatMul", [q, b.op("Transpose", [k], perm=[0, 1, 3, 2])])
        mexp = b.op("Expand", [m4, b.op("Shape", [s])])
        s = b.op("Where", [mexp, b.const(np.array(np.finfo(np.float32).min, np.float32)), s])
        p = b.op("Softmax", [s], axis=-1 if b.opset >= 13 else 3)
        ctx = merge_heads(b, b.op("MatMul", [p, v]), H)
        x = layer_norm(b, b.op("Add", [linear(b, ctx, H, H, f"l{i}.attn.out_lin"), x]),
                       H, eps, a.native_ln)
        h = gelu_erf(b, linear(b, x, H, a.ffn, f"l{i}.ffn.lin1"))
        x = layer_norm(b, b.op("Add", [linear(b, h, a.ffn, H, f"l{i}.ffn.lin2"), x]),
                       H, eps, a.native_ln)
    b.nodes[-1].output[0] = "last_hidden_state"
    return ([(ids, TensorProto.INT64), (mask, TensorProto.INT64)],
            [("last_hidden_state", ["batch", "sequence", H])])


def roberta(b, a):
    H, nh = a.hidden, a.heads
    d = H // nh
    eps = 1e-5
    ids, mask = "input_ids", "attention_mask"
    pad = 1
    word = b.weight("embeddings.word_embeddings.weight", (a.vocab, H), 0.5)
    pos = b.weight("embeddings.position_embeddings.weight", (a.max_pos + 2, H), 0.5)
    typ = b.weight("embeddings.token_type_embeddings.weight", (1, H), 0.5)
    # create_position_ids_from_input_ids
    ne = b.op("Not", [b.op("Equal", [ids, b.const(np.array(pad, np.int64))])])
    m32 = b.op("Cast", [ne], to=TensorProto.INT32)
    cs = b.op("Cast", [b.op("CumSum", [m32, b.const(np.array(1, np.int64))])],
              to=TensorProto.INT32)
    inc = b.op("Mul", [cs, m32])
    pos_ids = b.op("Add", [b.op("Cast", [inc], to=TensorProto.INT64),
                           b.const(np.array(pad, np.int64))])
    # buffered token_type_ids[:, :seq].expand(batch, seq)
    tbuf = b.init("embeddings.token_type_ids", np.zeros((1, a.max_pos), np.int64))
    seq = b.unsqueeze(b.dim(ids, 1), [0])
    tslice = b.op("Slice", [tbuf, b.const(np.array([0], np.int64)), seq,
                            b.const(np.array([1], np.int64))])
    tt = b.op("Expand", [tslice, b.op("Shape", [ids])])
    x = b.op("Add", [b.op("Gather", [word, ids], axis=0), b.op("Gather", [typ, tt], axis=0)])
    x = b.op("Add", [x, b.op("Gather", [pos, pos_ids], axis=0)])
    x = layer_norm(b, x, H, eps, a.native_ln)
    m = b.op("Cast", [b.unsqueeze(b.unsqueeze(mask, [1]), [2])], to=TensorProto.FLOAT)
    inv = b.op("Sub", [b.const(np.array(1.0, np.float32)), m])
    ext = b.op("Mul", [inv, b.const(np.array(np.finfo(np.float32).min, np.float32))])
    for i in range(a.layers):
        x = encoder_layer(b, x, ext, H, nh, d, a.ffn, eps, a.native_ln, f"l{i}", gelu_erf)
    b.nodes[-1].output[0] = "last_hidden_state"
    return ([(ids, TensorProto.INT64), (mask, TensorProto.INT64)],
            [("last_hidden_state", ["batch", "sequence", H])])


def encoder_layer(b, x, ext, H, nh, d, ffn, eps, native_ln, base, act, shared=None):
    """A BERT-style post-norm encoder layer. `shared` reuses weight names."""
    base = shared or base
    lin = (lambda x_, n_in, n_out, nm: linear_named(b, x_, n_in, n_out, nm, shared is not None))
    q = split_heads(b, lin(x, H, H, f"{base}.attn.query"), nh, d)
    k = b.op("Transpose", [b.op("Reshape", [
        lin(x, H, H, f"{base}.attn.key"),
        b.runtime_shape([b.dim(x, 0), b.dim(x, 1), nh, d])])], perm=[0, 2, 3, 1])
    v = split_heads(b, lin(x, H, H, f"{base}.attn.value"), nh, d)
    s = b.op("Div", [b.op("MatMul", [q, k]), b.const(np.array(math.sqrt(d), np.float32))])
    p = b.op("Softmax", [b.op("Add", [s, ext])], axis=-1 if b.opset >= 13 else 3)
    ctx = merge_heads(b, b.op("MatMul", [p, v]), H)
    x = layer_norm_named(b, b.op("Add", [lin(ctx, H, H, f"{base}.attn.output"), x]),
                         H, eps, native_ln, f"{base}.ln1", shared is not None)
    h = act(b, lin(x, H, ffn, f"{base}.intermediate"))
    return layer_norm_named(b, b.op("Add", [lin(h, ffn, H, f"{base}.output"), x]),
                            H, eps, native_ln, f"{base}.ln2", shared is not None)


def linear_named(b, x, n_in, n_out, base, reuse):
    """linear() whose initializers are created once per name when `reuse`."""
    if reuse and base + ".weight" in b.named:
        w, bias = b.named[base + ".weight"], b.named[base + ".bias"]
    else:
        w = b.weight(base + ".weight", (n_in, n_out))
        bias = b.init(base + ".bias", (0.02 * b.rng.standard_normal(n_out)).astype(np.float32))
        b.named[base + ".weight"], b.named[base + ".bias"] = w, bias
    return b.op("Add", [bias, b.op("MatMul", [x, w])])


def layer_norm_named(b, x, hidden, eps, native, base, reuse):
    if reuse and base + ".g" in b.named:
        g, bb = b.named[base + ".g"], b.named[base + ".b"]
    else:
        g = b.init(base + ".weight", (1 + 0.1 * b.rng.standard_normal(hidden)).astype(np.float32))
        bb = b.init(base + ".bias", (0.1 * b.rng.standard_normal(hidden)).astype(np.float32))
        b.named[base + ".g"], b.named[base + ".b"] = g, bb
    if native and b.opset >= 17:
        return b.op("LayerNormalization", [x, g, bb], axis=-1, epsilon=eps)
    mean = b.reduce_mean(x, [-1])
    dd = b.op("Sub", [x, mean])
    var = b.reduce_mean(b.op("Pow", [dd, b.const(np.array(2.0, np.float32))]), [-1])
    std = b.op("Sqrt", [b.op("Add", [var, b.const(np.array(eps, np.float32))])])
    return b.op("Add", [b.op("Mul", [b.op("Div", [dd, std]), g]), bb])


def albert(b, a):
    H, nh = a.hidden, a.heads
    d = H // nh
    E = max(H // 2, 8)
    eps = 1e-12
    ids, mask, tt = "input_ids", "attention_mask", "token_type_ids"
    word = b.weight("embeddings.word_embeddings.weight", (a.vocab, E), 0.5)
    pos = b.weight("embeddings.position_embeddings.weight", (a.max_pos, E), 0.5)
    typ = b.weight("embeddings.token_type_embeddings.weight", (2, E), 0.5)
    seq = b.dim(ids, 1)
    pos_ids = b.unsqueeze(b.op("Range", [b.const(np.array(0, np.int64)), seq,
                                         b.const(np.array(1, np.int64))]), [0])
    x = b.op("Add", [b.op("Gather", [word, ids], axis=0), b.op("Gather", [typ, tt], axis=0)])
    x = b.op("Add", [x, b.op("Gather", [pos, pos_ids], axis=0)])
    x = layer_norm(b, x, E, eps, a.native_ln)
    x = linear(b, x, E, H, "encoder.embedding_hidden_mapping_in")
    m = b.op("Cast", [b.unsqueeze(b.unsqueeze(mask, [1]), [2])], to=TensorProto.FLOAT)
    ext = b.op("Mul", [b.op("Sub", [b.const(np.array(1.0, np.float32)), m]),
                       b.const(np.array(-10000.0, np.float32))])
    for _ in range(a.layers):
        x = encoder_layer(b, x, ext, H, nh, d, a.ffn, eps, a.native_ln, "shared", gelu_tanh,
                          shared="encoder.albert_layer")
    b.nodes[-1].output[0] = "last_hidden_state"
    return ([(ids, TensorProto.INT64), (tt, TensorProto.INT64), (mask, TensorProto.INT64)],
            [("last_hidden_state", ["batch", "sequence", H])])


def conv1d(b, x, n_in, n_out, base):
    """HF Conv1D: x.view(-1, n_in) @ W[n_in, n_out] + b, viewed back."""
    w = b.weight(base + ".weight", (n_in, n_out))
    bias = b.init(base + ".bias", (0.02 * b.rng.standard_normal(n_out)).astype(np.float32))
    flat = b.op("Reshape", [x, b.const(np.array([-1, n_in], np.int64))])
    y = b.op("Gemm", [flat, w, bias], alpha=1.0, beta=1.0)
    shape = b.runtime_shape([b.dim(x, 0), b.dim(x, 1), n_out])
    return b.op("Reshape", [y, shape])


def gpt2(b, a):
    H, nh = a.hidden, a.heads
    d = H // nh
    eps = 1e-5
    ids, mask = "input_ids", "attention_mask"
    wte = b.weight("wte.weight", (a.vocab, H), 0.5)
    wpe = b.weight("wpe.weight", (a.max_pos, H), 0.5)
    seq = b.dim(ids, 1)
    pos = b.unsqueeze(b.op("Range", [b.const(np.array(0, np.int64)), seq,
                                     b.const(np.array(1, np.int64))]), [0])
    x = b.op("Add", [b.op("Gather", [wte, ids], axis=0), b.op("Gather", [wpe, pos], axis=0)])
    m = b.op("Cast", [b.unsqueeze(b.unsqueeze(mask, [1]), [2])], to=TensorProto.FLOAT)
    fmin = np.array(np.finfo(np.float32).min, np.float32)
    ext = b.op("Mul", [b.op("Sub", [b.const(np.array(1.0, np.float32)), m]), b.const(fmin)])
    causal_buf = b.init("h.attn.bias", np.tril(np.ones((a.max_pos, a.max_pos), np.uint8))
                        .astype(np.bool_).reshape(1, 1, a.max_pos, a.max_pos))
    for i in range(a.layers):
        h = layer_norm(b, x, H, eps, a.native_ln)
        qkv = conv1d(b, h, H, 3 * H, f"h{i}.attn.c_attn")
        q, k, v = b.split(qkv, [H, H, H], axis=2)
        q, k, v = (split_heads(b, t, nh, d) for t in (q, k, v))
        s = b.op("MatMul", [q, b.op("Transpose", [k], perm=[0, 1, 3, 2])])
        s = b.op("Div", [s, b.const(np.array(math.sqrt(d), np.float32))])
        sq = b.unsqueeze(b.dim(s, 2), [0])
        sk = b.unsqueeze(b.dim(s, 3), [0])
        start = b.op("Sub", [sk, sq])
        zero = b.const(np.array([0], np.int64))
        rows = b.op("Slice", [causal_buf, start, sk, b.const(np.array([2], np.int64))])
        causal = b.op("Slice", [rows, zero, sk, b.const(np.array([3], np.int64))])
        s = b.op("Where", [causal, s, b.const(fmin)])
        p = b.op("Softmax", [b.op("Add", [s, ext])], axis=-1 if b.opset >= 13 else 3)
        ctx = merge_heads(b, b.op("MatMul", [p, v]), H)
        x = b.op("Add", [conv1d(b, ctx, H, H, f"h{i}.attn.c_proj"), x])
        h = layer_norm(b, x, H, eps, a.native_ln)
        h = gelu_tanh(b, conv1d(b, h, H, a.ffn, f"h{i}.mlp.c_fc"))
        x = b.op("Add", [conv1d(b, h, a.ffn, H, f"h{i}.mlp.c_proj"), x])
    layer_norm(b, x, H, eps, a.native_ln)
    b.nodes[-1].output[0] = "last_hidden_state"
    return ([(ids, TensorProto.INT64), (mask, TensorProto.INT64)],
            [("last_hidden_state", ["batch", "sequence", H])])


FAMILIES = {"bert": bert, "distilbert": distilbert, "roberta": roberta,
            "albert": albert, "gpt2": gpt2}


def build(a):
    b = Builder(a.opset, np.random.default_rng(a.seed))
    inputs, outputs = FAMILIES[a.family](b, a)
    g = helper.make_graph(
        b.nodes, f"{a.family}_{a.layers}x{a.hidden}",
        [helper.make_tensor_value_info(n, t, ["batch", "sequence"]) for n, t in inputs],
        [helper.make_tensor_value_info(n, TensorProto.FLOAT, s) for n, s in outputs],
        b.inits)
    model = helper.make_model(g, opset_imports=[helper.make_opsetid("", a.opset)],
                              producer_name="bertc-make_model")
    model.ir_version = 8
    onnx.checker.check_model(model, full_check=True)
    return model


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__,
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--preset", choices=sorted(PRESETS))
    p.add_argument("--family", choices=sorted(FAMILIES), default="bert")
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--hidden", type=int, default=64)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--ffn", type=int, default=None, help="default 4 x hidden")
    p.add_argument("--vocab", type=int, default=500)
    p.add_argument("--max-pos", type=int, default=512)
    p.add_argument("--opset", type=int, default=14)
    p.add_argument("--mask", choices=["sub", "finfo"], default="sub",
                   help="bert: (1 - mask) * -10000 (sub) or * finfo(float32).min")
    p.add_argument("--native-ln", action="store_true",
                   help="opset >= 17: LayerNormalization instead of the decomposed form")
    p.add_argument("--external-data", action="store_true",
                   help="save weights in a side file MODEL.onnx.data")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("-o", "--output", required=True)
    a = p.parse_args(argv)
    if a.preset:
        for k, v in PRESETS[a.preset].items():
            setattr(a, k, v)
    if a.ffn is None:
        a.ffn = 4 * a.hidden
    if a.hidden % a.heads:
        p.error("--hidden must be a multiple of --heads")
    model = build(a)
    if a.external_data:
        import os
        onnx.save_model(model, a.output, save_as_external_data=True,
                        all_tensors_to_one_file=True,
                        location=os.path.basename(a.output) + ".data", size_threshold=1024)
    else:
        onnx.save_model(model, a.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
