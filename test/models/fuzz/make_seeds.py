#!/usr/bin/env python3
"""Writes the seed corpora of the fuzz targets (test/fuzz, scripts/fuzz.sh):
small ONNX models covering the op table's forms, tensor encodings (raw,
typed fields, external data in the fuzzer's sandbox file data.bin) and
opsets, and small .npy files of every dtype and header version. The outputs
are committed; rerun after changing this script:

  test/models/fuzz/make_seeds.py
"""
import io
import os

import numpy as np
import onnx
import onnx.parser
from onnx import TensorProto as TP, numpy_helper

here = os.path.dirname(os.path.abspath(__file__))

MODELS = {
    "attention14": """
<ir_version: 8, opset_import: ["" : 14]>
g (float[batch, seq, 8] x, int64[batch, seq] mask) => (float[batch, seq, 8] y) {
  q = MatMul(x, wq)
  kt = Transpose<perm=[0, 2, 1]>(q)
  s = MatMul(q, kt)
  mf = Cast<to=1>(mask)
  m1 = Unsqueeze(mf, ax1)
  inv = Sub(one, m1)
  neg = Mul(inv, big)
  sm = Add(s, neg)
  p = Softmax<axis=-1>(sm)
  y = MatMul(p, x)
}""",
    "shapes13": """
<ir_version: 8, opset_import: ["" : 13]>
g (float[batch, seq, 8] x) => (float[batch, seq, 2, 4] y, int64[2] sh) {
  sh0 = Shape(x)
  b = Gather<axis=0>(sh0, i0)
  s = Gather<axis=0>(sh0, i1)
  bu = Unsqueeze(b, ax0)
  su = Unsqueeze(s, ax0)
  shape = Concat<axis=0>(bu, su, tail)
  y = Reshape(x, shape)
  sh = Slice(sh0, st, en)
}""",
    "norms20": """
<ir_version: 9, opset_import: ["" : 20]>
g (float[batch, seq, 8] x) => (float[batch, seq, 8] y, float[batch, seq, 1] r) {
  n = LayerNormalization<axis=-1, epsilon=1e-5>(x, gamma, beta)
  y = Gelu<approximate="tanh">(n)
  r = ReduceMean(x, rax)
}""",
    "constants13": """
<ir_version: 7, opset_import: ["" : 13]>
g (float[batch, 4] x) => (float[batch, 4] y, float[2, 3] z, int64[3] i) {
  c = Constant<value=float[4] {1., 2., 3., 4.}>()
  y = Add(x, c)
  shape = Constant<value=int64[2] {2, 3}>()
  z = ConstantOfShape<value=float[1] {0.5}>(shape)
  i = Constant<value_ints=[1, 2, 3]>()
}""",
    "datamove18": """
<ir_version: 8, opset_import: ["" : 18]>
g (float[batch, seq, 8] x) => (float[batch, seq, 4] a, float[batch, seq, 4] b, float[batch, 8, seq] t, float[batch, seq, 1] m, float[seq, 8] sq) {
  a, b = Split<axis=2, num_outputs=2>(x)
  t = Transpose<perm=[0, 2, 1]>(x)
  m = ReduceMax<keepdims=1>(x, rax)
  f = Slice(x, st, en, axs)
  sq = Squeeze(f, ax0)
}""",
    "misc14": """
<ir_version: 8, opset_import: ["" : 14]>
g (float[batch, 8] x, int64[batch, 2] idx) => (float[batch, 4] g, float[batch, 8] c, int64[batch] am, float[batch, 16] t, float[batch, 2] ge, float[batch, 8] cs, float[8, 8] tri, float[6] r) {
  g = Gemm<transB=1>(x, w, bias)
  c = Clip(x, lo, hi)
  am = ArgMax<axis=1, keepdims=0>(x)
  t = Tile(x, reps)
  ge = GatherElements<axis=1>(x, idx)
  cs = CumSum(x, one)
  sqr = MatMul(w2, w2)
  tri = Trilu<upper=1>(sqr)
  r = Range(r0, r1, r2)
}""",
    "conv14": """
<ir_version: 8, opset_import: ["" : 14]>
g (float[batch, 3, 16] x) => (float[batch, 4, 14] y, float[batch, 3, 16] e, bool[batch, 3, 16] nan) {
  y = Conv<kernel_shape=[3], strides=[1], pads=[0, 0]>(x, w, b)
  nan = IsNaN(x)
  e = Where(nan, x, x)
}""",
}


def init(name, arr, raw=True):
    t = numpy_helper.from_array(np.asarray(arr), name)
    if not raw:  # the typed field instead of raw_data
        a = np.asarray(arr)
        t.ClearField("raw_data")
        if a.dtype == np.float32:
            t.float_data.extend(a.ravel().tolist())
        elif a.dtype == np.int64:
            t.int64_data.extend(a.ravel().tolist())
    return t


def f32(*shape, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


INITS = {
    "attention14": [init("wq", f32(8, 8)), init("ax1", np.array([1], np.int64)),
                    init("one", np.float32(1)), init("big", np.float32(-1e4), raw=False)],
    "shapes13": [init("i0", np.int64(0)), init("i1", np.int64(1)),
                 init("ax0", np.array([0], np.int64)),
                 init("tail", np.array([2, 4], np.int64), raw=False),
                 init("st", np.array([0], np.int64)), init("en", np.array([2], np.int64))],
    "norms20": [init("gamma", np.ones(8, np.float32)), init("beta", np.zeros(8, np.float32)),
                init("rax", np.array([-1], np.int64))],
    "constants13": [],
    "datamove18": [init("rax", np.array([2], np.int64)), init("st", np.array([0], np.int64)),
                   init("en", np.array([1], np.int64)), init("axs", np.array([0], np.int64)),
                   init("ax0", np.array([0], np.int64))],
    "misc14": [init("w", f32(4, 8)), init("bias", f32(4), raw=False),
               init("lo", np.float32(-1)), init("hi", np.float32(1)),
               init("reps", np.array([1, 2], np.int64)), init("one", np.int64(1)),
               init("w2", f32(8, 8, seed=1)), init("r0", np.float32(0)),
               init("r1", np.float32(3)), init("r2", np.float32(0.5))],
    "conv14": [init("w", f32(4, 3, 3)), init("b", f32(4))],
}

for name, text in MODELS.items():
    m = onnx.parser.parse_model(text)
    m.graph.initializer.extend(INITS[name])
    onnx.checker.check_model(m)
    with open(os.path.join(here, "import", name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())

# External data: 16 floats at offset 64 of the sandbox's data.bin.
m = onnx.parser.parse_model("""
<ir_version: 8, opset_import: ["" : 14]>
g (float[batch, 16] x) => (float[batch, 16] y) {
  y = Add(x, w)
}""")
w = onnx.TensorProto()
w.name, w.data_type = "w", TP.FLOAT
w.dims.append(16)
w.data_location = TP.EXTERNAL
for k, v in (("location", "data.bin"), ("offset", "64"), ("length", "64")):
    kv = w.external_data.add()
    kv.key, kv.value = k, v
m.graph.initializer.append(w)
with open(os.path.join(here, "import", "external14.onnx"), "wb") as f:
    f.write(m.SerializeToString())

# .npy: every dtype, a scalar, an empty array, a version 2.0 header.
arrays = {
    "f32": np.arange(6, dtype=np.float32).reshape(2, 3),
    "f16": np.arange(4, dtype=np.float16),
    "f64": np.array([[1.5]], np.float64),
    "i8": np.array([-1, 2], np.int8),
    "u8": np.array([255], np.uint8),
    "i16": np.array([[1, -2], [3, 4]], np.int16),
    "i32": np.array([7], np.int32),
    "i64": np.arange(12, dtype=np.int64).reshape(2, 3, 2),
    "bool": np.array([True, False]),
    "scalar": np.float32(3.0),
    "empty": np.zeros((0, 4), np.float32),
}
for name, a in arrays.items():
    np.save(os.path.join(here, "npy", name + ".npy"), a)
buf = io.BytesIO()
np.lib.format.write_array(buf, np.arange(3, dtype=np.int64), version=(2, 0))
with open(os.path.join(here, "npy", "v2.npy"), "wb") as f:
    f.write(buf.getvalue())
