"""A second process holding the warehouse open, as a command outside a run does."""

import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HOLD = """
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
print("holding", flush=True)
sys.stdin.readline()
con.close()
"""


@contextmanager
def held_by_another_process(path: Path, release_after_seconds: float) -> Iterator[None]:
    """The file is held when the block starts and released `release_after_seconds` later."""
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, str(path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    release = threading.Timer(release_after_seconds, lambda: holder.communicate("\n", timeout=30))
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "holding"
        release.start()
        yield
        release.join()
    finally:
        release.cancel()
        holder.kill()
        holder.wait()
    assert holder.returncode == 0, "the holder did not close the warehouse itself"
