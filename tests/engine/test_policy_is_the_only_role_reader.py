"""engine/policy is the only place that reads a user's roles to decide anything: every other module
and every template asks a policy question (may_verify, may_export, may_release...). A few places
only store or show roles; they are listed here by module and function, each with the reason."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ROLE_ATTRIBUTES = {"roles", "role_rows"}

# (module, function) -> why reading `.roles` there decides nothing.
STORES_OR_SHOWS = {
    ("engine/store/models.py", "roles"): "the property itself, built from the stored role rows",
    ("engine/identity/accounts.py", "set_organisation"):
        "keeps the stored roles consistent (a partner needs an organisation)",
    ("engine/identity/single_sign_on.py", "_roles_kept"):
        "keeps only the stored roles a removed group mapping still grants (roles taken away, none granted)",
    ("engine/identity/accounts.py", "apply_roles"): "writes the role rows and records before/after on the audit trail",
    ("engine/history/entries.py", "role"): "Labels.roles: a diagram's lane names, not a user's roles",
    ("web/pages/admin.py", "add_user"): "the admin form's chosen roles, passed to identity to store",
    ("web/pages/admin.py", "edit_user"): "fills the admin form with the user's roles, then passes the chosen ones on",
    ("web/pages/admin.py", "_save_user"): "passes the admin form's chosen roles to identity to store",
    ("web/pages/inbox.py", "index"): "the user's own roles as the inbox's filter choices",
}
# Templates that show or set roles (the admin pages); every other template asks `policy`.
TEMPLATES_THAT_SHOW_ROLES = {"admin/index.html": "lists each user's roles",
                             "admin/edit_user.html": "the roles checkboxes of the form",
                             "admin/new_user.html": "the roles checkboxes of the form"}


def role_reads(path: Path) -> list[tuple[str, int]]:
    """(enclosing function, line) of each `<something>.roles` in one module."""
    found = []

    def visit(node: ast.AST, function: str) -> None:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            function = node.name
        if isinstance(node, ast.Attribute) and node.attr in ROLE_ATTRIBUTES:
            found.append((function, node.lineno))
        for child in ast.iter_child_nodes(node):
            visit(child, function)

    visit(ast.parse(path.read_text(), str(path)), "<module>")
    return found


def modules():
    for folder in ("engine", "web", "cli", "demo"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            relative = path.relative_to(ROOT).as_posix()
            if not relative.startswith("engine/policy/"):
                yield relative, path


def test_no_module_outside_policy_reads_roles_to_decide():
    offending = [f"{name}:{line} in {function}()" for name, path in modules()
                 for function, line in role_reads(path) if (name, function) not in STORES_OR_SHOWS]
    assert offending == [], "ask engine.policy (a may_* question) instead of reading roles:\n" + "\n".join(offending)


def test_the_allow_list_names_only_places_that_still_read_roles():
    still = {(name, function) for name, path in modules() for function, _ in role_reads(path)}
    assert set(STORES_OR_SHOWS) <= still, f"no longer reads roles, drop it: {set(STORES_OR_SHOWS) - still}"


def test_templates_ask_policy_instead_of_reading_roles():
    templates = ROOT / "web" / "templates"
    offending = [f"{path.relative_to(templates).as_posix()}:{number}: {line.strip()}"
                 for path in sorted(templates.rglob("*.html"))
                 if path.relative_to(templates).as_posix() not in TEMPLATES_THAT_SHOW_ROLES
                 for number, line in enumerate(path.read_text().splitlines(), 1)
                 if re.search(r"\.roles\b|roles\s*\|\s*(select|reject)|['\"]\w+['\"]\s+(not\s+)?in\s+\w*roles\b", line)]
    assert offending == [], "use {% if policy.may_...(user) %} instead:\n" + "\n".join(offending)


def test_the_scan_sees_a_role_read():
    sample = ast.parse("def may_do(user):\n    return 'admin' in user.roles\n")
    assert [n.attr for n in ast.walk(sample) if isinstance(n, ast.Attribute)] == ["roles"]
