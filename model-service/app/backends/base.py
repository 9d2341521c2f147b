"""The interface every generation backend implements.

Backends live in ``app/backends/<name>.py`` and expose ``create_backend(settings) -> Backend``.
The service calls ``load()`` once at start-up (in a thread), then ``generate()`` for one job at a
time (in a worker thread), and ``release_memory()`` between jobs.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

__all__ = [
    "Backend",
    "DeviceInfo",
    "GenerationRequest",
    "InvalidInput",
    "JobCancelled",
    "JobContext",
]


@dataclass(frozen=True)
class GenerationRequest:
    """One video to generate. ``seed`` is always resolved by the service (never None) for jobs
    submitted over HTTP, so results are reproducible; backends must still accept None."""

    id: str
    model: str
    prompt: str
    negative_prompt: str | None
    width: int
    height: int
    num_frames: int
    fps: int
    num_inference_steps: int
    guidance_scale: float
    seed: int | None
    memory_mode: str | None
    image: bytes | None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class DeviceInfo:
    name: str
    vram_total_bytes: int
    vram_free_bytes: int


class JobCancelled(Exception):
    """Raised inside ``generate()`` (usually by ``JobContext.raise_if_cancelled``) to stop a job."""


class InvalidInput(ValueError):
    """The request can never succeed on this backend (permanent: the caller must not retry).

    ``field`` names the offending request field (as in the HTTP body, e.g. ``"memory_mode"``).
    """

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class JobContext:
    """Handed to ``Backend.generate``. All methods are thread-safe.

    Backends call ``report_progress`` after every denoising step and ``raise_if_cancelled``
    between steps. Tests may build one directly: ``JobContext(Path("out.mp4"))``.
    """

    def __init__(
        self,
        output_path: Path,
        on_progress: Callable[[int, int], None] | None = None,
        cancel_event: threading.Event | None = None,
    ) -> None:
        self.output_path = output_path
        self._on_progress = on_progress
        self._cancel_event = cancel_event if cancel_event is not None else threading.Event()
        self._lock = threading.Lock()
        self.steps_done = 0
        self.total_steps = 0

    def report_progress(self, steps_done: int, total_steps: int) -> None:
        with self._lock:
            self.steps_done = max(0, int(steps_done))
            self.total_steps = max(0, int(total_steps))
        if self._on_progress is not None:
            self._on_progress(self.steps_done, self.total_steps)

    def is_cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def raise_if_cancelled(self) -> None:
        if self._cancel_event.is_set():
            raise JobCancelled("job cancelled")

    # Extensions (not required by backends; handy for sleeping backends and tests).
    def wait_cancelled(self, timeout: float) -> bool:
        """Sleep up to ``timeout`` seconds; return True early (at once) if the job is cancelled."""
        return self._cancel_event.wait(max(0.0, timeout))

    def cancel(self) -> None:
        self._cancel_event.set()


@runtime_checkable
class Backend(Protocol):
    """A video generator. Optional extra method: ``validate(request) -> None`` raising
    ``InvalidInput``; when present the service calls it before accepting a job so bad input is
    answered with HTTP 422 instead of a failed job."""

    name: str

    def load(self) -> None:
        """Blocking; once at start-up in a thread. An exception marks the service FAILED."""
        ...

    def device_info(self) -> DeviceInfo: ...

    def generate(self, request: GenerationRequest, ctx: JobContext) -> None:
        """Blocking; must write the MP4 to ``ctx.output_path``."""
        ...

    def release_memory(self) -> None:
        """Called between jobs (gc, torch.cuda.empty_cache where relevant)."""
        ...
