"""Learning-rate sequences of PyTorch's schedulers, for DiffGen's schedules. Not run by CI: its output is
committed as tests/DiffGen.Tests/Data/schedules_pytorch.txt.

    /usr/bin/python3 tools/pytorch_schedule_reference.py > tests/DiffGen.Tests/Data/schedules_pytorch.txt

Each line: name, then the learning rate after construction and after each of 45 steps.
"""
import math
import torch

STEPS = 45


def sequence(make, metrics=None):
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.1)
    sched = make(opt)
    lrs = [opt.param_groups[0]["lr"]]
    for t in range(STEPS):
        opt.step()
        if metrics is None:
            sched.step()
        else:
            sched.step(metrics[t])
        lrs.append(opt.param_groups[0]["lr"])
    return lrs


plateau_metrics = [1.0 / (1 + t) if t < 12 else 0.08 + 0.001 * math.sin(t) for t in range(STEPS)]
cases = {
    "step": (lambda o: torch.optim.lr_scheduler.StepLR(o, step_size=7, gamma=0.5), None),
    "exponential": (lambda o: torch.optim.lr_scheduler.ExponentialLR(o, gamma=0.93), None),
    "cosine": (lambda o: torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=20, eta_min=0.001), None),
    "plateau": (lambda o: torch.optim.lr_scheduler.ReduceLROnPlateau(o, factor=0.5, patience=3, threshold=1e-4, min_lr=0.01), plateau_metrics),
    "onecycle": (lambda o: torch.optim.lr_scheduler.OneCycleLR(o, max_lr=0.5, total_steps=46, cycle_momentum=False), None),
    "warmup": (lambda o: torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 10, end_factor=1.0, total_iters=9), None),
    "warmup_cosine": (lambda o: torch.optim.lr_scheduler.SequentialLR(o, [
        torch.optim.lr_scheduler.LinearLR(o, start_factor=1 / 8, end_factor=1.0, total_iters=7),
        torch.optim.lr_scheduler.CosineAnnealingLR(o, T_max=38, eta_min=0.002)], milestones=[8]), None),
}
print("torch", torch.__version__)
print("plateau_metrics", " ".join(repr(m) for m in plateau_metrics))
for name, (make, metrics) in cases.items():
    print(name, " ".join(repr(v) for v in sequence(make, metrics)))
