"""Reference trajectories for DiffGen's optimizers and gradient clipping, from PyTorch itself in
float64. Not run by CI: its output is committed as tests/DiffGen.Tests/Data/optimizers_pytorch.txt.

    /usr/bin/python3 tools/pytorch_optimizer_reference.py > tests/DiffGen.Tests/Data/optimizers_pytorch.txt

Objective: the Rosenbrock function over 4 parameters (non-quadratic), 60 steps from a fixed start.
Each line: name, then the parameters after every step, flattened.
"""
import torch

torch.set_default_dtype(torch.float64)
START = [-1.2, 1.0, 0.5, -0.3]
STEPS = 60


def rosenbrock(p):
    return ((1 - p[:-1]) ** 2).sum() + 10 * ((p[1:] - p[:-1] ** 2) ** 2).sum()


def trajectory(make, clip=None):
    p = torch.tensor(START, requires_grad=True)
    opt = make([p])
    values = []
    for _ in range(STEPS):
        opt.zero_grad()
        rosenbrock(p).backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_([p], clip)
        opt.step()
        values.extend(p.detach().tolist())
    return values


cases = {
    "sgd": lambda ps: torch.optim.SGD(ps, lr=1e-3),
    "sgd_momentum": lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgd_nesterov": lambda ps: torch.optim.SGD(ps, lr=1e-3, momentum=0.9, nesterov=True),
    "adam": lambda ps: torch.optim.Adam(ps, lr=1e-2),
    "adam_amsgrad_wd": lambda ps: torch.optim.Adam(ps, lr=1e-2, weight_decay=0.05, amsgrad=True),
    "adamw": lambda ps: torch.optim.AdamW(ps, lr=1e-2),
    "adamw_amsgrad": lambda ps: torch.optim.AdamW(ps, lr=1e-2, weight_decay=0.1, amsgrad=True),
    "adagrad": lambda ps: torch.optim.Adagrad(ps, lr=1e-1),
    "adagrad_decay": lambda ps: torch.optim.Adagrad(ps, lr=1e-1, lr_decay=0.01, weight_decay=0.02, initial_accumulator_value=0.1),
    "rmsprop": lambda ps: torch.optim.RMSprop(ps, lr=1e-3),
    "rmsprop_centered_momentum": lambda ps: torch.optim.RMSprop(ps, lr=1e-3, alpha=0.9, weight_decay=0.01, momentum=0.5, centered=True),
}
print("torch", torch.__version__)
for name, make in cases.items():
    print(name, " ".join(repr(v) for v in trajectory(make)))
print("sgd_clipped", " ".join(repr(v) for v in trajectory(lambda ps: torch.optim.SGD(ps, lr=1e-2), clip=1.0)))
