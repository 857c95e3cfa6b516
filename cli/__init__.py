"""The `sixgates` command line."""
