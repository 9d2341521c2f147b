"""HTTP API of the model service (OpenAI-Videos-shaped, one job at a time per process).

Run with ``python -m app.main`` (settings from the environment, see app/settings.py).
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import json
import logging
import re
import secrets
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager, suppress
from datetime import UTC, datetime
from typing import Any

import uvicorn
from fastapi import FastAPI, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel, ConfigDict, Field
from starlette.exceptions import HTTPException as StarletteHTTPException

from app import __version__
from app.backends import load_backend
from app.backends.base import Backend, GenerationRequest, InvalidInput
from app.jobs import (
    TERMINAL_STATUSES,
    Busy,
    Draining,
    JobManager,
    NotReady,
    current_job_id,
    new_job_id,
)
from app.settings import Settings, SettingsError

__all__ = ["CreateVideoRequest", "configure_logging", "create_app", "main"]

log = logging.getLogger("app.main")

MAX_WAIT_SECONDS = 30.0
DEFAULT_CANCEL_WAIT_SECONDS = 5.0
ID_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"
_SIZE_RE = re.compile(r"^(\d+)x(\d+)$")
_REQUEST_ID_RE = re.compile(r"^[A-Za-z0-9._:-]{1,128}$")
_MAX_REQUEST_IDS = 1024
# job id -> X-Request-Id of the request that created it (the gateway's request id, passed on by the
# dispatcher), so every log line of the job carries it; the oldest entries go first.
_request_ids: dict[str, str] = {}


def remember_request_id(job_id: str, request_id: str | None) -> None:
    if not request_id or not _REQUEST_ID_RE.match(request_id):
        return
    _request_ids.pop(job_id, None)
    _request_ids[job_id] = request_id
    while len(_request_ids) > _MAX_REQUEST_IDS:
        del _request_ids[next(iter(_request_ids))]


# -- logging -------------------------------------------------------------------------------------

_RESERVED = set(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
    "color_message",
}


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the job's ``job_id`` and ``request_id`` when there is one."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds")
            .replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        if (
            record.name == "uvicorn.access"
            and isinstance(record.args, tuple)
            and len(record.args) == 5
        ):
            client, method, path, _version, status = record.args
            out.update(msg="request", client=client, method=method, path=path, status=status)
        else:
            out["msg"] = record.getMessage()
        job_id = getattr(record, "job_id", None) or current_job_id.get()
        if job_id:
            out["job_id"] = job_id
            request_id = _request_ids.get(job_id)
            if request_id:
                out["request_id"] = request_id
        for key, value in record.__dict__.items():
            if key not in _RESERVED and key not in out:
                out[key] = value
        if record.exc_info:
            out["exc"] = self.formatException(record.exc_info)
        return json.dumps(out, default=str)


class _QuietProbes(logging.Filter):
    """Drop access-log lines for /health and /metrics (scraped constantly) unless debugging."""

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name != "uvicorn.access" or record.levelno > logging.INFO:
            return True
        args = record.args
        if isinstance(args, tuple) and len(args) == 5:
            path = str(args[2]).split("?", 1)[0]
            if path in ("/health", "/metrics"):
                return logging.getLogger().isEnabledFor(logging.DEBUG)
        return True


def configure_logging(level: str = "info") -> None:
    handler = logging.StreamHandler(sys.stdout)
    handler.setFormatter(JsonFormatter())
    handler.addFilter(_QuietProbes())
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level.upper())
    for name in ("uvicorn", "uvicorn.error", "uvicorn.access"):
        lg = logging.getLogger(name)
        lg.handlers.clear()
        lg.propagate = True
    logging.captureWarnings(True)


# -- request body -------------------------------------------------------------------------------


class CreateVideoRequest(BaseModel):
    """Body of POST /v1/videos. Unknown fields are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, protected_namespaces=())

    id: str | None = Field(default=None, pattern=ID_PATTERN)
    model: str | None = None
    prompt: str = Field(min_length=1, max_length=20000)
    negative_prompt: str | None = Field(default=None, max_length=20000)
    width: int | None = Field(default=None, ge=1, le=8192)
    height: int | None = Field(default=None, ge=1, le=8192)
    size: str | None = Field(default=None, pattern=r"^\d+x\d+$")
    num_frames: int = Field(default=49, ge=1, le=10000)
    fps: int = Field(default=8, ge=1, le=240)
    num_inference_steps: int = Field(default=50, ge=1, le=10000)
    guidance_scale: float = Field(default=5.0, ge=0.0, le=100.0)
    seed: int | None = Field(default=None, ge=0, le=2**63 - 1)
    memory_mode: str | None = Field(default=None, max_length=64)
    image_base64: str | None = None
    extra: dict[str, Any] | None = None


DEFAULT_SIZE = (512, 512)


# -- problem details ---------------------------------------------------------------------------


def problem(status: int, slug: str, title: str, detail: str, **ext: Any) -> JSONResponse:
    body = {"type": f"/problems/{slug}", "title": title, "status": status, "detail": detail}
    body.update(ext)
    return JSONResponse(body, status_code=status, media_type="application/problem+json")


def invalid(detail: str, errors: list[dict[str, str]]) -> JSONResponse:
    return problem(422, "invalid_input", "Invalid input", detail, errors=errors)


def not_found(job_id: str) -> JSONResponse:
    return problem(404, "not_found", "Not found", f"no video with id {job_id!r}")


def _field_name(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path")]
    return ".".join(parts) or "body"


# -- application --------------------------------------------------------------------------------


def create_app(
    settings: Settings | None = None,
    *,
    backend_factory: Callable[[Settings], Backend] | None = None,
    on_restart: Callable[[], None] | None = None,
) -> FastAPI:
    """Build the app. ``on_restart`` is called when RESTART_AFTER_JOBS is reached and the
    process is idle and drained; ``python -m app.main`` makes it stop uvicorn (exit code 0)."""
    cfg = settings or Settings.from_env()
    factory = backend_factory or (lambda s: load_backend(s.backend, s))
    manager = JobManager(cfg, on_restart=on_restart)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        manager.attach_loop(asyncio.get_running_loop())
        manager.prepare_output_dir()
        log.info(
            "model service starting",
            extra={
                "version": __version__,
                "backend": cfg.backend,
                "model": cfg.model_name,
                "output_dir": str(cfg.output_dir),
                "restart_after_jobs": cfg.restart_after_jobs,
                "fail_mode": cfg.fail_mode,
            },
        )
        manager.start_loading(lambda: factory(cfg))
        watcher = asyncio.create_task(manager.watch_restart())
        try:
            yield
        finally:
            watcher.cancel()
            manager.shutdown()
            with suppress(asyncio.CancelledError):
                await watcher
            log.info("model service stopped")

    app = FastAPI(title="model-service", version=__version__, lifespan=lifespan)
    app.state.manager = manager
    app.state.settings = cfg

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": _field_name(tuple(e.get("loc", ()))), "message": str(e.get("msg", ""))}
            for e in exc.errors()
        ]
        fields = ", ".join(sorted({e["field"] for e in errors}))
        return invalid(f"invalid request: {fields}", errors)

    @app.exception_handler(StarletteHTTPException)
    async def _http_error(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        slug = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        return problem(exc.status_code, slug, str(exc.detail), str(exc.detail))

    @app.exception_handler(Exception)
    async def _unexpected(_: Request, exc: Exception) -> JSONResponse:
        log.error("unhandled error", exc_info=exc)
        return problem(500, "internal_error", "Internal error", f"{type(exc).__name__}: {exc}")

    @app.post("/v1/videos", response_model=None)
    async def create_video(body: CreateVideoRequest, http_request: Request) -> JSONResponse:
        if body.model is not None and body.model != cfg.model_name:
            return invalid(
                "unknown model",
                [{"field": "model", "message": f"this service serves {cfg.model_name!r} only"}],
            )
        job_id = body.id or new_job_id()
        remember_request_id(job_id, http_request.headers.get("x-request-id"))
        existing = manager.existing(job_id)
        if existing is not None:
            return JSONResponse(existing, status_code=200)

        width, height = body.width, body.height
        if body.size is not None:
            m = _SIZE_RE.match(body.size)
            assert m is not None
            sw, sh = int(m.group(1)), int(m.group(2))
            if (width is not None and width != sw) or (height is not None and height != sh):
                return invalid(
                    "size conflicts with width/height",
                    [{"field": "size", "message": "size must agree with width and height"}],
                )
            width, height = sw, sh
        width = width if width is not None else DEFAULT_SIZE[0]
        height = height if height is not None else DEFAULT_SIZE[1]

        image: bytes | None = None
        if body.image_base64:
            data = body.image_base64
            if data.startswith("data:") and "," in data:
                data = data.split(",", 1)[1]
            try:
                image = base64.b64decode(data, validate=True)
            except (binascii.Error, ValueError):
                return invalid(
                    "image_base64 is not valid base64",
                    [{"field": "image_base64", "message": "not valid base64"}],
                )
            if not image:
                return invalid(
                    "image_base64 is empty", [{"field": "image_base64", "message": "empty image"}]
                )

        request = GenerationRequest(
            id=job_id,
            model=cfg.model_name,
            prompt=body.prompt,
            negative_prompt=body.negative_prompt,
            width=width,
            height=height,
            num_frames=body.num_frames,
            fps=body.fps,
            num_inference_steps=body.num_inference_steps,
            guidance_scale=body.guidance_scale,
            seed=body.seed if body.seed is not None else secrets.randbelow(2**31),
            memory_mode=body.memory_mode,
            image=image,
            extra=dict(body.extra or {}),
        )

        if manager.state != "READY":
            return _not_ready(manager.state, manager.load_error)
        validate = getattr(manager.backend, "validate", None)
        if callable(validate):
            try:
                await run_in_threadpool(validate, request)
            except InvalidInput as exc:
                manager.metrics.rejected.labels(reason="invalid_input").inc()
                field = exc.field or "body"
                return invalid(str(exc), [{"field": field, "message": str(exc)}])
        try:
            created, video = manager.submit(request)
        except Busy as exc:
            return problem(
                409,
                "busy",
                "Busy",
                f"another job is running ({exc.current_job}); this service runs one at a time",
                current_job=exc.current_job,
            )
        except NotReady as exc:
            return _not_ready(exc.state, exc.error)
        except Draining:
            return problem(
                503,
                "draining",
                "Restarting",
                "RESTART_AFTER_JOBS reached: the service takes no new jobs and restarts soon",
                current_job=None,
            )
        if not created:
            return JSONResponse(video, status_code=200)
        return JSONResponse(video, status_code=202, headers={"Location": f"/v1/videos/{job_id}"})

    def _not_ready(state: str, error: str | None) -> JSONResponse:
        detail = f"service is {state}" + (f": {error}" if error else "")
        return problem(503, "not_ready", "Service unavailable", detail, status_name=state)

    @app.get("/v1/videos", response_model=None)
    async def list_videos() -> dict[str, Any]:
        return {"object": "list", "data": manager.list(), "has_more": False}

    @app.get("/v1/videos/{video_id}", response_model=None)
    async def get_video(
        video_id: str,
        wait: float | None = Query(default=None, ge=0),
        after_revision: int | None = Query(default=None),
    ) -> JSONResponse:
        snapshot = manager.get(video_id)
        if snapshot is None:
            return not_found(video_id)
        if wait is not None and wait > 0:
            baseline = after_revision if after_revision is not None else snapshot["revision"]
            snapshot = await manager.wait_for_change(
                video_id, baseline, min(wait, MAX_WAIT_SECONDS)
            )
            if snapshot is None:
                return not_found(video_id)
        if snapshot["status"] in ("failed", "cancelled"):
            manager.get(video_id, acknowledge=True)
        return JSONResponse(snapshot)

    @app.get("/v1/videos/{video_id}/content", response_model=None)
    async def get_content(video_id: str) -> Response:
        outcome, path = manager.content_path(video_id)
        if outcome == "unknown":
            return not_found(video_id)
        if outcome != "ok" or path is None:
            return problem(
                409, "not_completed", "Not completed", f"video {video_id!r} is not completed"
            )
        if not path.is_file():
            return not_found(video_id)
        return FileResponse(path, media_type="video/mp4", filename=f"{video_id}.mp4")

    @app.delete("/v1/videos/{video_id}", response_model=None)
    async def delete_video(
        video_id: str,
        forget: bool = Query(default=False),
        wait: float = Query(default=DEFAULT_CANCEL_WAIT_SECONDS, ge=0),
    ) -> JSONResponse:
        if forget:
            outcome, snapshot = manager.forget(video_id)
            if outcome == "unknown":
                return not_found(video_id)
            if outcome == "not_terminal":
                return problem(
                    409,
                    "not_terminal",
                    "Job still running",
                    f"video {video_id!r} is still running; cancel it (DELETE without forget) "
                    "and forget it once it has stopped",
                )
            return JSONResponse({**(snapshot or {}), "deleted": True})
        snapshot = manager.cancel(video_id)
        if snapshot is None:
            return not_found(video_id)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + min(wait, MAX_WAIT_SECONDS)
        while snapshot["status"] not in TERMINAL_STATUSES:
            remaining = deadline - loop.time()
            if remaining <= 0:
                break
            nxt = await manager.wait_for_change(video_id, snapshot["revision"], remaining)
            if nxt is None:
                return not_found(video_id)
            snapshot = nxt
        if snapshot["status"] in ("failed", "cancelled"):
            manager.get(video_id, acknowledge=True)
        return JSONResponse(snapshot)

    @app.get("/health", response_model=None)
    async def health() -> JSONResponse:
        body = manager.health()
        code = 503 if body["status"] in ("STARTING", "FAILED") else 200
        return JSONResponse(body, status_code=code)

    @app.get("/metrics", response_model=None)
    async def metrics() -> Response:
        manager.refresh_metrics()
        return Response(generate_latest(manager.metrics.registry), media_type=CONTENT_TYPE_LATEST)

    return app


def create_app_from_env() -> FastAPI:
    """Factory for ``uvicorn --factory app.main:create_app_from_env``."""
    return create_app(Settings.from_env())


def main() -> int:
    try:
        settings = Settings.from_env()
    except SettingsError as exc:
        print(
            json.dumps({"level": "critical", "msg": "invalid configuration", "error": str(exc)}),
            flush=True,
        )
        return 2
    configure_logging(settings.log_level)
    servers: list[uvicorn.Server] = []

    def on_restart() -> None:
        log.info("RESTART_AFTER_JOBS reached; stopping so the supervisor restarts the service")
        for server in servers:
            server.should_exit = True

    app = create_app(settings, on_restart=on_restart)
    config = uvicorn.Config(
        app,
        host=settings.host,
        port=settings.port,
        log_config=None,
        log_level=settings.log_level,
        access_log=True,
        timeout_graceful_shutdown=5,
        server_header=False,
    )
    server = uvicorn.Server(config)
    servers.append(server)
    server.run()
    return 0 if server.started else 1


if __name__ == "__main__":
    sys.exit(main())
