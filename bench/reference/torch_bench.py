"""PyTorch reference row for `npm run bench`: the seed CNN (same layers, Adadelta
lr 1.0 rho 0.95 eps 1e-7, batch 128) on the same real MNIST images, on CPU.

Usage: python3 torch_bench.py CONFIG_JSON MNIST_DIR [ONNX_OUT]
Prints one JSON line with the same measurements as bench/rows/node-row.ts and
the set-up it ran on; exits 3 (refused) on a reference BLAS or the wrong
thread count. With ONNX_OUT, also exports the inference model there (the
weights every ONNX Runtime row runs).
"""
import re
import sys
import time

import torch
from torch import nn

from common import BATCH, FINETUNE, PRETRAIN, blas_libraries, config, cpu_flags, emit, mnist_numpy, refuse, split, timed

torch.set_num_threads(config["threads"])
torch.manual_seed(1)


def setup():
    """Versions, threads, BLAS and ISA, read from the library itself; refuses a set-up its users would not run."""
    torch.mm(torch.ones(256, 256), torch.ones(256, 256))
    shown = torch.__config__.show()
    blas = re.search(r"BLAS_INFO=(\w+)", shown)
    onednn = re.search(r"(?:MKL-DNN|oneDNN) v([\d.]+)", shown)
    cpu = getattr(torch.backends, "cpu", None)
    capability = re.search(r"CPU capability usage: (\w+)", shown)
    isa = cpu.get_cpu_capability() if cpu and hasattr(cpu, "get_cpu_capability") else capability[1] if capability else None
    # numpy's own OpenBLAS is mapped in every venv process; only what torch calls counts.
    libraries = [p for p in blas_libraries() if "numpy.libs" not in p]
    if any("/blas/libblas" in p for p in libraries) and not any("openblas" in p or "mkl" in p for p in libraries):
        refuse(f"PyTorch {torch.__version__} runs on the reference BLAS ({', '.join(libraries)}); install an optimized one (apt-get install libopenblas0-pthread) or use the current wheel")
    if torch.get_num_threads() != config["threads"]:
        refuse(f"PyTorch runs {torch.get_num_threads()} threads, not {config['threads']}")
    return {
        "version": torch.__version__,
        "threads": torch.get_num_threads(),
        "blas": "mkl" if blas and blas[1] == "mkl" else "openblas" if any("openblas" in p for p in libraries) else blas[1] if blas else "unknown",
        "blasLibraries": libraries,
        "onednn": onednn[1] if onednn else None,
        "isa": isa,
        "cpu": cpu_flags(),
    }


features = lambda: [nn.Conv2d(1, 32, 3), nn.ReLU(), nn.Conv2d(32, 32, 3), nn.ReLU(), nn.MaxPool2d(2), nn.Dropout(0.25), nn.Flatten()]
head = lambda: [nn.Linear(4608, 128), nn.ReLU(), nn.Dropout(0.5), nn.Linear(128, 5)]


def step_times(model, params, x, y, steps, warmup_seconds=0.0):
    """Seconds of `steps` training steps (cross-entropy on logits, Adadelta),
    timed after config["warmup"] steps and warmup_seconds of training, cycling
    through the examples as epochs would."""
    optimizer = torch.optim.Adadelta(params, lr=1.0, rho=0.95, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    model.train()
    batches = max(1, len(x) // BATCH)
    order = torch.randperm(len(x))
    times = []
    began = time.perf_counter()
    s = 0
    while len(times) < steps:
        idx_ = order[(s % batches) * BATCH:(s % batches + 1) * BATCH]
        start = time.perf_counter()
        optimizer.zero_grad(set_to_none=True)
        loss = loss_fn(model(x[idx_]), y[idx_])
        loss.backward()
        optimizer.step()
        loss.item()
        end = time.perf_counter()
        if s >= config["warmup"] and end - began >= warmup_seconds:
            times.append(end - start)
        s += 1
    return times


result = {"backend": {"name": "pytorch", "simd": True, "threads": config["threads"]}, "setup": setup()}
result["version"] = torch.__version__
data = mnist_numpy()
tensor = lambda xy: (torch.from_numpy(xy[0]).unsqueeze(1), torch.from_numpy(xy[1]))
count = (config["warmup"] + config["steps"]) * BATCH
x, y = tensor(split(*data["train"], PRETRAIN, count))
model = nn.Sequential(*features(), *head())
result["trainStepSeconds"] = step_times(model, model.parameters(), x, y, config["steps"], config["warmupSeconds"])

model.eval()
tx, _ = tensor(split(*data["test"], PRETRAIN, BATCH))
with torch.no_grad():
    result["inferBatchSeconds"] = timed(lambda: model(tx).numpy(), config["inferRuns"], config["warmup"])
    result["latencyMs"] = [s * 1000 for s in timed(lambda: torch.softmax(model(tx[:1]), 1).numpy(), config["latencyRuns"], config["latencyWarmup"])]

if len(sys.argv) > 3:
    torch.onnx.export(nn.Sequential(model, nn.Softmax(1)), tx[:1], sys.argv[3], input_names=["x"], output_names=["p"], dynamic_axes={"x": {0: "n"}, "p": {0: "n"}}, dynamo=False)

if config["modes"]:
    fx, fy = tensor(split(*data["train"], FINETUNE, count))
    base = nn.Sequential(*features())
    base.load_state_dict({k: v for k, v in model.state_dict().items() if k.split(".")[0] in ("0", "2")})
    for p in base.parameters():
        p.requires_grad_(False)
    base.eval()
    start = time.perf_counter()
    with torch.no_grad():
        cached = torch.cat([base(fx[i:i + 256]) for i in range(0, len(fx), 256)])
    extract = (time.perf_counter() - start) / len(fx)
    h = nn.Sequential(*head())
    frozen = nn.Sequential(base, *head())
    frozen.train()
    result["modes"] = {
        "cachedStepSeconds": step_times(h, h.parameters(), cached, fy, config["steps"]),
        "extractSecondsPerImage": extract,
        "frozenStepSeconds": step_times(frozen, [p for p in frozen.parameters() if p.requires_grad], fx, fy, config["steps"]),
    }
emit(result)
