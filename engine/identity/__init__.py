"""Identity: users, organisations, roles, passwords, sign-in sessions and API tokens, and the directory of
people and organisations that forms choose from."""
