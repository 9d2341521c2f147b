"""GPU facts for the model backends: device name and VRAM from NVML, memory release.

NVML (the ``nvidia-ml-py`` package, imported lazily) is asked directly rather than torch, so
backends that run the model in another process (Open-Sora's torchrun) report the same numbers
and the service process never has to import torch for a health check. Free VRAM is what the
driver reports for the whole device, i.e. it includes other processes' allocations.

With no GPU visible (no driver, no device, or ``CUDA_VISIBLE_DEVICES`` empty/``-1``), the
device is reported as ``cpu`` with ``SIMULATED_VRAM_GB`` as both total and free, so the
gateway's VRAM policy still has a number to work with on CPU-only hosts.
"""

from __future__ import annotations

import gc
import os
import sys
import threading
from collections.abc import Mapping
from typing import Any

from app.backends.base import DeviceInfo

__all__ = [
    "GIB",
    "cpu_device_info",
    "nvml_device_info",
    "query_device_info",
    "release_memory",
    "visible_gpu_selector",
]

GIB = 1024**3

_nvml_lock = threading.Lock()
_nvml_ready: bool | None = None  # None: not tried yet; False: unavailable


def cpu_device_info(simulated_vram_gb: float) -> DeviceInfo:
    vram = int(simulated_vram_gb * GIB)
    return DeviceInfo(name="cpu", vram_total_bytes=vram, vram_free_bytes=vram)


def visible_gpu_selector(env: Mapping[str, str] | None = None, index: int = 0) -> str | None:
    """The ``index``-th GPU this process can see, as NVML knows it: an entry of
    ``CUDA_VISIBLE_DEVICES`` (an index or a ``GPU-…``/``MIG-…`` UUID), or ``str(index)`` when the
    variable is unset; None when the variable hides it."""
    environ = os.environ if env is None else env
    raw = environ.get("CUDA_VISIBLE_DEVICES")
    if raw is None:
        return str(index)
    entries = [e.strip() for e in raw.split(",")]
    if index >= len(entries):
        return None
    entry = entries[index]
    if entry == "" or entry.startswith("-"):
        return None
    return entry


def _nvml() -> Any | None:
    """The initialised ``pynvml`` module, or None when NVML cannot be used here."""
    global _nvml_ready
    with _nvml_lock:
        if _nvml_ready is False:
            return None
        try:
            import pynvml  # from nvidia-ml-py
        except ImportError:
            _nvml_ready = False
            return None
        if not _nvml_ready:
            try:
                pynvml.nvmlInit()
            except Exception:  # NVMLError_LibraryNotFound, DriverNotLoaded, ...
                _nvml_ready = False
                return None
            _nvml_ready = True
        return pynvml


def nvml_device_info(env: Mapping[str, str] | None = None, index: int = 0) -> DeviceInfo | None:
    """Name and VRAM of the ``index``-th visible GPU (torch's ``cuda:index``), or None."""
    selector = visible_gpu_selector(env, index)
    if selector is None:
        return None
    nvml = _nvml()
    if nvml is None:
        return None
    try:
        if selector.isdigit():
            if int(selector) >= nvml.nvmlDeviceGetCount():
                return None
            handle = nvml.nvmlDeviceGetHandleByIndex(int(selector))
        else:
            handle = nvml.nvmlDeviceGetHandleByUUID(selector)
        name = nvml.nvmlDeviceGetName(handle)
        memory = nvml.nvmlDeviceGetMemoryInfo(handle)
    except Exception:
        return None
    if isinstance(name, bytes):  # older nvidia-ml-py versions return bytes
        name = name.decode("utf-8", "replace")
    return DeviceInfo(
        name=str(name), vram_total_bytes=int(memory.total), vram_free_bytes=int(memory.free)
    )


def query_device_info(
    simulated_vram_gb: float, env: Mapping[str, str] | None = None, index: int = 0
) -> DeviceInfo:
    """NVML facts for the ``index``-th visible GPU, else the simulated CPU device."""
    return nvml_device_info(env, index) or cpu_device_info(simulated_vram_gb)


def release_memory() -> None:
    """Collect garbage and hand cached CUDA blocks back to the driver (when torch uses CUDA)."""
    gc.collect()
    torch = sys.modules.get("torch")  # never import torch just for this
    if torch is not None and torch.cuda.is_available() and torch.cuda.is_initialized():
        torch.cuda.empty_cache()
        torch.cuda.ipc_collect()
