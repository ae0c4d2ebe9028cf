"""
Builds two PyTorch models (an MLP and a CNN), exports each with torch.onnx.export (opset 13, dynamic batch), and
writes the logits PyTorch computes for the given rows, so that test/interop/onnx-torch.test.ts can import the ONNX
files into neuroblas and compare.

    python3 onnx_torch_export.py <rows.f32> <rows> <out_dir>
    python3 onnx_torch_export.py --sequences <ids.f32> <rows> <steps> <out_dir>

<rows.f32>: rows × 784 little-endian float32 pixels in [0, 1]. Writes <out_dir>/{mlp,cnn}.onnx and
<out_dir>/{mlp,cnn}.logits.f32 (rows × 10 float32). With --sequences: rows × steps token ids (float32, in [0, 96));
an Embedding → LSTM → Linear classifier on the last step and an Embedding → 2-layer bidirectional GRU → Linear one,
exported with integer ids as the input: <out_dir>/{lstm,gru}.onnx and .logits.f32 (rows × 2).
"""
import sys

import numpy as np
import torch
import torch.nn as nn


def mlp():
    return nn.Sequential(
        nn.Linear(784, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.2), nn.Linear(64, 32), nn.SiLU(), nn.Linear(32, 10)
    )


def cnn():
    return nn.Sequential(
        nn.Conv2d(1, 6, 5, padding=2),
        nn.BatchNorm2d(6),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(6, 16, 5),
        nn.Tanh(),
        nn.AvgPool2d(2, padding=1),
        nn.Flatten(),
        nn.Linear(16 * 6 * 6, 64),
        nn.GELU(),
        nn.Linear(64, 10),
    )


class Recurrent(nn.Module):
    def __init__(self, kind, layers, bidirectional):
        super().__init__()
        self.embedding = nn.Embedding(96, 8)
        self.rnn = getattr(nn, kind)(8, 12, num_layers=layers, bidirectional=bidirectional, batch_first=True)
        self.head = nn.Linear(12 * (2 if bidirectional else 1), 2)

    def forward(self, ids):
        y, _ = self.rnn(self.embedding(ids))
        return self.head(y[:, -1])


def sequences():
    path, rows, steps, out = sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
    ids = torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(rows, steps).astype(np.int64))
    torch.manual_seed(0)
    for name, model in [("lstm", Recurrent("LSTM", 1, False)), ("gru", Recurrent("GRU", 2, True))]:
        model.eval()
        torch.onnx.export(
            model,
            ids[:2],
            f"{out}/{name}.onnx",
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=13,
        )
        with torch.no_grad():
            model(ids).numpy().astype("<f4").tofile(f"{out}/{name}.logits.f32")


def main():
    if sys.argv[1] == "--sequences":
        return sequences()
    path, rows, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    x = torch.from_numpy(np.fromfile(path, dtype="<f4").reshape(rows, 784).copy())
    torch.manual_seed(0)
    for name, model, inputs in [("mlp", mlp(), x), ("cnn", cnn(), x.reshape(rows, 1, 28, 28))]:
        # A few batches in training mode, so that the batch norms' running statistics are not the initial 0 and 1.
        model.train()
        with torch.no_grad():
            for i in range(0, rows, 50):
                model(inputs[i : i + 50])
        model.eval()
        torch.onnx.export(
            model,
            inputs[:2],
            f"{out}/{name}.onnx",
            input_names=["input"],
            output_names=["logits"],
            dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}},
            opset_version=13,
        )
        with torch.no_grad():
            model(inputs).numpy().astype("<f4").tofile(f"{out}/{name}.logits.f32")


main()
