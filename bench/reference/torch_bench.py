"""PyTorch reference row for `npm run bench`: the seed CNN (same layers, Adadelta
lr 1.0 rho 0.95 eps 1e-7, batch 128) on the same real MNIST images, on CPU.

Usage: python3 torch_bench.py '{"threads": 2, "warmup": 3, "warmupSeconds": 10, "steps": 20, ...}' MNIST_DIR
Prints one JSON line with the same measurements as bench/rows/node-row.ts.
"""
import json
import os
import sys
import time

import torch
from torch import nn

config = json.loads(sys.argv[1])
mnist_dir = sys.argv[2]
torch.set_num_threads(config["threads"])
torch.manual_seed(1)
BATCH = 128


def idx(name):
    with open(os.path.join(mnist_dir, name), "rb") as f:
        data = f.read()
    dims = data[3]
    shape = [int.from_bytes(data[4 + 4 * i: 8 + 4 * i], "big") for i in range(dims)]
    return torch.frombuffer(bytearray(data[4 + 4 * dims:]), dtype=torch.uint8).reshape(shape)


def split(images, labels, classes, count):
    keep = torch.isin(labels, torch.tensor(classes))
    x = images[keep][:count].float().div(255).unsqueeze(1)
    y = torch.searchsorted(torch.tensor(classes), labels[keep][:count].long())
    return x, y


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


train_images, train_labels = idx("train-images-idx3-ubyte"), idx("train-labels-idx1-ubyte")
test_images, test_labels = idx("t10k-images-idx3-ubyte"), idx("t10k-labels-idx1-ubyte")
count = (config["warmup"] + config["steps"]) * BATCH
x, y = split(train_images, train_labels, [5, 6, 7, 8, 9], count)
model = nn.Sequential(*features(), *head())
result = {"backend": {"name": "pytorch", "simd": True, "threads": torch.get_num_threads()}, "version": torch.__version__}
result["trainStepSeconds"] = step_times(model, model.parameters(), x, y, config["steps"], config["warmupSeconds"])

model.eval()
tx, _ = split(test_images, test_labels, [5, 6, 7, 8, 9], BATCH)
infer, latency = [], []
with torch.no_grad():
    for i in range(config["warmup"] + config["inferRuns"]):
        start = time.perf_counter()
        model(tx).numpy()
        if i >= config["warmup"]:
            infer.append(time.perf_counter() - start)
    for i in range(config["latencyWarmup"] + config["latencyRuns"]):
        start = time.perf_counter()
        torch.softmax(model(tx[:1]), 1).numpy()
        if i >= config["latencyWarmup"]:
            latency.append((time.perf_counter() - start) * 1000)
result["inferBatchSeconds"] = infer
result["latencyMs"] = latency

if config["modes"]:
    fx, fy = split(train_images, train_labels, [0, 1, 2, 3, 4], count)
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
print(json.dumps(result))
