"""PyTorch peer of bench/mlp-epoch.ts: MLP-A (784-512-256-10 ReLU, He uniform init, zero biases), SGD lr 0.05
momentum 0.9, batch 128, shuffled each epoch, on Fashion-MNIST; prints one JSON line (common.py).

    /usr/bin/python3 bench/peers/mlp_epoch.py [--epochs N] [--threads T] [--dir DIR]
"""
import torch

from common import arguments, fashion, train_and_report


def main():
    a = arguments(default_epochs=3)
    x, y = fashion(a.dir, 'train', (784,))
    xt, yt = fashion(a.dir, 't10k', (784,))
    model = torch.nn.Sequential(
        torch.nn.Linear(784, 512), torch.nn.ReLU(),
        torch.nn.Linear(512, 256), torch.nn.ReLU(),
        torch.nn.Linear(256, 10))
    for m in model:
        if isinstance(m, torch.nn.Linear):
            torch.nn.init.kaiming_uniform_(m.weight, nonlinearity='relu')
            torch.nn.init.zeros_(m.bias)
    opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
    train_and_report(model, opt, x, y, xt, yt, a.epochs)


if __name__ == '__main__':
    main()
