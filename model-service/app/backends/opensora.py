"""Open-Sora 2.0, one ``torchrun`` subprocess per job (``MODEL_BACKEND=opensora``).

Like the Open-Sora job API this service replaces, every job runs

    torchrun --standalone --nproc_per_node=N scripts/diffusion/inference.py CONFIG
        --save-dir DIR --prompt P --resolution 256px|768px --aspect_ratio 16:9 --num_frames F
        --motion-score M --num_steps S --guidance G --fps_save FPS --seed X
        --sampling_option.seed X --cond_type t2v|i2v_head|i2v_tail [--ref IMAGE]
        --offload_model True|False [--model.from_pretrained ... (with MODEL_PATH)]

in ``OPENSORA_HOME``, in its own process group, so a crash or an out-of-memory never takes the
service down and a cancel kills every rank. Open-Sora reads ``--key value`` pairs onto its mmengine
config (``-`` becomes ``_``, dotted keys reach nested entries); ``--offload`` from Open-Sora's
README is not read by the script, ``--offload_model`` is. ``--standalone`` gives each job its own
rendezvous port, so several services (one per GPU) can run jobs on one host at once.

Request mapping: width x height picks the nearest resolution (by pixel count) and aspect ratio
(16:9, 9:16, 1:1, 2.39:1); ``extra.resolution`` / ``extra.aspect_ratio`` / ``extra.motion_score``
(1-7, default 4) / ``extra.cond_type`` / ``extra.guidance_img`` override. An image makes the
default cond_type ``i2v_head``. Open-Sora has no negative prompt; one is ignored. Frames are 4k+1,
at most 129. Memory mode: null/``model_full_gpu`` -> ``--offload_model False``,
``model_cpu_offload`` -> ``True`` (Open-Sora only offloads the t2i2v image model with it).

Progress: the output is read line by line (tqdm's carriage returns too); a tqdm line whose
total equals the job's step count (``12/50 [``) is a denoising step. Open-Sora 2.0's own sampling
loop prints no per-step bar (only its per-batch "Inference progress" bar), so against an
unpatched checkout progress moves at the end of each batch; a denoising bar added to
``opensora/utils/sampling.py`` (``tqdm(zip(timesteps[:-1], timesteps[1:]), total=...)``) is parsed.

The MP4 the script writes under the save dir is moved to the job's output path, re-encoded when it
is not H.264 or not the requested size (Open-Sora's sizes: see ``NATIVE_SIZES``).

Environment: OPENSORA_HOME (required: an Open-Sora checkout), OPENSORA_CONFIG (default
``configs/diffusion/inference/{resolution}.py``, relative to OPENSORA_HOME), OPENSORA_NPROC (1),
TORCHRUN (``torchrun``; a command line, e.g. ``python /x/torchrun.py``), OPENSORA_OFFLOAD (default
for null memory_mode, false), OPENSORA_TIMEOUT_SECONDS (0 = none), OPENSORA_KILL_GRACE_SECONDS (10),
MODEL_PATH (optional: a folder laid out like Open-Sora's ``ckpts/``).
"""

from __future__ import annotations

import contextlib
import json
import logging
import math
import os
import re
import shlex
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app import gpu
from app.backends.base import DeviceInfo, GenerationRequest, InvalidInput, JobCancelled, JobContext
from app.backends.diffusers_common import env_setting, parse_bool

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = [
    "ASPECT_RATIOS",
    "COND_TYPES",
    "NATIVE_SIZES",
    "OpenSoraBackend",
    "OpenSoraOptions",
    "build_command",
    "create_backend",
    "map_request",
]

log = logging.getLogger(__name__)

RESOLUTIONS: tuple[str, ...] = ("256px", "768px")
ASPECT_RATIOS: tuple[str, ...] = ("16:9", "9:16", "1:1", "2.39:1")
# (width, height) Open-Sora 2.0 generates for each resolution and aspect ratio
# (opensora/datasets/aspect.py get_image_size, rounded to multiples of 16 by sampling.py).
NATIVE_SIZES: dict[str, dict[str, tuple[int, int]]] = {
    "256px": {"16:9": (336, 192), "9:16": (192, 336), "1:1": (256, 256), "2.39:1": (384, 160)},
    "768px": {"16:9": (1024, 576), "9:16": (576, 1024), "1:1": (768, 768), "2.39:1": (1184, 496)},
}
# Conditioning types this API can feed: v2v_* need a reference video and i2v_loop two images.
COND_TYPES: tuple[str, ...] = ("t2v", "i2v_head", "i2v_tail")
ALL_COND_TYPES: tuple[str, ...] = (
    "t2v", "i2v_head", "i2v_tail", "i2v_loop", "v2v_head_half", "v2v_tail_half",
)  # fmt: skip
MAX_FRAMES = 129
CHECKPOINTS: dict[str, str] = {  # config key -> path under MODEL_PATH (Open-Sora's ckpts/ layout)
    "model.from_pretrained": "Open_Sora_v2.safetensors",
    "ae.from_pretrained": "hunyuan_vae.safetensors",
    "t5.from_pretrained": "google/t5-v1_1-xxl",
    "clip.from_pretrained": "openai/clip-vit-large-patch14",
}
TQDM_RE = re.compile(r"(\d+)/(\d+) \[")
LOG_TAIL_LINES = 20


@dataclass(frozen=True)
class OpenSoraOptions:
    home: Path
    config: str
    nproc: int
    torchrun: tuple[str, ...]
    offload_default: bool
    timeout_seconds: float
    kill_grace_seconds: float

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> OpenSoraOptions:
        home_raw = env_setting(env, "OPENSORA_HOME", str, "", "an Open-Sora checkout directory")
        if not home_raw:
            from app.settings import SettingsError

            raise SettingsError(
                "OPENSORA_HOME is not set: point it at an Open-Sora 2.0 checkout "
                "(the directory holding scripts/diffusion/inference.py)"
            )

        def positive_int(raw: str) -> int:
            value = int(raw)
            if value < 1:
                raise ValueError("must be >= 1")
            return value

        def non_negative(raw: str) -> float:
            value = float(raw)
            if not math.isfinite(value) or value < 0:
                raise ValueError("must be >= 0")
            return value

        def command(raw: str) -> tuple[str, ...]:
            parts = tuple(shlex.split(raw))
            if not parts:
                raise ValueError("empty command")
            return parts

        return cls(
            home=Path(home_raw).expanduser(),
            config=env_setting(
                env,
                "OPENSORA_CONFIG",
                str,
                "configs/diffusion/inference/{resolution}.py",
                "a config path (may contain {resolution})",
            ),
            nproc=env_setting(env, "OPENSORA_NPROC", positive_int, 1, "an integer >= 1"),
            torchrun=env_setting(env, "TORCHRUN", command, ("torchrun",), "a command line"),
            offload_default=env_setting(env, "OPENSORA_OFFLOAD", parse_bool, False, "true|false"),
            timeout_seconds=env_setting(
                env, "OPENSORA_TIMEOUT_SECONDS", non_negative, 0.0, "seconds >= 0 (0 = no limit)"
            ),
            kill_grace_seconds=env_setting(
                env, "OPENSORA_KILL_GRACE_SECONDS", non_negative, 10.0, "seconds >= 0"
            ),
        )

    def config_for(self, resolution: str) -> str:
        return self.config.replace("{resolution}", resolution)


@dataclass(frozen=True)
class OpenSoraJob:
    """A request mapped onto Open-Sora's options."""

    resolution: str
    aspect_ratio: str
    native_size: tuple[int, int]
    motion_score: int
    cond_type: str
    offload_model: bool
    guidance_img: float | None


def _nearest_aspect_ratio(width: int, height: int) -> str:
    def distance(ratio: str) -> float:
        w, h = NATIVE_SIZES["256px"][ratio]
        return abs(math.log((width / height) / (w / h)))

    return min(ASPECT_RATIOS, key=distance)


def _nearest_resolution(width: int, height: int) -> str:
    # geometric midpoint between 256² and 768² pixels
    return "256px" if width * height <= 256 * 256 * 3 else "768px"


def map_request(request: GenerationRequest, offload_default: bool = False) -> OpenSoraJob:
    """Open-Sora options for a request, or InvalidInput naming the field."""
    extra = request.extra
    if request.num_frames < 1 or request.num_frames > MAX_FRAMES or (request.num_frames - 1) % 4:
        raise InvalidInput(
            f"num_frames must be 4k+1 and at most {MAX_FRAMES} for Open-Sora, "
            f"got {request.num_frames}",
            field="num_frames",
        )
    resolution = extra.get("resolution") or _nearest_resolution(request.width, request.height)
    if resolution not in RESOLUTIONS:
        raise InvalidInput(
            f"extra.resolution must be one of {', '.join(RESOLUTIONS)}, got {resolution!r}",
            field="extra.resolution",
        )
    aspect_ratio = extra.get("aspect_ratio") or _nearest_aspect_ratio(request.width, request.height)
    if aspect_ratio not in ASPECT_RATIOS:
        raise InvalidInput(
            f"extra.aspect_ratio must be one of {', '.join(ASPECT_RATIOS)}, got {aspect_ratio!r}",
            field="extra.aspect_ratio",
        )
    motion = extra.get("motion_score", 4)
    if isinstance(motion, bool) or not isinstance(motion, int) or not 1 <= motion <= 7:
        raise InvalidInput(
            f"extra.motion_score must be an integer 1-7, got {motion!r}", field="extra.motion_score"
        )
    cond_type = extra.get("cond_type") or ("i2v_head" if request.image is not None else "t2v")
    if cond_type not in COND_TYPES:
        why = (
            "needs a reference video or two images, which this API does not carry"
            if cond_type in ALL_COND_TYPES
            else "is unknown"
        )
        raise InvalidInput(
            f"extra.cond_type {cond_type!r} {why}; use one of {', '.join(COND_TYPES)}",
            field="extra.cond_type",
        )
    if cond_type != "t2v" and request.image is None:
        raise InvalidInput(
            f"cond_type {cond_type} needs an image (image_base64)", field="image_base64"
        )
    if cond_type == "t2v" and request.image is not None:
        raise InvalidInput(
            "an image was sent with cond_type t2v; use i2v_head or i2v_tail",
            field="extra.cond_type",
        )
    mode = request.memory_mode
    if mode is None:
        offload = offload_default
    elif mode in ("model_full_gpu", "model_full_load"):
        offload = False
    elif mode == "model_cpu_offload":
        offload = True
    else:
        raise InvalidInput(
            f"memory_mode {mode!r} is not supported by Open-Sora; "
            "use model_full_gpu or model_cpu_offload (--offload_model)",
            field="memory_mode",
        )
    guidance_img = extra.get("guidance_img")
    if guidance_img is not None and (
        isinstance(guidance_img, bool) or not isinstance(guidance_img, int | float)
    ):
        raise InvalidInput("extra.guidance_img must be a number", field="extra.guidance_img")
    return OpenSoraJob(
        resolution=resolution,
        aspect_ratio=aspect_ratio,
        native_size=NATIVE_SIZES[resolution][aspect_ratio],
        motion_score=motion,
        cond_type=cond_type,
        offload_model=offload,
        guidance_img=float(guidance_img) if guidance_img is not None else None,
    )


def build_command(
    options: OpenSoraOptions,
    request: GenerationRequest,
    job: OpenSoraJob,
    save_dir: Path,
    ref_path: Path | None,
    model_path: Path | None,
) -> list[str]:
    cmd = [
        *options.torchrun,
        "--standalone",
        f"--nproc_per_node={options.nproc}",
        "scripts/diffusion/inference.py",
        options.config_for(job.resolution),
        "--save-dir", str(save_dir),
        "--prompt", request.prompt,
        "--resolution", job.resolution,
        "--aspect_ratio", job.aspect_ratio,
        "--num_frames", str(request.num_frames),
        "--motion-score", str(job.motion_score),
        "--num_steps", str(request.num_inference_steps),
        "--guidance", repr(float(request.guidance_scale)),
        "--fps_save", str(request.fps),
        "--cond_type", job.cond_type,
        "--offload_model", str(job.offload_model),
    ]  # fmt: skip
    if job.guidance_img is not None:
        cmd += ["--guidance_img", repr(job.guidance_img)]
    if request.seed is not None:
        # --seed seeds everything but the initial noise, which sampling_option.seed does.
        cmd += ["--seed", str(request.seed), "--sampling_option.seed", str(request.seed)]
    if ref_path is not None:
        cmd += ["--ref", str(ref_path)]
    if model_path is not None:
        for key, rel in CHECKPOINTS.items():
            cmd += [f"--{key}", str(model_path / rel)]
    return cmd


class OpenSoraBackend:
    name = "opensora"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.options = OpenSoraOptions.from_env(settings.env)
        self._proc: subprocess.Popen[bytes] | None = None
        self.last_command: list[str] | None = None

    # -- Backend protocol ------------------------------------------------------------------------
    def load(self) -> None:
        home = self.options.home
        script = home / "scripts" / "diffusion" / "inference.py"
        if not script.is_file():
            raise FileNotFoundError(
                f"OPENSORA_HOME={home} is not an Open-Sora checkout (no {script.relative_to(home)})"
            )
        for resolution in RESOLUTIONS:
            config = home / self.options.config_for(resolution)
            if not config.is_file():
                raise FileNotFoundError(f"OPENSORA_CONFIG: {config} does not exist")
        if shutil.which(self.options.torchrun[0]) is None:
            raise FileNotFoundError(
                f"TORCHRUN: {self.options.torchrun[0]!r} is not an executable on PATH"
            )
        model_path = self.settings.model_path
        if model_path is not None:
            missing = [rel for rel in CHECKPOINTS.values() if not (model_path / rel).exists()]
            if missing:
                raise FileNotFoundError(
                    f"MODEL_PATH={model_path} lacks Open-Sora checkpoints: {', '.join(missing)}"
                )

    def device_info(self) -> DeviceInfo:
        return gpu.query_device_info(self.settings.simulated_vram_gb, self.settings.env)

    def release_memory(self) -> None:
        gpu.release_memory()  # the GPU memory belonged to the subprocess, which is gone

    def validate(self, request: GenerationRequest) -> None:
        map_request(request, self.options.offload_default)

    def generate(self, request: GenerationRequest, ctx: JobContext) -> None:
        job = map_request(request, self.options.offload_default)
        ctx.raise_if_cancelled()
        ctx.output_path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(
            prefix=f".opensora-{request.id}-", dir=ctx.output_path.parent
        ) as tmp:
            work = Path(tmp)
            save_dir = work / "samples"
            ref_path = None
            if request.image is not None:
                ref_path = work / "ref.png"
                _write_png(request.image, ref_path)
            cmd = build_command(
                self.options, request, job, save_dir, ref_path, self.settings.model_path
            )
            self.last_command = cmd
            self._run(cmd, request, ctx, work / "opensora.log")
            video = _find_video(save_dir)
            _deliver(video, request, ctx.output_path, self.settings.ffmpeg_binary)
        ctx.report_progress(request.num_inference_steps, request.num_inference_steps)

    # -- the subprocess ---------------------------------------------------------------------------
    def _run(
        self, cmd: list[str], request: GenerationRequest, ctx: JobContext, log_path: Path
    ) -> None:
        total = request.num_inference_steps
        tail: deque[str] = deque(maxlen=LOG_TAIL_LINES)
        # settings.env is os.environ in production; tests hand their own mapping to the service.
        env = {**os.environ, **self.settings.env, "PYTHONUNBUFFERED": "1"}
        log.info("starting Open-Sora", extra={"command": shlex.join(cmd[:6]) + " ..."})
        ctx.report_progress(0, total)
        proc = subprocess.Popen(
            cmd,
            cwd=self.options.home,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: a cancel reaches every rank
        )
        self._proc = proc
        reader = threading.Thread(
            target=_read_output,
            args=(proc, log_path, tail, lambda done: ctx.report_progress(min(done, total), total),
                  total),
            name=f"opensora-output-{request.id}",
            daemon=True,
        )  # fmt: skip
        reader.start()
        deadline = (
            time.monotonic() + self.options.timeout_seconds
            if self.options.timeout_seconds > 0
            else None
        )
        reason: str | None = None
        try:
            while proc.poll() is None:
                if ctx.is_cancelled():
                    reason = "cancelled"
                    break
                if deadline is not None and time.monotonic() > deadline:
                    reason = "timeout"
                    break
                time.sleep(0.1)
        finally:
            # Also after a normal exit: no rank may outlive its torchrun.
            _kill_group(proc, self.options.kill_grace_seconds)
            reader.join(timeout=5)
            self._proc = None
        if reason == "cancelled":
            raise JobCancelled("job cancelled; Open-Sora's process group was killed")
        if reason == "timeout":
            raise TimeoutError(
                f"Open-Sora ran longer than OPENSORA_TIMEOUT_SECONDS="
                f"{self.options.timeout_seconds:g} and was killed; last output:\n" + "\n".join(tail)
            )
        if proc.returncode != 0:
            how = (
                f"was killed by signal {-proc.returncode}"
                if proc.returncode < 0
                else f"exited with code {proc.returncode}"
            )
            raise RuntimeError(f"Open-Sora {how}; last output:\n" + "\n".join(tail))


def _read_output(
    proc: subprocess.Popen[bytes],
    log_path: Path,
    tail: deque[str],
    on_step: Any,
    total_steps: int,
) -> None:
    """Split the merged stdout/stderr on newlines and tqdm's carriage returns; keep a tail,
    write the whole log next to the job, and report denoising steps."""
    assert proc.stdout is not None
    pending = b""
    last = -1

    def step(done: int) -> None:  # each redraw once, even when read early (below) and again
        nonlocal last
        if done != last:
            last = done
            on_step(done)

    with log_path.open("wb") as log_file:
        for chunk in iter(lambda: proc.stdout.read1(65536), b""):  # type: ignore[union-attr]
            log_file.write(chunk)
            pending += chunk
            *lines, pending = re.split(rb"[\r\n]", pending)
            for raw in lines:
                _handle_line(raw, tail, step, total_steps)
            # tqdm leaves its latest bar unterminated until the next redraw: read it now
            partial = pending.decode("utf-8", "replace")
            match = TQDM_RE.search(partial)
            if match and partial.rstrip().endswith("]") and int(match.group(2)) == total_steps:
                step(int(match.group(1)))
        if pending:
            _handle_line(pending, tail, step, total_steps)


def _handle_line(raw: bytes, tail: deque[str], on_step: Any, total_steps: int) -> None:
    line = raw.decode("utf-8", "replace").rstrip()
    if not line:
        return
    match = TQDM_RE.search(line)
    if match:
        done, total = int(match.group(1)), int(match.group(2))
        if total == total_steps:
            on_step(done)
        # tqdm redraws the same bar; keep only its latest state in the tail
        if tail and TQDM_RE.search(tail[-1]) and tail[-1].split(":")[0] == line.split(":")[0]:
            tail[-1] = line
            return
    tail.append(line)


def _group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(proc: subprocess.Popen[bytes], grace: float) -> None:
    """SIGTERM the job's process group (torchrun and every rank), SIGKILL whatever is left after
    ``grace`` seconds. The group id is the leader's pid (``start_new_session``)."""
    pgid = proc.pid
    if _group_alive(pgid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            proc.poll()  # reap the leader so it does not count as alive
            if not _group_alive(pgid):
                break
            time.sleep(0.05)
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(pgid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=10)


def _write_png(data: bytes, path: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    try:
        import io

        with Image.open(io.BytesIO(data)) as img:
            img.convert("RGB").save(path, "PNG")
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise InvalidInput(
            f"image is not a decodable picture: {exc}", field="image_base64"
        ) from None


def _find_video(save_dir: Path) -> Path:
    videos = sorted(
        (p for p in save_dir.rglob("*.mp4") if "generated_condition" not in p.parts),
        key=lambda p: p.stat().st_mtime,
    )
    if not videos:
        raise RuntimeError(f"Open-Sora exited successfully but wrote no .mp4 under {save_dir}")
    return videos[-1]


def _probe(path: Path) -> dict[str, Any]:
    ffprobe = shutil.which("ffprobe")
    if ffprobe is None:
        return {}
    out = subprocess.run(
        [ffprobe, "-v", "error", "-select_streams", "v:0",
         "-show_entries", "stream=codec_name,width,height", "-of", "json", str(path)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    try:
        streams = json.loads(out.stdout or "{}").get("streams") or [{}]
        return dict(streams[0])
    except ValueError:
        return {}


def _deliver(video: Path, request: GenerationRequest, target: Path, ffmpeg_binary: str) -> None:
    """Move the MP4 into place, re-encoding to H.264 at the requested size when needed."""
    info = _probe(video)
    if (
        info.get("codec_name") == "h264"
        and info.get("width") == request.width
        and info.get("height") == request.height
    ):
        os.replace(video, target)
        return
    from app.video import VideoEncodingError, find_ffmpeg

    tmp = target.with_name(f".{target.name}.reencode.mp4")
    cmd = [
        find_ffmpeg(ffmpeg_binary), "-nostdin", "-hide_banner", "-loglevel", "error", "-y",
        "-i", str(video), "-an",
        "-vf", f"scale={request.width}:{request.height}:flags=bicubic,setsar=1",
        "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "veryfast", "-crf", "18",
        "-movflags", "+faststart", str(tmp),
    ]  # fmt: skip
    result = subprocess.run(cmd, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        tmp.unlink(missing_ok=True)
        raise VideoEncodingError(
            f"re-encoding Open-Sora's output failed: {result.stderr.strip()[-2000:]}"
        )
    os.replace(tmp, target)


def create_backend(settings: Settings) -> OpenSoraBackend:
    return OpenSoraBackend(settings)
