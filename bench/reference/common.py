"""What every native reference row of `npm run bench` shares: its config, the
MNIST splits, the checks that refuse a row not set up as its users run it,
and the one JSON line it prints.

Each script is run as: python3 SCRIPT '{"threads": 2, "warmup": 3, ...}' MNIST_DIR [extra]
"""
import json
import os
import sys
import time

BATCH = 128
PRETRAIN = [5, 6, 7, 8, 9]
FINETUNE = [0, 1, 2, 3, 4]

config = json.loads(sys.argv[1])
mnist_dir = sys.argv[2]


def refuse(reason):
    """Exit 3: the row ran on a set-up its users would not have (reference BLAS, wrong threads)."""
    sys.stderr.write(f"refused: {reason}\n")
    sys.exit(3)


def idx(name):
    """A raw IDX file as (shape, bytes)."""
    with open(os.path.join(mnist_dir, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return shape, data[4 + 4 * dims:]


def mnist_numpy():
    """Train and test images as float32 [n, 28, 28] in [0, 1] and labels as int64 (numpy)."""
    import numpy as np

    out = {}
    for part, prefix in (("train", "train"), ("test", "t10k")):
        shape, images = idx(f"{prefix}-images-idx3-ubyte")
        _, labels = idx(f"{prefix}-labels-idx1-ubyte")
        out[part] = (np.frombuffer(images, np.uint8).reshape(shape).astype(np.float32) / 255, np.frombuffer(labels, np.uint8).astype(np.int64))
    return out


def split(images, labels, classes, count=None):
    """The images of `classes` (the first `count`), labels as indices into `classes`."""
    import numpy as np

    keep = np.isin(labels, classes)
    x, y = images[keep][:count], labels[keep][:count]
    return x, np.searchsorted(np.array(classes), y)


def blas_libraries():
    """The BLAS libraries this process has mapped (reference, OpenBLAS, MKL...)."""
    with open("/proc/self/maps") as f:
        paths = {line.split()[-1] for line in f if "/" in line}
    return sorted(p for p in paths if any(k in os.path.basename(p) for k in ("blas", "mkl", "lapack")))


def cpu_flags():
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("flags"):
                flags = set(line.split(":")[1].split())
                return [isa for isa in ("avx512f", "avx512_vnni", "avx512_bf16", "avx2", "fma") if isa in flags]
    return []


def timed(fn, runs, warmup):
    """Seconds of each of `runs` calls of fn, after `warmup` untimed ones."""
    times = []
    for i in range(warmup + runs):
        start = time.perf_counter()
        fn()
        if i >= warmup:
            times.append(time.perf_counter() - start)
    return times


def emit(result):
    result.setdefault("setup", {})["unsetEnv"] = os.environ.get("EDGETUNE_UNSET_ENV", "").split(",") if os.environ.get("EDGETUNE_UNSET_ENV") else []
    print(json.dumps(result))
