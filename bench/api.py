"""REST API figures on SQLite, served by gunicorn: completing tasks with one client, and
listing a user's tasks with 1,000 and with 10,000 open instances.

Run: .venv/bin/python bench/api.py [--completions N] [--instances 1000,10000]. Prints figures.
"""
from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import set_up  # noqa: E402
from demo.answers import sample_answers  # noqa: E402
from engine.identity import accounts, tokens  # noqa: E402
from engine.tasks import queries  # noqa: E402


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(db_url: str, port: int) -> subprocess.Popen:
    env = dict(os.environ, DATABASE_URL=db_url, SECRET_KEY="bench")
    server = subprocess.Popen([str(ROOT / ".venv/bin/gunicorn"), "-w", "2", "-k", "gthread", "--threads", "4",
                               "-b", f"127.0.0.1:{port}", "web:create_app()"], env=env, cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(100):
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return server
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("gunicorn did not start")


_connections: dict[int, http.client.HTTPConnection] = {}


def request(port: int, method: str, path: str, token: str, body: dict | None = None) -> tuple[int, dict]:
    """One client: a single kept-alive connection, as an HTTP library's session would use."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    for attempt in (1, 2):
        conn = _connections.get(port) or _connections.setdefault(port, http.client.HTTPConnection("127.0.0.1", port))
        try:
            conn.request(method, f"/api/v1{path}", body=json.dumps(body) if body is not None else None,
                         headers=headers)
            response = conn.getresponse()
            return response.status, json.loads(response.read() or b"{}")
        except (http.client.RemoteDisconnected, ConnectionError):
            _connections.pop(port).close()  # the server closed an idle connection: open a new one
            if attempt == 2:
                raise
    raise AssertionError("unreachable")


def token_for(db, username: str, clock) -> str:
    return db.writing(lambda s: tokens.create_token(s, username=username, actor="bench", clock=clock))


def timed_list(port, token, db, username, repeats=30) -> tuple[float, float, int]:
    api_times, service_times = [], []
    count = 0
    for _ in range(repeats):
        started = time.perf_counter()
        status, body = request(port, "GET", "/tasks", token)
        api_times.append(time.perf_counter() - started)
        count = len(body["tasks"])
        with db.reading() as s:
            user = accounts.require_user(s, username)
            started = time.perf_counter()
            queries.list_tasks(s, user=user)
            service_times.append(time.perf_counter() - started)
    return statistics.median(api_times) * 1000, statistics.median(service_times) * 1000, count


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--completions", type=int, default=300)
    parser.add_argument("--instances", default="1000,10000")
    args = parser.parse_args()
    sizes = [int(n) for n in args.instances.split(",")]
    with tempfile.TemporaryDirectory() as folder:
        db, walker = set_up(Path(folder))
        clock = walker.clock
        sponsor_token, hub_token = token_for(db, "sam.sponsor", clock), token_for(db, "hana.hub", clock)
        ids = [walker.start() for _ in range(args.completions)]
        port = free_port()
        server = serve(db.url, port)
        try:
            pending = [t for i in ids for t in walker.open_tasks(i)]
            status, detail = request(port, "GET", f"/tasks/{pending[0].id}", sponsor_token)
            answers = sample_answers(detail["form"], {"title": "Bench challenge"})
            started = time.perf_counter()
            for task in pending:
                status, _ = request(port, "POST", f"/tasks/{task.id}/complete", sponsor_token, {"data": answers})
                assert status == 200, status
            seconds = time.perf_counter() - started
            print(f"REST API, one kept-alive client, gunicorn (2 gthread workers): {len(pending)} task "
                  f"completions in {seconds:.2f} s = {len(pending) / seconds:.0f} per second")
            for size in sizes:
                while len(ids) < size:
                    ids.append(walker.start())
                api_ms, service_ms, shown = timed_list(port, sponsor_token, db, "sam.sponsor")
                print(f"list tasks with {len(ids)} open instances (sponsor, {shown} shown per page): "
                      f"API {api_ms:.1f} ms, service {service_ms:.1f} ms (median)")
                api_ms, service_ms, shown = timed_list(port, hub_token, db, "hana.hub")
                print(f"list tasks with {len(ids)} open instances (hub team, {shown} shown): "
                      f"API {api_ms:.1f} ms, service {service_ms:.1f} ms (median)")
        finally:
            server.terminate()
            server.wait()
        db.dispose()


if __name__ == "__main__":
    main()
