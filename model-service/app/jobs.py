"""Job bookkeeping: one generation at a time, run in a worker thread, observed from asyncio.

All job state lives behind one ``threading.Lock``. Every change bumps the job's ``revision`` and
wakes long-poll waiters on the event loop through ``loop.call_soon_threadsafe`` (an
``asyncio.Event`` that is set and replaced on each change), so waiters wake within a loop tick.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import logging
import math
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, Info

from app import __version__
from app.backends.base import (
    Backend,
    DeviceInfo,
    GenerationRequest,
    InvalidInput,
    JobCancelled,
    JobContext,
)
from app.settings import Settings

__all__ = [
    "TERMINAL_STATUSES",
    "Busy",
    "Draining",
    "Job",
    "JobManager",
    "Metrics",
    "NotReady",
    "current_job_id",
    "new_job_id",
]

log = logging.getLogger("app.jobs")

TERMINAL_STATUSES = frozenset({"completed", "failed", "cancelled"})
FINAL_STATUSES = ("completed", "failed", "cancelled")
ALL_STATUSES = ("queued", "in_progress", *FINAL_STATUSES)

# The id of the job the current thread works for; the JSON log formatter adds it to every line.
current_job_id: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "current_job_id", default=None
)


def new_job_id() -> str:
    return "video_" + uuid.uuid4().hex


class Busy(Exception):
    def __init__(self, current_job: str) -> None:
        super().__init__(f"another job is running: {current_job}")
        self.current_job = current_job


class NotReady(Exception):
    def __init__(self, state: str, error: str | None) -> None:
        super().__init__(f"service is {state}" + (f": {error}" if error else ""))
        self.state = state
        self.error = error


class Draining(Exception):
    """RESTART_AFTER_JOBS reached: no new jobs, the process exits once results are collected."""


class Metrics:
    """Prometheus metrics, in a registry of their own (one per app instance)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.info = Info("model_service", "Model service build and configuration", registry=r)
        self.submitted = Counter(
            "model_service_jobs_submitted", "Jobs accepted for generation", registry=r
        )
        self.finished = Counter(
            "model_service_jobs_finished", "Jobs finished, by final status", ["status"], registry=r
        )
        self.jobs = Gauge(
            "model_service_jobs", "Jobs held in memory, by status", ["status"], registry=r
        )
        self.rejected = Counter(
            "model_service_jobs_rejected",
            "Job submissions refused, by reason",
            ["reason"],
            registry=r,
        )
        self.duration = Histogram(
            "model_service_generation_duration_seconds",
            "Wall time of a generation from start to final status, by final status",
            ["status"],
            buckets=(0.1, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, math.inf),
            registry=r,
        )
        self.steps = Counter(
            "model_service_inference_steps", "Denoising steps completed", registry=r
        )
        self.busy = Gauge("model_service_busy", "1 while a job is running", registry=r)
        self.state = Gauge(
            "model_service_state", "1 for the current service state", ["state"], registry=r
        )
        self.vram_total = Gauge(
            "model_service_vram_total_bytes", "Accelerator memory in total", registry=r
        )
        self.vram_free = Gauge(
            "model_service_vram_free_bytes", "Accelerator memory free", registry=r
        )
        for status in FINAL_STATUSES:
            self.finished.labels(status=status)
            self.duration.labels(status=status)
        for reason in ("busy", "not_ready", "draining", "invalid_input"):
            self.rejected.labels(reason=reason)


@dataclass
class Job:
    request: GenerationRequest
    output_path: Path
    created_at: float
    cancel_event: threading.Event = field(default_factory=threading.Event)
    status: str = "queued"
    steps_done: int = 0
    progress: int = 0
    revision: int = 1
    started_at: float | None = None
    completed_at: float | None = None
    error: dict[str, str] | None = None
    output_bytes: int | None = None
    # Someone has seen the outcome (content downloaded, terminal status read, or forgotten);
    # used to decide when a draining process may exit.
    acknowledged: bool = False
    finished_monotonic: float | None = None

    @property
    def id(self) -> str:
        return self.request.id

    def to_dict(self) -> dict[str, Any]:
        r = self.request
        seconds = r.num_frames / r.fps
        return {
            "id": r.id,
            "object": "video",
            "model": r.model,
            "status": self.status,
            "progress": self.progress,
            "steps_done": self.steps_done,
            "num_inference_steps": r.num_inference_steps,
            "revision": self.revision,
            "created_at": int(self.created_at),
            "started_at": self.started_at,
            "completed_at": int(self.completed_at) if self.completed_at is not None else None,
            "size": f"{r.width}x{r.height}",
            "seconds": f"{seconds:.1f}",
            "width": r.width,
            "height": r.height,
            "num_frames": r.num_frames,
            "fps": r.fps,
            "seed": r.seed,
            "memory_mode": r.memory_mode,
            "error": dict(self.error) if self.error else None,
            "output_bytes": self.output_bytes,
            "cancel_requested": self.cancel_event.is_set(),
        }


def _error_code(exc: BaseException) -> str:
    text = f"{type(exc).__name__} {exc}".lower()
    if "outofmemory" in text or "out of memory" in text:
        return "out_of_memory"
    return "backend_error"


class JobManager:
    """Owns the backend, the job table and the single worker slot."""

    def __init__(
        self,
        settings: Settings,
        metrics: Metrics | None = None,
        on_restart: Callable[[], None] | None = None,
    ) -> None:
        self.settings = settings
        self.metrics = metrics or Metrics()
        self.on_restart = on_restart
        self.jobs_dir = settings.output_dir / "jobs"
        self.backend: Backend | None = None
        self.state = "STARTING"
        self.load_error: str | None = None
        self._lock = threading.Lock()
        self._jobs: OrderedDict[str, Job] = OrderedDict()
        self._current: Job | None = None
        self._counts = dict.fromkeys(FINAL_STATUSES, 0)
        self._draining = False
        self._last_finish: float | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._event = asyncio.Event()
        self._restart_requested = False
        self.metrics.info.info(
            {"version": __version__, "backend": settings.backend, "model": settings.model_name}
        )

    # -- lifecycle --------------------------------------------------------------------------
    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def prepare_output_dir(self) -> None:
        """Create the jobs directory and remove files a previous process left in it."""
        self.jobs_dir.mkdir(parents=True, exist_ok=True)
        for leftover in self.jobs_dir.iterdir():
            if leftover.is_file() and leftover.suffix == ".mp4":
                leftover.unlink(missing_ok=True)

    def start_loading(self, factory: Callable[[], Backend]) -> threading.Thread:
        thread = threading.Thread(
            target=self._load, args=(factory,), name="backend-load", daemon=True
        )
        thread.start()
        return thread

    def _load(self, factory: Callable[[], Backend]) -> None:
        t0 = time.monotonic()
        log.info("loading backend", extra={"backend": self.settings.backend})
        try:
            backend = factory()
            with self._lock:
                self.backend = backend
            backend.load()
        except BaseException as exc:  # any failure means FAILED, with the reason
            with self._lock:
                self.state = "FAILED"
                self.load_error = f"{type(exc).__name__}: {exc}"
            log.error(
                "backend failed to load",
                extra={"backend": self.settings.backend, "error": self.load_error},
                exc_info=not isinstance(exc, Exception) or log.isEnabledFor(logging.DEBUG),
            )
        else:
            with self._lock:
                self.state = "READY"
            log.info(
                "backend ready",
                extra={
                    "backend": self.settings.backend,
                    "load_seconds": round(time.monotonic() - t0, 3),
                },
            )
        self._notify()

    # -- notifications ------------------------------------------------------------------------
    def _notify(self) -> None:
        loop = self._loop
        if loop is None or loop.is_closed():
            return
        with contextlib.suppress(RuntimeError):  # the loop closed meanwhile
            loop.call_soon_threadsafe(self._wake)

    def _wake(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait_for_change(
        self, job_id: str, after_revision: int, timeout: float
    ) -> dict[str, Any] | None:
        """Return the job once its revision differs from ``after_revision``, it is terminal, or
        ``timeout`` seconds passed; None if the job is (or becomes) unknown."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while True:
            snapshot = self.get(job_id)
            if snapshot is None:
                return None
            if snapshot["revision"] != after_revision or snapshot["status"] in TERMINAL_STATUSES:
                return snapshot
            remaining = deadline - loop.time()
            if remaining <= 0:
                return snapshot
            event = self._event
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), remaining)

    # -- queries ----------------------------------------------------------------------------------
    def device_info(self) -> DeviceInfo | None:
        backend = self.backend
        if backend is None:
            return None
        try:
            return backend.device_info()
        except Exception:  # an unloaded backend may not know its device yet
            return None

    @property
    def busy(self) -> bool:
        return self._current is not None

    @property
    def draining(self) -> bool:
        return self._draining

    def service_status(self) -> str:
        with self._lock:
            if self.state != "READY":
                return self.state
            return "BUSY" if self._current is not None or self._draining else "READY"

    def health(self) -> dict[str, Any]:
        info = self.device_info()
        with self._lock:
            status = self.state
            if status == "READY" and (self._current is not None or self._draining):
                status = "BUSY"
            return {
                "status": status,
                "backend": self.settings.backend,
                "model": self.settings.model_name,
                "device": info.name if info else "unknown",
                "vram_total_bytes": info.vram_total_bytes if info else 0,
                "vram_free_bytes": info.vram_free_bytes if info else 0,
                "current_job": self._current.id if self._current else None,
                "jobs_completed": self._counts["completed"],
                "jobs_failed": self._counts["failed"],
                "jobs_cancelled": self._counts["cancelled"],
                "draining": self._draining,
                "error": self.load_error,
                "version": __version__,
            }

    def get(self, job_id: str, *, acknowledge: bool = False) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if acknowledge and job.status in ("failed", "cancelled") and not job.acknowledged:
                job.acknowledged = True
                ack = True
            else:
                ack = False
            snapshot = job.to_dict()
        if ack:
            self._notify()
        return snapshot

    def list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [job.to_dict() for job in reversed(self._jobs.values())]

    def content_path(self, job_id: str) -> tuple[str, Path | None]:
        """("unknown"|"not_completed"|"ok", path) and marks a completed job as collected."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return "unknown", None
            if job.status != "completed":
                return "not_completed", None
            job.acknowledged = True
            path = job.output_path
        self._notify()
        return "ok", path

    def refresh_metrics(self) -> None:
        info = self.device_info()
        with self._lock:
            counts = dict.fromkeys(ALL_STATUSES, 0)
            for job in self._jobs.values():
                counts[job.status] += 1
            busy = self._current is not None
            state = self.state
            if state == "READY" and (busy or self._draining):
                state = "BUSY"
        for status, n in counts.items():
            self.metrics.jobs.labels(status=status).set(n)
        self.metrics.busy.set(1 if busy else 0)
        for s in ("STARTING", "READY", "BUSY", "FAILED"):
            self.metrics.state.labels(state=s).set(1 if s == state else 0)
        if info is not None:
            self.metrics.vram_total.set(info.vram_total_bytes)
            self.metrics.vram_free.set(info.vram_free_bytes)

    # -- commands ---------------------------------------------------------------------------------
    def existing(self, job_id: str) -> dict[str, Any] | None:
        return self.get(job_id, acknowledge=True)

    def submit(self, request: GenerationRequest) -> tuple[bool, dict[str, Any]]:
        """Start ``request`` in a worker thread. Returns (created, video object); created is
        False when a job with that id is already known (nothing new is started). Raises
        NotReady, Draining or Busy."""
        with self._lock:
            existing = self._jobs.get(request.id)
            if existing is not None:
                if existing.status in ("failed", "cancelled"):
                    existing.acknowledged = True
                return False, existing.to_dict()
            if self.state != "READY":
                self.metrics.rejected.labels(reason="not_ready").inc()
                raise NotReady(self.state, self.load_error)
            if self._draining:
                self.metrics.rejected.labels(reason="draining").inc()
                raise Draining()
            if self._current is not None:
                self.metrics.rejected.labels(reason="busy").inc()
                raise Busy(self._current.id)
            job = Job(
                request=request,
                output_path=self.jobs_dir / f"{request.id}.mp4",
                created_at=time.time(),
            )
            self._jobs[request.id] = job
            self._current = job
            self._evict_locked()
            snapshot = job.to_dict()
        self.metrics.submitted.inc()
        prompt_fields: dict[str, Any] = {"prompt_chars": len(request.prompt)}
        if self.settings.log_prompts:
            prompt_fields["prompt"] = request.prompt
            prompt_fields["negative_prompt"] = request.negative_prompt
        log.info(
            "job accepted",
            extra={
                "job_id": request.id,
                "width": request.width,
                "height": request.height,
                "num_frames": request.num_frames,
                "fps": request.fps,
                "num_inference_steps": request.num_inference_steps,
                "seed": request.seed,
                "memory_mode": request.memory_mode,
                "has_image": request.image is not None,
                **prompt_fields,
            },
        )
        thread = threading.Thread(
            target=self._run, args=(job,), name=f"job-{request.id}", daemon=True
        )
        thread.start()
        self._notify()
        return True, snapshot

    def cancel(self, job_id: str) -> dict[str, Any] | None:
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return None
            if job.status not in TERMINAL_STATUSES and not job.cancel_event.is_set():
                job.cancel_event.set()
                job.revision += 1
                log.info("job cancel requested", extra={"job_id": job_id})
                changed = True
            else:
                changed = False
            snapshot = job.to_dict()
        if changed:
            self._notify()
        return snapshot

    def forget(self, job_id: str) -> tuple[str, dict[str, Any] | None]:
        """("unknown"|"not_terminal"|"ok", video object). Deletes a finished job and its file."""
        with self._lock:
            job = self._jobs.get(job_id)
            if job is None:
                return "unknown", None
            snapshot = job.to_dict()
            if job.status not in TERMINAL_STATUSES:
                return "not_terminal", snapshot
            del self._jobs[job_id]
            job.output_path.unlink(missing_ok=True)
        log.info("job forgotten", extra={"job_id": job_id})
        self._notify()
        return "ok", snapshot

    def _evict_locked(self) -> None:
        limit = self.settings.job_history_limit
        if len(self._jobs) <= limit:
            return
        for job_id in list(self._jobs):
            if len(self._jobs) <= limit:
                break
            job = self._jobs[job_id]
            if job.status in TERMINAL_STATUSES:
                del self._jobs[job_id]
                job.output_path.unlink(missing_ok=True)
                log.info("job evicted from history", extra={"job_id": job_id})

    # -- worker -----------------------------------------------------------------------------
    def _on_progress(self, job: Job, steps_done: int, total_steps: int) -> None:
        with self._lock:
            if job.status != "in_progress":
                return
            total = total_steps or job.request.num_inference_steps
            progress = min(99, (100 * steps_done) // total) if total > 0 else 0
            if steps_done == job.steps_done and progress == job.progress:
                return
            delta = steps_done - job.steps_done
            job.steps_done = steps_done
            job.progress = progress
            job.revision += 1
        if delta > 0:
            self.metrics.steps.inc(delta)
        log.debug("job progress", extra={"steps_done": steps_done, "total_steps": total_steps})
        self._notify()

    def _run(self, job: Job) -> None:
        current_job_id.set(job.id)
        backend = self.backend
        assert backend is not None
        ctx = JobContext(
            job.output_path,
            on_progress=lambda done, total: self._on_progress(job, done, total),
            cancel_event=job.cancel_event,
        )
        t0 = time.monotonic()
        with self._lock:
            job.status = "in_progress"
            job.started_at = time.time()
            job.revision += 1
        self._notify()
        log.info("job started")
        status = "completed"
        error: dict[str, str] | None = None
        output_bytes: int | None = None
        try:
            ctx.raise_if_cancelled()
            backend.generate(job.request, ctx)
            if not job.output_path.is_file():
                raise RuntimeError("backend finished without writing the output file")
            output_bytes = job.output_path.stat().st_size
        except JobCancelled:
            status = "cancelled"
        except InvalidInput as exc:
            status = "failed"
            error = {"code": "invalid_input", "message": str(exc)}
            if exc.field:
                error["field"] = exc.field
        except BaseException as exc:  # the job fails; the service goes on
            if job.cancel_event.is_set():
                status = "cancelled"
            else:
                status = "failed"
                error = {"code": _error_code(exc), "message": f"{type(exc).__name__}: {exc}"}
                log.error("generation raised", extra={"error": error["message"]}, exc_info=True)
        if status == "cancelled":
            error = {"code": "cancelled", "message": "the job was cancelled"}
        if status != "completed":
            job.output_path.unlink(missing_ok=True)
        try:
            backend.release_memory()
        except Exception:
            log.exception("release_memory failed")
        duration = time.monotonic() - t0
        with self._lock:
            job.status = status
            job.error = error
            job.output_bytes = output_bytes
            job.completed_at = time.time()
            job.finished_monotonic = time.monotonic()
            if status == "completed":
                job.progress = 100
            job.revision += 1
            self._current = None
            self._counts[status] += 1
            self._last_finish = job.finished_monotonic
            limit = self.settings.restart_after_jobs
            if limit > 0 and sum(self._counts.values()) >= limit and not self._draining:
                self._draining = True
                log.info(
                    "restart limit reached; draining",
                    extra={"restart_after_jobs": limit},
                )
        self.metrics.finished.labels(status=status).inc()
        self.metrics.duration.labels(status=status).observe(duration)
        log.info(
            f"job {status}",
            extra={
                "status": status,
                "duration_s": round(duration, 3),
                "steps_done": job.steps_done,
                "output_bytes": output_bytes,
                **({"error_code": error["code"]} if error else {}),
            },
        )
        self._notify()

    def shutdown(self) -> None:
        """Ask a running job to stop (the process is going away; its result would be lost)."""
        with self._lock:
            job = self._current
        if job is not None and not job.cancel_event.is_set():
            log.warning(
                "cancelling the running job: service shutting down", extra={"job_id": job.id}
            )
            job.cancel_event.set()

    # -- restart after N jobs ---------------------------------------------------------------
    def restart_due(self) -> bool:
        with self._lock:
            if not self._draining or self._current is not None or self._restart_requested:
                return False
            if all(
                job.acknowledged for job in self._jobs.values() if job.status in TERMINAL_STATUSES
            ):
                return True
            last = self._last_finish or 0.0
            return time.monotonic() - last >= self.settings.restart_grace_seconds

    async def watch_restart(self) -> None:
        """Background task: when draining is done, call ``on_restart`` once."""
        if self.settings.restart_after_jobs <= 0:
            return
        while True:
            event = self._event
            if self.restart_due():
                with self._lock:
                    self._restart_requested = True
                log.info(
                    "exiting for restart",
                    extra={"jobs_finished": sum(self._counts.values())},
                )
                if self.on_restart is not None:
                    self.on_restart()
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(event.wait(), 0.5)
