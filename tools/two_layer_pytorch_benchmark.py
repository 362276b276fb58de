"""PyTorch's time for the mission example's value and gradient (two-layer ReLU MSE, float64, CPU) at
the four sizes of tests/DiffGen.Benchmarks/ScaleBenchmarks.cs, on 1 and on 2 threads: the baseline
DiffGen is compared with. Not run by CI.

    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/two_layer_pytorch_benchmark.py
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE /usr/bin/python3 tools/two_layer_pytorch_benchmark.py 256x32x64 --threads 1

Sizes are n x d x h (samples, inputs, hidden units); by default all four. /usr/bin/python3: Debian's
python3-torch is installed for the system Python, not for a pyenv one. Unset OPENBLAS_CORETYPE and
OPENBLAS_L2_SIZE (this machine's CI environment sets them): with them set OpenBLAS runs an older
kernel with the wrong cache size and PyTorch is several times slower, an unfair baseline.

Debian builds torch against the system BLAS (its config says BLAS_INFO=generic) and the library
behind libblas.so.3 decides what runs, so the script prints the BLAS libraries it finds loaded in
the process after a matrix product, with OpenBLAS's own configuration and core name. OpenBLAS keeps
its own thread pool, which torch.set_num_threads does not size when the BLAS is "generic": the script
sets both, or the "1 thread" run would multiply matrices on every core.

Prints the median and the minimum over timed samples, in milliseconds per value+gradient.
"""
import argparse
import ctypes
import os
import re
import statistics
import sys
import time

import numpy as np
import torch

SIZES = ["256x32x64", "1024x256x256", "512x784x128", "2048x1024x1024"]


def loaded_blas():
    """The BLAS and LAPACK shared libraries mapped into this process, real paths, sorted."""
    paths = set()
    with open("/proc/self/maps") as maps:
        for line in maps:
            path = line.split()[-1] if len(line.split()) >= 6 else ""
            name = os.path.basename(path).lower()
            if "blas" in name or "lapack" in name or "mkl" in name:
                paths.add(os.path.realpath(path))
    return sorted(paths)


def openblas():
    """The loaded OpenBLAS (a ctypes handle to it), or None when the BLAS in this process is not OpenBLAS."""
    for path in loaded_blas():
        try:
            library = ctypes.CDLL(path)
            library.openblas_get_config.restype = ctypes.c_char_p
            library.openblas_get_corename.restype = ctypes.c_char_p
            library.openblas_get_num_threads.restype = ctypes.c_int
            library.openblas_set_num_threads.argtypes = [ctypes.c_int]
            return library
        except (OSError, AttributeError):
            continue
    return None


def set_threads(threads, library):
    torch.set_num_threads(threads)
    if library is not None:
        library.openblas_set_num_threads(threads)


def problem(n, d, h):
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

    return value_and_gradient


def measure(value_and_gradient, budget):
    """Median and minimum, in ms per call, over samples of repeated calls (each sample at least ~50 ms)."""
    start = time.perf_counter()
    warmups = 0
    while warmups < 3 or (time.perf_counter() - start < budget / 10 and warmups < 500):
        value_and_gradient()
        warmups += 1
    once = (time.perf_counter() - start) / warmups
    repeats = max(1, round(0.05 / once))
    count = int(min(40, max(5, budget / (repeats * once))))
    samples = []
    for _ in range(count):
        start = time.perf_counter()
        for _ in range(repeats):
            value_and_gradient()
        samples.append((time.perf_counter() - start) / repeats * 1e3)
    return statistics.median(samples), min(samples), count, repeats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("sizes", nargs="*", default=SIZES, help="n x d x h, e.g. 256x32x64 (default: all four)")
    parser.add_argument("--threads", default="1,2", help="thread counts to run, comma-separated (default 1,2)")
    parser.add_argument("--budget", type=float, default=10.0, help="seconds of timed samples per size and thread count")
    arguments = parser.parse_args()

    for variable in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if variable in os.environ:
            print(f"WARNING: {variable}={os.environ[variable]} is set: OpenBLAS will be slow and the baseline unfair "
                  "(run under env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE)", file=sys.stderr, flush=True)

    a = torch.rand(256, 256, dtype=torch.float64)
    a @ a  # load the BLAS, so that it shows in the process's maps
    library = openblas()
    print(f"torch {torch.__version__}, numpy {np.__version__}")
    config = torch.__config__.show()
    print("torch build: " + ", ".join(re.findall(r"(?:BLAS_INFO|LAPACK_INFO)=[^,\s]*|CPU capability usage: \S+", config)))
    numpy_blas = getattr(np.__config__, "blas_opt_info", {}).get("libraries", "?")
    print(f"numpy build: BLAS libraries {numpy_blas} (both link the system libblas.so.3, whichever library that is)")
    print("BLAS loaded: " + ", ".join(loaded_blas()))
    if library is not None:
        print(f"OpenBLAS: {library.openblas_get_config().decode()}, core {library.openblas_get_corename().decode()}")
    else:
        print("OpenBLAS: not loaded (the figures below are not the OpenBLAS baseline)")

    for size in arguments.sizes:
        n, d, h = (int(part) for part in size.split("x"))
        value_and_gradient = problem(n, d, h)
        for threads in (int(t) for t in arguments.threads.split(",")):
            set_threads(threads, library)
            blas_threads = library.openblas_get_num_threads() if library is not None else "?"
            median, minimum, count, repeats = measure(value_and_gradient, arguments.budget)
            print(f"{size:>15}  {threads} thread(s) (torch {torch.get_num_threads()}, OpenBLAS {blas_threads}): "
                  f"median {median:9.3f} ms, min {minimum:9.3f} ms per value+gradient ({count} samples of {repeats})",
                  flush=True)


if __name__ == "__main__":
    main()
