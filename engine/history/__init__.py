"""History: the record read back — re-runs and verification, the timeline and replay, exports and rule reports."""
