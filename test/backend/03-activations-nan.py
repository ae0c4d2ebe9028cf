"""Writes test/fixtures/reference/activations_nan.json: PyTorch 1.13's y = f(NaN) and dx = g·f'(NaN) for every
activation kind (float32; g = 0.75), which test/backend/03-activations-more.test.ts checks both backends against.
Run: python3 test/backend/03-activations-nan.py"""
import json
import math
import os

import torch
import torch.nn.functional as F

KINDS = {
    'linear': lambda x: x,
    'sigmoid': torch.sigmoid,
    'tanh': torch.tanh,
    'relu': F.relu,
    'leaky_relu': lambda x: F.leaky_relu(x, 0.01),
    'elu': F.elu,
    'softplus': F.softplus,
    'gelu': F.gelu,
    'gelu_tanh': lambda x: F.gelu(x, approximate='tanh'),
    'silu': F.silu,
    'selu': F.selu,
    'mish': F.mish,
    'softsign': F.softsign,
    'hardsigmoid': F.hardsigmoid,
    'relu6': F.relu6,
}


def enc(v):
    return 'NaN' if math.isnan(v) else v


out = {'note': 'PyTorch 1.13 float32: y = f(NaN) and dx = g*f\'(NaN) with g = 0.75 (NaN encoded as the string "NaN")', 'cases': {}}
for name, f in KINDS.items():
    x = torch.tensor([float('nan')], dtype=torch.float32, requires_grad=True)
    y = f(x)
    y.backward(torch.tensor([0.75]))
    out['cases'][name] = {'y': enc(y.item()), 'dx': enc(x.grad.item())}
x = torch.tensor([[1.0, float('nan'), 2.0], [0.5, -1.0, 3.0]], requires_grad=True)
y = F.log_softmax(x, dim=1)
y.backward(torch.ones_like(y))
out['log_softmax'] = {'x': [[enc(v) for v in r] for r in x.tolist()], 'y': [[enc(v) for v in r] for r in y.tolist()],
                      'dx': [[enc(v) for v in r] for r in x.grad.tolist()]}
path = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'fixtures', 'reference', 'activations_nan.json')
with open(path, 'w') as fh:
    json.dump(out, fh, indent=1)
    fh.write('\n')
print(json.dumps(out))
