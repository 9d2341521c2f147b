"""MP4 encoding shared by all backends: raw RGB frames piped into ffmpeg (libx264, yuv420p)."""

from __future__ import annotations

import contextlib
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterable
from pathlib import Path

import numpy as np

__all__ = ["VideoEncodingError", "encode_mp4", "find_ffmpeg"]


class VideoEncodingError(RuntimeError):
    """ffmpeg is missing or failed; the message carries the tail of its stderr."""


def find_ffmpeg(binary: str | None = None) -> str:
    """Return the ffmpeg executable path (``binary``, $FFMPEG_BINARY or ``ffmpeg`` on PATH)."""
    name = binary or os.environ.get("FFMPEG_BINARY") or "ffmpeg"
    path = shutil.which(name)
    if path is None:
        raise VideoEncodingError(
            f"ffmpeg not found ({name!r}); install it (bash scripts/setup-python.sh does)"
        )
    return path


def encode_mp4(
    frames: Iterable[np.ndarray],
    width: int,
    height: int,
    fps: int,
    path: Path | str,
    *,
    crf: int = 23,
    ffmpeg: str | None = None,
) -> int:
    """Encode ``frames`` (uint8 arrays of shape height x width x 3, RGB) to an H.264 MP4.

    Writes to a temporary file in the same directory and renames it onto ``path``, so ``path``
    only ever holds a complete file. Returns the number of frames written. Raises ``ValueError``
    for bad frames or sizes and ``VideoEncodingError`` when ffmpeg fails.
    """
    if width <= 0 or height <= 0 or width % 2 or height % 2:
        raise ValueError(f"width and height must be positive and even, got {width}x{height}")
    if fps <= 0:
        raise ValueError(f"fps must be positive, got {fps}")
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    exe = find_ffmpeg(ffmpeg)
    fd, tmp_name = tempfile.mkstemp(
        prefix=f".{target.name}.", suffix=".partial.mp4", dir=target.parent
    )
    os.close(fd)
    tmp = Path(tmp_name)
    cmd = [
        exe,
        "-nostdin",
        "-hide_banner",
        "-loglevel",
        "error",
        "-y",
        "-f",
        "rawvideo",
        "-pix_fmt",
        "rgb24",
        "-s",
        f"{width}x{height}",
        "-r",
        str(fps),
        "-i",
        "pipe:0",
        "-an",
        "-c:v",
        "libx264",
        "-pix_fmt",
        "yuv420p",
        "-preset",
        "ultrafast",
        "-crf",
        str(crf),
        "-movflags",
        "+faststart",
        "-f",
        "mp4",
        str(tmp),
    ]
    count = 0
    ok = False
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(
            cmd, stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=stderr
        )
        assert proc.stdin is not None
        try:
            try:
                for frame in frames:
                    arr = np.asarray(frame)
                    if arr.dtype != np.uint8 or arr.shape != (height, width, 3):
                        raise ValueError(
                            f"frame {count} must be uint8 of shape ({height}, {width}, 3), "
                            f"got {arr.dtype} {arr.shape}"
                        )
                    proc.stdin.write(np.ascontiguousarray(arr).tobytes())
                    count += 1
            except BrokenPipeError:
                pass  # ffmpeg died; its stderr explains why (below)
            finally:
                with contextlib.suppress(BrokenPipeError):
                    proc.stdin.close()
            rc = proc.wait()
            if count == 0:
                raise ValueError("no frames to encode")
            if rc != 0:
                stderr.seek(0)
                tail = stderr.read()[-2000:].decode("utf-8", "replace").strip()
                raise VideoEncodingError(f"ffmpeg exited with code {rc}: {tail or '(no stderr)'}")
            os.replace(tmp, target)
            ok = True
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            if not ok:
                tmp.unlink(missing_ok=True)
    return count
