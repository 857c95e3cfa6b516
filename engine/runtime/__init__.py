"""The runtime: starting and advancing projects, timers, migration between versions, and what a user may see of them."""
