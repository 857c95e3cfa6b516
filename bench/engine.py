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

from engine import demo, identity, repository, schema  # noqa: E402
from engine.clock import Clock  # noqa: E402
from engine.db import Database  # noqa: E402
from engine.models import Task  # noqa: E402
from engine.walker import Walker  # noqa: E402

STOP = "submit_kpi_return"  # the first task that waits on a timer: a fair end for both runs


def set_up(folder: Path) -> tuple[Database, Walker]:
    db = Database(f"sqlite:///{folder / 'bench.db'}")
    schema.upgrade(db)
    clock = Clock()
    bpmn, dmn, forms = repository.read_directory(ROOT / "processes", ROOT / "forms")
    db.writing(lambda s: repository.deploy_process(s, bpmn=bpmn, dmn=dmn, forms=forms, actor="bench", clock=clock))
    for username, _name, roles, org in demo.DEMO_USERS:
        db.writing(lambda s, u=username, r=roles, o=org: identity.add_user(
            s, username=u, roles=r, organisation=o, actor="bench", clock=clock))
    return db, Walker(db, clock)


def service_throughput(db: Database, walker: Walker, projects: int) -> tuple[float, int, list[int]]:
    plan = demo.happy_path("Bench project", "Pathway Delays")
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


def bare_throughput(answers: dict[str, list[dict]], projects: int) -> tuple[float, int]:
    """The same diagram and the same answers through bare SpiffWorkflow, all in memory."""
    parser = SpiffBpmnParser()
    parser.add_dmn_files([str(p) for p in (ROOT / "processes").glob("*.dmn")])
    parser.add_bpmn_files([str(ROOT / "processes" / "six_gates.bpmn")])
    spec, subprocesses = parser.get_spec("six_gates"), parser.get_subprocess_specs("six_gates")
    count = 0
    started = time.perf_counter()
    for _ in range(projects):
        queues = {k: list(v) for k, v in answers.items()}
        wf = BpmnWorkflow(spec, subprocesses)
        wf.do_engine_steps()
        while True:
            ready = wf.get_tasks(state=TaskState.READY, manual=True)
            if not ready or ready[0].task_spec.bpmn_id == STOP:
                break
            task = ready[0]
            task.set_data(**queues[task.task_spec.bpmn_id].pop(0))
            task.run()
            wf.do_engine_steps()
            count += 1
    return time.perf_counter() - started, count


def cost_per_task_with_history(walker: Walker, prior_passes: int, samples: int = 15) -> tuple[int, float]:
    """Median time to complete one task after the Gate 4 return loop ran `prior_passes` times."""
    looping = demo.happy_path("History bench", "Pathway Delays")
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
    return prior, statistics.median(timings)


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
        for passes in (4, 125):
            prior, median = cost_per_task_with_history(walker, passes)
            print(f"one task on an instance with {prior} prior tasks: {median * 1000:.1f} ms (median)")
        db.dispose()


if __name__ == "__main__":
    main()
