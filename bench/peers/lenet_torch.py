"""PyTorch peer of bench/lenet-epoch.ts and examples/lenet.ts: LeNet-5 (conv 5x5 1->6 pad 2, ReLU, maxpool 2,
conv 5x5 6->16, ReLU, maxpool 2, flatten 400, linear 120, 84 (ReLU), 10) with PyTorch's default initialization,
Adam lr 1e-3, batch 128, shuffled each epoch, on Fashion-MNIST; prints one JSON line (common.py).

    /usr/bin/python3 bench/peers/lenet_torch.py [--epochs N] [--threads T] [--dir DIR]
"""
import torch

from common import arguments, fashion, train_and_report


def lenet():
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5), nn.ReLU(), nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(400, 120), nn.ReLU(), nn.Linear(120, 84), nn.ReLU(), nn.Linear(84, 10))


def main():
    a = arguments(default_epochs=5)
    x, y = fashion(a.dir, 'train', (1, 28, 28))
    xt, yt = fashion(a.dir, 't10k', (1, 28, 28))
    model = lenet()
    opt = torch.optim.Adam(model.parameters(), lr=1e-3)
    train_and_report(model, opt, x, y, xt, yt, a.epochs)


if __name__ == '__main__':
    main()
