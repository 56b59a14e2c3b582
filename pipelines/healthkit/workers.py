"""Parser worker processes: ``python -m pipelines.healthkit.workers``, fed over pipes.

Plain subprocesses rather than `multiprocessing`: nothing of the caller's ``__main__`` is
re-imported (a script without an ``if __name__ == "__main__"`` guard still works) and no
threads are forked. Messages are length-prefixed: the pickled `Context` first, then per
chunk its pickled other `parse_chunk` arguments and its raw bytes (not pickled: no copy);
each answer is ``("ok", Fragment)`` or ``("error", traceback)``.
In the reader, one thread per worker writes its tasks (so submitting never blocks) and the
reading thread itself takes the answers back, in the order the chunks went out round-robin,
so results are in document order. (Reading answers in helper threads was 3x slower: each
64 KiB pipe read then waits for the GIL.) Pipes are enlarged to 1 MiB where Linux allows.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import IO, Any

from pipelines.healthkit.fragments import Context, Fragment, init_worker, parse_chunk

_SIZE = struct.Struct("<Q")
_PACKAGE_ROOT = str(Path(__file__).resolve().parents[2])  # holds `pipelines/`


def _write(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_SIZE.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read_exact(stream: IO[bytes], size: int) -> bytearray | None:
    buf = bytearray(size)
    view = memoryview(buf)
    got = 0
    while got < size:
        n = stream.readinto(view[got:])  # type: ignore[attr-defined]
        if not n:
            return None
        got += n
    return buf


def _read(stream: IO[bytes]) -> bytearray | None:
    head = _read_exact(stream, _SIZE.size)
    if head is None:
        return None
    (size,) = _SIZE.unpack(head)
    return _read_exact(stream, size)


def _big_pipe(stream: IO[bytes] | None) -> None:
    with contextlib.suppress(OSError, AttributeError, ValueError):
        if stream is not None:
            fcntl.fcntl(stream.fileno(), fcntl.F_SETPIPE_SZ, 1 << 20)  # type: ignore[attr-defined]


class WorkerError(RuntimeError):
    """A worker process failed (a bug, or it was killed): not a problem of the input."""


class Pool:
    """``n`` worker processes; `submit` and `result` in the same order. Use as a context
    manager: leaving it stops every process (killed if it still works for us)."""

    def __init__(self, n: int, ctx: Context) -> None:
        self.procs: list[subprocess.Popen[bytes]] = []
        self.tasks: list[queue.SimpleQueue[bytes | None]] = []
        self.threads: list[threading.Thread] = []
        self.sent = self.received = 0
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join(p for p in (_PACKAGE_ROOT, env.get("PYTHONPATH")) if p)
        hello = pickle.dumps(ctx)
        try:
            for _ in range(n):
                proc = subprocess.Popen(
                    [sys.executable, "-m", "pipelines.healthkit.workers"],
                    stdin=subprocess.PIPE,
                    stdout=subprocess.PIPE,
                    env=env,
                    bufsize=0,
                )
                self.procs.append(proc)
                _big_pipe(proc.stdin)
                _big_pipe(proc.stdout)
                tasks: queue.SimpleQueue[bytes | None] = queue.SimpleQueue()
                self.tasks.append(tasks)
                tasks.put(hello)
                thread = threading.Thread(target=_feed, args=(proc, tasks), daemon=True)
                thread.start()
                self.threads.append(thread)
        except BaseException:
            self.close(kill=True)
            raise

    def __enter__(self) -> Pool:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(kill=self.received < self.sent or exc[0] is not None)

    def submit(self, data: bytes, *args: Any) -> None:
        tasks = self.tasks[self.sent % len(self.procs)]
        tasks.put(pickle.dumps(args))
        tasks.put(data)
        self.sent += 1

    def result(self) -> Fragment:
        i = self.received % len(self.procs)
        self.received += 1
        proc = self.procs[i]
        assert proc.stdout is not None
        try:
            payload = _read(proc.stdout)
            kind, value = ("exit", None) if payload is None else pickle.loads(payload)
        except OSError:
            kind, value = "exit", None
        if kind == "ok":
            return value  # type: ignore[no-any-return]
        if kind == "exit":
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=5)
            raise WorkerError(f"healthkit parser worker exited (code {proc.returncode})")
        raise WorkerError(f"healthkit parser worker failed:\n{value}")

    def close(self, kill: bool = False) -> None:
        for proc, tasks in zip(self.procs, self.tasks, strict=False):
            if kill:
                proc.kill()
            tasks.put(None)  # the feeder closes stdin: the worker ends after its last task
        for proc in self.procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for thread in self.threads:
            thread.join(timeout=30)
        for proc in self.procs:
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        self.procs, self.threads = [], []


def _feed(proc: subprocess.Popen[bytes], tasks: queue.SimpleQueue[bytes | None]) -> None:
    stdin = proc.stdin
    assert stdin is not None
    try:
        while (payload := tasks.get()) is not None:
            _write(stdin, payload)
    except (OSError, ValueError):  # the worker is gone; `result` reports it
        pass
    finally:
        with contextlib.suppress(OSError, ValueError):
            stdin.close()


def main() -> None:
    """Worker: answer tasks from stdin until it closes. Answers use a private copy of
    stdout; anything printed goes to stderr instead."""
    out = os.fdopen(os.dup(1), "wb")
    os.dup2(2, 1)
    inp = sys.stdin.buffer
    _big_pipe(out)
    hello = _read(inp)
    if hello is None:
        return
    init_worker(pickle.loads(hello))
    with contextlib.suppress(AttributeError):
        import pyarrow as pa

        pa.set_cpu_count(1)  # one worker per core already
    while (payload := _read(inp)) is not None and (data := _read(inp)) is not None:
        try:
            answer: tuple[str, Any] = ("ok", parse_chunk(bytes(data), *pickle.loads(payload)))
        except Exception:
            answer = ("error", traceback.format_exc())
        _write(out, pickle.dumps(answer, protocol=5))
    out.close()


if __name__ == "__main__":
    main()
