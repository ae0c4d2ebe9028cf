"""PyTorch peer of bench/seq.ts (SEQ-A): Embedding(96, 64) -> LSTM or GRU(64 -> 128, batch_first) -> last step ->
Linear(128 -> 10), cross-entropy, Adam 1e-3, batch 64, length 64, on random tokens; one thread. Prints one JSON line:
the median training step (forward, loss, backward, Adam step) and batch-64 inference (eval, no_grad) in seconds.

    /usr/bin/python3 bench/peers/seq_torch.py [--steps N] [--threads T]
"""
import argparse
import json
import statistics
import time

import torch
from torch import nn


class SeqA(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.embedding = nn.Embedding(96, 64)
        self.rnn = (nn.LSTM if kind == 'lstm' else nn.GRU)(64, 128, batch_first=True)
        self.head = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.rnn(self.embedding(x))
        return self.head(out[:, -1])


def timed(fn, warmup, steps):
    for _ in range(warmup):
        fn()
    seconds = []
    for _ in range(steps):
        t0 = time.perf_counter()
        fn()
        seconds.append(time.perf_counter() - t0)
    return statistics.median(seconds)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--steps', type=int, default=20)
    ap.add_argument('--threads', type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(1)
    x = torch.randint(0, 96, (64, 64))
    y = torch.randint(0, 10, (64,))
    result = {'torch': torch.__version__, 'threads': torch.get_num_threads()}
    for kind in ('lstm', 'gru'):
        model = SeqA(kind)
        opt = torch.optim.Adam(model.parameters(), lr=1e-3)
        loss_fn = nn.CrossEntropyLoss()

        def step():
            opt.zero_grad(set_to_none=False)
            loss_fn(model(x), y).backward()
            opt.step()

        model.train()
        train = timed(step, 3, a.steps)
        model.eval()
        with torch.no_grad():
            infer = timed(lambda: model(x), 3, a.steps)
        result[kind] = {'step': train, 'infer': infer}
    print(json.dumps(result))


if __name__ == '__main__':
    main()
