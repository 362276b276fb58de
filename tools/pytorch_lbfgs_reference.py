"""Reference trajectories for DiffGen's L-BFGS (DiffGen.Lbfgs<T>), from PyTorch's torch.optim.LBFGS
itself in float64. Not run by CI: its output is committed as tests/DiffGen.Tests/Data/lbfgs_pytorch.txt.

    /usr/bin/python3 tools/pytorch_lbfgs_reference.py > tests/DiffGen.Tests/Data/lbfgs_pytorch.txt

Problems:
  rosenbrock   Σ (1 − pᵢ)² + 10 (pᵢ₊₁ − pᵢ²)² over 4 parameters from (−1.2, 1, 0.5, −0.3), as
               tools/pytorch_optimizer_reference.py; rosenbrock6 the same over 6 parameters.
  quadratic    ½ Σ aᵢ(xᵢ − cᵢ)² over 4 parameters from 0, its gradient aᵢ(xᵢ − cᵢ) set by the closure itself
               (one rounding per element, as DiffGen's test computes it, and a sum of 4 that PyTorch adds in
               order): the optimizer's arithmetic alone, which DiffGen reproduces bit for bit.
  logistic     mean binary cross-entropy of a logistic regression (3 weights w, a bias b: two
               parameter tensors, flattened w then b) on 24 fixed samples, + 0.005·|w|²; the logit's
               loss written as DiffGen.Functions.BinaryCrossEntropyWithLogits computes it. The data
               are printed too ("logistic_data x …" row-major 24×3, "logistic_data y …").

Each case calls optimizer.step(closure) a fixed number of times; per step it prints
  <case> params     the parameters after the step, flattened (all steps, one line)
  <case> loss       the loss step() returned (the loss before the step)
  <case> n_iter     state['n_iter'] after the step (iterations so far)
  <case> func_evals state['func_evals'] after the step (closure calls so far)
The options of each case are in CASES below; the tests construct the same.
"""
import torch

torch.set_default_dtype(torch.float64)
START4 = [-1.2, 1.0, 0.5, -0.3]
START6 = [-1.2, 1.0, 0.5, -0.3, 0.8, 1.5]
SAMPLES, FEATURES = 24, 3


def rosenbrock(p):
    return ((1 - p[:-1]) ** 2).sum() + 10 * ((p[1:] - p[:-1] ** 2) ** 2).sum()


def logistic_data():
    # Exactly representable values, no random generator: the tests read them from the output.
    x = [[((i * (2 * j + 3) + 5 * j) % 13 - 6) / 4 for j in range(FEATURES)] for i in range(SAMPLES)]
    y = [1.0 if x[i][0] - 0.5 * x[i][1] + 0.25 * x[i][2] + ((i * 7) % 5 - 2) * 0.6 > 0 else 0.0 for i in range(SAMPLES)]
    return torch.tensor(x), torch.tensor(y)


X, Y = logistic_data()
QUADRATIC_A = torch.tensor([1.0, 3.0, 10.0, 30.0])
QUADRATIC_C = torch.tensor([1.0, -2.0, 0.5, 3.0])


def logistic(w, b):
    z = X @ w + b
    # DiffGen.Functions.BinaryCrossEntropyWithLogits: max(z, 0) − z·y + log(1 + exp(−|z|)). The start, w = b = 0,
    # puts every z at the kinks: torch.maximum splits the adjoint of a tie as DiffGen's Math.Max does (clamp_min
    # would pass it all), and |z|′(0) = 0 in both, so the gradient there is the true one, sigmoid(0) − y.
    losses = torch.maximum(z, torch.zeros_like(z)) - z * Y + torch.log(1 + torch.exp(-z.abs()))
    return losses.sum() / SAMPLES + 0.005 * (w * w).sum()


def run(problem, steps, **options):
    if problem == "quadratic":
        params = [torch.zeros(4, requires_grad=True)]
        optimizer = torch.optim.LBFGS(params, **options)

        def closure():
            r = params[0].detach() - QUADRATIC_C
            params[0].grad = QUADRATIC_A * r
            return 0.5 * (QUADRATIC_A * r * r).sum()

        return steps_of(optimizer, closure, params, steps)
    if problem == "logistic":
        params = [torch.zeros(FEATURES, requires_grad=True), torch.zeros(1, requires_grad=True)]
        loss_of = lambda: logistic(params[0], params[1])
    else:
        params = [torch.tensor(START4 if problem == "rosenbrock" else START6, requires_grad=True)]
        loss_of = lambda: rosenbrock(params[0])
    optimizer = torch.optim.LBFGS(params, **options)

    def closure():
        optimizer.zero_grad()
        loss = loss_of()
        loss.backward()
        return loss

    return steps_of(optimizer, closure, params, steps)


def steps_of(optimizer, closure, params, steps):
    rows = {"params": [], "loss": [], "n_iter": [], "func_evals": []}
    for _ in range(steps):
        loss = optimizer.step(closure)
        state = optimizer.state[params[0]]
        for p in params:
            rows["params"].extend(p.detach().tolist())
        rows["loss"].append(float(loss))
        rows["n_iter"].append(state["n_iter"])
        rows["func_evals"].append(state["func_evals"])
    return rows


# name: (problem, steps, LBFGS options)
CASES = {
    "rosenbrock_default": ("rosenbrock", 4, dict()),
    "rosenbrock_lr05_iter1": ("rosenbrock", 40, dict(lr=0.5, max_iter=1)),
    "rosenbrock_history3_iter4": ("rosenbrock", 15, dict(lr=0.5, max_iter=4, history_size=3)),
    "rosenbrock_wolfe": ("rosenbrock", 4, dict(line_search_fn="strong_wolfe")),
    "rosenbrock_wolfe_iter5": ("rosenbrock", 10, dict(line_search_fn="strong_wolfe", max_iter=5)),
    "rosenbrock_wolfe_history2": ("rosenbrock", 10, dict(line_search_fn="strong_wolfe", max_iter=4, history_size=2)),
    "rosenbrock_wolfe_eval7": ("rosenbrock", 10, dict(line_search_fn="strong_wolfe", max_eval=7)),
    "rosenbrock_wolfe_lr03": ("rosenbrock", 6, dict(line_search_fn="strong_wolfe", lr=0.3, max_iter=6)),
    "rosenbrock_change1e-2": ("rosenbrock", 6, dict(line_search_fn="strong_wolfe", tolerance_change=1e-2)),
    "rosenbrock_grad1e-2": ("rosenbrock", 4, dict(line_search_fn="strong_wolfe", tolerance_grad=1e-2)),
    "rosenbrock6_wolfe": ("rosenbrock6", 5, dict(line_search_fn="strong_wolfe")),
    "quadratic_default_iter4": ("quadratic", 5, dict(max_iter=4)),
    "quadratic_wolfe_iter4": ("quadratic", 5, dict(line_search_fn="strong_wolfe", max_iter=4, history_size=2)),
    "logistic_default": ("logistic", 3, dict()),
    "logistic_wolfe_iter3": ("logistic", 6, dict(line_search_fn="strong_wolfe", max_iter=3)),
}

print("torch", torch.__version__)
print("logistic_data x", " ".join(repr(v) for v in X.flatten().tolist()))
print("logistic_data y", " ".join(repr(v) for v in Y.tolist()))
for name, (problem, steps, options) in CASES.items():
    for kind, values in run(problem, steps, **options).items():
        print(name, kind, " ".join(repr(v) for v in values))
