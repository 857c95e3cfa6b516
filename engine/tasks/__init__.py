"""Tasks: what a person may act on now, claiming, releasing and drafts."""
