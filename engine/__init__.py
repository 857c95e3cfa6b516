"""The Six Gates workflow service: SpiffWorkflow plus persistence, roles and audit.

Nothing in this package imports Flask; the web layer and the CLI call the service modules.
"""
