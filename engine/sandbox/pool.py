"""Warm sandbox processes in the server: hand one diagram evaluation to an idle one, wait at most
the wall-clock limit, and kill and replace a process that runs past it."""
from __future__ import annotations

import json
import os
import select
import signal
import struct
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass

HEADER = struct.Struct(">I")


class ScriptTimeout(Exception):
    """Diagram code ran past the wall-clock limit; its process was killed."""


class SandboxFailure(Exception):
    """The sandbox process could not be started or died; nothing was evaluated."""


@dataclass(frozen=True)
class Limits:
    seconds: float = 1.0                 # wall clock per evaluation
    memory_bytes: int = 512 * 2**20      # address space of a sandbox process
    cpu_seconds: int = 120               # CPU time over a process's life (it retires at half)
    max_answer_bytes: int = 16 * 2**20
    evaluations_per_process: int = 10_000
    processes: int = 8                   # at most this many at once in one server process


class SandboxProcess:
    """One locked-down child process and its pipes."""

    def __init__(self, limits: Limits, jail: str):
        settings = json.dumps({"memory_bytes": limits.memory_bytes, "cpu_seconds": limits.cpu_seconds,
                               "jail": jail})
        self.limits = limits
        self.used = 0
        self.proc = subprocess.Popen(  # noqa: S603 - our own interpreter and module, no shell
            [sys.executable, "-I", "-m", "engine.sandbox.child", settings],
            stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
            env={}, cwd=jail, close_fds=True)
        self.protections = self._read(deadline=time.monotonic() + 30).get("ready")
        if self.protections is None:
            self.kill()
            raise SandboxFailure("the sandbox process did not start")

    def ask(self, request: dict, seconds: float) -> dict:
        body = json.dumps(request, allow_nan=False).encode()
        self.used += 1
        try:
            self.proc.stdin.write(HEADER.pack(len(body)) + body)
            self.proc.stdin.flush()
        except OSError:
            self.kill()
            raise SandboxFailure("the sandbox process stopped") from None
        return self._read(deadline=time.monotonic() + seconds)

    def _read(self, deadline: float) -> dict:
        (size,) = HEADER.unpack(self._read_exactly(HEADER.size, deadline))
        if size > self.limits.max_answer_bytes:
            self.kill()
            raise SandboxFailure("diagram code produced more data than the sandbox allows")
        return json.loads(self._read_exactly(size, deadline))

    def _read_exactly(self, size: int, deadline: float) -> bytes:
        fd, chunks = self.proc.stdout.fileno(), []
        while size:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not select.select([fd], [], [], remaining)[0]:
                self.kill()
                raise ScriptTimeout(f"diagram code ran longer than {self.limits.seconds:g} s and was stopped")
            chunk = os.read(fd, size)
            if not chunk:
                self.kill()
                raise SandboxFailure("the sandbox process stopped (it may have run out of memory or CPU time)")
            chunks.append(chunk)
            size -= len(chunk)
        return b"".join(chunks)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None and self.used < self.limits.evaluations_per_process

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait()
        for pipe in (self.proc.stdin, self.proc.stdout):
            try:
                pipe.close()
            except OSError:
                pass


class SandboxPool:
    """Idle processes kept warm; one per concurrent evaluation, up to `limits.processes`."""

    def __init__(self, limits: Limits | None = None):
        self.limits = limits or Limits()
        self.jail = tempfile.mkdtemp(prefix="sixgates-sandbox-")
        self.pid = os.getpid()
        self._idle: list[SandboxProcess] = []
        self._slots = threading.BoundedSemaphore(self.limits.processes)
        self._lock = threading.Lock()

    def ask(self, request: dict) -> dict:
        with self._slots:
            process = self._take()
            try:
                answer = process.ask(request, self.limits.seconds)
            except ScriptTimeout:
                process.kill()
                threading.Thread(target=self.warm, daemon=True).start()  # its replacement, ready for the next
                raise
            except Exception:
                process.kill()
                raise
            if answer.pop("retire", False) or not process.alive:
                process.kill()
            else:
                with self._lock:
                    self._idle.append(process)
            return answer

    def _take(self) -> SandboxProcess:
        with self._lock:
            while self._idle:
                process = self._idle.pop()
                if process.alive:
                    return process
                process.kill()
        return SandboxProcess(self.limits, self.jail)

    def warm(self, count: int = 1) -> list[str]:
        """Start processes ahead of need; the protections the OS granted them."""
        started = [SandboxProcess(self.limits, self.jail) for _ in range(count)]
        with self._lock:
            keep = max(0, self.limits.processes - len(self._idle))
            self._idle.extend(started[:keep])
        for extra in started[keep:]:
            extra.kill()
        return started[0].protections if started else []

    def close(self) -> None:
        with self._lock:
            idle, self._idle = self._idle, []
        for process in idle:
            process.kill()
