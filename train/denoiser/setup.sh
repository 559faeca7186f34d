#!/bin/sh
# Installs what the denoiser training tool needs, from Debian (bookworm: torch 1.13): torch,
# scipy (loadmat), numpy, Pillow, onnx (export check). Idempotent: does nothing when the
# system Python already imports them all. The tool runs on /usr/bin/python3, not a pyenv or
# venv Python, because that is where Debian's packages go.
set -eu
PY=/usr/bin/python3
if "$PY" -c 'import torch, scipy.io, numpy, PIL, onnx' 2>/dev/null; then
  "$PY" -c 'import torch; print("denoiser setup: torch", torch.__version__, "cuda" if torch.cuda.is_available() else "cpu only")'
  exit 0
fi
SUDO=
[ "$(id -u)" -eq 0 ] || SUDO=sudo
$SUDO apt-get update
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y python3-torch python3-scipy python3-numpy python3-pil python3-onnx
"$PY" -c 'import torch, scipy.io, numpy, PIL, onnx; print("denoiser setup: torch", torch.__version__)'
