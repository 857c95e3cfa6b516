"""The execution kernel: one change to a project, as runtime, tasks and migration make it. Take the workflow (from
the cache when this process holds its latest state), take the project's lock, let SpiffWorkflow run
(engine.spiff), then survey what it did and save the state, the task rows and the audit events in the caller's
unit of work. The task rows follow the diagram's task properties (task_rules), which the verifier's re-run
(engine.history.rerun) reads too, to make from the record the same events a change made."""
