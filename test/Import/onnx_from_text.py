#!/usr/bin/env python3
"""Test helper: writes an ONNX model from ONNX textual syntax
(onnx.parser, https://onnx.ai/onnx/repo-docs/Syntax.html), so that importer
tests keep their input graph readable next to their CHECK lines.

  onnx_from_text.py IN.txt OUT.onnx [--truncate N] [--no-check]
                    [--big-init NAME=D0xD1]   add a random float initializer
"""
import argparse

import numpy as np
import onnx
import onnx.parser
from onnx import numpy_helper

p = argparse.ArgumentParser()
p.add_argument("input")
p.add_argument("output")
p.add_argument("--truncate", type=int, help="keep only the first N bytes")
p.add_argument("--no-check", action="store_true", help="skip onnx.checker")
p.add_argument("--big-init", action="append", default=[])
a = p.parse_args()
m = onnx.parser.parse_model(open(a.input).read())
for spec in a.big_init:
    name, dims = spec.split("=")
    shape = [int(d) for d in dims.split("x")]
    arr = np.random.default_rng(0).standard_normal(shape).astype(np.float32)
    m.graph.initializer.append(numpy_helper.from_array(arr, name))
if not a.no_check:
    onnx.checker.check_model(m)
data = m.SerializeToString()
if a.truncate is not None:
    data = data[:a.truncate]
with open(a.output, "wb") as f:
    f.write(data)
