"""The ID token's checks, through the app's whole callback: the provider's token answer carries a bad ID token (the
test provider swaps it in), and Six Gates must refuse it and sign nobody in. The signature (the provider's published
keys), issuer, audience, expiry and nonce are each checked."""
from __future__ import annotations

import base64
import json
import secrets
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from authlib.oauth2.rfc7636 import create_s256_code_challenge
from joserfc.errors import JoseError

from tests.sso.identity_provider import (
    OTHER_SECRET,
    AtProvider,
    callback_path,
    new_key,
    sign_in_at_provider,
    start_sign_in,
)
from tests.sso.test_sign_in_through_provider import map_group, signed_in_as, system_events
from web.pages.single_sign_on import LEEWAY_SECONDS, client_of


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def tampered(idp, nonce):
    """A genuine token whose payload was changed afterwards (more groups), its signature kept."""
    header, _payload, signature = idp.mint(idp.id_token_claims(nonce)).split(".")
    return f"{header}.{_b64(idp.id_token_claims(nonce, groups=['clinical-leads', 'admins']))}.{signature}"


def unsigned(idp, nonce):
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(idp.id_token_claims(nonce))}."


BAD_TOKENS = {
    "payload altered": tampered,
    "signed by another key with the provider's key id": lambda idp, nonce: idp.mint(
        idp.id_token_claims(nonce), key=new_key(idp.key.kid)),
    "not signed at all": unsigned,
    "expired": lambda idp, nonce: idp.mint(idp.id_token_claims(
        nonce, iat=int(time.time()) - 900, exp=int(time.time()) - LEEWAY_SECONDS - 30)),
    "issued for another app": lambda idp, nonce: idp.mint(idp.id_token_claims(nonce, aud="other-app")),
    "from another issuer": lambda idp, nonce: idp.mint(idp.id_token_claims(nonce, iss="https://elsewhere.example")),
    "for another sign-in (nonce)": lambda idp, nonce: idp.mint(idp.id_token_claims(nonce="not-the-one-we-sent")),
}


def answered_with(sso_app, identity_provider, bad_token):
    """Sign in as cleo at the provider; its token answer carries bad_token(provider, nonce) instead of the real one."""
    browser = sso_app.test_client()
    at = start_sign_in(browser)
    callback = sign_in_at_provider(at, "cleo")
    identity_provider.send_next_id_token(bad_token(identity_provider, at.params["nonce"]))
    return browser, browser.get(callback_path(callback))


@pytest.fixture
def cleo_may_sign_in(db, clock, identity_provider):
    map_group(db, clock, identity_provider, "clinical-leads", "clinical_lead")


def test_a_token_made_with_the_providers_key_and_the_right_claims_is_accepted(
        sso_app, db, identity_provider, cleo_may_sign_in):
    """The other tests' tokens differ from this one in one thing each."""
    def good(idp, nonce):
        return idp.mint(idp.id_token_claims(nonce))
    browser, response = answered_with(sso_app, identity_provider, good)
    assert response.status_code == 302 and signed_in_as(browser)


# Authlib alone checks the audience only through `azp`: a token for another audience that names this app as its
# authorised party would pass. OpenID Connect Core 3.1.3.7 (3) says refuse it; the callback names the audience.
ALSO_BAD = [pytest.param(lambda idp, nonce: idp.mint(idp.id_token_claims(nonce, aud="other-app", azp="sixgates")),
                         id="issued for another app, naming this one as its party")]


@pytest.mark.parametrize("bad_token", [*BAD_TOKENS.values(), *ALSO_BAD], ids=[*BAD_TOKENS.keys(), *(
    p.id for p in ALSO_BAD)])
def test_a_bad_id_token_is_refused_and_signs_nobody_in(sso_app, db, identity_provider, cleo_may_sign_in, bad_token):
    browser, response = answered_with(sso_app, identity_provider, bad_token)
    assert response.status_code == 400 and b"Your sign-in could not be completed" in response.data
    assert not signed_in_as(browser)
    assert system_events(db, "login_succeeded") == [] and system_events(db, "identity_linked") == []


def _token_for_other_app(identity_provider, nonce: str) -> str:
    """A real ID token the provider issued to the other app after cleo signed in there."""
    verifier = secrets.token_urlsafe(48)
    redirect = "https://other-app.example/callback"
    auth = requests.Request("GET", f"{identity_provider.issuer}/auth", params={
        "client_id": "other-app", "redirect_uri": redirect, "response_type": "code", "scope": "openid profile email",
        "state": "s", "nonce": nonce, "code_challenge": create_s256_code_challenge(verifier),
        "code_challenge_method": "S256"}).prepare().url

    back = sign_in_at_provider(AtProvider(None, requests.Session(), auth), "cleo", back_to=redirect)
    code = parse_qs(urlsplit(back).query)["code"][0]
    answer = requests.post(f"{identity_provider.issuer}/token", auth=("other-app", OTHER_SECRET), timeout=10, data={
        "grant_type": "authorization_code", "code": code, "redirect_uri": redirect, "code_verifier": verifier})
    answer.raise_for_status()
    return answer.json()["id_token"]


def test_a_real_token_the_provider_issued_to_another_app_is_refused(
        sso_app, db, identity_provider, cleo_may_sign_in):
    browser, response = answered_with(sso_app, identity_provider, _token_for_other_app)
    assert response.status_code == 400 and not signed_in_as(browser)
    # The same check, asked directly: the audience is what is wrong.
    token = _token_for_other_app(identity_provider, "n-1")
    with sso_app.test_request_context():
        client = client_of(identity_provider.provider())
        with pytest.raises(JoseError, match="azp|aud"):
            client.parse_id_token({"id_token": token, "access_token": "a"}, nonce="n-1", leeway=LEEWAY_SECONDS)

