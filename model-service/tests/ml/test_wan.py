"""Wan2.1 backend on tiny random-weight pipelines (CPU): the real adapter end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from app.backends.base import InvalidInput, JobCancelled
from app.backends.wan import WanBackend, create_backend
from tests.ml.conftest import Recorder, assert_mp4, make_request, png_bytes, settings_for


def loaded(model_path: Path, tmp_path: Path, **env: str) -> WanBackend:
    backend = create_backend(settings_for("wan", tmp_path, MODEL_PATH=model_path, **env))
    backend.load()
    return backend


@pytest.fixture
def t2v(tiny_wan: Path, tmp_path: Path) -> WanBackend:
    return loaded(tiny_wan, tmp_path)


@pytest.fixture
def i2v(tiny_wan_i2v: Path, tmp_path: Path) -> WanBackend:
    return loaded(tiny_wan_i2v, tmp_path)


def test_text_to_video_writes_h264_and_reports_every_step(
    t2v: WanBackend, recorder: Callable[..., Recorder]
) -> None:
    import torch

    assert t2v.pipe.__class__.__name__ == "WanPipeline" and not t2v.supports_image
    assert t2v.pipe.vae.dtype == torch.float32
    rec = recorder()
    t2v.generate(make_request(width=48, height=32, num_frames=9, num_inference_steps=2), rec.ctx)
    assert_mp4(rec.ctx.output_path, 48, 32, 9)
    assert rec.progress == [(0, 2), (1, 2), (2, 2)]


def test_flow_shift_defaults_to_5_and_follows_extra(
    t2v: WanBackend, recorder: Callable[..., Recorder]
) -> None:
    t2v.generate(make_request(num_frames=5), recorder().ctx)
    assert t2v.last_flow_shift == 5.0 and t2v.pipe.scheduler.config.flow_shift == 5.0
    t2v.generate(make_request(num_frames=5, extra={"flow_shift": 7}), recorder().ctx)
    assert t2v.pipe.scheduler.config.flow_shift == 7.0
    t2v.generate(make_request(num_frames=5, extra={"sample_shift": 2.5}), recorder().ctx)
    assert t2v.pipe.scheduler.config.flow_shift == 2.5
    # the checkpoint's own scheduler settings are kept
    assert t2v.pipe.scheduler.config.use_flow_sigmas is True


@pytest.mark.parametrize("value", ["fast", 0, -1.0, True])
def test_bad_flow_shift_is_invalid_input(t2v: WanBackend, value: object) -> None:
    with pytest.raises(InvalidInput) as err:
        t2v.validate(make_request(extra={"flow_shift": value}))
    assert err.value.field == "extra.flow_shift"


@pytest.mark.parametrize("frames", [8, 10, 12, 0])
def test_frame_counts_must_be_4n_plus_1(t2v: WanBackend, frames: int) -> None:
    with pytest.raises(InvalidInput, match="4n\\+1") as err:
        t2v.validate(make_request(num_frames=frames))
    assert err.value.field == "num_frames"


def test_sizes_must_be_multiples_of_16(t2v: WanBackend) -> None:
    with pytest.raises(InvalidInput) as err:
        t2v.validate(make_request(width=50))
    assert err.value.field == "size"


def test_t2v_checkpoint_refuses_images(t2v: WanBackend) -> None:
    with pytest.raises(InvalidInput, match="text-to-video only") as err:
        t2v.validate(make_request(image=png_bytes()))
    assert err.value.field == "image_base64"


def test_image_to_video_with_480p_flow_shift(
    i2v: WanBackend, recorder: Callable[..., Recorder]
) -> None:
    assert i2v.pipe.__class__.__name__ == "WanImageToVideoPipeline" and i2v.supports_image
    rec = recorder()
    i2v.generate(make_request(width=32, height=48, num_frames=5, image=png_bytes(90, 60)), rec.ctx)
    assert_mp4(rec.ctx.output_path, 32, 48, 5)
    assert rec.progress[-1] == (2, 2)
    assert i2v.last_flow_shift == 3.0  # i2v at <= 480p, as Wan's generate.py


def test_i2v_checkpoint_needs_an_image(i2v: WanBackend) -> None:
    with pytest.raises(InvalidInput, match="image-to-video") as err:
        i2v.validate(make_request())
    assert err.value.field == "image_base64"


def test_cancel_mid_run(t2v: WanBackend, recorder: Callable[..., Recorder]) -> None:
    rec = recorder(cancel_at=2)
    with pytest.raises(JobCancelled):
        t2v.generate(make_request(num_inference_steps=5), rec.ctx)
    assert rec.progress == [(0, 5), (1, 5), (2, 5)]
    assert not rec.ctx.output_path.exists()
    ok = recorder()
    t2v.generate(make_request(num_frames=5), ok.ctx)
    assert_mp4(ok.ctx.output_path, 48, 32, 5)


def test_memory_modes_on_cpu(
    tiny_wan: Path, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = loaded(tiny_wan, tmp_path)
    with pytest.raises(InvalidInput) as err:
        backend.validate(make_request(memory_mode="model_cpu_offload"))
    assert err.value.field == "memory_mode"
    emulated = loaded(tiny_wan, tmp_path, CPU_OFFLOAD_EMULATION="1")
    for mode in ("model_cpu_offload", "model_cpu_offload_and_qfloat8", "model_full_gpu"):
        rec = recorder()
        emulated.generate(make_request(memory_mode=mode, num_frames=5), rec.ctx)
        assert_mp4(rec.ctx.output_path, 48, 32, 5)
    assert emulated.reloads == 1


def test_load_refuses_a_folder_that_is_not_wan(tiny_easyanimate: Path, tmp_path: Path) -> None:
    backend = create_backend(settings_for("wan", tmp_path, MODEL_PATH=tiny_easyanimate))
    with pytest.raises(
        ValueError, match="is not a wan pipeline: its transformer is .EasyAnimateTransformer3DModel"
    ):
        backend.load()
