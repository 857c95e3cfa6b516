"""Tasks: what a person may act on now, opening one with its form (and the choices it offers from the directory of
people and organisations), completing it, claiming and releasing it, and drafts."""
