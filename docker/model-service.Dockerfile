# syntax=docker/dockerfile:1
#
# Model service (one per GPU): FastAPI job service + EasyAnimate / Wan2.1 through diffusers.
#
#   docker build -f docker/model-service.Dockerfile -t videogw-model-service:local .
#   docker run --gpus '"device=0"' -p 9100:9100 -v /srv/models/easyanimate-v5.1-12b-inp:/models:ro \
#     -e MODEL_BACKEND=easyanimate -e MODEL_NAME=easyanimate-v5.1-12b \
#     -e DEFAULT_MEMORY_MODE=model_cpu_offload_and_qfloat8 videogw-model-service:local
#
# Build context is the repository root (see /.dockerignore). Weights are never baked in: they
# are mounted read-only at /models (MODEL_PATH). See model-service/README-GPU.md.
#
# CUDA: torch==2.10.0 from PyPI ships its own CUDA 12.8 libraries (nvidia-* wheels), so the base
# image only has to match that major version and provide the NVIDIA container runtime settings;
# the host needs an R570+ driver (R525+ through CUDA minor-version compatibility). The -base-
# variant of the same tag works too and is about 1.5 GB smaller.
#
# Open-Sora (MODEL_BACKEND=opensora) is not in this image: it needs an Open-Sora checkout with its
# own environment (colossalai, flash-attn, ...). Build FROM this image, add the checkout and its
# requirements, and set OPENSORA_HOME and TORCHRUN (README-GPU.md).

ARG BASE_IMAGE=nvidia/cuda:12.8.1-runtime-ubuntu22.04

FROM ${BASE_IMAGE}

ARG DEBIAN_FRONTEND=noninteractive

# Python 3.11 (the version the service is tested with) from Ubuntu's universe, ffmpeg for the
# H.264 encoding, tini as PID 1 (forwards SIGTERM, reaps torchrun's children).
# hadolint ignore=DL3008
RUN apt-get update \
 && apt-get install -y --no-install-recommends \
      python3.11 python3.11-venv ffmpeg tini ca-certificates \
 && rm -rf /var/lib/apt/lists/* \
 && python3.11 -m venv /opt/venv \
 && groupadd --gid 1000 app \
 && useradd --uid 1000 --gid 1000 --home-dir /home/app --create-home --shell /usr/sbin/nologin app \
 && mkdir -p /models /tmp/outputs \
 && chown app:app /tmp/outputs

ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /srv/model-service

# Dependencies first: this layer is rebuilt only when a requirements file changes.
COPY model-service/requirements.txt model-service/requirements-ml.txt ./
RUN --mount=type=cache,target=/root/.cache/pip \
    pip install --upgrade pip \
 && pip install -r requirements.txt -r requirements-ml.txt \
 && python -c "import torch, diffusers, transformers, optimum.quanto, pynvml"

COPY model-service/app ./app
COPY model-service/tools ./tools

# Never reach a model hub at run time: everything loads from /models.
ENV MODEL_BACKEND=easyanimate \
    MODEL_PATH=/models \
    MODEL_SERVICE_HOST=0.0.0.0 \
    MODEL_SERVICE_PORT=9100 \
    MODEL_OUTPUT_DIR=/tmp/outputs \
    HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 \
    HF_HOME=/tmp/huggingface \
    TORCHINDUCTOR_CACHE_DIR=/tmp/torchinductor \
    NVIDIA_VISIBLE_DEVICES=all \
    NVIDIA_DRIVER_CAPABILITIES=compute,utility

VOLUME ["/models"]
EXPOSE 9100

USER app

# 200 while READY or BUSY, 503 while STARTING (loading a 12B/14B checkpoint takes minutes) or FAILED.
HEALTHCHECK --interval=15s --timeout=5s --start-period=600s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/health' % os.environ.get('MODEL_SERVICE_PORT', '9100'), timeout=4)"]

ENTRYPOINT ["/usr/bin/tini", "--"]
CMD ["python", "-m", "app.main"]
