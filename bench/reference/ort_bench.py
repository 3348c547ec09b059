"""ONNX Runtime (native, CPU) inference row for `npm run bench`: the model
torch_bench.py exported (the same weights for every ONNX row), batch 128
throughput and batch-1 latency.

Usage: python3 ort_bench.py CONFIG_JSON MNIST_DIR MODEL_ONNX
"""
import sys

import numpy as np
import onnxruntime as ort

from common import BATCH, PRETRAIN, config, cpu_flags, emit, mnist_numpy, refuse, split, timed

options = ort.SessionOptions()
options.intra_op_num_threads = config["threads"]
options.inter_op_num_threads = 1
options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
session = ort.InferenceSession(sys.argv[3], options, providers=["CPUExecutionProvider"])
if session.get_session_options().intra_op_num_threads != config["threads"]:
    refuse(f"ONNX Runtime runs {session.get_session_options().intra_op_num_threads} threads, not {config['threads']}")

tx = np.ascontiguousarray(split(*mnist_numpy()["test"], PRETRAIN, BATCH)[0][:, None])
one = tx[:1].copy()
emit(
    {
        "backend": {"name": "onnxruntime", "simd": True, "threads": config["threads"]},
        "setup": {"version": f"onnxruntime {ort.__version__}", "threads": config["threads"], "blas": "MLAS", "providers": session.get_providers(), "isa": "avx512f" if "avx512f" in cpu_flags() else "avx2", "cpu": cpu_flags()},
        "version": ort.__version__,
        "trainStepSeconds": [],
        "inferBatchSeconds": timed(lambda: session.run(None, {"x": tx}), config["inferRuns"], config["warmup"]),
        "latencyMs": [s * 1000 for s in timed(lambda: session.run(None, {"x": one}), config["latencyRuns"], config["latencyWarmup"])],
    }
)
