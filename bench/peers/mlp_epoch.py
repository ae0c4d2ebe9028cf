"""PyTorch peer of bench/mlp-epoch.ts: MLP-A (784-512-256-10 ReLU, He uniform init, zero biases), SGD lr 0.05
momentum 0.9, batch 128, shuffled each epoch, on Fashion-MNIST. Times each epoch's training loop (the same span
neuroblas's EpochLogs.seconds covers: batch copy, forward, loss, backward, step) and prints one JSON line.

    /usr/bin/python3 bench/peers/mlp_epoch.py [--epochs N] [--threads T] [--dir DIR]
"""
import argparse
import gzip
import json
import os
import statistics
import time

import numpy as np
import torch


def read_idx(path):
    opener = gzip.open if path.endswith('.gz') else open
    with opener(path, 'rb') as f:
        data = f.read()
    ndim = data[3]
    dims = [int.from_bytes(data[4 + 4 * i:8 + 4 * i], 'big') for i in range(ndim)]
    return np.frombuffer(data, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def find(directory, base):
    for name in (base + '.gz', base):
        p = os.path.join(directory, name)
        if os.path.exists(p):
            return p
    raise FileNotFoundError(os.path.join(directory, base))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=3)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--dir', default='/usr/share/datasets/fashion-mnist')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = torch.from_numpy(read_idx(find(a.dir, 'train-images-idx3-ubyte')).reshape(-1, 784).astype(np.float32) / 255)
    y = torch.from_numpy(read_idx(find(a.dir, 'train-labels-idx1-ubyte')).astype(np.int64))
    xt = torch.from_numpy(read_idx(find(a.dir, 't10k-images-idx3-ubyte')).reshape(-1, 784).astype(np.float32) / 255)
    yt = torch.from_numpy(read_idx(find(a.dir, 't10k-labels-idx1-ubyte')).astype(np.int64))

    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10))
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    seconds = []
    for _ in range(a.epochs):
        model.train()
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        for s in range(0, n, 128):
            idx = perm[s:s + 128]
            xb, yb = x[idx], y[idx]
            opt.zero_grad(set_to_none=False)
            loss = loss_fn(model(xb), yb)
            loss.backward()
            opt.step()
        seconds.append(time.perf_counter() - t0)
    model.eval()
    with torch.no_grad():
        acc = (model(xt).argmax(1) == yt).float().mean().item()
    print(json.dumps({'torch': torch.__version__, 'threads': torch.get_num_threads(), 'epochs': seconds,
                      'median': statistics.median(seconds), 'testAccuracy': acc}))


if __name__ == '__main__':
    main()
