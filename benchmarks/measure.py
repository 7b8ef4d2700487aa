"""Run a command and measure it: wall time and the child's own peak RSS (from wait4)."""

from __future__ import annotations

import dataclasses
import os
import statistics
import subprocess
import time
from collections.abc import Mapping, Sequence


@dataclasses.dataclass(frozen=True)
class Run:
    seconds: float
    max_rss_kb: int
    returncode: int
    stdout: bytes


def run(command: Sequence[str], env: Mapping[str, str] | None = None, stdin: bytes | None = None) -> Run:
    started = time.perf_counter()
    process = subprocess.Popen(
        list(command),
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=dict(env) if env is not None else None,
    )
    if stdin is not None and process.stdin is not None:
        process.stdin.write(stdin)
        process.stdin.close()
    assert process.stdout is not None
    out = process.stdout.read()
    process.stdout.close()
    # Reap it ourselves: wait4 gives this child's own rusage (Popen.wait would not).
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - started
    code = os.waitstatus_to_exitcode(status)
    process.returncode = code
    return Run(seconds=seconds, max_rss_kb=usage.ru_maxrss, returncode=code, stdout=out)


def stats(values: Sequence[float]) -> dict[str, float]:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}
