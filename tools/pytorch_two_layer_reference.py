"""Reference values for the mission example (two-layer ReLU MSE), computed by PyTorch autograd in
float64 on data drawn from PyTorch's own generator. Not run by CI: its output is committed as
tests/DiffGen.Tests/Data/two_layer_pytorch.txt and read by TwoLayerPyTorchTests.

    /usr/bin/python3 tools/pytorch_two_layer_reference.py > tests/DiffGen.Tests/Data/two_layer_pytorch.txt
"""
import torch

torch.manual_seed(20261123)
n, d, h = 32, 6, 9
x = torch.randn(n, d, dtype=torch.float64)
y = torch.randn(n, dtype=torch.float64)
w1 = (torch.randn(h, d, dtype=torch.float64) * 0.5).requires_grad_()
b1 = (torch.randn(h, dtype=torch.float64) * 0.1).requires_grad_()
w2 = (torch.randn(h, dtype=torch.float64) * 0.5).requires_grad_()
b2 = (torch.randn((), dtype=torch.float64) * 0.1).requires_grad_()

hidden = torch.maximum(x @ w1.T + b1, torch.zeros((), dtype=torch.float64))
output = hidden @ w2 + b2
loss = ((y - output) ** 2).mean()
loss.backward()


def line(name, tensor):
    values = tensor.detach().reshape(-1).tolist()
    print(name, " ".join(repr(float(v)) for v in values))


print("torch", torch.__version__)
print("sizes", n, d, h)
line("x", x)
line("y", y)
line("w1", w1)
line("b1", b1)
line("w2", w2)
line("b2", b2)
line("loss", loss)
line("dw1", w1.grad)
line("db1", b1.grad)
line("dw2", w2.grad)
line("db2", b2.grad)
