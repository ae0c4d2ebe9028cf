"""Writes test/fixtures/reference/topk.json: top-k accuracy by torch.topk (PyTorch 1.13, float32, seed 1).

Run from the repository root: /usr/bin/python3 test/train/metrics-topk-reference.py
Scores are continuous random normals, so no row has tied scores (torch.topk's order among ties is unspecified);
the NaN case puts NaN in a few rows, which torch.topk ranks above every number.
"""
import json

import torch

torch.manual_seed(1)
cases = []
for rows, classes, nan in [(13, 7, False), (9, 5, True), (1, 3, False)]:
    scores = torch.randn(rows, classes, dtype=torch.float32)
    if nan:
        scores[0, 2] = float('nan')
        scores[3, 0] = float('nan')
        scores[5, 4] = float('nan')
    labels = torch.randint(0, classes, (rows,))
    acc = {}
    for k in range(1, classes + 1):
        top = torch.topk(scores, k, dim=1).indices
        acc[str(k)] = (top == labels[:, None]).any(dim=1).float().mean().item()
    vals = [None if v != v else v for v in scores.flatten().tolist()]
    cases.append({'rows': rows, 'classes': classes, 'scores': vals, 'labels': labels.tolist(), 'accuracy': acc})
with open('test/fixtures/reference/topk.json', 'w') as f:
    json.dump({'source': 'test/train/metrics-topk-reference.py (PyTorch 1.13 torch.topk)', 'cases': cases}, f, indent=1)
