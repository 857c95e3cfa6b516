"""The sixgates command line for tokens: `tokens create` prints only the token (now named and expiring),
`tokens list` and `tokens revoke`; `users add --password-stdin` is held to the password rule."""
from click.testing import CliRunner

from cli.commands import main
from engine.identity import tokens
from tests.conftest import add_user


def run(db, *args, input=None):
    return CliRunner().invoke(main, list(args), env={"DATABASE_URL": db.url}, input=input)


def test_tokens_create_prints_only_the_token_with_a_label_and_days(db, clock):
    add_user(db, clock, "olive", "process_owner")
    made = run(db, "tokens", "create", "olive", "--label", "Deploy script", "--days", "7")
    assert made.exit_code == 0 and made.output.count("\n") == 1 and len(made.output.strip()) > 30
    assert run(db, "tokens", "create", "olive").exit_code == 0
    with db.reading() as s:
        assert tokens.user_id_for_token(s, made.output.strip()) is not None
    listed = run(db, "tokens", "list", "olive")
    assert listed.exit_code == 0
    newest, first = listed.output.splitlines()
    assert first.split()[:2] == ["1", "active"] and first.endswith("Deploy script")
    assert newest.split()[:2] == ["2", "active"] and "last used never" in newest and newest.endswith("API token")


def test_tokens_revoke_stops_a_token_and_bad_input_exits_1_with_a_reason(db, clock):
    add_user(db, clock, "olive", "process_owner")
    token = run(db, "tokens", "create", "olive").output.strip()
    revoked = run(db, "tokens", "revoke", "1")
    assert revoked.exit_code == 0 and revoked.output == "revoked token 1 (API token) of olive\n"
    with db.reading() as s:
        assert tokens.user_id_for_token(s, token) is None
    assert "revoked" in run(db, "tokens", "list", "olive").output
    for args, reason in ((["tokens", "revoke", "99"], "No such API token"),
                         (["tokens", "create", "olive", "--days", "400"], "1 to 365 days"),
                         (["tokens", "create", "nobody"], "No user called"),
                         (["tokens", "list", "nobody"], "No user called")):
        result = run(db, *args)
        assert result.exit_code == 1 and reason in result.output, args
    assert run(db, "tokens", "list", "olive").exit_code == 0


def test_users_add_refuses_a_weak_password_from_standard_input(db):
    weak = run(db, "users", "add", "olive", "--role", "sponsor", "--password-stdin", input="password1234\n")
    assert weak.exit_code == 1 and "most commonly used passwords" in weak.output
    fine = run(db, "users", "add", "olive", "--role", "sponsor", "--password-stdin", input="lantern orchard pebble\n")
    assert fine.exit_code == 0 and fine.output == "added olive\n"
