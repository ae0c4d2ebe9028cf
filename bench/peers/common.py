"""What the PyTorch peer scripts share: Fashion-MNIST from IDX files, the command line, and the timed training
loop (the span neuroblas's EpochLogs.seconds covers: batch copy, forward, loss, backward, step), which prints one
JSON line with the epoch times and the test accuracy after the last epoch."""
import argparse
import gzip
import json
import os
import resource
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


def fashion(directory, prefix, shape):
    """Images scaled to [0, 1] in `shape` per sample, and int64 labels."""
    x = read_idx(find(directory, prefix + '-images-idx3-ubyte')).reshape(-1, *shape)
    y = read_idx(find(directory, prefix + '-labels-idx1-ubyte'))
    return torch.from_numpy(x.astype(np.float32) / 255), torch.from_numpy(y.astype(np.int64))


def arguments(default_epochs):
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=default_epochs)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--dir', default='/usr/share/datasets/fashion-mnist')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    return a


def train_and_report(model, opt, x, y, xt, yt, epochs, batch=128):
    loss_fn = torch.nn.CrossEntropyLoss()
    n = x.shape[0]
    seconds = []
    for _ in range(epochs):
        model.train()
        perm = torch.randperm(n)
        t0 = time.perf_counter()
        for s in range(0, n, batch):
            idx = perm[s:s + batch]
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
                      'median': statistics.median(seconds), 'testAccuracy': acc,
                      'maxRssKb': resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
