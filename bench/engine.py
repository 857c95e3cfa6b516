"""Engine throughput on the six-gates diagram: through the service layer with persistence
versus bare SpiffWorkflow in memory, and the cost of one task as an instance's history grows.

Run: .venv/bin/python bench/engine.py [--projects N]. Prints figures; asserts nothing.
"""
from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections import defaultdict
from pathlib import Path

from SpiffWorkflow.bpmn import BpmnWorkflow
from SpiffWorkflow.spiff.parser.process import SpiffBpmnParser
from SpiffWorkflow.util.task import TaskState
from sqlalchemy import select

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from demo import seed  # noqa: E402
from demo.walker import Walker  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.identity import accounts  # noqa: E402
from engine.kernel.cache import keep_workflows  # noqa: E402
from engine.repository import deployments  # noqa: E402
from engine.store import schema  # noqa: E402
from engine.store.db import Database  # noqa: E402
from engine.store.models import Task  # noqa: E402

STOP = "submit_kpi_return"  # the first task that waits on a timer: a fair end for both runs


def set_up(folder: Path) -> tuple[Database, Walker]:
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    schema.upgrade(db)
    clock = Clock()
    bpmn, dmn, forms = deployments.read_directory(ROOT / "processes", ROOT / "forms")
    db.writing(lambda s: deployments.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="bench", clock=clock))
    for username, _name, roles, org in seed.DEMO_USERS:
        db.writing(lambda s, u=username, r=roles, o=org: accounts.add_user(
            s, username=u, roles=r, organisation=o, actor="bench", clock=clock))
    return db, Walker(db, clock)


def service_throughput(db: Database, walker: Walker, projects: int) -> tuple[float, int, list[int]]:
    plan = seed.happy_path("Bench project", "Pathway Delays")
    ids, count = [], 0
    started = time.perf_counter()
    for _ in range(projects):
        instance_id = walker.start()
        count += len(walker.walk(instance_id, plan, stop_at=STOP))
        ids.append(instance_id)
    return time.perf_counter() - started, count, ids


def recorded_answers(db: Database, instance_id: int) -> dict[str, list[dict]]:
    with db.reading() as s:
        rows = s.execute(select(Task.bpmn_id, Task.data_json).where(
            Task.instance_id == instance_id, Task.state == "completed").order_by(Task.completed_at)).all()
    answers = defaultdict(list)
    for bpmn_id, data in rows:
        answers[bpmn_id].append(json.loads(data))
    return answers


def bare_specs():
    parser = SpiffBpmnParser()
    parser.add_dmn_files([str(p) for p in (ROOT / "processes").glob("*.dmn")])
    parser.add_bpmn_files([str(ROOT / "processes" / "six_gates.bpmn")])
    return parser.get_spec("six_gates"), parser.get_subprocess_specs("six_gates")


def bare_run(specs, answers: dict[str, list[dict]], *, stop: str | None = STOP) -> list[float]:
    """Run one workflow in memory with recorded answers; returns the seconds each task took."""
    queues = {k: list(v) for k, v in answers.items()}
    wf = BpmnWorkflow(*specs)
    wf.do_engine_steps()
    timings = []
    while True:
        ready = [t for t in wf.get_tasks(state=TaskState.READY, manual=True)
                 if queues.get(t.task_spec.bpmn_id)]
        if not ready or ready[0].task_spec.bpmn_id == stop:
            return timings
        task = ready[0]
        started = time.perf_counter()
        task.set_data(**queues[task.task_spec.bpmn_id].pop(0))
        task.run()
        wf.do_engine_steps()
        timings.append(time.perf_counter() - started)


def bare_throughput(answers: dict[str, list[dict]], projects: int) -> tuple[float, int]:
    """The same diagram and the same answers through bare SpiffWorkflow, all in memory."""
    specs = bare_specs()
    count = 0
    started = time.perf_counter()
    for _ in range(projects):
        count += len(bare_run(specs, answers))
    return time.perf_counter() - started, count


def cost_per_task_with_history(walker: Walker, prior_passes: int, samples: int = 15) -> tuple[int, float, int]:
    """Median time to complete one task after the Gate 4 return loop ran `prior_passes` times."""
    looping = seed.happy_path("History bench", "Pathway Delays")
    looping["gate4_mobilisation_approval"] = {"gate4_decision": "return", "gate4_comments": "Once more."}
    instance_id = walker.start()
    walker.walk(instance_id, looping, stop_at="prepare_mobilisation")
    for _ in range(prior_passes):
        walker.walk(instance_id, looping, stop_at="gate4_mobilisation_approval")
        walker.walk(instance_id, looping, stop_at="prepare_mobilisation")
    with walker.db.reading() as s:
        prior = len(s.scalars(select(Task.id).where(Task.instance_id == instance_id,
                                                    Task.state == "completed")).all())
    timings = []
    for _ in range(samples):
        [task] = walker.open_tasks(instance_id)
        started = time.perf_counter()
        walker.complete(task, looping.get(task.bpmn_id))
        timings.append(time.perf_counter() - started)
    return prior, statistics.median(timings), instance_id


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--projects", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        db, walker = set_up(Path(folder))
        seconds, tasks, ids = service_throughput(db, walker, args.projects)
        service_rate = tasks / seconds
        print(f"service layer + SQLite: {tasks} tasks in {seconds:.2f} s = {service_rate:.0f} tasks/s "
              f"({args.projects} projects to '{STOP}', each task: form served, validated, persisted, audited)")
        bare_seconds, bare_tasks = bare_throughput(recorded_answers(db, ids[0]), args.projects)
        bare_rate = bare_tasks / bare_seconds
        print(f"bare SpiffWorkflow in memory: {bare_tasks} tasks in {bare_seconds:.2f} s = {bare_rate:.0f} tasks/s")
        print(f"ratio bare / service: {bare_rate / service_rate:.1f}x")
        specs = bare_specs()
        for passes in (4, 245):
            for label, cache_size in (("kept in memory", 256), ("deserialised each time", 0)):
                keep_workflows(db, cache_size)
                prior, median, instance_id = cost_per_task_with_history(walker, passes)
                print(f"one task on an instance with {prior} prior tasks, service layer, workflow {label}: "
                      f"{median * 1000:.1f} ms (median)")
            bare = bare_run(specs, recorded_answers(db, instance_id), stop=None)
            print(f"  bare SpiffWorkflow in memory, same instance replayed: task {prior + 1} onwards "
                  f"{statistics.median(bare[prior:]) * 1000:.1f} ms (median)")
        db.dispose()


if __name__ == "__main__":
    main()
