#!/usr/bin/python3
"""Loads a neuroblas checkpoint into the same network in PyTorch and compares predictions.

Usage: /usr/bin/python3 test/interop/torch_check.py MODEL.safetensors CASES.safetensors [TOLERANCE]

MODEL is a file written by neuroblas's saveModel; CASES is a safetensors file with two tensors, "x" (the
inputs, [rows, ...]) and "logits" (neuroblas's outputs for them, in eval mode). The script rebuilds the
network from the checkpoint's "architecture" metadata as a torch.nn.Sequential, copies the weights in
(transposing every weight that "weight_layout" marks "in_out": neuroblas's Dense stores [in, out],
torch.nn.Linear [out, in]), runs x in eval mode, and prints one JSON line:
  {"max_abs_diff": ..., "rows": ..., "tolerance": ...}
Exit status: 0 when max_abs_diff <= TOLERANCE (default 1e-4), 1 when above, 2 when the files cannot be used.

Debian's python3-torch imports with /usr/bin/python3 only, hence the shebang. The files are parsed with the
standard library (json + struct + torch.frombuffer): the `safetensors` package is used only when installed.
"""
import json
import struct
import sys

import torch
from torch import nn


def fail(message):
    print(f"torch_check: {message}", file=sys.stderr)
    sys.exit(2)


def read_safetensors(path):
    """(tensors by name, metadata) from a safetensors file."""
    try:
        from safetensors import safe_open  # optional; the parser below is the fallback
    except ImportError:
        safe_open = None
    if safe_open is not None:
        with safe_open(path, framework="pt") as f:
            return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata() or {})
    with open(path, "rb") as f:
        raw = f.read()
    if len(raw) < 8:
        fail(f"{path}: too short for a safetensors file")
    (n,) = struct.unpack("<Q", raw[:8])
    if n > len(raw) - 8:
        fail(f"{path}: header length {n} beyond the file's {len(raw)} bytes")
    header = json.loads(raw[8 : 8 + n].decode("utf-8"))
    data = raw[8 + n :]
    metadata = header.pop("__metadata__", {})
    tensors = {}
    for name, entry in header.items():
        if entry["dtype"] != "F32":
            fail(f"{path}: tensor {name} has dtype {entry['dtype']}, expected F32")
        begin, end = entry["data_offsets"]
        shape = entry["shape"]
        if begin == end:
            tensors[name] = torch.zeros(shape, dtype=torch.float32)
        else:
            # bytearray: frombuffer wants a writable buffer; '<f4' is the format's little-endian float32.
            tensors[name] = torch.frombuffer(bytearray(data[begin:end]), dtype=torch.float32).reshape(shape)
    return tensors, metadata


ACTIVATIONS = {
    "linear": lambda alpha: [],
    "relu": lambda alpha: [nn.ReLU()],
    "sigmoid": lambda alpha: [nn.Sigmoid()],
    "tanh": lambda alpha: [nn.Tanh()],
    "leaky_relu": lambda alpha: [nn.LeakyReLU(alpha)],
    "elu": lambda alpha: [nn.ELU(alpha)],
    "softplus": lambda alpha: [nn.Softplus()],
    "softmax": lambda alpha: [nn.Softmax(dim=1)],
    "gelu": lambda alpha: [nn.GELU()],
    "gelu_tanh": lambda alpha: [nn.GELU(approximate="tanh")],
    "silu": lambda alpha: [nn.SiLU()],
    "selu": lambda alpha: [nn.SELU()],
    "mish": lambda alpha: [nn.Mish()],
    "softsign": lambda alpha: [nn.Softsign()],
    "hardsigmoid": lambda alpha: [nn.Hardsigmoid()],
    "relu6": lambda alpha: [nn.ReLU6()],
    "logSoftmax": lambda alpha: [nn.LogSoftmax(dim=1)],
}
# neuroblas's activation layer types, by the activation each one is.
ACTIVATION_LAYERS = {
    "Identity": "linear", "Linear": "linear", "ReLU": "relu", "Sigmoid": "sigmoid", "Tanh": "tanh", "LeakyReLU": "leaky_relu",
    "ELU": "elu", "Softplus": "softplus", "Softmax": "softmax", "SiLU": "silu", "SELU": "selu", "Mish": "mish",
    "Softsign": "softsign", "Hardsigmoid": "hardsigmoid", "ReLU6": "relu6", "LogSoftmax": "logSoftmax",
}


class Tokens(nn.Module):
    """neuroblas's Embedding: float32 indices in, vectors out; with a padding index, also each row's length before its
    trailing padding (what neuroblas derives and hands to the recurrent layer)."""

    def __init__(self, embedding):
        super().__init__()
        self.embedding = embedding

    def forward(self, x):
        idx = x.long()
        out = self.embedding(idx)
        pad = self.embedding.padding_idx
        if pad is None:
            return out
        lengths = torch.tensor([int((row != pad).nonzero().max().item()) + 1 if (row != pad).any() else 0 for row in idx])
        if (lengths == 0).any():
            fail("a row of padding only: PyTorch cannot pack a sequence of length 0")
        return out, lengths


class Recurrent(nn.Module):
    """neuroblas's LSTM/GRU layer: nn.LSTM/nn.GRU (batch_first) over packed rows when lengths come along, then what its
    `returns` option selects: the sequence, each row's last valid step, or the top layer's final states side by side."""

    def __init__(self, rnn, returns):
        super().__init__()
        self.rnn, self.returns = rnn, returns

    def forward(self, inp):
        x, lengths = inp if isinstance(inp, tuple) else (inp, None)
        given = lengths is not None
        B, T = x.shape[0], x.shape[1]
        if lengths is None:
            out, state = self.rnn(x)
            lengths = torch.full((B,), T)
        else:
            packed = nn.utils.rnn.pack_padded_sequence(x, lengths, batch_first=True, enforce_sorted=False)
            out, state = self.rnn(packed)
            out, _ = nn.utils.rnn.pad_packed_sequence(out, batch_first=True, total_length=T)
        h = state[0] if isinstance(state, tuple) else state
        if self.returns == "sequence":
            return (out, lengths) if given else out  # the lengths go on to a recurrent layer stacked on this one
        if self.returns == "lastStep":
            return out[torch.arange(B), lengths - 1]
        D = 2 if self.rnn.bidirectional else 1
        return torch.cat([h[-D + d] for d in range(D)], dim=1)


class WeightSource:
    """The checkpoint's weights; `take` hands each one out once (in torch's layout), so leftovers can be reported."""

    def __init__(self, tensors, layout):
        self.tensors = {k: v for k, v in tensors.items() if not k.startswith("optimizer.")}
        self.layout = layout
        self.used = set()

    def take(self, name, shape):
        if name not in self.tensors:
            fail(f"weight {name} is missing from the checkpoint")
        t = self.tensors[name]
        if self.layout.get(name) == "in_out":
            t = t.t()
        if list(t.shape) != list(shape):
            fail(f"weight {name} has shape {list(t.shape)} (torch layout), the torch module needs {list(shape)}")
        self.used.add(name)
        return t.contiguous()


def build(config, weights, prefix=""):
    """Torch modules for one neuroblas Sequential config, with the weights copied in."""
    modules = []
    for i, layer in enumerate(config["layers"]):
        kind, name = layer["type"], f"{prefix}{i}."
        if kind == "Dense":
            linear = nn.Linear(layer["in"], layer["out"], bias=layer.get("useBias", True))
            with torch.no_grad():
                linear.weight.copy_(weights.take(name + "weight", linear.weight.shape))
                if linear.bias is not None:
                    linear.bias.copy_(weights.take(name + "bias", linear.bias.shape))
            activation = layer.get("activation", "linear")
            if activation not in ACTIVATIONS:
                fail(f"layer {i}: unknown Dense activation {activation!r}")
            modules += [linear] + ACTIVATIONS[activation](layer.get("alpha", 0))
        elif kind == "GELU":
            modules += ACTIVATIONS["gelu_tanh" if layer.get("approximate") == "tanh" else "gelu"](0)
        elif kind in ACTIVATION_LAYERS:
            modules += ACTIVATIONS[ACTIVATION_LAYERS[kind]](layer.get("alpha", 0.01 if kind == "LeakyReLU" else 1.0))
        elif kind == "BatchNorm1d":
            bn = nn.BatchNorm1d(layer["numFeatures"], eps=layer["eps"], momentum=layer["momentum"], affine=layer["affine"])
            with torch.no_grad():
                if bn.affine:
                    bn.weight.copy_(weights.take(name + "weight", bn.weight.shape))
                    bn.bias.copy_(weights.take(name + "bias", bn.bias.shape))
                bn.running_mean.copy_(weights.take(name + "running_mean", bn.running_mean.shape))
                bn.running_var.copy_(weights.take(name + "running_var", bn.running_var.shape))
            modules.append(bn)
        elif kind == "Dropout":
            modules.append(nn.Dropout(layer["rate"]))
        elif kind == "Flatten":
            modules.append(nn.Flatten())
        elif kind == "Unflatten":
            modules.append(nn.Unflatten(1, tuple(layer["shape"])))
        elif kind == "Embedding":
            emb = nn.Embedding(layer["numEmbeddings"], layer["dim"], padding_idx=layer.get("paddingIdx"))
            with torch.no_grad():
                emb.weight.copy_(weights.take(name + "weight", emb.weight.shape))
            modules.append(Tokens(emb))
        elif kind in ("LSTM", "GRU"):
            Rnn = nn.LSTM if kind == "LSTM" else nn.GRU
            rnn = Rnn(layer["inputSize"], layer["hiddenSize"], num_layers=layer["numLayers"], bidirectional=layer["bidirectional"],
                      dropout=layer["dropout"], batch_first=True)
            with torch.no_grad():
                for pname, p in rnn.named_parameters():
                    p.copy_(weights.take(name + pname, p.shape))
            modules.append(Recurrent(rnn, layer["returns"]))
        elif kind == "Sequential":
            modules.append(build(layer, weights, name))
        else:
            fail(f"layer {i}: this script does not know neuroblas layer type {kind!r}")
    return nn.Sequential(*modules)


def main():
    if len(sys.argv) not in (3, 4):
        fail("usage: torch_check.py MODEL.safetensors CASES.safetensors [TOLERANCE]")
    model_path, cases_path = sys.argv[1], sys.argv[2]
    tolerance = float(sys.argv[3]) if len(sys.argv) == 4 else 1e-4
    tensors, metadata = read_safetensors(model_path)
    if metadata.get("format") != "neuroblas.checkpoint":
        fail(f"{model_path}: not a neuroblas checkpoint (metadata format {metadata.get('format')!r})")
    weights = WeightSource(tensors, json.loads(metadata.get("weight_layout", "{}")))
    model = build(json.loads(metadata["architecture"]), weights)
    unused = sorted(set(weights.tensors) - weights.used)
    if unused:
        fail(f"weights the rebuilt network does not use: {unused}")

    cases, _ = read_safetensors(cases_path)
    x, expected = cases["x"], cases["logits"]
    model.eval()
    with torch.no_grad():
        logits = model(x)
    if logits.shape != expected.shape:
        fail(f"torch gives logits of shape {list(logits.shape)}, neuroblas's are {list(expected.shape)}")
    diff = (logits - expected).abs().max().item()
    print(json.dumps({"max_abs_diff": diff, "rows": x.shape[0], "tolerance": tolerance}))
    sys.exit(0 if diff <= tolerance else 1)


if __name__ == "__main__":
    main()
