"""The native BLAS's limit on this machine: a 2048^3 float32 matrix product
through PyTorch (MKL in the current wheel) on 1 and on N threads, best of 5.

Usage: python3 blas_peak.py THREADS
Prints {"blas": ..., "gflops": {"1": ..., "N": ...}}.
"""
import json
import re
import sys
import time

import torch

n = 2048
a, b = torch.randn(n, n), torch.randn(n, n)
out = {}
for threads in sorted({1, int(sys.argv[1])}):
    torch.set_num_threads(threads)
    torch.mm(a, b)
    times = []
    for _ in range(5):
        start = time.perf_counter()
        torch.mm(a, b)
        times.append(time.perf_counter() - start)
    out[str(threads)] = 2 * n**3 / min(times) / 1e9
blas = re.search(r"BLAS_INFO=(\w+)", torch.__config__.show())
print(json.dumps({"blas": f"{blas[1] if blas else 'unknown'} (torch {torch.__version__})", "gflops": out}))
