"""The sandbox process: runs diagram code it is sent, one request at a time, after locking itself down.

Started by engine.sandbox.pool with an empty environment and no inherited descriptors but its
pipes. Before it reads any code it sets OS limits, leaves the network (a network namespace of its
own), shuts itself in an empty directory and drops to an unprivileged user where the OS allows, so
that code which got past the allow-list would find nothing: no secret, no database, no files.

Protocol on stdin/stdout: a 4-byte big-endian length, then JSON. Request {"m": "eval"|"exec",
"c": source, "d": {name: value}}; answer {"r": value} for eval, {"s": {name: value}, "x": [deleted
names]} for exec, or {"e": [exception type, message]}; "retire": true asks to be replaced.
"""
from __future__ import annotations

import ctypes
import json
import os
import resource
import struct
import sys

from engine.sandbox.rules import compile_code, restricted_globals

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWNET = 0x00020000, 0x10000000, 0x40000000
PR_SET_NO_NEW_PRIVS = 38
# A user of its own per process (no file, no other process has it), so that code which got out could
# not even signal its neighbours.
SANDBOX_UID_BASE = 2**30
HEADER = struct.Struct(">I")


def lock_down(*, memory_bytes: int, cpu_seconds: int, jail: str) -> list[str]:
    """Apply every protection the OS grants; return the names of those in effect."""
    applied = []
    for limit, value in ((resource.RLIMIT_AS, memory_bytes), (resource.RLIMIT_CPU, cpu_seconds),
                         (resource.RLIMIT_FSIZE, 0), (resource.RLIMIT_NOFILE, 8), (resource.RLIMIT_CORE, 0)):
        resource.setrlimit(limit, (value, value))
    applied.append("limits")
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0:
        applied.append("no-new-privileges")
    root = os.geteuid() == 0
    flags = CLONE_NEWNET | CLONE_NEWNS | (0 if root else CLONE_NEWUSER)
    if libc.unshare(flags) == 0:
        applied.append("no-network")
        try:
            os.chroot(jail)
            os.chdir("/")
            applied.append("empty-root")
        except OSError:
            pass
    if root:
        uid = SANDBOX_UID_BASE + os.getpid()
        os.setgroups([])
        os.setgid(uid)
        os.setuid(uid)
        applied.append("unprivileged-user")
    resource.setrlimit(resource.RLIMIT_NPROC, (0, 0))
    return applied


def run(request: dict) -> dict:
    mode, data = request["m"], request["d"]
    scope = restricted_globals()
    scope.update(data)
    try:
        code = compile_code(request["c"], mode)
        if mode == "eval":
            return {"r": eval(code, scope)}  # noqa: S307 - compiled under the allow-list, in the sandbox
        exec(code, scope)  # noqa: S102
    except MemoryError:
        return {"e": ["MemoryError", "diagram code used more memory than the sandbox allows"]}
    except RecursionError:
        return {"e": ["RecursionError", "diagram code recursed too deeply"]}
    except Exception as exc:  # noqa: BLE001 - every error goes back to the engine, named
        message = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        return {"e": [type(exc).__name__, str(message)]}
    names = request["n"]
    kept = {k: v for k, v in scope.items() if k in names and not callable(v)}
    return {"s": kept, "x": [k for k in data if k not in kept]}


def plain(value) -> None:
    """Refuse what JSON would silently change: a dict key that is not text comes back as text."""
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise TypeError(f"a dictionary key {key!r} is not text")
            plain(item)
    elif isinstance(value, (list, tuple)):
        for item in value:
            plain(item)


def encode(answer: dict) -> bytes:
    try:
        plain(answer)
        return json.dumps(answer, allow_nan=False).encode()
    except (TypeError, ValueError, RecursionError) as exc:
        return json.dumps({"e": ["TypeError", f"diagram code produced a value that is not data ({exc})"]}).encode()
    except MemoryError:
        return json.dumps({"e": ["MemoryError", "diagram code produced more data than the sandbox allows"]}).encode()


def read_exactly(size: int) -> bytes:
    chunks = []
    while size:
        chunk = os.read(0, size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def serve(retire_after_cpu: float) -> None:
    while True:
        try:
            (size,) = HEADER.unpack(read_exactly(HEADER.size))
            request = json.loads(read_exactly(size))
        except EOFError:
            return
        answer = run(request)
        usage = resource.getrusage(resource.RUSAGE_SELF)
        if usage.ru_utime + usage.ru_stime > retire_after_cpu:
            answer["retire"] = True
        body = encode(answer)
        write_all(HEADER.pack(len(body)) + body)


def write_all(data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(1, view):]


def main() -> None:
    settings = json.loads(sys.argv[1])
    applied = lock_down(memory_bytes=settings["memory_bytes"], cpu_seconds=settings["cpu_seconds"],
                        jail=settings["jail"])
    body = json.dumps({"ready": applied}).encode()
    write_all(HEADER.pack(len(body)) + body)
    serve(settings["cpu_seconds"] / 2)


if __name__ == "__main__":
    main()
