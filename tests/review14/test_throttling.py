"""Sign-in throttling with the second factor: a guesser spread over many addresses locks a username out everywhere
but where its person signs in (KNOWN_ADDRESS_DAYS), whichever way they signed in there. Engine level, real database.
Addresses are documentation ranges (RFC 5737): strings on the record, no traffic."""
import pyotp
import pytest

from engine.errors import LoginThrottled
from engine.identity import accounts, password_sign_in
from engine.identity import second_factor as factor
from tests.conftest import add_user
from web.pages.auth import SESSION_CLOCK

PASSWORD = "correct horse battery"
DESK = "192.0.2.10"  # the partner's office


def test_a_person_who_signs_in_with_a_code_keeps_their_own_address_through_a_spread_out_guesser(db, clock):
    add_user(db, clock, "ivy", "industry_partner", org="Medtech Ltd", password=PASSWORD)
    secret, now = factor.new_secret(), SESSION_CLOCK.now()
    db.writing(lambda s: factor.confirm_enrolment(s, accounts.require_user(s, "ivy"), secret=secret,
                                                  code=pyotp.TOTP(secret).at(now), at=now, clock=clock))
    ivy = password_sign_in.sign_in(db, username="ivy", password=PASSWORD, address=DESK, clock=clock)
    assert password_sign_in.sign_in_with_code(db, user_id=ivy.id, code=pyotp.TOTP(secret).at(now.timestamp() + 30),
                                              address=DESK, clock=clock, at=now) is not None
    for n in range(password_sign_in.MAX_USERNAME_FAILURES):
        assert password_sign_in.sign_in(db, username="ivy", password=f"guess {n}", address=f"203.0.113.{n + 1}",
                                        clock=clock) is None
    with pytest.raises(LoginThrottled):  # anywhere new: locked
        password_sign_in.sign_in(db, username="ivy", password=PASSWORD, address="198.51.100.7", clock=clock)
    # at her desk, where she signed in with her password and code: not locked out by the guesser
    assert password_sign_in.sign_in(db, username="ivy", password=PASSWORD, address=DESK, clock=clock) is not None
