"""Settings, backend registry, the MP4 encoder, the procedural renderer and JobContext."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import numpy as np
import pytest

from app.backends import KNOWN_BACKENDS, BackendUnavailable, load_backend
from app.backends.base import Backend, GenerationRequest, InvalidInput, JobCancelled, JobContext
from app.backends.procedural import ProceduralBackend, render_frames
from app.settings import Settings, SettingsError
from app.video import VideoEncodingError, encode_mp4
from tests.conftest import ffprobe


def test_settings_defaults() -> None:
    s = Settings.from_env({})
    assert (s.host, s.port, s.backend) == ("127.0.0.1", 9100, "procedural")
    assert s.model_name == "easyanimate-v5.1-12b" and s.model_path is None
    assert s.simulated_vram_gb == 24 and s.restart_after_jobs == 0
    assert s.output_dir == Path("data/model-service-9100")
    assert s.job_history_limit == 200 and s.procedural_step_delay_ms == 40
    assert s.fail_mode == "none" and s.fail_at_step == 1 and not s.log_prompts


def test_settings_output_dir_follows_data_dir_and_port() -> None:
    s = Settings.from_env({"DATA_DIR": "/srv/data", "MODEL_SERVICE_PORT": "9101"})
    assert s.output_dir == Path("/srv/data/model-service-9101")
    s = Settings.from_env({"MODEL_OUTPUT_DIR": "/x/y", "LOG_PROMPTS": "true"})
    assert s.output_dir == Path("/x/y") and s.log_prompts


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"MODEL_SERVICE_PORT": "abc"}, "MODEL_SERVICE_PORT"),
        ({"MODEL_SERVICE_PORT": "70000"}, "MODEL_SERVICE_PORT"),
        ({"MODEL_BACKEND": "sora"}, "MODEL_BACKEND"),
        ({"SIMULATED_VRAM_GB": "-1"}, "SIMULATED_VRAM_GB"),
        ({"FAIL_MODE": "sometimes"}, "FAIL_MODE"),
        ({"FAIL_FRACTION": "2"}, "FAIL_FRACTION"),
        ({"RESTART_AFTER_JOBS": "-3"}, "RESTART_AFTER_JOBS"),
        ({"LOG_PROMPTS": "perhaps"}, "LOG_PROMPTS"),
        ({"LOG_LEVEL": "chatty"}, "LOG_LEVEL"),
        ({"PROCEDURAL_JOB_SECONDS": "0"}, "PROCEDURAL_JOB_SECONDS"),
    ],
)
def test_settings_errors_name_the_variable(env: dict[str, str], name: str) -> None:
    with pytest.raises(SettingsError, match=name):
        Settings.from_env(env)


def test_unknown_backend_setting_lists_known_ones() -> None:
    with pytest.raises(SettingsError) as info:
        Settings.from_env({"MODEL_BACKEND": "sora"})
    for known in KNOWN_BACKENDS:
        assert known in str(info.value)


def test_load_backend() -> None:
    settings = Settings.from_env({})
    backend = load_backend("procedural", settings)
    assert isinstance(backend, Backend) and backend.name == "procedural"
    with pytest.raises(BackendUnavailable) as info:
        load_backend("nope", settings)
    assert "procedural, easyanimate, wan, opensora" in str(info.value)


def test_encode_mp4_writes_exact_frames(tmp_path: Path) -> None:
    frames = [np.full((16, 32, 3), i * 20, dtype=np.uint8) for i in range(6)]
    out = tmp_path / "sub" / "x.mp4"
    assert encode_mp4(iter(frames), 32, 16, 12, out) == 6
    stream = ffprobe(out)
    assert stream["codec_name"] == "h264"
    assert (stream["width"], stream["height"], int(stream["nb_read_frames"])) == (32, 16, 6)
    assert [p.name for p in out.parent.iterdir()] == ["x.mp4"]  # no temp file left


def test_encode_mp4_rejects_bad_input_and_leaves_nothing(tmp_path: Path) -> None:
    out = tmp_path / "bad.mp4"
    with pytest.raises(ValueError, match="even"):
        encode_mp4([], 31, 16, 8, out)
    bad = [np.zeros((16, 32, 3), np.uint8), np.zeros((16, 30, 3), np.uint8)]
    with pytest.raises(ValueError, match="frame 1"):
        encode_mp4(bad, 32, 16, 8, out)
    with pytest.raises(ValueError, match="no frames"):
        encode_mp4([], 32, 16, 8, out)
    with pytest.raises(VideoEncodingError, match="not found"):
        encode_mp4([np.zeros((16, 32, 3), np.uint8)], 32, 16, 8, out, ffmpeg="no-such-ffmpeg")
    assert list(tmp_path.iterdir()) == []


def test_encode_mp4_reports_ffmpeg_stderr(tmp_path: Path) -> None:
    fake = tmp_path / "ffmpeg"
    fake.write_text("#!/bin/sh\ncat >/dev/null\necho 'codec exploded' >&2\nexit 3\n")
    fake.chmod(0o755)
    with pytest.raises(VideoEncodingError, match="codec exploded"):
        encode_mp4(
            [np.zeros((16, 16, 3), np.uint8)], 16, 16, 8, tmp_path / "o.mp4", ffmpeg=str(fake)
        )


def test_render_frames_deterministic_and_moving() -> None:
    a = list(render_frames("a cat", 1, 48, 32, 4))
    b = list(render_frames("a cat", 1, 48, 32, 4))
    c = list(render_frames("a cat", 2, 48, 32, 4))
    assert all(x.shape == (32, 48, 3) and x.dtype == np.uint8 for x in a)
    assert all(np.array_equal(x, y) for x, y in zip(a, b, strict=True))
    assert not np.array_equal(a[0], c[0])
    assert not np.array_equal(a[0], a[-1])  # visible motion


def _request(**kw: object) -> GenerationRequest:
    base: dict[str, object] = {
        "id": "u1",
        "model": "m",
        "prompt": "p",
        "negative_prompt": None,
        "width": 32,
        "height": 16,
        "num_frames": 3,
        "fps": 8,
        "num_inference_steps": 3,
        "guidance_scale": 5.0,
        "seed": None,
        "memory_mode": None,
        "image": None,
        "extra": {},
    }
    base.update(kw)
    return GenerationRequest(**base)  # type: ignore[arg-type]


def test_procedural_backend_direct(tmp_path: Path) -> None:
    backend = ProceduralBackend(Settings.from_env({"PROCEDURAL_STEP_DELAY_MS": "1"}))
    backend.load()
    progress: list[tuple[int, int]] = []
    ctx = JobContext(tmp_path / "d.mp4", on_progress=lambda d, t: progress.append((d, t)))
    backend.generate(_request(), ctx)
    assert progress[-1] == (3, 3) and (tmp_path / "d.mp4").is_file()
    with pytest.raises(InvalidInput) as info:
        backend.validate(_request(memory_mode="fast"))
    assert info.value.field == "memory_mode"


def test_procedural_job_seconds_fixes_wall_time(tmp_path: Path) -> None:
    backend = ProceduralBackend(Settings.from_env({"PROCEDURAL_JOB_SECONDS": "0.4"}))
    t0 = time.monotonic()
    backend.generate(_request(num_inference_steps=5), JobContext(tmp_path / "t.mp4"))
    assert 0.38 < time.monotonic() - t0 < 1.5


def test_job_context_cancel() -> None:
    event = threading.Event()
    ctx = JobContext(Path("unused.mp4"), cancel_event=event)
    ctx.raise_if_cancelled()
    assert not ctx.is_cancelled() and ctx.wait_cancelled(0.01) is False
    threading.Timer(0.05, event.set).start()
    t0 = time.monotonic()
    assert ctx.wait_cancelled(5) is True and time.monotonic() - t0 < 1
    with pytest.raises(JobCancelled):
        ctx.raise_if_cancelled()
