"""The one place SpiffWorkflow is imported: parse, run, serialise, sandbox, clock, migrate.

Everything else in `engine/` talks to workflows through the names below, so the library's
untyped API and its traps (unrestricted scripts, script engine lost on restore, no clock
injection, the spec embedded in every snapshot, a tree-depth limit) are handled once.
"""
from .environment import MAX_TREE_DEPTH, READY, SCRIPT_ENGINE, WorkflowError
from .migration import MigrationCheck, OpenTaskCheck, check_migration, is_stuck, migrate
from .running import (
    OPEN,
    ReadyTask,
    Step,
    Survey,
    complete_user_task,
    element_states,
    new_workflow,
    next_timer_due,
    parse_duration,
    ready_user_tasks,
    run_engine_steps,
    survey,
    task_data,
)
from .specs import CompiledProcess, UserTaskSpec, compile_process, role_key
from .storage import SavedState, assemble_state, dump_state, full_state, load_state

__all__ = ["MAX_TREE_DEPTH", "OPEN", "READY", "SCRIPT_ENGINE", "CompiledProcess", "MigrationCheck", "OpenTaskCheck",
           "ReadyTask", "SavedState", "Step", "Survey", "UserTaskSpec", "WorkflowError", "assemble_state",
           "check_migration", "compile_process", "complete_user_task", "dump_state", "element_states", "full_state",
           "is_stuck", "load_state", "migrate", "new_workflow", "next_timer_due", "parse_duration",
           "ready_user_tasks", "role_key", "run_engine_steps", "survey", "task_data"]
