"""Documents: uploading a 10 MB file to the mobilisation pack and completing the task in one transaction, and
listing a project's files and comments (which never loads their bytes), on SQLite or PostgreSQL.

Run: .venv/bin/python bench/documents.py [--runs N] [--database URL]. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.engine import set_up  # noqa: E402
from demo import seed  # noqa: E402
from demo.answers import sample_answers  # noqa: E402
from demo.dates import resolve_dates  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.documents.kinds import UploadLimits  # noqa: E402
from engine.documents.reading import project_documents  # noqa: E402
from engine.store.models import User  # noqa: E402
from engine.tasks import queries  # noqa: E402
from engine.tasks.completion import complete_task  # noqa: E402
from engine.tasks.uploads import upload_document  # noqa: E402

FIELD = "joint_working_agreement_document"
MB = 1024 * 1024


def ten_mb_pdf() -> bytes:
    return b"%PDF-1.7\n" + os.urandom(10 * MB - 20) + b"\n%%EOF\n"


def one_run(db, walker, content: bytes) -> tuple[float, float]:
    """Seconds to upload and complete (one transaction), and to list the project's documents."""
    project = walker.start()
    plan = seed.happy_path("Automated MDT preparation", "Multidisciplinary Team Efficiency")
    walker.walk(project, plan, stop_at="prepare_mobilisation")
    task = next(t for t in walker.open_tasks(project) if t.bpmn_id == "prepare_mobilisation")
    actor, clock = walker.actor_for(task), Clock()

    def upload_and_complete(session):
        me = session.get(User, actor.id)
        detail = queries.get_task(session, user=me, task_id=task.id)
        today = clock.now().date()
        data = sample_answers(detail.form or {}, resolve_dates(plan.get(task.bpmn_id), today), today=today,
                              context=detail.context)
        document = upload_document(session, user=me, task_id=task.id, field=FIELD, name="JWA signed.pdf",
                                   content=content, limits=UploadLimits(max_bytes=20 * MB), clock=clock)
        complete_task(session, user=me, task_id=task.id, data={**data, FIELD: [document.id]}, clock=clock)

    started = time.perf_counter()
    db.writing(upload_and_complete)
    uploaded = time.perf_counter() - started
    started = time.perf_counter()
    with db.reading() as s:
        auditor = s.scalars(select(User).where(User.username == "aud.auditor")).one()
        assert project_documents(s, user=auditor, instance_id=project)
    return uploaded, time.perf_counter() - started


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, walker = set_up(Path(folder))
        runs = [one_run(db, walker, ten_mb_pdf()) for _ in range(args.runs)]  # new bytes each time: stored anew
    uploads, listings = [r[0] for r in runs], [r[1] for r in runs]
    print(f"10 MB upload + task completion, one transaction (SQLite): median {statistics.median(uploads):.3f} s, "
          f"worst {max(uploads):.3f} s over {len(runs)} runs")
    print(f"listing a project's documents: median {statistics.median(listings) * 1000:.1f} ms")


if __name__ == "__main__":
    main()
