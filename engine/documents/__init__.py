"""Documents: files uploaded to task forms, stored once by SHA-256, attached on completion, read under policy."""
