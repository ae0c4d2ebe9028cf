"""PyTorch peer of bench/lenet-epoch.ts and examples/lenet.ts: LeNet-5 (conv 5x5 1->6 pad 2, ReLU, maxpool 2,
conv 5x5 6->16, ReLU, maxpool 2, flatten 400, linear 120, 84 (ReLU), 10) with PyTorch's default initialization,
Adam lr 1e-3, batch 128, shuffled each epoch, on Fashion-MNIST. Times each epoch's training loop (the span
neuroblas's EpochLogs.seconds covers: batch copy, forward, loss, backward, step), then prints one JSON line with
the test accuracy after the last epoch.

    /usr/bin/python3 bench/peers/lenet_torch.py [--epochs N] [--threads T] [--dir DIR]
"""
import argparse
import json
import statistics
import time

import torch

from mlp_epoch import find, read_idx


def lenet():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def images(directory, prefix):
    x = read_idx(find(directory, prefix + '-images-idx3-ubyte')).reshape(-1, 1, 28, 28)
    y = read_idx(find(directory, prefix + '-labels-idx1-ubyte'))
    return torch.from_numpy(x.astype('float32') / 255), torch.from_numpy(y.astype('int64'))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--epochs', type=int, default=5)
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--dir', default='/usr/share/datasets/fashion-mnist')
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x, y = images(a.dir, 'train')
    xt, yt = images(a.dir, 't10k')
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
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
