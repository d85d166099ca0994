# An independent check of Glyph's int8 QDQ model.onnx with Debian's python3-onnx and python3-numpy (Debian has no
# onnxruntime for Python, so the ONNX Runtime side is computed by the Java test and passed in files).
#
# usage: qdq_check.py MODEL.onnx IMAGES.f32 N RELU1.u8 LOGPROBS.f32
#   IMAGES.f32    N*784 little-endian float32 model inputs (pixel/255)
#   RELU1.u8      N*32*26*26 uint8: ONNX Runtime's relu1_out_quantized (the first Conv's quantised output)
#   LOGPROBS.f32  N*10 little-endian float32: ONNX Runtime's log_probs
#
# 1. runs onnx.checker.check_model(full_check=True) on the model;
# 2. evaluates the QuantizeLinear / DequantizeLinear arithmetic of the ONNX spec in numpy (round half to even,
#    saturate; per-axis dequantisation of int8 weights and int32 biases) through the whole graph in float64:
#    Q/DQ of the input, Conv + Relu, Q/DQ, Conv + Relu, Q/DQ, MaxPool, Q/DQ, Flatten, Q/DQ, Gemm + Relu, Q/DQ, Gemm,
#    LogSoftmax;
# 3. prints one JSON object comparing numpy's first-Conv codes and log-probabilities with ONNX Runtime's.
import json
import sys

import numpy as np
import onnx
from onnx import numpy_helper

if sys.byteorder != "little":
    raise SystemExit("this check assumes a little-endian host")

model_path, images_path, n, relu1_path, logprobs_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4], sys.argv[5]
m = onnx.load(model_path)
onnx.checker.check_model(m, full_check=True)
init = {t.name: numpy_helper.to_array(t) for t in m.graph.initializer}
nodes = list(m.graph.node)


def attr(node, name, default):
    for a in node.attribute:
        if a.name == name:
            return onnx.helper.get_attribute_value(a)
    return default


def quantize(x, scale, zp):
    # ONNX QuantizeLinear: saturate(round_half_to_even(x / scale) + zero_point)
    info = np.iinfo(zp.dtype)
    q = np.rint(x / np.float64(scale)) + np.int64(zp)
    return np.clip(q, info.min, info.max).astype(zp.dtype)


def dequantize(q, scale, zp, axis):
    q = q.astype(np.float64)
    scale = np.asarray(scale, dtype=np.float64)
    zp = np.asarray(zp).astype(np.float64)
    if scale.ndim == 1 and q.ndim > 1:
        shape = [1] * q.ndim
        shape[axis] = -1
        scale = scale.reshape(shape)
        zp = zp.reshape(shape)
    return (q - zp) * scale


def conv(x, w, b):
    # valid 3x3 convolution, stride 1, NCHW, float64
    n_, c, h, wd = x.shape
    o, _, kh, kw = w.shape
    oh, ow = h - kh + 1, wd - kw + 1
    cols = np.empty((n_, c, kh, kw, oh, ow))
    for i in range(kh):
        for j in range(kw):
            cols[:, :, i, j] = x[:, :, i:i + oh, j:j + ow]
    y = np.einsum("ncijhw,ocij->nohw", cols, w)
    return y + b.reshape(1, -1, 1, 1)


def maxpool(x):
    n_, c, h, w = x.shape
    return x.reshape(n_, c, h // 2, 2, w // 2, 2).max(axis=(3, 5))


values = {}
x = np.frombuffer(open(images_path, "rb").read(), dtype="<f4").astype(np.float64).reshape(n, 1, 28, 28)
values[m.graph.input[0].name] = x
for node in nodes:
    ins = [values[i] if i in values else init[i] for i in node.input]
    op = node.op_type
    if op == "QuantizeLinear":
        out = quantize(ins[0], ins[1], ins[2])
    elif op == "DequantizeLinear":
        out = dequantize(ins[0], ins[1], ins[2], attr(node, "axis", 1))
    elif op == "Conv":
        out = conv(ins[0], ins[1], ins[2])
    elif op == "Relu":
        out = np.maximum(ins[0], 0)
    elif op == "MaxPool":
        out = maxpool(ins[0])
    elif op == "Flatten":
        out = ins[0].reshape(ins[0].shape[0], -1)
    elif op == "Gemm":
        b = ins[1].T if attr(node, "transB", 0) else ins[1]
        out = ins[0] @ b + ins[2]
    elif op == "LogSoftmax":
        z = ins[0] - ins[0].max(axis=1, keepdims=True)
        out = z - np.log(np.exp(z).sum(axis=1, keepdims=True))
    elif op == "Exp":
        out = np.exp(ins[0])
    else:
        raise SystemExit("unexpected op " + op)
    values[node.output[0]] = out

ort_relu1 = np.frombuffer(open(relu1_path, "rb").read(), dtype=np.uint8).reshape(values["relu1_out_quantized"].shape)
ort_lp = np.frombuffer(open(logprobs_path, "rb").read(), dtype="<f4").astype(np.float64).reshape(n, 10)
np_relu1 = values["relu1_out_quantized"].astype(np.int64)
d = np.abs(np_relu1 - ort_relu1.astype(np.int64))
lp = values["log_probs"]
print(json.dumps({
    "onnx_version": onnx.__version__,
    "numpy_version": np.__version__,
    "ops": sorted({nd.op_type for nd in nodes}),
    "conv1_codes": int(d.size),
    "conv1_codes_equal": int((d == 0).sum()),
    "conv1_max_code_diff": int(d.max()),
    "log_probs_max_abs_diff": float(np.abs(lp - ort_lp).max()),
    "argmax_numpy": [int(v) for v in lp.argmax(axis=1)],
    "argmax_ort": [int(v) for v in ort_lp.argmax(axis=1)],
}))
