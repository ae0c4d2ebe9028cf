#!/usr/bin/python3
"""PyTorch writes, neuroblas reads: an Embedding -> LSTM|GRU -> Linear classifier built and seeded in PyTorch, its
state_dict saved as safetensors (standard library writer: json + struct), with padded token rows x and PyTorch's logits.

Usage: /usr/bin/python3 test/interop/torch_rnn_export.py lstm|gru OUT.safetensors

Rows end in padding (index 0, lengths 1..T), packed with pack_padded_sequence as PyTorch users do; the head reads the
last valid step's output. Tensors: the state_dict under PyTorch's names (embedding.weight, rnn.weight_ih_l0, ...,
head.weight [out, in], head.bias), plus "x" [B, T] (indices as float32) and "logits" [B, C].
"""
import json
import struct
import sys

import torch
from torch import nn

V, E, H, C, B, T = 20, 6, 9, 4, 7, 11


class Classifier(nn.Module):
    def __init__(self, kind):
        super().__init__()
        self.embedding = nn.Embedding(V, E, padding_idx=0)
        self.rnn = (nn.LSTM if kind == "lstm" else nn.GRU)(E, H, batch_first=True)
        self.head = nn.Linear(H, C)

    def forward(self, idx, lengths):
        packed = nn.utils.rnn.pack_padded_sequence(self.embedding(idx), lengths, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
        return self.head(out[torch.arange(B), lengths - 1])


def write_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        raw = t.detach().contiguous().to(torch.float32).numpy().astype("<f4").tobytes()
        header[name] = {"dtype": "F32", "shape": list(t.shape), "data_offsets": [offset, offset + len(raw)]}
        blobs.append(raw)
        offset += len(raw)
    text = json.dumps(header).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))


def main():
    kind, path = sys.argv[1], sys.argv[2]
    torch.manual_seed(5)
    model = Classifier(kind).eval()
    lengths = torch.randint(1, T + 1, (B,))
    idx = torch.zeros(B, T, dtype=torch.long)
    for b in range(B):
        idx[b, : lengths[b]] = torch.randint(1, V, (int(lengths[b]),))
    with torch.no_grad():
        logits = model(idx, lengths)
    tensors = dict(model.state_dict())
    tensors["x"] = idx.to(torch.float32)
    tensors["logits"] = logits
    write_safetensors(path, tensors)


if __name__ == "__main__":
    main()
