"""The HTTP service (app.main) with the real diffusers backends on tiny pipelines."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

from tests.conftest import wait_terminal, wait_until
from tests.ml.conftest import assert_mp4, png_bytes

TINY_JOB = {"width": 48, "height": 32, "num_frames": 5, "fps": 8, "num_inference_steps": 2}


def job(**overrides: Any) -> dict[str, Any]:
    return {"prompt": "a lighthouse in a storm", **TINY_JOB, **overrides}


def test_easyanimate_over_http_t2v_i2v_and_refusals(
    service: Any, tiny_easyanimate: Path, tmp_path: Path
) -> None:
    client = service(MODEL_BACKEND="easyanimate", MODEL_PATH=tiny_easyanimate)
    health = client.get("/health").json()
    assert health["status"] == "READY", health
    assert health["device"] == "cpu" and health["backend"] == "easyanimate"

    resp = client.post("/v1/videos", json=job(id="ea-t2v", seed=3))
    assert resp.status_code == 202, resp.text
    video = wait_terminal(client, "ea-t2v", timeout=60)
    assert video["status"] == "completed", video
    assert video["progress"] == 100
    out = tmp_path / "ea-t2v.mp4"
    out.write_bytes(client.get("/v1/videos/ea-t2v/content").content)
    assert_mp4(out, 48, 32, 5)

    image = base64.b64encode(png_bytes()).decode()
    resp = client.post("/v1/videos", json=job(id="ea-i2v", image_base64=image))
    assert resp.status_code == 202, resp.text
    assert wait_terminal(client, "ea-i2v", timeout=60)["status"] == "completed"

    # refused before a job exists: 422 naming the field
    resp = client.post("/v1/videos", json=job(memory_mode="sequential_cpu_offload"))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "memory_mode"
    resp = client.post("/v1/videos", json=job(num_frames=6))
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "num_frames"


def test_wan_i2v_over_http(service: Any, tiny_wan_i2v: Path) -> None:
    client = service(MODEL_BACKEND="wan", MODEL_PATH=tiny_wan_i2v)
    image = base64.b64encode(png_bytes()).decode()
    resp = client.post("/v1/videos", json=job(id="wan-i2v", image_base64=image))
    assert resp.status_code == 202, resp.text
    assert wait_terminal(client, "wan-i2v", timeout=60)["status"] == "completed"
    resp = client.post("/v1/videos", json=job())
    assert resp.status_code == 422
    assert resp.json()["errors"][0]["field"] == "image_base64"


def test_health_is_failed_with_the_reason_when_model_path_is_bad(
    service: Any, tmp_path: Path
) -> None:
    client = service(MODEL_BACKEND="easyanimate", MODEL_PATH=tmp_path / "missing")
    resp = client.get("/health")
    assert resp.status_code == 503
    body = resp.json()
    assert body["status"] == "FAILED"
    assert "MODEL_PATH=" in body["error"] and "is not a directory" in body["error"]
    resp = client.post("/v1/videos", json=job())
    assert resp.status_code == 503


def test_real_process_serves_easyanimate(real_service: Any, tiny_easyanimate: Path) -> None:
    """`python -m app.main` with MODEL_BACKEND=easyanimate: start-up, one job, its file."""
    svc = real_service(MODEL_BACKEND="easyanimate", MODEL_PATH=tiny_easyanimate)
    resp = svc.client.post("/v1/videos", json=job(id="real-1"))
    assert resp.status_code == 202, resp.text
    video = wait_terminal(svc.client, "real-1", timeout=60)
    assert video["status"] == "completed", svc.output()
    wait_until(lambda: svc.client.get("/health").json()["status"] == "READY")
    assert svc.client.get("/v1/videos/real-1/content").headers["content-type"] == "video/mp4"
