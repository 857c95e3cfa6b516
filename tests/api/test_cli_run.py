"""`sixgates run` (what `make run` calls): the web server and one worker together, both stopped by Ctrl-C, and
the demo logins printed every time, not only when the demo data is first loaded."""
from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from cli.commands import main
from demo import seed


def test_init_demo_prints_the_demo_logins_when_the_demo_data_is_already_there(db, people):
    result = CliRunner().invoke(main, ["init", "--demo"], env={"DATABASE_URL": db.url})
    assert result.exit_code == 0, result.output
    assert "demo data already present" in result.output
    for username, _name, roles, _org in seed.DEMO_USERS:
        assert f"  {username:<14} {seed.DEMO_PASSWORD:<14} {', '.join(roles)}" in result.output


def _children(pid: int) -> dict[int, str]:
    """The processes whose parent is `pid`: their command lines."""
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            ppid = int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1])
            if ppid == pid:
                found[int(entry.name)] = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except (OSError, IndexError, ValueError):
            continue
    return found


def handles_sigterm(pid: int) -> bool:
    """The process has installed a handler for SIGTERM (the caught-signals mask in /proc)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("SigCgt:"):
            return bool(int(line.split()[1], 16) & (1 << (signal.SIGTERM - 1)))
    return False


def _answers(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
        return True
    except OSError:
        return False


def test_run_serves_with_a_worker_beside_it_and_ctrl_c_stops_both(tmp_path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path / 'run.db'}", "SECRET_KEY": "test"}
    run = subprocess.Popen([str(Path(sys.executable).parent / "sixgates"), "run", "--port", str(port),
                            "--workers", "1"], env=env, cwd=tmp_path, stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not _answers(port) and time.monotonic() < deadline and run.poll() is None:
            time.sleep(0.2)
        assert _answers(port), "the web server did not start"
        workers = [pid for pid, line in _children(run.pid).items() if "cli.commands worker" in line]
        assert len(workers) == 1, _children(run.pid)
        while not handles_sigterm(workers[0]) and time.monotonic() < deadline:
            time.sleep(0.1)  # the worker is at work: it has its handler for SIGTERM and Ctrl-C

        os.killpg(run.pid, signal.SIGINT)  # Ctrl-C in the terminal: the whole foreground group
        output, _ = run.communicate(timeout=30)
    finally:
        if run.poll() is None:
            os.killpg(run.pid, signal.SIGKILL)
    assert f"Six Gates is at http://127.0.0.1:{port}" in output
    assert "fired timers on 0 instance(s)" in output, output  # the worker finished its round and said so
    assert not Path(f"/proc/{workers[0]}").exists() or "zombie" in Path(f"/proc/{workers[0]}/status").read_text()
    assert not _answers(port)
