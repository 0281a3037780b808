"""Reference numbers for RepAlign's hand-written Adam step (tests/RepAlign.Tests/Training/AdamReferenceTests.cs).

A fixed least-squares problem in float64: W (2x3) and b (2) fitted to X (4x3) -> Y (4x2) with
loss = mean((X W^T + b - Y)^2), six steps of torch.optim.Adam (lr 0.05, betas 0.9/0.999, eps 1e-8).
Writes W and b after every step to adam_reference.json. Run with Debian's python3-torch:
    /usr/bin/python3 adam_reference.py > adam_reference.json
"""
import json
import torch

torch.set_default_dtype(torch.float64)
W = torch.tensor([[0.5, -0.3, 0.2], [0.1, 0.4, -0.6]], requires_grad=True)
b = torch.tensor([0.05, -0.1], requires_grad=True)
X = torch.tensor([[1.0, 0.0, -1.0], [0.5, 2.0, 0.3], [-1.5, 0.7, 1.1], [0.2, -0.4, 0.9]])
Y = torch.tensor([[1.0, -1.0], [0.0, 2.0], [-0.5, 0.5], [1.5, 0.25]])
opt = torch.optim.Adam([W, b], lr=0.05, betas=(0.9, 0.999), eps=1e-8)
steps = []
for _ in range(6):
    opt.zero_grad()
    loss = ((X @ W.T + b - Y) ** 2).mean()
    loss.backward()
    opt.step()
    steps.append({"loss_before": loss.item(), "W": W.detach().flatten().tolist(), "b": b.detach().tolist()})
print(json.dumps({"torch": torch.__version__, "lr": 0.05, "W0": [0.5, -0.3, 0.2, 0.1, 0.4, -0.6], "b0": [0.05, -0.1],
                  "X": X.flatten().tolist(), "Y": Y.flatten().tolist(), "steps": steps}, indent=1))
