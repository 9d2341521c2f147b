"""EasyAnimate backend on tiny random-weight pipelines (CPU): the real adapter end to end."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from app.backends.base import InvalidInput, JobCancelled
from app.backends.easyanimate import EasyAnimateBackend, create_backend
from tests.ml.conftest import (
    Recorder,
    assert_mp4,
    decode_frames,
    make_request,
    png_bytes,
    settings_for,
)


def loaded(model_path: Path, tmp_path: Path, **env: str) -> EasyAnimateBackend:
    backend = create_backend(settings_for("easyanimate", tmp_path, MODEL_PATH=model_path, **env))
    backend.load()
    return backend


@pytest.fixture
def backend(tiny_easyanimate: Path, tmp_path: Path) -> EasyAnimateBackend:
    return loaded(tiny_easyanimate, tmp_path)


def test_inp_checkpoint_loads_the_inpaint_pipeline_on_cpu_in_fp32(
    backend: EasyAnimateBackend,
) -> None:
    import torch

    assert backend.pipe.__class__.__name__ == "EasyAnimateInpaintPipeline"
    assert backend.supports_image
    assert backend.device == torch.device("cpu") and backend.dtype == torch.float32
    info = backend.device_info()
    assert info.name == "cpu" and info.vram_total_bytes == 24 * 1024**3


def test_text_to_video_writes_h264_at_requested_size_and_reports_every_step(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    rec = recorder()
    backend.generate(
        make_request(width=48, height=32, num_frames=9, num_inference_steps=2), rec.ctx
    )
    assert_mp4(rec.ctx.output_path, 48, 32, 9)
    assert rec.progress == [(0, 2), (1, 2), (2, 2)]


def test_image_to_video_conditions_on_the_first_frame(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    rec = recorder()
    request = make_request(width=32, height=48, num_frames=5, image=png_bytes(50, 70))
    backend.generate(request, rec.ctx)
    assert_mp4(rec.ctx.output_path, 32, 48, 5)
    assert rec.progress[-1] == (2, 2)


def test_same_seed_same_video_other_seed_other_video(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    videos = []
    for seed in (7, 7, 8):
        rec = recorder()
        backend.generate(make_request(seed=seed, num_frames=5), rec.ctx)
        videos.append(decode_frames(rec.ctx.output_path, 48, 32))
    assert np.array_equal(videos[0], videos[1])
    assert not np.array_equal(videos[0], videos[2])


def test_cancel_mid_run_stops_the_denoising_loop_and_the_next_job_runs(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    rec = recorder(cancel_at=1)
    with pytest.raises(JobCancelled):
        backend.generate(make_request(num_inference_steps=4), rec.ctx)
    assert rec.progress == [(0, 4), (1, 4)]
    assert not rec.ctx.output_path.exists()
    assert backend.pipe._interrupt is False  # reset for the next job

    nxt = recorder()
    backend.generate(make_request(num_inference_steps=2), nxt.ctx)
    assert_mp4(nxt.ctx.output_path, 48, 32, 9)


def test_cancel_before_start_runs_nothing(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    rec = recorder()
    rec.ctx.cancel()
    with pytest.raises(JobCancelled):
        backend.generate(make_request(), rec.ctx)
    assert rec.progress == []


@pytest.mark.parametrize("mode", [None, "model_full_gpu", "model_full_load"])
def test_memory_modes_that_run_on_cpu(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder], mode: str | None
) -> None:
    rec = recorder()
    backend.generate(make_request(memory_mode=mode, num_frames=5), rec.ctx)
    assert_mp4(rec.ctx.output_path, 48, 32, 5)
    assert backend.memory_mode == "model_full_gpu"


@pytest.mark.parametrize(
    "mode", ["model_cpu_offload", "model_cpu_offload_and_qfloat8", "sequential_cpu_offload"]
)
def test_gpu_memory_modes_are_refused_on_cpu(backend: EasyAnimateBackend, mode: str) -> None:
    with pytest.raises(InvalidInput) as err:
        backend.validate(make_request(memory_mode=mode))
    assert err.value.field == "memory_mode"
    assert mode in str(err.value) and "GPU" in str(err.value)


def test_unknown_memory_mode_is_refused(backend: EasyAnimateBackend) -> None:
    with pytest.raises(InvalidInput, match="memory_mode 'turbo' is unknown") as err:
        backend.validate(make_request(memory_mode="turbo"))
    assert err.value.field == "memory_mode"


def test_switching_memory_modes_between_jobs_applies_hooks_quantizes_and_reloads(
    tiny_easyanimate: Path, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    """With CPU_OFFLOAD_EMULATION the model-offload modes run with the CPU as accelerate's
    execution device, so the hooks, qfloat8 quantisation and mode switches really happen."""
    from optimum.quanto import QModuleMixin

    backend = loaded(tiny_easyanimate, tmp_path, CPU_OFFLOAD_EMULATION="true")

    def quantized_layers() -> int:
        return sum(isinstance(m, QModuleMixin) for m in backend.pipe.transformer.modules())

    def run(mode: str) -> None:
        rec = recorder()
        backend.generate(make_request(memory_mode=mode, num_frames=5), rec.ctx)
        assert_mp4(rec.ctx.output_path, 48, 32, 5)
        assert backend.memory_mode == mode

    run("model_cpu_offload")
    assert len(backend.pipe._all_hooks) > 0 and quantized_layers() == 0
    run("model_cpu_offload_and_qfloat8")
    assert backend.quantized and quantized_layers() > 0 and backend.reloads == 0
    run("model_cpu_offload_and_qfloat8")  # same mode: nothing re-applied
    assert backend.reloads == 0
    run("model_full_gpu")  # leaving qfloat8 reloads the unquantised weights
    assert backend.reloads == 1 and not backend.quantized and quantized_layers() == 0
    assert getattr(backend.pipe, "_all_hooks", []) == []
    run("model_cpu_offload")
    assert backend.reloads == 1
    with pytest.raises(InvalidInput, match="sequential_cpu_offload"):
        backend.validate(make_request(memory_mode="sequential_cpu_offload"))


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"width": 40}, "size"),
        ({"height": 20}, "size"),
        ({"num_frames": 8}, "num_frames"),
        ({"num_frames": 0}, "num_frames"),
    ],
)
def test_invalid_sizes_and_frame_counts(
    backend: EasyAnimateBackend, overrides: dict, field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        backend.validate(make_request(**overrides))
    assert err.value.field == field


def test_undecodable_image_is_invalid_input(
    backend: EasyAnimateBackend, recorder: Callable[..., Recorder]
) -> None:
    with pytest.raises(InvalidInput) as err:
        backend.generate(make_request(image=b"not a picture"), recorder().ctx)
    assert err.value.field == "image_base64"


def test_t2v_only_checkpoint_runs_text_and_refuses_images(
    tiny_easyanimate_t2v: Path, tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = loaded(tiny_easyanimate_t2v, tmp_path)
    assert backend.pipe.__class__.__name__ == "EasyAnimatePipeline"
    rec = recorder()
    backend.generate(make_request(num_frames=5), rec.ctx)
    assert_mp4(rec.ctx.output_path, 48, 32, 5)
    with pytest.raises(InvalidInput, match="text-to-video only") as err:
        backend.validate(make_request(image=png_bytes()))
    assert err.value.field == "image_base64"


def test_load_fails_with_a_reason_naming_model_path(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="MODEL_PATH is not set"):
        create_backend(settings_for("easyanimate", tmp_path)).load()
    with pytest.raises(FileNotFoundError, match="is not a directory"):
        create_backend(settings_for("easyanimate", tmp_path, MODEL_PATH=tmp_path / "nope")).load()
    with pytest.raises(FileNotFoundError, match="no model_index.json"):
        create_backend(settings_for("easyanimate", tmp_path, MODEL_PATH=tmp_path)).load()


def test_bad_backend_settings_name_the_variable(tmp_path: Path) -> None:
    from app.settings import SettingsError

    with pytest.raises(SettingsError, match="TORCH_DTYPE"):
        create_backend(settings_for("easyanimate", tmp_path, TORCH_DTYPE="int3"))
    with pytest.raises(SettingsError, match="DEFAULT_MEMORY_MODE"):
        create_backend(settings_for("easyanimate", tmp_path, DEFAULT_MEMORY_MODE="fast"))


def test_load_refuses_a_folder_that_is_not_easyanimate(tiny_wan: Path, tmp_path: Path) -> None:
    backend = create_backend(settings_for("easyanimate", tmp_path, MODEL_PATH=tiny_wan))
    with pytest.raises(ValueError, match="its transformer is 'WanTransformer3DModel'"):
        backend.load()
