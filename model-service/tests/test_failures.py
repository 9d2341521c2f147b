"""Health states, failure injection, restart-after-N-jobs, and a real process (crash, logs)."""

from __future__ import annotations

import hashlib
import json
import time
from typing import Any

from tests.conftest import body, wait_terminal, wait_until


def test_health_ready_fields(service: Any) -> None:
    client = service()
    resp = client.get("/health")
    assert resp.status_code == 200
    health = resp.json()
    assert health["status"] == "READY"
    assert health["backend"] == "procedural" and health["model"] == "easyanimate-v5.1-12b"
    assert health["device"] == "cpu"
    assert health["vram_total_bytes"] == health["vram_free_bytes"] == 24 * 1024**3
    assert health["current_job"] is None and health["jobs_completed"] == 0
    assert health["error"] is None and health["version"]


def test_health_busy_reports_simulated_vram_use(service: Any) -> None:
    client = service(FAIL_MODE="hang", SIMULATED_VRAM_GB=16)
    client.post("/v1/videos", json=body(id="b"))
    wait_until(lambda: client.get("/v1/videos/b").json()["status"] == "in_progress")
    health = client.get("/health").json()
    assert health["status"] == "BUSY" and health["current_job"] == "b"
    assert health["vram_free_bytes"] < health["vram_total_bytes"] == 16 * 1024**3
    client.delete("/v1/videos/b")
    health = client.get("/health").json()
    assert health["status"] == "READY" and health["vram_free_bytes"] == 16 * 1024**3


def test_health_starting_then_ready(service: Any) -> None:
    client = service(wait_ready=False, PROCEDURAL_LOAD_SECONDS=0.6)
    resp = client.get("/health")
    assert resp.status_code == 503 and resp.json()["status"] == "STARTING"
    refused = client.post("/v1/videos", json=body())
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    wait_until(lambda: client.get("/health").status_code == 200)
    assert client.get("/health").json()["status"] == "READY"


def test_health_failed_when_load_fails(service: Any) -> None:
    client = service(FAIL_MODE="load")
    resp = client.get("/health")
    assert resp.status_code == 503
    health = resp.json()
    assert health["status"] == "FAILED" and "FAIL_MODE=load" in health["error"]
    refused = client.post("/v1/videos", json=body())
    assert refused.status_code == 503 and "FAIL_MODE=load" in refused.json()["detail"]


def test_backend_that_cannot_be_imported_fails_health(service: Any, monkeypatch: Any) -> None:
    import app.backends as backends

    monkeypatch.setattr(backends, "KNOWN_BACKENDS", (*backends.KNOWN_BACKENDS, "ghost"))
    client = service(backend_factory=lambda s: backends.load_backend("ghost", s))
    resp = client.get("/health")
    assert resp.status_code == 503
    health = resp.json()
    assert health["status"] == "FAILED"
    assert "ghost" in health["error"] and "not implemented" in health["error"]
    assert health["device"] == "unknown"


def test_fail_mode_always(service: Any) -> None:
    client = service(FAIL_MODE="always", FAIL_AT_STEP=2)
    client.post("/v1/videos", json=body(id="f1", num_inference_steps=5))
    video = wait_terminal(client, "f1")
    assert video["status"] == "failed" and video["steps_done"] == 2
    assert video["error"]["code"] == "backend_error"
    assert "injected failure" in video["error"]["message"]
    assert video["output_bytes"] is None
    assert client.get("/v1/videos/f1/content").status_code == 409
    health = client.get("/health").json()
    assert health["status"] == "READY" and health["jobs_failed"] == 1
    # The service goes on taking jobs (which fail again).
    client.post("/v1/videos", json=body(id="f2"))
    assert wait_terminal(client, "f2")["status"] == "failed"


def test_fail_mode_fraction_is_deterministic_per_id(service: Any) -> None:
    client = service(FAIL_MODE="fraction", FAIL_FRACTION=0.5, FAIL_AT_STEP=0)
    outcomes = {}
    for i in range(8):
        job_id = f"frac-{i}"
        client.post("/v1/videos", json=body(id=job_id, num_inference_steps=1, num_frames=1))
        outcomes[job_id] = wait_terminal(client, job_id)["status"]
    for job_id, status in outcomes.items():
        h = int.from_bytes(hashlib.sha256(job_id.encode()).digest()[:8], "big") / 2**64
        assert status == ("failed" if h < 0.5 else "completed"), (job_id, h)
    assert set(outcomes.values()) == {"failed", "completed"}


def test_fail_mode_hang_then_cancel(service: Any) -> None:
    client = service(FAIL_MODE="hang", FAIL_AT_STEP=2)
    client.post("/v1/videos", json=body(id="hung", num_inference_steps=10))
    wait_until(lambda: client.get("/v1/videos/hung").json()["steps_done"] == 2)
    stuck = client.get("/v1/videos/hung").json()
    time.sleep(0.2)
    assert client.get("/v1/videos/hung").json()["revision"] == stuck["revision"]
    t0 = time.monotonic()
    video = client.delete("/v1/videos/hung").json()
    assert video["status"] == "cancelled" and time.monotonic() - t0 < 0.5
    assert client.get("/health").json()["jobs_cancelled"] == 1


def test_restart_after_jobs_waits_for_result_collection(service: Any) -> None:
    calls: list[float] = []
    client = service(on_restart=lambda: calls.append(time.monotonic()), RESTART_AFTER_JOBS=1)
    client.post("/v1/videos", json=body(id="r1"))
    assert wait_terminal(client, "r1")["status"] == "completed"
    health = client.get("/health").json()
    assert health["draining"] is True and health["status"] == "BUSY"
    refused = client.post("/v1/videos", json=body(id="r2"))
    assert refused.status_code == 503 and refused.json()["type"].endswith("draining")
    assert client.post("/v1/videos", json=body(id="r1")).status_code == 200  # re-attach works
    time.sleep(0.3)
    assert calls == []  # the result has not been downloaded yet
    assert client.get("/v1/videos/r1/content").status_code == 200
    wait_until(lambda: calls, timeout=3)
    assert len(calls) == 1


def test_restart_after_jobs_grace_period(service: Any) -> None:
    calls: list[float] = []
    client = service(
        on_restart=lambda: calls.append(1.0), RESTART_AFTER_JOBS=1, RESTART_GRACE_SECONDS=0.2
    )
    client.post("/v1/videos", json=body(id="g1"))
    wait_terminal(client, "g1")
    wait_until(lambda: calls, timeout=3)


def test_real_process_crash_with_fail_mode_exit(real_service: Any) -> None:
    svc = real_service(FAIL_MODE="exit", FAIL_AT_STEP=1)
    resp = svc.client.post("/v1/videos", json=body(id="crash"))
    assert resp.status_code == 202
    assert svc.proc.wait(timeout=10) == 1
    assert '"injecting failure"' in svc.output()


def test_real_process_restart_after_jobs_and_json_logs(real_service: Any) -> None:
    secret = "SECRET-PROMPT-d41d8cd9"
    svc = real_service(RESTART_AFTER_JOBS=1)
    resp = svc.client.post("/v1/videos", json=body(id="real-1", prompt=secret))
    assert resp.status_code == 202
    assert wait_terminal(svc.client, "real-1")["status"] == "completed"
    content = svc.client.get("/v1/videos/real-1/content")
    assert content.status_code == 200 and content.content[4:8] == b"ftyp"
    assert svc.proc.wait(timeout=10) == 0  # clean exit for the supervisor to restart

    lines = [line for line in svc.output().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]  # every line is a JSON object
    assert all(isinstance(r, dict) and "msg" in r and "level" in r for r in records)
    job_lines = [r for r in records if r["logger"].startswith("app.jobs") and "job" in r["msg"]]
    assert {"job accepted", "job started", "job completed"} <= {r["msg"] for r in job_lines}
    assert all(r.get("job_id") == "real-1" for r in job_lines if r["msg"] != "job forgotten")
    assert secret not in "\n".join(lines)
    assert any(r["msg"] == "exiting for restart" for r in records)
