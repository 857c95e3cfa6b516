"""A project's discussion: comments with an audience, @mentions, corrections that supersede; all on the record."""
