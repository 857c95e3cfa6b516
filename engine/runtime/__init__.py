"""The runtime: starting projects and firing their timers (the timer worker), moving them between versions, and
what a user may see of them. Advancing a project by completing its tasks is engine.tasks' part."""
