"""Fixtures for the model-backend tests (``pytest tests/ml``).

The EasyAnimate and Wan tests run the real adapters on tiny random-weight pipelines that
``tools/build_tiny_*.py`` write once per session (no weights are downloaded); they need
requirements-ml.txt and are not collected without it. The Open-Sora tests run the real adapter
against ``tools/opensora_standin`` and need only requirements.txt and ffmpeg.
Every test here carries the ``ml`` marker (``pytest -m ml`` selects them).
"""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from app.backends.base import GenerationRequest, JobContext
from app.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parents[2]
TOOLS_DIR = SERVICE_DIR / "tools"
STANDIN_HOME = TOOLS_DIR / "opensora_standin"

HAVE_ML = all(
    importlib.util.find_spec(m) is not None for m in ("torch", "diffusers", "transformers")
)

if not HAVE_ML:
    # Without requirements-ml.txt only the Open-Sora tests (subprocess + stand-in) can run.
    collect_ignore_glob = ["test_easyanimate.py", "test_wan.py", "test_service_ml.py"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    here = Path(__file__).parent
    for item in items:
        if here in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.ml)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "ml: model-backend tests (tests/ml)")


def _build(module: str, out: Path, **kwargs: Any) -> Path:
    sys.path.insert(0, str(TOOLS_DIR))
    try:
        builder = __import__(module)
        return Path(builder.build(out, **kwargs))
    finally:
        sys.path.remove(str(TOOLS_DIR))


@pytest.fixture(scope="session")
def tiny_easyanimate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """EasyAnimate with an InP transformer (t2v and i2v), like EasyAnimateV5.1-*-InP."""
    return _build("build_tiny_easyanimate", tmp_path_factory.mktemp("easyanimate-inp"))


@pytest.fixture(scope="session")
def tiny_easyanimate_t2v(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build(
        "build_tiny_easyanimate", tmp_path_factory.mktemp("easyanimate-t2v"), inpaint=False
    )


@pytest.fixture(scope="session")
def tiny_wan(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("build_tiny_wan", tmp_path_factory.mktemp("wan-t2v"))


@pytest.fixture(scope="session")
def tiny_wan_i2v(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _build("build_tiny_wan", tmp_path_factory.mktemp("wan-i2v"), i2v=True)


def settings_for(backend: str, tmp_path: Path, **env: Any) -> Settings:
    merged = {
        "MODEL_BACKEND": backend,
        "MODEL_OUTPUT_DIR": str(tmp_path / "out"),
        "LOG_LEVEL": "warning",
        **{k: str(v) for k, v in env.items()},
    }
    return Settings.from_env(merged)


def make_request(**overrides: Any) -> GenerationRequest:
    fields: dict[str, Any] = {
        "id": "job-1",
        "model": "tiny",
        "prompt": "a red fox running through fresh snow",
        "negative_prompt": None,
        "width": 48,
        "height": 32,
        "num_frames": 9,
        "fps": 8,
        "num_inference_steps": 2,
        "guidance_scale": 5.0,
        "seed": 1234,
        "memory_mode": None,
        "image": None,
        "extra": {},
    }
    fields.update(overrides)
    return GenerationRequest(**fields)


class Recorder:
    """A JobContext plus the progress it saw; ``cancel_at`` cancels when that step is reported."""

    def __init__(self, output: Path, cancel_at: int | None = None) -> None:
        self.progress: list[tuple[int, int]] = []
        self.cancel_at = cancel_at
        self.ctx = JobContext(output, on_progress=self._on_progress)

    def _on_progress(self, done: int, total: int) -> None:
        self.progress.append((done, total))
        if self.cancel_at is not None and done >= self.cancel_at:
            self.ctx.cancel()


@pytest.fixture
def recorder(tmp_path: Path) -> Callable[..., Recorder]:
    counter = iter(range(1000))

    def make(cancel_at: int | None = None) -> Recorder:
        return Recorder(tmp_path / f"out-{next(counter)}.mp4", cancel_at)

    return make


def png_bytes(
    width: int = 64, height: int = 40, color: tuple[int, int, int] = (220, 40, 30)
) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buf, "PNG")
    return buf.getvalue()


def probe(path: Path) -> dict[str, Any]:
    """codec, size and counted frames of an MP4 (ffprobe)."""
    from tests.conftest import ffprobe

    return ffprobe(path)


def assert_mp4(path: Path, width: int, height: int, frames: int) -> None:
    info = probe(path)
    assert info["codec_name"] == "h264"
    assert (int(info["width"]), int(info["height"])) == (width, height)
    assert int(info["nb_read_frames"]) == frames


def decode_frames(path: Path, width: int, height: int) -> np.ndarray:
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"],
        check=True,
        capture_output=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, height, width, 3)
