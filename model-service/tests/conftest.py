"""Shared fixtures: an in-process service (TestClient) and a real one (subprocess + uvicorn)."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.main import create_app
from app.settings import Settings

SERVICE_DIR = Path(__file__).resolve().parents[1]

# Tiny, fast jobs: 5 ms per fake denoising step.
BASE_ENV = {"PROCEDURAL_STEP_DELAY_MS": "5", "LOG_LEVEL": "warning"}
TINY = {"width": 64, "height": 48, "num_frames": 5, "fps": 8, "num_inference_steps": 4}


def make_settings(tmp_path: Path, **env: Any) -> Settings:
    merged = {**BASE_ENV, "MODEL_OUTPUT_DIR": str(tmp_path / "out")}
    merged.update({k: str(v) for k, v in env.items()})
    return Settings.from_env(merged)


def wait_until(predicate: Callable[[], Any], timeout: float = 10.0, interval: float = 0.01) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError("condition not met in time")
        time.sleep(interval)


def body(**overrides: Any) -> dict[str, Any]:
    return {"prompt": "a red fox in the snow", **TINY, **overrides}


def wait_terminal(client: httpx.Client | TestClient, job_id: str, timeout: float = 15.0) -> dict:
    """Follow a job with long-polls until it is completed, failed or cancelled."""
    deadline = time.monotonic() + timeout
    video = client.get(f"/v1/videos/{job_id}").json()
    while video["status"] not in ("completed", "failed", "cancelled"):
        assert time.monotonic() < deadline, f"job {job_id} still {video['status']}"
        video = client.get(
            f"/v1/videos/{job_id}", params={"wait": 5, "after_revision": video["revision"]}
        ).json()
    return video


def ffprobe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-count_frames",
            "-show_entries",
            "stream=codec_name,width,height,nb_read_frames",
            "-of",
            "json",
            str(path),
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    stream: dict[str, Any] = json.loads(out)["streams"][0]
    return stream


@pytest.fixture
def service(tmp_path: Path) -> Iterator[Callable[..., TestClient]]:
    """``service(**env)`` starts the app in-process (lifespan included) and waits for start-up."""
    clients: list[TestClient] = []

    def start(
        wait_ready: bool = True,
        on_restart: Callable[[], None] | None = None,
        backend_factory: Callable[[Settings], Any] | None = None,
        **env: Any,
    ) -> TestClient:
        app = create_app(
            make_settings(tmp_path, **env), on_restart=on_restart, backend_factory=backend_factory
        )
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        if wait_ready:
            wait_until(lambda: client.get("/health").json()["status"] != "STARTING")
        return client

    yield start
    for client in clients:
        client.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


class RealService:
    """``python -m app.main`` in a subprocess on a free loopback port."""

    def __init__(self, tmp_path: Path, **env: Any) -> None:
        self.port = free_port()
        self.log_path = tmp_path / f"service-{self.port}.log"
        full_env = {
            **os.environ,
            **BASE_ENV,
            "LOG_LEVEL": "info",
            "MODEL_SERVICE_HOST": "127.0.0.1",
            "MODEL_SERVICE_PORT": str(self.port),
            "MODEL_OUTPUT_DIR": str(tmp_path / f"out-{self.port}"),
            **{k: str(v) for k, v in env.items()},
        }
        self._log = self.log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "app.main"],
            cwd=SERVICE_DIR,
            env=full_env,
            stdout=self._log,
            stderr=subprocess.STDOUT,
        )
        self.client = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=10)

    def wait_ready(self, timeout: float = 20.0) -> None:
        def ready() -> bool:
            if self.proc.poll() is not None:
                raise AssertionError(f"service exited early:\n{self.output()}")
            try:
                return bool(self.client.get("/health").json()["status"] == "READY")
            except httpx.TransportError:
                return False

        wait_until(ready, timeout=timeout, interval=0.05)

    def output(self) -> str:
        self._log.flush()
        return self.log_path.read_text(errors="replace")

    def close(self) -> None:
        self.client.close()
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self._log.close()


@pytest.fixture
def real_service(tmp_path: Path) -> Iterator[Callable[..., RealService]]:
    started: list[RealService] = []

    def start(**env: Any) -> RealService:
        svc = RealService(tmp_path, **env)
        started.append(svc)
        svc.wait_ready()
        return svc

    yield start
    for svc in started:
        svc.close()
