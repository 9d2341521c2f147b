#!/usr/bin/env python
"""GPU smoke check for the diffusers backends (not part of CI: CI has no GPU).

    .venv/bin/python tools/gpu_check.py                      # tiny pipelines, every memory mode
    .venv/bin/python tools/gpu_check.py --backend wan --model-path /models/wan --size 832x480 \\
        --frames 33 --steps 10 --modes model_cpu_offload

Runs jobs through the real backend adapters (``app.backends.easyanimate`` / ``wan``: load,
memory-mode switching, progress callbacks, MP4 encoding) on CUDA and prints, per job, seconds per
denoising step and peak VRAM (``torch.cuda.max_memory_allocated``, i.e. PyTorch's own allocations;
``nvidia-smi`` shows more: the CUDA context and the caching allocator's reserve). Without
``--model-path`` it builds the tiny random-weight pipelines of tools/build_tiny_*.py first, which
checks the code paths on a real GPU in seconds (their timings say nothing about real models).
Exits non-zero when any job fails. ``--allow-cpu`` runs on a CPU-only host (model-offload modes are
then emulated and sequential offload is skipped), to check the script itself.
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
import traceback
from pathlib import Path

SERVICE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SERVICE_DIR))
sys.path.insert(0, str(SERVICE_DIR / "tools"))

ALL_MODES = (
    "model_full_gpu",
    "model_cpu_offload",
    "model_cpu_offload_and_qfloat8",
    "sequential_cpu_offload",
)


def parse_size(raw: str) -> tuple[int, int]:
    width, _, height = raw.lower().partition("x")
    return int(width), int(height)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--backend", choices=("easyanimate", "wan", "all"), default="all")
    parser.add_argument("--model-path", type=Path, help="real weights (default: tiny pipelines)")
    parser.add_argument("--i2v", action="store_true", help="tiny Wan: build the I2V variant")
    parser.add_argument("--size", type=parse_size, default=None, help="WxH (default 64x48 tiny)")
    parser.add_argument("--frames", type=int, default=9)
    parser.add_argument("--steps", type=int, default=4)
    parser.add_argument("--modes", default=",".join(ALL_MODES), help="comma-separated")
    parser.add_argument("--dtype", default="auto", help="TORCH_DTYPE for the backend")
    parser.add_argument("--allow-cpu", action="store_true")
    parser.add_argument("--json", action="store_true", help="also print one JSON line per job")
    args = parser.parse_args()

    import torch

    from app.backends import load_backend
    from app.backends.base import GenerationRequest, JobContext
    from app.settings import Settings

    cuda = torch.cuda.is_available()
    if not cuda and not args.allow_cpu:
        print("gpu_check: torch sees no CUDA device (use --allow-cpu to check the script)")
        return 2
    if cuda:
        props = torch.cuda.get_device_properties(0)
        print(
            f"device: {props.name}, {props.total_memory / 2**30:.1f} GiB, "
            f"torch {torch.__version__}, CUDA {torch.version.cuda}, "
            f"bf16 {torch.cuda.is_bf16_supported()}"
        )
    modes = [m.strip() for m in args.modes.split(",") if m.strip()]
    backends = ["easyanimate", "wan"] if args.backend == "all" else [args.backend]
    if args.model_path and len(backends) != 1:
        parser.error("--model-path needs --backend easyanimate or --backend wan")
    width, height = args.size or (64, 48)
    failures = 0

    with tempfile.TemporaryDirectory(prefix="gpu-check-") as tmp:
        work = Path(tmp)
        for name in backends:
            model_path = args.model_path
            if model_path is None:
                t0 = time.monotonic()
                if name == "easyanimate":
                    import build_tiny_easyanimate

                    model_path = build_tiny_easyanimate.build(work / name)
                else:
                    import build_tiny_wan

                    model_path = build_tiny_wan.build(work / name, i2v=args.i2v)
                print(f"built tiny {name} pipeline in {time.monotonic() - t0:.1f}s")
            env = {
                "MODEL_BACKEND": name,
                "MODEL_PATH": str(model_path),
                "MODEL_OUTPUT_DIR": str(work / "out"),
                "TORCH_DTYPE": args.dtype,
                "CPU_OFFLOAD_EMULATION": "false" if cuda else "true",
            }
            backend = load_backend(name, Settings.from_env(env))
            t0 = time.monotonic()
            backend.load()
            print(
                f"{name}: loaded {backend.pipe.__class__.__name__} in {time.monotonic() - t0:.1f}s "
                f"({backend.device}, {str(backend.dtype).removeprefix('torch.')})"
            )
            image = None
            if backend.supports_image and name == "wan":  # Wan I2V checkpoints need an image
                import io

                from PIL import Image

                buf = io.BytesIO()
                Image.new("RGB", (width, height), (200, 60, 40)).save(buf, "PNG")
                image = buf.getvalue()
            for mode in modes:
                if not cuda and mode == "sequential_cpu_offload":
                    print(f"  {mode:32s} skipped (needs CUDA)")
                    continue
                stamps: list[float] = []
                ctx = JobContext(
                    work / f"{name}-{mode}.mp4",
                    on_progress=lambda done, total, stamps=stamps: stamps.append(time.monotonic()),
                )
                request = GenerationRequest(
                    id=f"{name}-{mode}", model=name, prompt="a red fox running through snow",
                    negative_prompt=None, width=width, height=height, num_frames=args.frames,
                    fps=8, num_inference_steps=args.steps, guidance_scale=5.0, seed=0,
                    memory_mode=mode, image=image, extra={},
                )  # fmt: skip
                if cuda:
                    torch.cuda.synchronize()
                    torch.cuda.empty_cache()
                    torch.cuda.reset_peak_memory_stats()
                t0 = time.monotonic()
                try:
                    backend.generate(request, ctx)
                except Exception:
                    failures += 1
                    print(f"  {mode:32s} FAILED")
                    traceback.print_exc()
                    continue
                total = time.monotonic() - t0
                # stamps: the 0-step report (after the mode switch and prompt encoding), then steps
                per_step = (stamps[-1] - stamps[0]) / max(1, len(stamps) - 1) if stamps else 0.0
                peak = torch.cuda.max_memory_allocated() / 2**30 if cuda else 0.0
                size = ctx.output_path.stat().st_size
                print(
                    f"  {mode:32s} {per_step:7.3f} s/step  total {total:7.2f}s  "
                    f"peak {peak:6.2f} GiB  mp4 {size} bytes"
                )
                if args.json:
                    print(json.dumps({
                        "backend": name, "memory_mode": mode, "seconds_per_step": per_step,
                        "seconds_total": total, "peak_vram_gib": peak, "width": width,
                        "height": height, "frames": args.frames, "steps": args.steps,
                    }))  # fmt: skip
                backend.release_memory()
    print("gpu_check: OK" if failures == 0 else f"gpu_check: {failures} job(s) failed")
    return 0 if failures == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
