"""Service settings, read once from the environment.

A bad value stops start-up with a ``SettingsError`` that names the variable.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeVar

from app.backends import KNOWN_BACKENDS

__all__ = ["FAIL_MODES", "LOG_LEVELS", "Settings", "SettingsError"]

FAIL_MODES: tuple[str, ...] = ("none", "always", "fraction", "hang", "exit", "load")
LOG_LEVELS: tuple[str, ...] = ("debug", "info", "warning", "error", "critical")

T = TypeVar("T")


class SettingsError(ValueError):
    """An environment variable has a value the service cannot use."""


def _parse_bool(raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off", ""):
        return False
    raise ValueError("expected true/false")


@dataclass(frozen=True)
class Settings:
    host: str = "127.0.0.1"
    port: int = 9100
    backend: str = "procedural"
    model_name: str = "easyanimate-v5.1-12b"
    model_path: Path | None = None
    simulated_vram_gb: float = 24.0
    output_dir: Path = Path("data/model-service-9100")
    log_level: str = "info"
    log_prompts: bool = False
    # Exit cleanly (code 0) after this many finished jobs, once idle, so a supervisor restarts
    # the process with a clean CUDA context. 0 = never.
    restart_after_jobs: int = 0
    # While draining for a restart, wait at most this long for the dispatcher to collect results.
    restart_grace_seconds: float = 30.0
    # Finished jobs remembered (with their files); older ones are dropped.
    job_history_limit: int = 200
    # procedural backend
    procedural_step_delay_ms: float = 40.0
    procedural_job_seconds: float | None = None
    procedural_load_seconds: float = 0.0
    # failure injection (procedural backend)
    fail_mode: str = "none"
    fail_fraction: float = 0.5
    fail_at_step: int = 1
    ffmpeg_binary: str = "ffmpeg"
    # The raw environment, for backend-specific options (e.g. settings.env.get("WAN_T5_CPU")).
    env: Mapping[str, str] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)

        def get(name: str, parse: Callable[[str], T], default: T, hint: str) -> T:
            raw = env.get(name)
            if raw is None or raw.strip() == "":
                return default
            try:
                return parse(raw.strip())
            except (ValueError, TypeError) as exc:
                raise SettingsError(f"{name}={raw!r} is invalid: {hint} ({exc})") from None

        def check(name: str, ok: bool, hint: str) -> None:
            if not ok:
                raise SettingsError(f"{name}={env.get(name)!r} is invalid: {hint}")

        host = get("MODEL_SERVICE_HOST", str, "127.0.0.1", "a host name or IP")
        port = get("MODEL_SERVICE_PORT", int, 9100, "an integer 1-65535")
        check("MODEL_SERVICE_PORT", 1 <= port <= 65535, "an integer 1-65535")

        backend = get("MODEL_BACKEND", str, "procedural", "a backend name").lower()
        check(
            "MODEL_BACKEND",
            backend in KNOWN_BACKENDS,
            f"unknown backend; known backends: {', '.join(KNOWN_BACKENDS)}",
        )
        model_name = get("MODEL_NAME", str, "easyanimate-v5.1-12b", "a model name")
        model_path_raw = get("MODEL_PATH", str, "", "a path")
        model_path = Path(model_path_raw).expanduser() if model_path_raw else None

        vram = get("SIMULATED_VRAM_GB", float, 24.0, "a number of GB > 0")
        check("SIMULATED_VRAM_GB", vram > 0, "a number of GB > 0")

        data_dir = Path(get("DATA_DIR", str, "data", "a directory")).expanduser()
        output_dir = Path(
            get("MODEL_OUTPUT_DIR", str, str(data_dir / f"model-service-{port}"), "a directory")
        ).expanduser()

        log_level = get("LOG_LEVEL", str, "info", "one of " + "|".join(LOG_LEVELS)).lower()
        check("LOG_LEVEL", log_level in LOG_LEVELS, "one of " + "|".join(LOG_LEVELS))
        log_prompts = get("LOG_PROMPTS", _parse_bool, False, "true or false")

        restart_after = get("RESTART_AFTER_JOBS", int, 0, "an integer >= 0")
        check("RESTART_AFTER_JOBS", restart_after >= 0, "an integer >= 0")
        grace = get("RESTART_GRACE_SECONDS", float, 30.0, "seconds >= 0")
        check("RESTART_GRACE_SECONDS", grace >= 0, "seconds >= 0")
        history = get("JOB_HISTORY_LIMIT", int, 200, "an integer >= 1")
        check("JOB_HISTORY_LIMIT", history >= 1, "an integer >= 1")

        step_delay = get("PROCEDURAL_STEP_DELAY_MS", float, 40.0, "milliseconds >= 0")
        check("PROCEDURAL_STEP_DELAY_MS", step_delay >= 0, "milliseconds >= 0")
        job_seconds = get("PROCEDURAL_JOB_SECONDS", float, None, "seconds > 0")
        check("PROCEDURAL_JOB_SECONDS", job_seconds is None or job_seconds > 0, "seconds > 0")
        load_seconds = get("PROCEDURAL_LOAD_SECONDS", float, 0.0, "seconds >= 0")
        check("PROCEDURAL_LOAD_SECONDS", load_seconds >= 0, "seconds >= 0")

        fail_mode = get("FAIL_MODE", str, "none", "|".join(FAIL_MODES)).lower()
        check("FAIL_MODE", fail_mode in FAIL_MODES, "one of " + "|".join(FAIL_MODES))
        fail_fraction = get("FAIL_FRACTION", float, 0.5, "a number 0-1")
        check("FAIL_FRACTION", 0.0 <= fail_fraction <= 1.0, "a number 0-1")
        fail_at_step = get("FAIL_AT_STEP", int, 1, "an integer >= 0")
        check("FAIL_AT_STEP", fail_at_step >= 0, "an integer >= 0")

        ffmpeg_binary = get("FFMPEG_BINARY", str, "ffmpeg", "a program name or path")

        return cls(
            host=host,
            port=port,
            backend=backend,
            model_name=model_name,
            model_path=model_path,
            simulated_vram_gb=vram,
            output_dir=output_dir,
            log_level=log_level,
            log_prompts=log_prompts,
            restart_after_jobs=restart_after,
            restart_grace_seconds=grace,
            job_history_limit=history,
            procedural_step_delay_ms=step_delay,
            procedural_job_seconds=job_seconds,
            procedural_load_seconds=load_seconds,
            fail_mode=fail_mode,
            fail_fraction=fail_fraction,
            fail_at_step=fail_at_step,
            ffmpeg_binary=ffmpeg_binary,
            env=env,
        )
