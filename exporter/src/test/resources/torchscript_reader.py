# Independent reader check of a Glyph TorchScript archive with Python torch (Debian python3-torch).
# usage: torchscript_reader.py MODEL.pt INPUT.f32 N OUT_DIR
#   INPUT.f32: N*784 little-endian float32 (N,1,28,28)
# writes OUT_DIR/logprobs.f32 (N*10 LE float32), OUT_DIR/params.f32 (state_dict values, in state_dict order),
# OUT_DIR/resaved_logprobs.f32 (same inputs through a copy re-saved by torch.jit.save and loaded again),
# and prints one JSON report to stdout.
import json
import os
import sys

import torch

if sys.byteorder != "little":
    raise SystemExit("this check assumes a little-endian host")

model_path, input_path, n, out_dir = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]

extra = {"provenance.json": ""}
m = torch.jit.load(model_path, map_location="cpu", _extra_files=extra)

with open(input_path, "rb") as f:
    raw = bytearray(f.read())
x = torch.frombuffer(raw, dtype=torch.float32).reshape(n, 1, 28, 28)

with torch.no_grad():
    y = m(x)
    m.eval()
    y_eval = m(x)

sd = m.state_dict()
with open(os.path.join(out_dir, "params.f32"), "wb") as f:
    for v in sd.values():
        f.write(v.detach().contiguous().to(torch.float32).numpy().tobytes())
with open(os.path.join(out_dir, "logprobs.f32"), "wb") as f:
    f.write(y.contiguous().numpy().astype("<f4").tobytes())

resaved = os.path.join(out_dir, "resaved.pt")
torch.jit.save(m, resaved)
m2 = torch.jit.load(resaved)
with torch.no_grad():
    y2 = m2(x)
with open(os.path.join(out_dir, "resaved_logprobs.f32"), "wb") as f:
    f.write(y2.contiguous().numpy().astype("<f4").tobytes())

report = {
    "torch": torch.__version__,
    "state_dict": [[k, list(v.shape)] for k, v in sd.items()],
    "named_parameters": [k for k, _ in m.named_parameters()],
    "requires_grad": all(p.requires_grad for p in m.parameters()),
    "training": [m.training] + [s.training for s in m.children()],
    "children": [[name, s.original_name] for name, s in m.named_children()],
    "original_name": m.original_name,
    "provenance": extra["provenance.json"].decode("utf-8") if isinstance(extra["provenance.json"], bytes)
    else extra["provenance.json"],
    "output_shape": list(y.shape),
    "eval_equal": bool(torch.equal(y, y_eval)),
}
print(json.dumps(report))
