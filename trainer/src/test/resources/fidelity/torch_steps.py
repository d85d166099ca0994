"""PyTorch side of OptimizerFidelityTest: a few training steps of MnistNet with torch.optim.

Usage: torch_steps.py DIR
DIR holds config.json ({"optimizer", "momentum", "lrs", "shapes", "batch"}), params.f32 (the eight
MnistNet tensors, float32 little-endian, concatenated in order), x.f32 [B,1,28,28], y.i64 [B] and
mask.f32 [B,64,1,1] (a fixed Dropout2d mask, already scaled by 1/(1-p)). The same batch is used at
every step; step t uses lrs[t], set on the param group before the step, as an LR scheduler does.
Writes out.f32: per step, the gradients of all parameters (concatenated) and then the parameters
after the update (concatenated), and prints one line per step with the loss.
"""
import json
import os
import sys

import numpy as np
import torch
import torch.nn.functional as F


def main(d):
    cfg = json.load(open(os.path.join(d, "config.json")))
    shapes = cfg["shapes"]
    flat = np.fromfile(os.path.join(d, "params.f32"), dtype="<f4")
    params, off = [], 0
    for s in shapes:
        n = int(np.prod(s))
        params.append(torch.tensor(flat[off:off + n].reshape(s), requires_grad=True))
        off += n
    if off != flat.size:
        raise SystemExit("params.f32 holds %d floats, the shapes need %d" % (flat.size, off))
    b = cfg["batch"]
    x = torch.from_numpy(np.fromfile(os.path.join(d, "x.f32"), dtype="<f4").reshape(b, 1, 28, 28))
    y = torch.from_numpy(np.fromfile(os.path.join(d, "y.i64"), dtype="<i8"))
    mask = torch.from_numpy(np.fromfile(os.path.join(d, "mask.f32"), dtype="<f4").reshape(b, 64, 1, 1))
    lrs = cfg["lrs"]
    kind = cfg["optimizer"]
    if kind == "sgd":
        opt = torch.optim.SGD(params, lr=lrs[0])
    elif kind == "momentum":
        opt = torch.optim.SGD(params, lr=lrs[0], momentum=cfg["momentum"])
    elif kind == "adam":
        opt = torch.optim.Adam(params, lr=lrs[0])
    elif kind == "adadelta":
        opt = torch.optim.Adadelta(params, lr=lrs[0])
    else:
        raise SystemExit("unknown optimizer " + kind)
    w1, b1, w2, b2, w3, b3, w4, b4 = params
    out = []
    for t, lr in enumerate(lrs):
        for g in opt.param_groups:
            g["lr"] = lr
        opt.zero_grad()
        h = F.relu(F.conv2d(x, w1, b1))
        h = F.relu(F.conv2d(h, w2, b2))
        h = F.max_pool2d(h, 2) * mask  # nn.Dropout2d with a fixed mask
        h = F.relu(F.linear(torch.flatten(h, 1), w3, b3))
        logp = F.log_softmax(F.linear(h, w4, b4), dim=1)
        loss = F.nll_loss(logp, y)
        loss.backward()
        out += [p.grad.detach().numpy().ravel().copy() for p in params]
        opt.step()
        out += [p.detach().numpy().ravel().copy() for p in params]
        print("step %d lr %g loss %.7f" % (t + 1, lr, loss.item()))
    np.concatenate(out).astype("<f4").tofile(os.path.join(d, "out.f32"))


if __name__ == "__main__":
    torch.manual_seed(0)
    main(sys.argv[1])
