#!/usr/bin/env python3
"""Glyph's PyTorch reference for `glyph bench train`: the tutorial's MnistNet training, timed.

Faithful to the PyTorch MNIST tutorial Glyph starts from:
  * ToTensor only: pixel / 255, no normalisation;
  * batch 32, SGD lr 0.01 (no momentum), nll_loss on log_softmax;
  * seed 0, Dropout2d(0.25), cuDNN deterministic and benchmark off;
  * the same MnistNet: conv 1->32 3x3, conv 32->64 3x3, max-pool 2, Dropout2d, fc 9216->128, fc 128->10.
The data set stays in one tensor in memory (Glyph's trainer preloads it too); each batch is gathered from a
seeded permutation.

A round is one epoch over the first --limit training images of a freshly initialised model (seed 0), as a
Glyph round is. All rounds run in this ONE warm process, after --warmup untimed rounds, so the reference is
warmed exactly like Glyph's rounds in one warm JVM.

Output: machine-readable JSON lines on stdout.
  {"event": "header", "torch": ..., "threads": ..., "blas": {"maps": [...], "config": ...}, ...}
  {"event": "warmup", "round": 0, "img_per_s": ...}
  {"event": "round", "round": 1, "img_per_s": ..., "train_s": ..., "train_loss": ..., "train_acc": ...}
  {"event": "done"}
With --stdin the script waits after the header for one command per line ("warmup", "round" or "quit") and
answers each with one JSON line, so that a driver (TrainBenchmark) can alternate its rounds with Glyph's.

  /usr/bin/python3 benchmarks/reference/ref_train.py --data data/mnist --limit 12800 --threads 2 --rounds 3
  /usr/bin/python3 benchmarks/reference/ref_train.py --probe-blas
"""
import argparse
import json
import os
import random
import sys
import time

BLAS_WORDS = ('blas', 'mkl', 'blis', 'lapack', 'atlas')


def blas_probe(torch):
    """Which BLAS this process really uses: the libraries mapped after a matmul, and torch's build config."""
    a = torch.ones(64, 64)
    float((a @ a).sum())  # makes torch resolve and load its BLAS
    lines, seen = [], set()
    with open('/proc/self/maps') as f:
        for line in f:
            parts = line.split()
            path = parts[-1] if len(parts) >= 6 else ''
            if path not in seen and any(w in path.rsplit('/', 1)[-1].lower() for w in BLAS_WORDS):
                seen.add(path)
                lines.append(line.rstrip('\n'))  # one maps line per library
    info = []
    for l in torch.__config__.show().splitlines():
        l = l.strip()
        if 'Math Kernel' in l or 'OpenBLAS' in l:
            info.append(l)
        info += [kv.strip() for kv in l.split(',') if kv.strip().split('=')[0] in ('BLAS_INFO', 'LAPACK_INFO')
                 or kv.strip().startswith('- Build settings: BLAS_INFO')]
    info = [i.replace('- Build settings: ', '') for i in info]
    return {'maps': lines, 'config': info}


def idx(path):
    import numpy as np
    with open(path, 'rb') as f:
        b = f.read()
    magic = int.from_bytes(b[0:4], 'big')
    if magic == 2051:
        n, r, c = (int.from_bytes(b[i:i + 4], 'big') for i in (4, 8, 12))
        return np.frombuffer(b, np.uint8, offset=16).reshape(n, 1, r, c)
    if magic == 2049:
        return np.frombuffer(b, np.uint8, offset=8).astype(np.int64)
    raise SystemExit(f'ref_train.py: {path} has magic {magic}; expected an IDX file (2051 images, 2049 labels)')


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--data', default='data/mnist', help='folder with the four raw IDX files')
    ap.add_argument('--device', default='cpu', help='cpu, cuda or auto (cuda when available)')
    ap.add_argument('--limit', type=int, default=0, help='train on the first N images per round, 0 = all')
    ap.add_argument('--threads', type=int, default=0, help='torch.set_num_threads, 0 = torch default')
    ap.add_argument('--batch', type=int, default=32)
    ap.add_argument('--lr', type=float, default=0.01)
    ap.add_argument('--warmup', type=int, default=1, help='untimed warm-up rounds before the timed ones')
    ap.add_argument('--rounds', type=int, default=3, help='timed rounds (ignored with --stdin)')
    ap.add_argument('--stdin', action='store_true', help='wait for warmup/round/quit commands on stdin')
    ap.add_argument('--probe-blas', action='store_true', help='print the header (with the BLAS probe) and exit')
    a = ap.parse_args()

    import numpy as np
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    import torch.optim as optim

    if a.threads:
        torch.set_num_threads(a.threads)
    if a.device == 'auto':
        a.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    header = {'event': 'header', 'torch': torch.__version__, 'python': sys.version.split()[0],
              'threads': torch.get_num_threads(), 'device': a.device, 'batch': a.batch, 'lr': a.lr,
              'limit': a.limit, 'blas': blas_probe(torch),
              'malloc_env': {k: v for k, v in os.environ.items() if k.startswith('MALLOC_')}}
    if a.probe_blas:
        emit(header)
        return

    class MnistNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 32, 3)
            self.conv2 = nn.Conv2d(32, 64, 3)
            self.dropout = nn.Dropout2d(0.25)
            self.fc1 = nn.Linear(9216, 128)
            self.fc2 = nn.Linear(128, 10)

        def forward(self, x):
            x = F.relu(self.conv1(x))
            x = F.relu(self.conv2(x))
            x = F.max_pool2d(x, 2)
            x = self.dropout(x)
            x = torch.flatten(x, 1)
            x = F.relu(self.fc1(x))
            return F.log_softmax(self.fc2(x), dim=1)

    seed = 0
    torch.backends.cudnn.benchmark = False
    torch.backends.cudnn.deterministic = True
    dev = torch.device(a.device)
    xtr = idx(os.path.join(a.data, 'train-images-idx3-ubyte'))
    ytr = idx(os.path.join(a.data, 'train-labels-idx1-ubyte'))
    if a.limit:
        xtr, ytr = xtr[:a.limit], ytr[:a.limit]
    # ToTensor: uint8 pixel / 255 as float32, nothing else
    xs = torch.from_numpy(xtr.astype(np.float32) / 255.0).to(dev)
    ys = torch.from_numpy(ytr).to(dev)
    n = len(xs)
    header['images'] = n
    emit(header)

    def one_round():
        random.seed(seed)
        np.random.seed(seed)
        torch.manual_seed(seed)
        if torch.cuda.is_available():
            torch.cuda.manual_seed_all(seed)
        model = MnistNet().to(dev)
        opt = optim.SGD(model.parameters(), lr=a.lr)
        g = torch.Generator()
        g.manual_seed(seed)
        if dev.type == 'cuda':
            torch.cuda.synchronize()
        t0 = time.perf_counter()
        model.train()
        perm = torch.randperm(n, generator=g).to(dev)
        run_loss = torch.zeros((), device=dev)
        correct = torch.zeros((), dtype=torch.int64, device=dev)
        for i in range(0, n, a.batch):
            b = perm[i:i + a.batch]
            x, y = xs[b], ys[b]
            opt.zero_grad(set_to_none=True)
            out = model(x)
            loss = F.nll_loss(out, y)
            loss.backward()
            opt.step()
            run_loss += loss.detach() * len(b)
            correct += (out.detach().argmax(1) == y).sum()
        loss_v, correct_v = float(run_loss), int(correct)
        if dev.type == 'cuda':
            torch.cuda.synchronize()
        dt = time.perf_counter() - t0
        return {'img_per_s': round(n / dt, 1), 'train_s': round(dt, 3), 'images': n,
                'train_loss': round(loss_v / n, 4), 'train_acc': round(100.0 * correct_v / n, 2)}

    if a.stdin:
        timed = 0
        for line in sys.stdin:
            cmd = line.strip()
            if cmd == 'warmup':
                emit({'event': 'warmup', 'round': 0, **one_round()})
            elif cmd == 'round':
                timed += 1
                emit({'event': 'round', 'round': timed, **one_round()})
            elif cmd == 'quit':
                break
            elif cmd:
                emit({'event': 'error', 'message': f"unknown command '{cmd}'; expected warmup, round or quit"})
    else:
        for _ in range(a.warmup):
            emit({'event': 'warmup', 'round': 0, **one_round()})
        for r in range(1, a.rounds + 1):
            emit({'event': 'round', 'round': r, **one_round()})
    emit({'event': 'done'})


if __name__ == '__main__':
    main()
