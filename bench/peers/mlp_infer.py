"""PyTorch peer of bench/inference.ts: MLP-A (784-512-256-10 ReLU) in eval mode under torch.no_grad(): the median
latency of one row and the median throughput of a batch of 1024 rows; prints one JSON line.

    /usr/bin/python3 bench/peers/mlp_infer.py [--threads T] [--reps R]
"""
import argparse
import json
import statistics
import time

import torch


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--reps', type=int, default=2000)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10)).eval()
    out = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    with torch.no_grad():
        for rows, reps in ((1, a.reps), (1024, max(20, a.reps // 50))):
            x = torch.rand(rows, 784)
            for _ in range(10):
                model(x)
            times = []
            for _ in range(reps):
                t0 = time.perf_counter()
                model(x)
                times.append(time.perf_counter() - t0)
            out[str(rows)] = statistics.median(times)
    print(json.dumps(out))


if __name__ == '__main__':
    main()
