#!/usr/bin/env python3
"""Test helper: writes malformed and hostile ONNX models (test/Import/
untrusted-models.test) that onnx_from_text.py cannot express: dims whose
products overflow, tensors with no data, external data tricks.

  hostile_models.py OUT_DIR
"""
import os
import sys

import numpy as np
from onnx import TensorProto as TP, helper, numpy_helper

out = sys.argv[1]
os.makedirs(out, exist_ok=True)
vi = helper.make_tensor_value_info


def save(name, nodes, inputs, outputs, inits=(), opset=14, graph="g"):
    g = helper.make_graph(nodes, graph, inputs, outputs, list(inits))
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", opset)],
                          ir_version=8)
    with open(os.path.join(out, name), "wb") as f:
        f.write(m.SerializeToString())


def tensor(name, dims, dtype=TP.FLOAT):
    t = TP()
    t.name = name
    t.data_type = dtype
    t.dims.extend(dims)
    return t


def add_w(name, w, shape=(4,)):
    save(name, [helper.make_node("Add", ["x", "w"], ["y"])],
         [vi("x", TP.FLOAT, list(shape))], [vi("y", TP.FLOAT, None)], [w])


# 1. A static shape whose element count overflows int64.
save("expand.onnx", [helper.make_node("Expand", ["x", "shape"], ["y"])],
     [vi("x", TP.FLOAT, [1, 1])], [vi("y", TP.FLOAT, None)],
     [numpy_helper.from_array(np.array([2**40, 2**40], np.int64), "shape")])
# The same shape computed by a shape subgraph: static only after folding.
save("expand-folded.onnx",
     [helper.make_node("Concat", ["a", "a"], ["shape"], axis=0),
      helper.make_node("Expand", ["x", "shape"], ["y"])],
     [vi("x", TP.FLOAT, [1, 1])], [vi("y", TP.FLOAT, None)],
     [numpy_helper.from_array(np.array([2**40], np.int64), "a")])
# 3. Dims whose product overflows, with 16 bytes of data.
w = tensor("w", [2**62 + 1, 4])
w.raw_data = b"\0" * 16
add_w("dims-overflow.onnx", w)
# Element count fits, byte count does not: [2^61, 8] of float.
w = tensor("w", [2**61, 8])
w.raw_data = b"\0" * 16
add_w("bytes-overflow.onnx", w)
# 4. A Constant with dims [2^33] and no data (the file is under 100 bytes).
save("constant-no-data.onnx",
     [helper.make_node("Constant", [], ["y"], value=tensor("c", [2**33]))],
     [], [vi("y", TP.FLOAT, None)])
# A typed-field initializer that claims [2^33] floats and holds one.
w = tensor("w", [2**33])
w.float_data.append(1.0)
add_w("typed-short.onnx", w)
# raw_data shorter than the shape: counted before anything is copied.
w = tensor("w", [1 << 30])
w.raw_data = b"\0" * 8
add_w("raw-short.onnx", w)
# 7, 5, 6. External data.
ext = os.path.join(out, "ext")
os.makedirs(ext, exist_ok=True)
with open(os.path.join(ext, "data.bin"), "wb") as f:
    f.write(np.ones(64, np.float32).tobytes())


def ext_model(name, location, offset=None, length=None):
    w = tensor("w", [4])
    w.data_location = TP.EXTERNAL
    for k, v in (("location", location), ("offset", offset), ("length", length)):
        if v is not None:
            kv = w.external_data.add()
            kv.key, kv.value = k, str(v)
    save(os.path.join("ext", name), [helper.make_node("Add", ["x", "w"], ["y"])],
         [vi("x", TP.FLOAT, [4])], [vi("y", TP.FLOAT, [4])], [w])


ext_model("ok.onnx", "data.bin", offset=16, length=16)
ext_model("offset-length-overflow.onnx", "data.bin", offset=16, length=2**63 - 1)
ext_model("offset-past-end.onnx", "data.bin", offset=2**62)
ext_model("length-too-long.onnx", "data.bin", offset=200, length=100)
ext_model("length-mismatch.onnx", "data.bin", length=256)
ext_model("bad-offset.onnx", "data.bin", offset="-5")
ext_model("symlink-out.onnx", "passwd.link")
ext_model("symlink-in.onnx", "data.link", length=16)
ext_model("dev-zero.onnx", "zero.link", length=16)
ext_model("fifo.onnx", "fifo")
ext_model("dir.onnx", "sub")
ext_model("dotdot.onnx", "../data.bin")
os.makedirs(os.path.join(ext, "sub"), exist_ok=True)
for link, target in (("passwd.link", "/etc/passwd"), ("zero.link", "/dev/zero"),
                     ("data.link", "data.bin")):
    p = os.path.join(ext, link)
    if os.path.lexists(p):
        os.remove(p)
    os.symlink(target, p)
if not os.path.exists(os.path.join(ext, "fifo")):
    os.mkfifo(os.path.join(ext, "fifo"))
# 9. Accepted silently before.
ident = [helper.make_node("Identity", ["x"], ["y"])]
save("opset99.onnx", ident, [vi("x", TP.FLOAT, [2])], [vi("y", TP.FLOAT, [2])], opset=99)
save("opset7.onnx", ident, [vi("x", TP.FLOAT, [2])], [vi("y", TP.FLOAT, [2])], opset=7)
save("concat-no-axis.onnx", [helper.make_node("Concat", ["x", "x"], ["y"])],
     [vi("x", TP.FLOAT, [2, 3])], [vi("y", TP.FLOAT, None)])
save("negative-dim.onnx", ident, [vi("x", TP.FLOAT, [2, -5])], [vi("y", TP.FLOAT, None)])
save("huge-input.onnx", ident, [vi("x", TP.FLOAT, [2**40, 2**40])], [vi("y", TP.FLOAT, None)])
save("no-outputs.onnx", ident, [vi("x", TP.FLOAT, [2])], [])
# 10. Messages.
open(os.path.join(out, "empty.onnx"), "wb").close()
w = tensor("w", [1], TP.STRING)
add_w("string-init.onnx", w, shape=(1,))
w = tensor("w", [2, -3])
add_w("negative-init-dim.onnx", w)
# Names that are not UTF-8, with control characters: protobuf's Python API
# refuses them, so placeholders of the same length are patched in the bytes.
save("bad-utf8.onnx", [helper.make_node("Add", ["x", "bQQ"], ["y"], name="nZZZZZZ")],
     [vi("x", TP.FLOAT, [2])], [vi("y", TP.FLOAT, [2])])
p = os.path.join(out, "bad-utf8.onnx")
data = open(p, "rb").read().replace(b"nZZZZZZ", b"n\xff\x1b[31m").replace(b"bQQ", b"b\xc3\x28")
open(p, "wb").write(data)
# Found by the importer fuzzer (test/fuzz/regressions/import keeps the
# original inputs).
# Split whose num_outputs is not an int (read as 0: a division by zero).
split = helper.make_node("Split", ["x"], ["a", "b"], axis=0)
split.attribute.append(helper.make_attribute("num_outputs", 2.0))
save("split-num-outputs-float.onnx", [split], [vi("x", TP.FLOAT, [4])],
     [vi("a", TP.FLOAT, None), vi("b", TP.FLOAT, None)], opset=18)
save("split-num-outputs-zero.onnx", [helper.make_node("Split", ["x"], ["a"], axis=0, num_outputs=0)],
     [vi("x", TP.FLOAT, [4])], [vi("a", TP.FLOAT, None)], opset=18)
# Tile whose static result dim overflows int64 (shape inference).
save("tile-overflow.onnx", [helper.make_node("Tile", ["x", "r"], ["y"])],
     [vi("x", TP.FLOAT, [3, 2])], [vi("y", TP.FLOAT, None)],
     [numpy_helper.from_array(np.array([2**62, 1], np.int64), "r")])
# Slice whose starts are a scalar (read as a 1-D length).
save("slice-scalar-starts.onnx", [helper.make_node("Slice", ["x", "s", "e"], ["y"])],
     [vi("x", TP.FLOAT, [4])], [vi("y", TP.FLOAT, None)],
     [numpy_helper.from_array(np.array(0, np.int64), "s"),
      numpy_helper.from_array(np.array([2], np.int64), "e")])
# Concat with an omitted ("") input: a null operand.
save("concat-omitted-input.onnx", [helper.make_node("Concat", ["x", ""], ["y"], axis=0)],
     [vi("x", TP.FLOAT, [4])], [vi("y", TP.FLOAT, None)])
# Conv with stride 0 (a division by zero in shape inference).
save("conv-stride-zero.onnx", [helper.make_node("Conv", ["x", "w"], ["y"], strides=[0])],
     [vi("x", TP.FLOAT, [1, 1, 8])], [vi("y", TP.FLOAT, None)],
     [numpy_helper.from_array(np.ones((1, 1, 3), np.float32), "w")])
# Range whose length overflows int64.
save("range-overflow.onnx", [helper.make_node("Range", ["a", "b", "d"], ["y"])],
     [], [vi("y", TP.INT64, None)],
     [numpy_helper.from_array(np.array(-2**63, np.int64), "a"),
      numpy_helper.from_array(np.array(2**63 - 1, np.int64), "b"),
      numpy_helper.from_array(np.array(1, np.int64), "d")])
# A graph input of rank 33.
save("rank33.onnx", ident, [vi("x", TP.FLOAT, [1] * 33)], [vi("y", TP.FLOAT, None)])
