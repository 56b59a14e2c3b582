"""Apple Health reader: MB/s of export.xml and peak RSS, ours vs `healthkit-to-sqlite`.

Both tools read the same generated ``export.zip`` in a child process each (so peak RSS is
that process's own). Ours parses in worker processes (one per core): its peak RSS is the
reading process's plus, per worker, the largest worker's (ru_maxrss of the children), an
upper bound of what it holds at once. Sizes are module constants; the generated files live in
a temp dir and are deleted afterwards.
"""

from __future__ import annotations

import datetime as dt
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.harness import Result
from samples import DEFAULT_PERSONAS, simulate_runner, write_healthkit_export

SUITE = "healthkit"
MB_PER_DAY = 4.05  # export.xml per simulated day at a 10 s background heart-rate interval
SMALL_MB = 100
LARGE_MB = 1000
THEIRS_AT = (SMALL_MB, LARGE_MB)  # sizes healthkit-to-sqlite also runs on

_OURS = """
import resource, sys, time
from pathlib import Path
from pipelines.healthkit import read_healthkit_export
from pipelines.healthkit.reader import default_workers
read = read_healthkit_export(Path(sys.argv[1]), "bench")
started = time.perf_counter()
rows = 0
for batch in read.batches():
    rows += batch.rows.num_rows
seconds = time.perf_counter() - started
rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
worker_rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
print(seconds, rss, rows, read.total_bytes, len(read.rejections), worker_rss, default_workers())
"""
_THEIRS = """
import resource, subprocess, sys, time
started = time.perf_counter()
subprocess.run(sys.argv[1:], check=True, stdout=subprocess.DEVNULL)
seconds = time.perf_counter() - started
print(seconds, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
"""


def _generate(path: Path, megabytes: int) -> tuple[int, float]:
    started = time.perf_counter()
    days = max(2, round(megabytes / MB_PER_DAY))
    sim = simulate_runner(DEFAULT_PERSONAS[0], 0, days, dt.date(2026, 11, 1), 7)
    truth = write_healthkit_export(path, sim, seed=7, background_hr_interval_s=10)
    return truth.xml_bytes, time.perf_counter() - started


def _ours(path: Path) -> tuple[float, float, int, int, float, int]:
    out = subprocess.run(
        [sys.executable, "-c", _OURS, str(path)],
        check=True,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
    ).stdout.split()
    seconds, rss_kb, rows, _total, rejected, worker_kb, workers = (float(x) for x in out)
    return seconds, rss_kb / 1024, int(rows), int(rejected), worker_kb / 1024, int(workers)


def _theirs(path: Path, scratch: Path) -> tuple[float, float] | None:
    cli = shutil.which("healthkit-to-sqlite") or str(
        Path(sys.executable).parent / "healthkit-to-sqlite"
    )
    if not os.path.exists(cli):
        return None
    db = scratch / f"{path.stem}.db"
    out = subprocess.run(
        [sys.executable, "-c", _THEIRS, cli, str(path), str(db)],
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    db.unlink(missing_ok=True)
    return float(out[0]), float(out[1]) / 1024


def run() -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="bench-healthkit-") as scratch:
        root = Path(scratch)
        for megabytes in (SMALL_MB, LARGE_MB):
            path = root / f"export_{megabytes}mb.zip"
            xml_bytes, gen_s = _generate(path, megabytes)
            mb = xml_bytes / 1e6
            label = f"{mb:,.0f} MB export.xml"
            seconds, rss, rows, rejected, worker_rss, workers = _ours(path)
            ours = mb / seconds
            results += [
                Result(
                    SUITE,
                    f"ours, {label}",
                    ours,
                    "MB/s",
                    1,
                    f"{rows:,} rows, {rejected} rejections, zip streamed; generated in "
                    f"{gen_s:.0f} s",
                ),
                Result(
                    SUITE,
                    f"ours peak RSS, {label}",
                    rss + workers * worker_rss,
                    "MB",
                    1,
                    f"reader {rss:,.0f} MB + {workers} worker(s) x {worker_rss:,.0f} MB",
                ),
            ]
            theirs = _theirs(path, root) if megabytes in THEIRS_AT else None
            if theirs is not None:
                t_seconds, t_rss = theirs
                results += [
                    Result(SUITE, f"healthkit-to-sqlite, {label}", mb / t_seconds, "MB/s", 1),
                    Result(SUITE, f"healthkit-to-sqlite peak RSS, {label}", t_rss, "MB", 1),
                    Result(
                        SUITE,
                        f"speed-up vs healthkit-to-sqlite, {label}",
                        ours / (mb / t_seconds),
                        "x",
                        1,
                        "target >= 5x",
                    ),
                ]
            path.unlink()
    return results
