# Outside readers of an exported Glyph model folder, with Debian's python3-torch and python3-onnx.
# usage: exported_model_reader.py MODEL_DIR INPUT.f32 N OUT.f32
#   loads MODEL_DIR/model.pt with torch.jit.load (and its provenance.json extra file), runs it on the N
#   images in INPUT.f32 (N*784 little-endian float32, pixel/255), writes the log-probabilities to OUT.f32,
#   runs onnx.checker.check_model(full_check=True) on MODEL_DIR/model.onnx, and prints one JSON report.
import json
import os
import sys

import onnx
import torch

if sys.byteorder != "little":
    raise SystemExit("this check assumes a little-endian host")

model_dir, input_path, n, out_path = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

extra = {"provenance.json": ""}
m = torch.jit.load(os.path.join(model_dir, "model.pt"), map_location="cpu", _extra_files=extra)
m.eval()
with open(input_path, "rb") as f:
    x = torch.frombuffer(bytearray(f.read()), dtype=torch.float32).reshape(n, 1, 28, 28)
with torch.no_grad():
    y = m(x)
with open(out_path, "wb") as f:
    f.write(y.contiguous().numpy().astype("<f4").tobytes())
provenance = extra["provenance.json"]
if isinstance(provenance, bytes):
    provenance = provenance.decode("utf-8")

model = onnx.load(os.path.join(model_dir, "model.onnx"))
onnx.checker.check_model(model, full_check=True)

print(json.dumps({
    "torch": torch.__version__,
    "onnx": onnx.__version__,
    "output_shape": list(y.shape),
    "provenance": provenance,
    "onnx_ir_version": model.ir_version,
    "onnx_opsets": {o.domain: o.version for o in model.opset_import},
    "onnx_metadata": {p.key: p.value for p in model.metadata_props},
    "onnx_checker": "ok",
}))
