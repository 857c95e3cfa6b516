"""Identity: users, organisations, roles, passwords, sign-in sessions and API tokens."""
