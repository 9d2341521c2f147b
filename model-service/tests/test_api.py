"""HTTP contract: submit, poll, content, re-attach, busy, cancel, long-poll, forget, history."""

from __future__ import annotations

import base64
import io
import subprocess
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from PIL import Image
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import TINY, body, ffprobe, wait_terminal, wait_until

VIDEO_FIELDS = {
    "id",
    "object",
    "model",
    "status",
    "progress",
    "steps_done",
    "num_inference_steps",
    "revision",
    "created_at",
    "started_at",
    "completed_at",
    "size",
    "seconds",
    "width",
    "height",
    "num_frames",
    "fps",
    "seed",
    "memory_mode",
    "error",
    "output_bytes",
}


def metric(client: TestClient, name: str, **labels: str) -> float:
    for family in text_string_to_metric_families(client.get("/metrics").text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                return float(sample.value)
    raise AssertionError(f"metric {name}{labels} not found")


def test_submit_poll_complete_and_download(service: Any, tmp_path: Path) -> None:
    client = service()
    req = body(id="job-1", num_frames=7, num_inference_steps=3, seed=42, memory_mode=None)
    resp = client.post("/v1/videos", json=req)
    assert resp.status_code == 202, resp.text
    assert resp.headers["location"] == "/v1/videos/job-1"
    created = resp.json()
    assert set(created) >= VIDEO_FIELDS
    assert created["object"] == "video"
    assert created["status"] in ("queued", "in_progress")
    assert created["model"] == "easyanimate-v5.1-12b"
    assert created["size"] == "64x48" and created["seconds"] == "0.9"
    assert created["seed"] == 42

    video = wait_terminal(client, "job-1")
    assert video["status"] == "completed", video
    assert video["progress"] == 100 and video["steps_done"] == 3
    assert video["error"] is None and video["output_bytes"] > 0
    assert isinstance(video["completed_at"], int) and isinstance(video["started_at"], float)
    assert video["revision"] > created["revision"]

    content = client.get("/v1/videos/job-1/content")
    assert content.status_code == 200
    assert content.headers["content-type"] == "video/mp4"
    assert len(content.content) == video["output_bytes"]
    mp4 = tmp_path / "job-1.mp4"
    mp4.write_bytes(content.content)
    stream = ffprobe(mp4)
    assert stream["codec_name"] == "h264"
    assert (stream["width"], stream["height"], int(stream["nb_read_frames"])) == (64, 48, 7)

    listing = client.get("/v1/videos").json()
    assert listing["object"] == "list" and [v["id"] for v in listing["data"]] == ["job-1"]


def test_generated_id_and_random_seed(service: Any) -> None:
    client = service()
    created = client.post("/v1/videos", json=body()).json()
    assert created["id"].startswith("video_")
    assert isinstance(created["seed"], int)
    assert wait_terminal(client, created["id"])["status"] == "completed"


def test_same_id_reattaches_without_second_generation(service: Any) -> None:
    client = service(PROCEDURAL_STEP_DELAY_MS=20)
    first = client.post("/v1/videos", json=body(id="same", num_inference_steps=10))
    assert first.status_code == 202
    again = client.post("/v1/videos", json=body(id="same", num_inference_steps=10))
    assert again.status_code == 200
    assert again.json()["id"] == "same" and again.json()["created_at"] == first.json()["created_at"]
    done = wait_terminal(client, "same")
    after = client.post("/v1/videos", json=body(id="same", prompt="something else"))
    assert after.status_code == 200 and after.json()["status"] == "completed"
    assert after.json()["revision"] == done["revision"]
    assert metric(client, "model_service_jobs_submitted_total") == 1
    assert client.get("/health").json()["jobs_completed"] == 1


def test_busy_returns_409_problem(service: Any) -> None:
    client = service(FAIL_MODE="hang")
    assert client.post("/v1/videos", json=body(id="first")).status_code == 202
    resp = client.post("/v1/videos", json=body(id="second"))
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["status"] == 409 and problem["current_job"] == "first"
    assert {"type", "title", "detail"} <= set(problem)
    assert client.get("/v1/videos/second").status_code == 404

    health = client.get("/health").json()
    assert health["status"] == "BUSY" and health["current_job"] == "first"
    assert client.delete("/v1/videos/first").json()["status"] == "cancelled"
    assert client.get("/health").json()["status"] == "READY"
    assert client.post("/v1/videos", json=body(id="second")).status_code == 202
    assert client.delete("/v1/videos/second").json()["status"] == "cancelled"  # hangs too


def test_cancel_stops_within_one_step(service: Any) -> None:
    client = service(PROCEDURAL_STEP_DELAY_MS=50)
    client.post("/v1/videos", json=body(id="long", num_inference_steps=200))
    wait_until(lambda: client.get("/v1/videos/long").json()["steps_done"] >= 2)
    before = client.get("/v1/videos/long").json()["steps_done"]
    t0 = time.monotonic()
    resp = client.delete("/v1/videos/long")
    elapsed = time.monotonic() - t0
    assert resp.status_code == 200
    video = resp.json()
    assert video["status"] == "cancelled", video
    assert video["error"]["code"] == "cancelled"
    assert video["steps_done"] <= before + 1
    assert elapsed < 0.5
    time.sleep(0.12)
    assert client.get("/v1/videos/long").json()["steps_done"] == video["steps_done"]
    assert client.get("/v1/videos/long/content").status_code == 409
    # Cancelling a finished job returns it unchanged.
    again = client.delete("/v1/videos/long").json()
    assert again["status"] == "cancelled" and again["revision"] == video["revision"]
    assert client.delete("/v1/videos/nope").status_code == 404


def test_long_poll_wakes_on_change(service: Any) -> None:
    client = service(FAIL_MODE="hang", FAIL_AT_STEP=1)
    client.post("/v1/videos", json=body(id="lp"))
    wait_until(lambda: client.get("/v1/videos/lp").json()["steps_done"] == 1)
    current = client.get("/v1/videos/lp").json()

    # Nothing changes while hung: the long-poll waits out its time.
    t0 = time.monotonic()
    same = client.get(
        "/v1/videos/lp", params={"wait": 0.3, "after_revision": current["revision"]}
    ).json()
    assert 0.25 < time.monotonic() - t0 < 1.5
    assert same["revision"] == current["revision"]

    # A change (here: the cancel request) wakes a waiting long-poll at once.
    result: dict[str, Any] = {}

    def poll() -> None:
        r = client.get("/v1/videos/lp", params={"wait": 10, "after_revision": current["revision"]})
        result["video"] = r.json()
        result["at"] = time.monotonic()

    waiter = threading.Thread(target=poll)
    waiter.start()
    time.sleep(0.3)
    assert "video" not in result
    changed_at = time.monotonic()
    client.delete("/v1/videos/lp", params={"wait": 0})
    waiter.join(5)
    assert result["video"]["revision"] > current["revision"]
    assert result["at"] - changed_at < 0.25

    # A terminal job answers a long-poll immediately.
    final = wait_terminal(client, "lp")
    t0 = time.monotonic()
    client.get("/v1/videos/lp", params={"wait": 5, "after_revision": final["revision"]})
    assert time.monotonic() - t0 < 0.5


def test_long_poll_follows_progress(service: Any) -> None:
    client = service(PROCEDURAL_STEP_DELAY_MS=60)
    created = client.post("/v1/videos", json=body(id="prog", num_inference_steps=6)).json()
    revision, seen = created["revision"], []
    while True:
        video = client.get("/v1/videos/prog", params={"wait": 5, "after_revision": revision}).json()
        assert video["revision"] != revision
        revision = video["revision"]
        seen.append(video["progress"])
        if video["status"] == "completed":
            break
    assert seen == sorted(seen) and seen[-1] == 100
    assert any(0 < p < 100 for p in seen)


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"width": "64"}, "width"),
        ({"width": 0}, "width"),
        ({"width": 63}, "width"),  # rejected by the backend: odd
        ({"height": 8}, "height"),  # rejected by the backend: < 16
        ({"num_frames": 0}, "num_frames"),
        ({"seed": -1}, "seed"),
        ({"memory_mode": "turbo"}, "memory_mode"),
        ({"model": "some-other-model"}, "model"),
        ({"id": "bad id!"}, "id"),
        ({"id": "x" * 65}, "id"),
        ({"prompt": ""}, "prompt"),
        ({"prompt": None}, "prompt"),
        ({"image_base64": "%%% not base64"}, "image_base64"),
        ({"image_base64": base64.b64encode(b"not an image").decode()}, "image_base64"),
        ({"size": "64x64", "width": 32}, "size"),
        ({"extra": "nope"}, "extra"),
    ],
)
def test_invalid_input_is_422_naming_the_field(
    service: Any, overrides: dict[str, Any], field: str
) -> None:
    client = service()
    resp = client.post("/v1/videos", json=body(**overrides))
    assert resp.status_code == 422, resp.text
    assert resp.headers["content-type"].startswith("application/problem+json")
    problem = resp.json()
    assert problem["status"] == 422
    assert field in [e["field"] for e in problem["errors"]], problem
    assert all(e["message"] for e in problem["errors"])
    assert client.get("/v1/videos").json()["data"] == []


def test_invalid_json_body_is_422(service: Any) -> None:
    client = service()
    resp = client.post(
        "/v1/videos", content=b"{not json", headers={"content-type": "application/json"}
    )
    assert resp.status_code == 422
    assert resp.json()["errors"]


def test_size_field_and_known_memory_modes(service: Any) -> None:
    client = service()
    payload = {"prompt": "p", "size": "32x16", "num_frames": 2, "num_inference_steps": 1}
    modes = ("model_full_gpu", "model_cpu_offload", "model_cpu_offload_and_qfloat8")
    for mode in (*modes, "sequential_cpu_offload", None):
        resp = client.post("/v1/videos", json={**payload, "memory_mode": mode})
        assert resp.status_code == 202, resp.text
        video = resp.json()
        assert video["size"] == "32x16" and (video["width"], video["height"]) == (32, 16)
        assert video["memory_mode"] == mode
        assert wait_terminal(client, video["id"])["status"] == "completed"


def test_image_to_video_tints_first_frame(service: Any, tmp_path: Path) -> None:
    client = service()
    buf = io.BytesIO()
    Image.new("RGB", (40, 30), (250, 10, 10)).save(buf, format="PNG")
    image_b64 = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    resp = client.post("/v1/videos", json=body(id="i2v", image_base64=image_b64))
    assert resp.status_code == 202, resp.text
    assert wait_terminal(client, "i2v")["status"] == "completed"
    mp4 = tmp_path / "i2v.mp4"
    mp4.write_bytes(client.get("/v1/videos/i2v/content").content)
    first_frame = ["-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"]
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(mp4), *first_frame],
        check=True,
        capture_output=True,
    ).stdout
    frame = np.frombuffer(raw, dtype=np.uint8).reshape(TINY["height"], TINY["width"], 3)
    red, green, blue = (frame[..., c].astype(float).mean() for c in range(3))
    assert red > green + 40 and red > blue + 40


def test_content_errors(service: Any) -> None:
    client = service(FAIL_MODE="hang")
    assert client.get("/v1/videos/unknown/content").status_code == 404
    client.post("/v1/videos", json=body(id="running"))
    resp = client.get("/v1/videos/running/content")
    assert resp.status_code == 409
    assert resp.headers["content-type"].startswith("application/problem+json")
    unknown = client.get("/v1/videos/unknown")
    assert unknown.status_code == 404 and unknown.json()["status"] == 404
    client.delete("/v1/videos/running")


def test_forget_deletes_job_and_file(service: Any, tmp_path: Path) -> None:
    client = service(FAIL_MODE="hang")
    client.post("/v1/videos", json=body(id="busy"))
    resp = client.delete("/v1/videos/busy", params={"forget": "true"})
    assert resp.status_code == 409
    client.delete("/v1/videos/busy")
    forgotten = client.delete("/v1/videos/busy", params={"forget": "true"})
    assert forgotten.status_code == 200 and forgotten.json()["deleted"] is True
    assert client.get("/v1/videos/busy").status_code == 404
    assert client.delete("/v1/videos/busy", params={"forget": "true"}).status_code == 404


def test_forget_completed_removes_file(service: Any, tmp_path: Path) -> None:
    client = service()
    client.post("/v1/videos", json=body(id="done"))
    assert wait_terminal(client, "done")["status"] == "completed"
    path = tmp_path / "out" / "jobs" / "done.mp4"
    assert path.is_file()
    resp = client.delete("/v1/videos/done", params={"forget": True})
    assert resp.status_code == 200 and resp.json()["status"] == "completed"
    assert not path.exists()
    assert client.get("/v1/videos/done/content").status_code == 404
    # The id is free again.
    assert client.post("/v1/videos", json=body(id="done")).status_code == 202


def test_history_limit_drops_oldest_jobs_and_files(service: Any, tmp_path: Path) -> None:
    client = service(JOB_HISTORY_LIMIT=2)
    for i in range(3):
        assert client.post("/v1/videos", json=body(id=f"h{i}")).status_code == 202
        assert wait_terminal(client, f"h{i}")["status"] == "completed"
    assert client.get("/v1/videos/h0").status_code == 404
    assert not (tmp_path / "out" / "jobs" / "h0.mp4").exists()
    assert client.get("/v1/videos/h2").status_code == 200
    assert sorted(v["id"] for v in client.get("/v1/videos").json()["data"]) == ["h1", "h2"]


def test_unknown_route_is_problem_json(service: Any) -> None:
    client = service()
    resp = client.get("/v2/nothing")
    assert resp.status_code == 404
    assert resp.headers["content-type"].startswith("application/problem+json")


def test_metrics_text_parses(service: Any) -> None:
    client = service()
    client.post("/v1/videos", json=body(id="m1"))
    wait_terminal(client, "m1")
    text = client.get("/metrics").text
    families = {f.name: f for f in text_string_to_metric_families(text)}
    for name in (
        "model_service_jobs_submitted",
        "model_service_jobs_finished",
        "model_service_jobs",
        "model_service_generation_duration_seconds",
        "model_service_busy",
        "model_service_vram_total_bytes",
        "model_service_vram_free_bytes",
        "model_service_state",
    ):
        assert name in families, name
    assert metric(client, "model_service_jobs_finished_total", status="completed") == 1
    assert (
        metric(client, "model_service_generation_duration_seconds_count", status="completed") == 1
    )
    assert metric(client, "model_service_busy") == 0
    assert metric(client, "model_service_state", state="READY") == 1
    assert metric(client, "model_service_vram_total_bytes") == 24 * 1024**3
    assert metric(client, "model_service_jobs", status="completed") == 1
