"""Open-Sora backend: request mapping, and the real subprocess adapter against the stand-in
checkout in tools/opensora_standin (torchrun stand-in, Open-Sora's command-line parsing)."""

from __future__ import annotations

import json
import os
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from app.backends.base import InvalidInput, JobCancelled
from app.backends.opensora import (
    NATIVE_SIZES,
    OpenSoraBackend,
    OpenSoraOptions,
    build_command,
    create_backend,
    map_request,
)
from app.settings import SettingsError
from tests.ml.conftest import (
    STANDIN_HOME,
    Recorder,
    assert_mp4,
    make_request,
    png_bytes,
    settings_for,
)


def standin_env(tmp_path: Path, **env: Any) -> dict[str, str]:
    return {
        "OPENSORA_HOME": str(STANDIN_HOME),
        "TORCHRUN": f"{sys.executable} {STANDIN_HOME / 'torchrun.py'}",
        "OPENSORA_STANDIN_RECORD": str(tmp_path / "record.json"),
        "OPENSORA_STANDIN_STEP_SECONDS": "0.005",
        "OPENSORA_KILL_GRACE_SECONDS": "2",
        **{k: str(v) for k, v in env.items()},
    }


def backend_for(tmp_path: Path, **env: Any) -> OpenSoraBackend:
    backend = create_backend(settings_for("opensora", tmp_path, **standin_env(tmp_path, **env)))
    backend.load()
    return backend


def recorded(tmp_path: Path) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((tmp_path / "record.json").read_text())
    return data


def os_request(**overrides: Any) -> Any:
    fields: dict[str, Any] = {
        "width": 336,
        "height": 192,
        "num_frames": 9,
        "fps": 24,
        "num_inference_steps": 6,
        "guidance_scale": 7.5,
        "seed": 42,
    }
    fields.update(overrides)
    return make_request(**fields)


# -- mapping (pure) ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("size", "resolution", "aspect"),
    [
        ((336, 192), "256px", "16:9"),
        ((192, 336), "256px", "9:16"),
        ((256, 256), "256px", "1:1"),
        ((384, 160), "256px", "2.39:1"),
        ((1024, 576), "768px", "16:9"),
        ((1184, 496), "768px", "2.39:1"),
        ((768, 768), "768px", "1:1"),
        ((480, 272), "256px", "16:9"),  # nearest, re-encoded to the requested size
        ((640, 640), "768px", "1:1"),
    ],
)
def test_size_maps_to_resolution_and_aspect_ratio(
    size: tuple[int, int], resolution: str, aspect: str
) -> None:
    job = map_request(os_request(width=size[0], height=size[1]))
    assert (job.resolution, job.aspect_ratio) == (resolution, aspect)
    assert job.native_size == NATIVE_SIZES[resolution][aspect]


def test_extra_overrides_and_defaults() -> None:
    job = map_request(os_request())
    assert (job.motion_score, job.cond_type, job.offload_model) == (4, "t2v", False)
    job = map_request(
        os_request(
            extra={"resolution": "768px", "aspect_ratio": "1:1", "motion_score": 7},
            memory_mode="model_cpu_offload",
        )
    )
    assert (job.resolution, job.aspect_ratio, job.motion_score, job.offload_model) == (
        "768px",
        "1:1",
        7,
        True,
    )
    assert map_request(os_request(image=b"png")).cond_type == "i2v_head"
    assert map_request(os_request(image=b"png", extra={"cond_type": "i2v_tail"})).cond_type == (
        "i2v_tail"
    )
    assert map_request(os_request(), offload_default=True).offload_model is True


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"num_frames": 10}, "num_frames"),
        ({"num_frames": 133}, "num_frames"),
        ({"extra": {"resolution": "512px"}}, "extra.resolution"),
        ({"extra": {"aspect_ratio": "4:3"}}, "extra.aspect_ratio"),
        ({"extra": {"motion_score": 8}}, "extra.motion_score"),
        ({"extra": {"motion_score": "4"}}, "extra.motion_score"),
        ({"extra": {"cond_type": "v2v_head_half"}}, "extra.cond_type"),
        ({"extra": {"cond_type": "i2v_head"}}, "image_base64"),
        ({"image": b"png", "extra": {"cond_type": "t2v"}}, "extra.cond_type"),
        ({"memory_mode": "sequential_cpu_offload"}, "memory_mode"),
        ({"extra": {"guidance_img": "high"}}, "extra.guidance_img"),
    ],
)
def test_invalid_requests_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidInput) as err:
        map_request(os_request(**overrides))
    assert err.value.field == field


def test_command_line_uses_the_flags_open_sora_reads(tmp_path: Path) -> None:
    options = OpenSoraOptions.from_env(
        {"OPENSORA_HOME": "/opt/Open-Sora", "OPENSORA_NPROC": "2", "TORCHRUN": "torchrun"}
    )
    request = os_request(width=1024, height=576, seed=5, extra={"guidance_img": 4})
    job = map_request(request)
    cmd = build_command(options, request, job, tmp_path / "s", tmp_path / "ref.png", Path("/m"))
    assert cmd[:5] == [
        "torchrun",
        "--standalone",
        "--nproc_per_node=2",
        "scripts/diffusion/inference.py",
        "configs/diffusion/inference/768px.py",
    ]
    pairs = dict(zip(cmd[5::2], cmd[6::2], strict=True))
    assert pairs["--save-dir"] == str(tmp_path / "s")
    assert pairs["--prompt"] == request.prompt
    assert (pairs["--resolution"], pairs["--aspect_ratio"]) == ("768px", "16:9")
    assert (pairs["--num_frames"], pairs["--num_steps"], pairs["--motion-score"]) == ("9", "6", "4")
    assert (pairs["--guidance"], pairs["--guidance_img"], pairs["--fps_save"]) == (
        "7.5",
        "4.0",
        "24",
    )
    assert pairs["--seed"] == pairs["--sampling_option.seed"] == "5"
    assert (pairs["--cond_type"], pairs["--ref"]) == ("t2v", str(tmp_path / "ref.png"))
    assert pairs["--offload_model"] == "False" and "--offload" not in pairs
    assert pairs["--model.from_pretrained"] == "/m/Open_Sora_v2.safetensors"
    assert pairs["--ae.from_pretrained"] == "/m/hunyuan_vae.safetensors"


def test_settings_name_the_variable() -> None:
    with pytest.raises(SettingsError, match="OPENSORA_HOME is not set"):
        OpenSoraOptions.from_env({})
    with pytest.raises(SettingsError, match="OPENSORA_NPROC"):
        OpenSoraOptions.from_env({"OPENSORA_HOME": "/x", "OPENSORA_NPROC": "0"})
    with pytest.raises(SettingsError, match="OPENSORA_TIMEOUT_SECONDS"):
        OpenSoraOptions.from_env({"OPENSORA_HOME": "/x", "OPENSORA_TIMEOUT_SECONDS": "soon"})


# -- the subprocess against the stand-in --------------------------------------------------------


def test_job_runs_torchrun_in_open_sora_home_and_delivers_the_mp4(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = backend_for(tmp_path)
    rec = recorder()
    backend.generate(os_request(), rec.ctx)
    assert_mp4(rec.ctx.output_path, 336, 192, 9)
    record = recorded(tmp_path)
    cfg = record["cfg"]
    assert record["cwd"] == str(STANDIN_HOME)
    assert record["config"] == "configs/diffusion/inference/256px.py"
    assert cfg["prompt"] == "a red fox running through fresh snow"
    assert (cfg["resolution"], cfg["aspect_ratio"], cfg["num_frames"]) == ("256px", "16:9", 9)
    assert (cfg["num_steps"], cfg["motion_score"], cfg["guidance"], cfg["fps_save"]) == (
        6,
        4,
        7.5,
        24,
    )
    assert cfg["seed"] == 42 and cfg["sampling_option"] == {"seed": 42}
    assert cfg["offload_model"] is False and cfg["cond_type"] == "t2v"
    # every denoising step, parsed from tqdm's carriage-return output
    assert [done for done, _ in rec.progress] == [0, 1, 2, 3, 4, 5, 6, 6]
    assert {total for _, total in rec.progress} == {6}
    # the scratch directory is gone
    assert not list(rec.ctx.output_path.parent.glob(".opensora-*"))


def test_off_grid_size_is_reencoded_to_the_requested_size(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = backend_for(tmp_path)
    rec = recorder()
    backend.generate(os_request(width=320, height=320, num_frames=5), rec.ctx)
    assert recorded(tmp_path)["cfg"]["aspect_ratio"] == "1:1"
    assert_mp4(rec.ctx.output_path, 320, 320, 5)


def test_image_to_video_passes_the_image_as_ref(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = backend_for(tmp_path, OPENSORA_NPROC=2)
    rec = recorder()
    backend.generate(os_request(image=png_bytes(), memory_mode="model_cpu_offload"), rec.ctx)
    cfg = recorded(tmp_path)["cfg"]
    assert cfg["cond_type"] == "i2v_head" and cfg["ref"].endswith("ref.png")
    assert cfg["offload_model"] is True
    assert_mp4(rec.ctx.output_path, 336, 192, 9)


def test_a_crash_fails_the_job_with_the_tail_of_the_log(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = backend_for(tmp_path, OPENSORA_STANDIN_MODE="crash", OPENSORA_STANDIN_CRASH_AT=3)
    rec = recorder()
    with pytest.raises(RuntimeError) as err:
        backend.generate(os_request(), rec.ctx)
    message = str(err.value)
    assert message.startswith("Open-Sora exited with code 1; last output:")
    assert "CUDA out of memory" in message
    assert len(message.splitlines()) <= 21
    assert rec.progress[-1] == (3, 6)
    assert not rec.ctx.output_path.exists()


def _pids(pids_dir: Path) -> list[int]:
    texts = [p.read_text().strip() for p in pids_dir.glob("*.pid")]
    return [int(t) for t in texts if t]


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    # a zombie (exited, not yet reaped by its parent) counts as gone
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().split(")")[-1].split()[0] != "Z"
    except FileNotFoundError:
        return False


@pytest.mark.parametrize("mode", ["hang", "hang_ignore_term"])
def test_cancel_kills_the_whole_process_group(
    tmp_path: Path, recorder: Callable[..., Recorder], mode: str
) -> None:
    pids_dir = tmp_path / "pids"
    pids_dir.mkdir()
    backend = backend_for(
        tmp_path,
        OPENSORA_STANDIN_MODE=mode,
        OPENSORA_STANDIN_PIDS=pids_dir,
        OPENSORA_NPROC=2,
        OPENSORA_KILL_GRACE_SECONDS=0.5,
    )
    rec = recorder()
    outcome: list[BaseException] = []

    def run() -> None:
        try:
            backend.generate(os_request(), rec.ctx)
        except BaseException as exc:
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and (
            len(_pids(pids_dir)) < 3 or (1, 6) not in rec.progress
        ):
            time.sleep(0.02)
        pids = _pids(pids_dir)
        assert len(pids) == 3 and all(_alive(p) for p in pids)  # torchrun + 2 ranks
        assert rec.progress[-1] == (1, 6)  # the unterminated tqdm redraw was read
    finally:
        t0 = time.monotonic()
        rec.ctx.cancel()
        thread.join(15)
    assert not thread.is_alive()
    assert len(outcome) == 1 and isinstance(outcome[0], JobCancelled)
    assert time.monotonic() - t0 < 5
    deadline = time.monotonic() + 5
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.02)
    assert not any(_alive(p) for p in pids)
    assert not rec.ctx.output_path.exists()


def test_a_hung_job_is_killed_at_the_timeout(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    backend = backend_for(tmp_path, OPENSORA_STANDIN_MODE="hang", OPENSORA_TIMEOUT_SECONDS=1)
    with pytest.raises(TimeoutError, match="OPENSORA_TIMEOUT_SECONDS=1") as err:
        backend.generate(os_request(), recorder().ctx)
    assert "Denoising" in str(err.value)


def test_load_checks_home_config_torchrun_and_checkpoints(tmp_path: Path) -> None:
    def load(**env: Any) -> None:
        create_backend(settings_for("opensora", tmp_path, **standin_env(tmp_path, **env))).load()

    with pytest.raises(FileNotFoundError, match="is not an Open-Sora checkout"):
        load(OPENSORA_HOME=tmp_path)
    with pytest.raises(FileNotFoundError, match="OPENSORA_CONFIG"):
        load(OPENSORA_CONFIG="configs/missing/{resolution}.py")
    with pytest.raises(FileNotFoundError, match="TORCHRUN"):
        load(TORCHRUN="no-such-torchrun-here")
    ckpts = tmp_path / "ckpts"
    ckpts.mkdir()
    (ckpts / "Open_Sora_v2.safetensors").write_bytes(b"")
    with pytest.raises(FileNotFoundError, match="hunyuan_vae.safetensors") as err:
        load(MODEL_PATH=ckpts)
    assert "MODEL_PATH=" in str(err.value)


def test_checkpoints_from_model_path_reach_the_script(
    tmp_path: Path, recorder: Callable[..., Recorder]
) -> None:
    ckpts = tmp_path / "ckpts"
    for rel in ("google/t5-v1_1-xxl", "openai/clip-vit-large-patch14"):
        (ckpts / rel).mkdir(parents=True)
    for rel in ("Open_Sora_v2.safetensors", "hunyuan_vae.safetensors"):
        (ckpts / rel).write_bytes(b"")
    backend = backend_for(tmp_path, MODEL_PATH=ckpts)
    backend.generate(os_request(num_frames=5), recorder().ctx)
    cfg = recorded(tmp_path)["cfg"]
    assert cfg["model"] == {"from_pretrained": str(ckpts / "Open_Sora_v2.safetensors")}
    assert cfg["t5"] == {"from_pretrained": str(ckpts / "google/t5-v1_1-xxl")}


def test_opensora_over_http(service: Any, tmp_path: Path) -> None:
    client = service(MODEL_BACKEND="opensora", **standin_env(tmp_path))
    assert client.get("/health").json()["status"] == "READY"
    resp = client.post(
        "/v1/videos",
        json={"id": "os-1", "prompt": "waves", "width": 336, "height": 192, "num_frames": 9,
              "fps": 24, "num_inference_steps": 4, "extra": {"motion_score": 6}},
    )  # fmt: skip
    assert resp.status_code == 202, resp.text
    from tests.conftest import wait_terminal

    video = wait_terminal(client, "os-1", timeout=30)
    assert video["status"] == "completed", video
    assert recorded(tmp_path)["cfg"]["motion_score"] == 6
    resp = client.post("/v1/videos", json={"prompt": "x", "num_frames": 10})
    assert resp.status_code == 422 and resp.json()["errors"][0]["field"] == "num_frames"


def test_opensora_health_failed_without_a_checkout(service: Any, tmp_path: Path) -> None:
    client = service(MODEL_BACKEND="opensora", **standin_env(tmp_path, OPENSORA_HOME=tmp_path))
    body = client.get("/health").json()
    assert body["status"] == "FAILED" and "is not an Open-Sora checkout" in body["error"]
