#!/usr/bin/env python
"""Stand-in for Open-Sora 2.0's scripts/diffusion/inference.py (see ../../README.md).

Same command line as the real script: CONFIG, then `--key value` pairs merged onto the config
(`-` in keys read as `_`; `--a.b v` sets nested option b of a). No model runs: rank 0 writes a
moving test pattern as an H.264 MP4 with ffmpeg, at Open-Sora's size for the resolution and
aspect ratio, after printing Open-Sora-like logs and tqdm bars.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

SIZES = {  # (width, height), as Open-Sora 2.0 generates them
    "256px": {"16:9": (336, 192), "9:16": (192, 336), "1:1": (256, 256), "2.39:1": (384, 160)},
    "768px": {"16:9": (1024, 576), "9:16": (576, 1024), "1:1": (768, 768), "2.39:1": (1184, 496)},
}
DEFAULTS = {
    "save_dir": "samples",
    "seed": 42,
    "cond_type": "t2v",
    "resolution": "256px",
    "aspect_ratio": "16:9",
    "num_frames": 129,
    "num_steps": 50,
    "guidance": 7.5,
    "guidance_img": 3.0,
    "motion_score": "4",
    "fps_save": 24,
    "offload_model": False,
}


def convert(value: str) -> object:
    low = value.lower()
    if low == "none":
        return None
    if low in ("true", "false"):
        return low == "true"
    for kind in (int, float):
        try:
            return kind(value)
        except ValueError:
            pass
    return value


def parse(argv: list[str]) -> tuple[str, dict]:
    if not argv or argv[0].startswith("--"):
        raise SystemExit("usage: inference.py CONFIG [--key value]...")
    config, rest = argv[0], argv[1:]
    if len(rest) % 2:
        raise SystemExit(f"options come in --key value pairs, got an odd count: {rest}")
    cfg: dict = dict(DEFAULTS)
    for key, value in zip(rest[::2], rest[1::2], strict=True):
        assert key.startswith("--"), f"Invalid argument: {key}"
        path = key[2:].replace("-", "_").split(".")
        target = cfg
        for part in path[:-1]:
            target = target.setdefault(part, {})
        target[path[-1]] = convert(value)
    return config, cfg


def tqdm_line(desc: str, done: int, total: int, elapsed: float) -> str:
    pct = int(100 * done / total) if total else 100
    filled = int(10 * done / total) if total else 10
    bar = "█" * filled + " " * (10 - filled)
    rate = done / elapsed if elapsed > 0 else 0.0
    return (
        f"\r{desc}: {pct:3d}%|{bar}| {done}/{total} [00:{int(elapsed):02d}<00:00, {rate:.2f}it/s]"
    )


def write_video(path: Path, width: int, height: int, frames: int, fps: int) -> None:
    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    cmd = [
        "ffmpeg", "-nostdin", "-loglevel", "error", "-y",
        "-f", "rawvideo", "-pix_fmt", "rgb24", "-s", f"{width}x{height}", "-r", str(fps),
        "-i", "pipe:0", "-an", "-c:v", "libx264", "-pix_fmt", "yuv420p", "-preset", "ultrafast",
        str(path),
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    ys, xs = np.mgrid[0:height, 0:width]
    for i in range(frames):
        frame = np.stack(
            [(xs + 4 * i) % 256, (ys + 2 * i) % 256, np.full_like(xs, (16 * i) % 256)], axis=-1
        ).astype(np.uint8)
        proc.stdin.write(frame.tobytes())
    proc.stdin.close()
    if proc.wait() != 0:
        raise RuntimeError("ffmpeg failed")


def main() -> int:
    rank = int(os.environ.get("RANK", "0"))
    mode = os.environ.get("OPENSORA_STANDIN_MODE", "ok")
    step_seconds = float(os.environ.get("OPENSORA_STANDIN_STEP_SECONDS", "0.01"))
    pids_dir = os.environ.get("OPENSORA_STANDIN_PIDS")
    if pids_dir:
        Path(pids_dir, f"rank{rank}.pid").write_text(str(os.getpid()))
    if mode == "hang_ignore_term":
        signal.signal(signal.SIGTERM, signal.SIG_IGN)

    config, cfg = parse(sys.argv[1:])
    if not Path(config).is_file():
        raise FileNotFoundError(f"config file {config} not found")
    for part in ("model", "ae", "t5", "clip"):
        ckpt = cfg.get(part, {}).get("from_pretrained") if isinstance(cfg.get(part), dict) else None
        if ckpt is not None and not Path(ckpt).exists():
            raise FileNotFoundError(f"checkpoint {ckpt} not found")
    if cfg["cond_type"] != "t2v" and not Path(str(cfg.get("ref"))).is_file():
        raise FileNotFoundError(f"reference image {cfg.get('ref')} not found")
    size = SIZES[cfg["resolution"]][cfg["aspect_ratio"]]

    say = print if rank == 0 else (lambda *a, **k: None)
    say(f"[rank{rank}] Inference configuration:\n {json.dumps(cfg, sort_keys=True)}", flush=True)
    record = os.environ.get("OPENSORA_STANDIN_RECORD")
    if record and rank == 0:
        Path(record).write_text(json.dumps({"config": config, "cfg": cfg, "cwd": os.getcwd()}))
    say("Building dataset...", flush=True)
    say("Building models...", flush=True)
    say(tqdm_line("Inference progress", 0, 1, 0.0), file=sys.stderr, flush=True)
    say("Generating video...", flush=True)

    steps = int(cfg["num_steps"])
    crash_at = int(os.environ.get("OPENSORA_STANDIN_CRASH_AT", "1"))
    t0 = time.monotonic()
    for step in range(1, steps + 1):
        time.sleep(step_seconds)
        say(tqdm_line("Denoising", step, steps, time.monotonic() - t0), end="", file=sys.stderr,
            flush=True)  # fmt: skip
        if mode == "crash" and step >= crash_at:
            say("", file=sys.stderr)
            raise RuntimeError(
                "CUDA out of memory. Tried to allocate 20.00 GiB (stand-in failure injection)"
            )
        if mode.startswith("hang"):
            while True:
                time.sleep(3600)
    say("", file=sys.stderr, flush=True)

    save_dir = Path(str(cfg["save_dir"]))
    kind = "image" if int(cfg["num_frames"]) == 1 else "video"
    out = save_dir / f"{kind}_{cfg['resolution']}" / "prompt_0000.mp4"
    if rank == 0:
        write_video(out, size[0], size[1], int(cfg["num_frames"]), int(cfg["fps_save"]))
        out.with_suffix(".txt").write_text(str(cfg.get("prompt", "")))
        print(f"Saved to {out.with_suffix('')}.mp4", flush=True)
    say(tqdm_line("Inference progress", 1, 1, time.monotonic() - t0), file=sys.stderr, flush=True)
    say("Inference finished.", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
