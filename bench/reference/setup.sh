#!/usr/bin/env bash
# The native peers of `npm run bench`, set up as their users run them:
# the current PyTorch, Keras on TensorFlow and ONNX Runtime in a venv
# (.venv-bench, the bench's default --python), and Debian's PyTorch on an
# optimized BLAS (the bench refuses it on the reference one).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -m venv .venv-bench
.venv-bench/bin/pip install torch==2.13.0+cpu tensorflow-cpu==2.21.0 keras==3.15.1 onnxruntime==1.30.0 onnx==1.23.1
if [ "${1:-}" != "--no-debian" ]; then
  SUDO=$([ "$(id -u)" -eq 0 ] && echo "" || echo sudo)
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-torch libopenblas0-pthread
fi
