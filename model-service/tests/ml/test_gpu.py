"""app.gpu: which GPU NVML is asked about, and the CPU fallback."""

from __future__ import annotations

import pytest

from app import gpu


@pytest.mark.parametrize(
    ("visible", "index", "expected"),
    [
        (None, 0, "0"),
        (None, 2, "2"),
        ("3", 0, "3"),
        ("3,1", 1, "1"),
        ("3,1", 2, None),
        ("GPU-8f6b0c1e-aaaa-bbbb-cccc-0123456789ab", 0, "GPU-8f6b0c1e-aaaa-bbbb-cccc-0123456789ab"),
        ("", 0, None),
        ("-1", 0, None),
    ],
)
def test_visible_gpu_selector(visible: str | None, index: int, expected: str | None) -> None:
    env = {} if visible is None else {"CUDA_VISIBLE_DEVICES": visible}
    assert gpu.visible_gpu_selector(env, index) == expected


def test_without_a_gpu_the_simulated_vram_is_reported(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(gpu, "_nvml_ready", False)  # as when NVML cannot initialise (no driver)
    info = gpu.query_device_info(12.5, {"CUDA_VISIBLE_DEVICES": "0"})
    assert info.name == "cpu"
    assert info.vram_total_bytes == info.vram_free_bytes == int(12.5 * 1024**3)
    assert gpu.query_device_info(8, {"CUDA_VISIBLE_DEVICES": ""}).name == "cpu"


def test_release_memory_without_torch_loaded_is_harmless() -> None:
    gpu.release_memory()
