"""The execution kernel: one change to a project, as runtime, tasks, migration and the verifier's re-run all
make it. Load the workflow (from this process's cache when it holds the latest state), take the project's
lock, let SpiffWorkflow run (engine.spiff), survey what it did, and save the state, the task rows and the
audit events in the caller's unit of work."""
