#!/usr/bin/env python
"""A stand-in for torchrun: `torchrun.py [--standalone] [--nproc_per_node=N] SCRIPT ARGS...`.

Starts N ranks of SCRIPT with RANK, LOCAL_RANK and WORLD_SIZE set, forwards SIGTERM/SIGINT to them,
and exits with the first non-zero exit code of a rank (0 when all succeed).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    nproc = 1
    i = 0
    while i < len(argv) and argv[i].startswith("--"):
        arg = argv[i]
        if arg.startswith(("--nproc_per_node=", "--nproc-per-node=")):
            nproc = int(arg.split("=", 1)[1])
        elif arg in ("--nproc_per_node", "--nproc-per-node"):
            i += 1
            nproc = int(argv[i])
        elif arg != "--standalone":
            print(f"torchrun stand-in: unsupported option {arg}", file=sys.stderr)
            return 2
        i += 1
    if i >= len(argv):
        print("torchrun stand-in: no script given", file=sys.stderr)
        return 2
    script, rest = argv[i], argv[i + 1 :]
    pids_dir = os.environ.get("OPENSORA_STANDIN_PIDS")
    if pids_dir:
        Path(pids_dir, "torchrun.pid").write_text(str(os.getpid()))
    ranks = []
    for rank in range(nproc):
        env = {**os.environ, "RANK": str(rank), "LOCAL_RANK": str(rank), "WORLD_SIZE": str(nproc)}
        ranks.append(subprocess.Popen([sys.executable, script, *rest], env=env))

    def forward(signum: int, _frame: object) -> None:
        for proc in ranks:
            if proc.poll() is None:
                proc.send_signal(signum)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, forward)
    codes = [proc.wait() for proc in ranks]
    failed = [code for code in codes if code != 0]
    return failed[0] if failed else 0


if __name__ == "__main__":
    code = main(sys.argv[1:])
    sys.exit(code if code >= 0 else 128 - code)
