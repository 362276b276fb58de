"""Single-thread OpenBLAS DGEMM speed at the products of a two-layer network, for comparison with
DiffGen's Kernels.MatrixMultiplyAdd (tests/DiffGen.Benchmarks, MatrixKernelBenchmarks).

Run with one thread and OpenBLAS's own choice of kernel, with a python3 whose numpy uses OpenBLAS
(on the project's machines /usr/bin/python3, Debian's numpy; the python3 of pyenv has no numpy):
    env -u OPENBLAS_CORETYPE -u OPENBLAS_L2_SIZE OPENBLAS_NUM_THREADS=1 /usr/bin/python3 tools/gemm_openblas_reference.py

For each (n, d, h): forward C[n x h] = X[n x d] . W[h x d]^T, and the weight gradient
dW[h x d] = dZ[n x h]^T . X[n x d]. GFLOP/s = 2 m n k / time, best of several timed repeats.
With --float32 the operands are float32 (SGEMM). With --cpu-time the time is the thread's CPU time
(time.thread_time) rather than the wall clock: steadier on a machine shared with other work, which
preempts the wall clock but not the CPU time.
"""
import sys
import time

import numpy as np

SHAPES = [(256, 32, 64), (1024, 256, 256), (512, 784, 128), (2048, 1024, 1024)]


def best_time(f, clock, min_seconds=0.3, repeats=7):
    f()
    calls = 1
    while True:
        start = clock()
        for _ in range(calls):
            f()
        elapsed = clock() - start
        if elapsed >= min_seconds / repeats:
            break
        calls *= 2
    best = elapsed / calls
    for _ in range(repeats - 1):
        start = clock()
        for _ in range(calls):
            f()
        best = min(best, (clock() - start) / calls)
    return best


def main():
    clock = time.thread_time if "--cpu-time" in sys.argv else time.perf_counter
    dtype = np.float32 if "--float32" in sys.argv else np.float64
    rng = np.random.default_rng(1)
    print(f"numpy {np.__version__}, {np.dtype(dtype).name}, {'thread CPU time' if clock is time.thread_time else 'wall clock'}")
    for n, d, h in SHAPES:
        x = rng.standard_normal((n, d)).astype(dtype)
        w = rng.standard_normal((h, d)).astype(dtype)
        dz = rng.standard_normal((n, h)).astype(dtype)
        c = np.zeros((n, h), dtype)
        dw = np.zeros((h, d), dtype)

        def forward():
            # C = X . W^T (MatrixMultiplyAdd adds into C; the add is O(nh), negligible against O(nhd)).
            np.matmul(x, w.T, out=c)

        def weight_gradient():
            np.matmul(dz.T, x, out=dw)

        for name, f, (m, nn, k) in (("forward  C=X.W^T ", forward, (n, h, d)),
                                    ("gradient dW=dZ^T.X", weight_gradient, (h, d, n))):
            t = best_time(f, clock)
            print(f"(n,d,h)=({n},{d},{h}) {name} m={m} n={nn} k={k}: {t * 1e6:10.1f} us  {2 * m * nn * k / t / 1e9:6.1f} GFLOP/s")


if __name__ == "__main__":
    main()
