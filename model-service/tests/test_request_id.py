"""The gateway's request id (X-Request-Id from the dispatcher) on every log line of a job."""

from __future__ import annotations

import json
from typing import Any

from app.main import _request_ids, remember_request_id
from tests.conftest import body, wait_terminal


def test_remember_request_id_keeps_sane_ids_only_and_bounds_the_table() -> None:
    remember_request_id("job-a", "req-1")
    remember_request_id("job-b", "has space")
    remember_request_id("job-c", None)
    assert _request_ids.get("job-a") == "req-1"
    assert "job-b" not in _request_ids and "job-c" not in _request_ids
    for i in range(2000):
        remember_request_id(f"bulk-{i}", "req-bulk")
    assert len(_request_ids) <= 1024
    assert "job-a" not in _request_ids  # the oldest went first


def test_real_process_logs_the_request_id_with_the_job_id(real_service: Any) -> None:
    svc = real_service()
    resp = svc.client.post(
        "/v1/videos", json=body(id="rid-1"), headers={"X-Request-Id": "gw-req-42"}
    )
    assert resp.status_code == 202
    assert wait_terminal(svc.client, "rid-1")["status"] == "completed"
    svc.proc.terminate()
    svc.proc.wait(timeout=10)
    records = [json.loads(line) for line in svc.output().splitlines() if line.strip()]
    job_lines = [r for r in records if r.get("job_id") == "rid-1"]
    assert {"job accepted", "job started", "job completed"} <= {r["msg"] for r in job_lines}
    assert all(r.get("request_id") == "gw-req-42" for r in job_lines)
