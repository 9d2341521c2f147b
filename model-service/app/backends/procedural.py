"""The procedural backend: deterministic test videos, no neural network.

It exists for development, tests and benchmarks of the gateway. Frames are computed from
sha256(prompt|seed): a two-colour gradient background with a drifting band, a disc circling the
frame and a square sliding across it, so motion is visible and the same (prompt, seed) always
gives the same frames. It walks through ``num_inference_steps`` fake denoising steps with a
per-step delay, reports progress, honours cancellation between steps, encodes H.264 with ffmpeg,
and reports VRAM from SIMULATED_VRAM_GB.

Failure injection (FAIL_MODE): ``always`` / ``fraction`` fail the job with backend_error once
FAIL_AT_STEP steps are done; ``hang`` stops making progress there until the job is cancelled;
``exit`` kills the process there with ``os._exit(1)``; ``load`` makes start-up fail.
"""

from __future__ import annotations

import hashlib
import io
import logging
import math
import os
import sys
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from app.backends.base import (
    DeviceInfo,
    GenerationRequest,
    InvalidInput,
    JobCancelled,
    JobContext,
)
from app.video import encode_mp4, find_ffmpeg

if TYPE_CHECKING:
    from app.settings import Settings

__all__ = ["MEMORY_MODES", "ProceduralBackend", "create_backend", "render_frames"]

log = logging.getLogger("app.backends.procedural")

MEMORY_MODES: tuple[str, ...] = (
    "model_full_gpu",
    "model_cpu_offload",
    "model_cpu_offload_and_qfloat8",
    "sequential_cpu_offload",
)
_GIB = 1024**3


class InjectedFailure(RuntimeError):
    """A failure requested by FAIL_MODE."""


def decode_image(data: bytes, width: int, height: int) -> np.ndarray:
    """Decode PNG/JPEG/WebP bytes to a uint8 RGB array resized to height x width."""
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as img:
            if img.format not in ("PNG", "JPEG", "WEBP"):
                raise InvalidInput(
                    f"image must be PNG or JPEG, got {img.format or 'unknown format'}",
                    field="image_base64",
                )
            rgb = img.convert("RGB").resize((width, height))
            return np.asarray(rgb, dtype=np.uint8)
    except InvalidInput:
        raise
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError) as exc:
        raise InvalidInput(f"image cannot be decoded: {exc}", field="image_base64") from None


def _digest(prompt: str, seed: int | None) -> bytes:
    return hashlib.sha256(f"{prompt}|{seed}".encode()).digest()


def render_frames(
    prompt: str,
    seed: int | None,
    width: int,
    height: int,
    num_frames: int,
    image: np.ndarray | None = None,
) -> Iterator[np.ndarray]:
    """Yield ``num_frames`` uint8 RGB frames (height x width x 3), a pure function of the inputs."""
    d = _digest(prompt, seed)
    c1 = np.array(list(d[0:3]), dtype=np.float32)
    c2 = np.array(list(d[3:6]), dtype=np.float32)
    disc_colour = np.array([255 - d[0], 255 - d[1], 255 - d[2]], dtype=np.float32)
    square_colour = np.array(list(d[6:9]), dtype=np.float32) * 0.5 + 127.0
    radius = (0.10 + 0.12 * d[9] / 255.0) * min(width, height)
    angle0 = d[10] / 255.0 * 2 * math.pi
    band_freq = 1.0 + d[11] % 4
    side = max(2, int(min(width, height) * (0.15 + 0.1 * d[12] / 255.0)))

    yy, xx = np.mgrid[0:height, 0:width].astype(np.float32)
    ramp = (yy / max(1, height - 1))[..., None]
    gradient = c1 * (1.0 - ramp) + c2 * ramp
    tint = image.astype(np.float32) if image is not None else None

    for t in range(num_frames):
        phase = t / max(1, num_frames)
        band = 0.18 * np.sin(2 * math.pi * (xx / width * band_freq + phase))[..., None]
        frame = gradient * (1.0 + band)
        if tint is not None:
            alpha = 0.8 * (1.0 - phase)
            frame = frame * (1.0 - alpha) + tint * alpha
        cx = width * (0.5 + 0.3 * math.cos(angle0 + 2 * math.pi * phase))
        cy = height * (0.5 + 0.3 * math.sin(angle0 + 2 * math.pi * phase))
        disc = (xx - cx) ** 2 + (yy - cy) ** 2 <= radius**2
        frame[disc] = disc_colour
        x0 = int((width - side) * (t / max(1, num_frames - 1)))
        y0 = (height - side) // 2
        frame[y0 : y0 + side, x0 : x0 + side] = square_colour
        yield np.clip(frame, 0, 255).astype(np.uint8)


class ProceduralBackend:
    name = "procedural"

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self._total = int(settings.simulated_vram_gb * _GIB)
        self._used = 0
        self._lock = threading.Lock()

    # -- Backend protocol ---------------------------------------------------------------
    def load(self) -> None:
        if self.settings.fail_mode == "load":
            raise InjectedFailure("injected start-up failure (FAIL_MODE=load)")
        if self.settings.procedural_load_seconds > 0:
            time.sleep(self.settings.procedural_load_seconds)
        find_ffmpeg(self.settings.ffmpeg_binary)

    def device_info(self) -> DeviceInfo:
        with self._lock:
            used = self._used
        return DeviceInfo(
            name="cpu",
            vram_total_bytes=self._total,
            vram_free_bytes=max(0, self._total - used),
        )

    def validate(self, request: GenerationRequest) -> None:
        for name, value in (("width", request.width), ("height", request.height)):
            if value < 16 or value % 2:
                raise InvalidInput(f"{name} must be an even number >= 16, got {value}", field=name)
        if request.num_frames < 1:
            raise InvalidInput("num_frames must be >= 1", field="num_frames")
        if request.fps < 1:
            raise InvalidInput("fps must be >= 1", field="fps")
        if request.num_inference_steps < 1:
            raise InvalidInput("num_inference_steps must be >= 1", field="num_inference_steps")
        if request.memory_mode is not None and request.memory_mode not in MEMORY_MODES:
            raise InvalidInput(
                f"memory_mode must be one of {', '.join(MEMORY_MODES)} or null, "
                f"got {request.memory_mode!r}",
                field="memory_mode",
            )
        if request.image is not None:
            decode_image(request.image, 16, 16)

    def generate(self, request: GenerationRequest, ctx: JobContext) -> None:
        self.validate(request)
        started = time.monotonic()
        image = (
            decode_image(request.image, request.width, request.height)
            if request.image is not None
            else None
        )
        steps = request.num_inference_steps
        job_seconds = self.settings.procedural_job_seconds
        step_delay = self.settings.procedural_step_delay_ms / 1000.0
        fail_after = self._failure_point(request)
        with self._lock:
            self._used = min(
                int(self._total * 0.9),
                4 * _GIB + request.width * request.height * request.num_frames * 64,
            )
        try:
            ctx.report_progress(0, steps)
            for step in range(1, steps + 1):
                if fail_after is not None and step - 1 == fail_after:
                    self._inject(request, ctx, step - 1)
                if job_seconds is not None:
                    delay = started + job_seconds * step / (steps + 1) - time.monotonic()
                else:
                    delay = step_delay
                if ctx.wait_cancelled(delay):
                    raise JobCancelled("job cancelled")
                ctx.report_progress(step, steps)
            if fail_after is not None and fail_after >= steps:
                self._inject(request, ctx, steps)

            def frames() -> Iterator[np.ndarray]:
                for frame in render_frames(
                    request.prompt,
                    request.seed,
                    request.width,
                    request.height,
                    request.num_frames,
                    image,
                ):
                    ctx.raise_if_cancelled()
                    yield frame

            encode_mp4(
                frames(),
                request.width,
                request.height,
                request.fps,
                ctx.output_path,
                ffmpeg=self.settings.ffmpeg_binary,
            )
            if job_seconds is not None:
                remaining = started + job_seconds - time.monotonic()
                if remaining > 0 and ctx.wait_cancelled(remaining):
                    raise JobCancelled("job cancelled")
        finally:
            with self._lock:
                self._used = 0

    def release_memory(self) -> None:
        with self._lock:
            self._used = 0

    # -- failure injection ----------------------------------------------------------------
    def _failure_point(self, request: GenerationRequest) -> int | None:
        """Number of completed steps after which the injected failure fires, or None."""
        mode = self.settings.fail_mode
        if mode in ("none", "load"):
            return None
        if mode == "fraction":
            h = int.from_bytes(hashlib.sha256(request.id.encode()).digest()[:8], "big")
            if h / 2**64 >= self.settings.fail_fraction:
                return None
        return min(self.settings.fail_at_step, request.num_inference_steps)

    def _inject(self, request: GenerationRequest, ctx: JobContext, steps_done: int) -> None:
        mode = self.settings.fail_mode
        log.warning("injecting failure", extra={"fail_mode": mode, "steps_done": steps_done})
        if mode == "hang":
            while not ctx.wait_cancelled(3600):
                pass
            raise JobCancelled("job cancelled")
        if mode == "exit":
            for handler in logging.getLogger().handlers:
                handler.flush()
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(1)
        raise InjectedFailure(
            f"injected failure (FAIL_MODE={mode}) after {steps_done} of "
            f"{request.num_inference_steps} steps"
        )


def create_backend(settings: Settings) -> ProceduralBackend:
    return ProceduralBackend(settings)
