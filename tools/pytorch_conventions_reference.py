"""Values and gradients of PyTorch at kinks, domain edges, NaN and infinities, for DiffGen's conventions.
Not run by CI: its output is committed as tests/DiffGen.Tests/Data/conventions_pytorch.txt.

    /usr/bin/python3 tools/pytorch_conventions_reference.py > tests/DiffGen.Tests/Data/conventions_pytorch.txt

Each line: case name, the inputs, then the value and the gradient with respect to each input (float64).
"""
import math
import torch

inf, nan = math.inf, math.nan

def relu_branch(z):
    # z > 0 ? z : 0 differentiates the branch taken: at 0 the constant.
    return torch.where(z > 0, z, torch.zeros_like(z))

CASES = [
    # name, function, inputs
    ("abs", torch.abs, [0.0]),
    ("abs", torch.abs, [-2.5]),
    ("max", torch.maximum, [1.5, 1.5]),
    ("max", torch.maximum, [2.0, 1.0]),
    ("min", torch.minimum, [-0.5, -0.5]),
    ("min", torch.minimum, [2.0, 1.0]),
    ("relu", torch.relu, [0.0]),
    ("relu", torch.relu, [0.5]),
    ("relu_branch", relu_branch, [0.0]),
    ("max0", lambda z: torch.maximum(z, torch.zeros_like(z)), [0.0]),
    ("sqrt", torch.sqrt, [0.0]),
    ("sqrt", torch.sqrt, [-1.0]),
    ("log", torch.log, [0.0]),
    ("log", torch.log, [-1.0]),
    ("pow", torch.pow, [0.0, 2.0]),
    ("pow", torch.pow, [0.0, 0.5]),
    ("pow", torch.pow, [0.0, 0.0]),
    ("pow", torch.pow, [0.0, -1.0]),
    ("pow", torch.pow, [-2.0, 3.0]),
    ("pow", torch.pow, [-2.0, 0.5]),
    ("pow", torch.pow, [2.0, 0.0]),
    ("exp", torch.exp, [-inf]),
    ("exp", torch.exp, [inf]),
    ("tanh", torch.tanh, [inf]),
    ("square", lambda x: x * x, [nan]),
    ("square", lambda x: x * x, [inf]),
    ("affine", lambda x: 2 * x + 1, [nan]),
    ("affine", lambda x: 2 * x + 1, [-inf]),
    ("div", lambda x, y: x / y, [1.0, 0.0]),
    ("div", lambda x, y: x / y, [0.0, 0.0]),
    ("scaled_div", lambda x, y: 2 * x / y, [1.0, 0.0]),
    ("scaled_div", lambda x, y: 2 * x / y, [0.0, 0.0]),
    ("scaled_div", lambda x, y: 2 * x / y, [1.0, inf]),
    ("scaled_div", lambda x, y: 2 * x / y, [3.0, -2.0]),
    ("scaled_div", lambda x, y: 2 * x / y, [-inf, 2.0]),
    ("reciprocal", lambda y: 1 / y, [0.0]),
    ("reciprocal", lambda y: 1 / y, [-0.0]),
    ("reciprocal", lambda y: 1 / y, [inf]),
    ("reciprocal", lambda y: 1 / y, [-4.0]),
    ("reciprocal", lambda y: 1 / y, [3.0]),
]

def fmt(v):
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return repr(v)

print("torch", torch.__version__)
for name, f, inputs in CASES:
    xs = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in inputs]
    y = f(*xs)
    y.backward()
    grads = [0.0 if x.grad is None else x.grad.item() for x in xs]
    print(name, " ".join(fmt(v) for v in inputs), "->", fmt(y.item()), " ".join(fmt(g) for g in grads))
