"""PyTorch's time for the mission example's value and gradient (two-layer ReLU MSE, n=256, d=32,
h=64, float64, CPU), the baseline the performance issue compares DiffGen with. Not run by CI.

    /usr/bin/python3 tools/two_layer_pytorch_benchmark.py

Prints the median and the minimum over repeated timed batches, in microseconds per value+gradient.
"""
import statistics
import time

import torch

n, d, h = 256, 32, 64
torch.manual_seed(42)
x = torch.rand(n, d, dtype=torch.float64) * 2 - 1
y = torch.rand(n, dtype=torch.float64) * 2 - 1
w1 = ((torch.rand(h, d, dtype=torch.float64) * 2 - 1) * (2.0 / d) ** 0.5).requires_grad_()
b1 = ((torch.rand(h, dtype=torch.float64) * 2 - 1) * 0.1).requires_grad_()
w2 = ((torch.rand(h, dtype=torch.float64) * 2 - 1) * (2.0 / h) ** 0.5).requires_grad_()
b2 = torch.tensor(0.05, dtype=torch.float64, requires_grad=True)
parameters = [w1, b1, w2, b2]


def value_and_gradient():
    for p in parameters:
        p.grad = None
    loss = ((y - (torch.relu(x @ w1.T + b1) @ w2 + b2)) ** 2).mean()
    loss.backward()
    return loss


for _ in range(500):
    value_and_gradient()

batches = []
for _ in range(40):
    start = time.perf_counter()
    for _ in range(200):
        value_and_gradient()
    batches.append((time.perf_counter() - start) / 200 * 1e6)

print(f"torch {torch.__version__}, {torch.get_num_threads()} thread(s): "
      f"median {statistics.median(batches):.1f} us, min {min(batches):.1f} us per value+gradient")
