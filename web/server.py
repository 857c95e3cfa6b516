"""Serving the app with gunicorn from `sixgates serve` (threads, so slow clients don't block)."""
from __future__ import annotations

from gunicorn.app.base import BaseApplication

from . import create_app


class _Server(BaseApplication):
    def __init__(self, options: dict):
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        return create_app()


def run(*, host: str, port: int, workers: int) -> None:
    _Server({"bind": f"{host}:{port}", "workers": workers, "worker_class": "gthread", "threads": 4,
             "accesslog": "-", "timeout": 60}).run()
