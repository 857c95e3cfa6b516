"""The repository: deployed process versions, drafts, forms, the checks before deployment, and version diffs."""
