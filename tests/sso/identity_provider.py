"""A real OpenID Connect provider for the tests (tests/sso/provider.mjs: the `oidc-provider` package run with Node),
its test people, and a whole sign-in through it driven over HTTP."""
from __future__ import annotations

import json
import subprocess
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urljoin, urlsplit

import requests
from joserfc import jwt
from joserfc.jwk import RSAKey

from engine.identity.single_sign_on import Provider
from tests.web.test_login_inbox import csrf_token

BASE_URL = "https://sixgates.example"  # the HTTP tests' app: only its callback address matters to the provider
NODE = "/usr/bin/node"
SCRIPT = Path(__file__).with_name("provider.mjs")
CLIENT_SECRET = "a-long-test-client-secret-of-the-sixgates-app"
OTHER_SECRET = "the-other-applications-secret-for-the-tests"
NAME = "test"  # the provider's name in Six Gates
LABEL = "Sign in with your NHS account"
# Test people at the identity provider: username -> password and the claims it vouches for.
USERS = {
    "cleo": {"password": "cleo-pass", "name": "Dr Cleo Singh", "preferred_username": "cleo.singh",
             "email": "cleo.singh@nhs.example", "groups": ["clinical-leads", "staff"]},
    "fran": {"password": "fran-pass", "name": "Fran Hughes", "preferred_username": "fran.hughes",
             "email": "fran.hughes@nhs.example", "groups": ["finance"]},
    "nora": {"password": "nora-pass", "name": "Nora Newcomer", "preferred_username": "nora.newcomer",
             "email": "nora@nhs.example", "groups": ["staff"]},
    "sam": {"password": "sam-pass", "name": "Sam Sameaddress", "preferred_username": "sam",
            "email": "sam@nhs.example", "groups": ["clinical-leads"]},
}


@dataclass
class IdentityProvider:
    issuer: str
    key: RSAKey  # the provider signs ID tokens with it: tests mint their own with it too

    def provider(self, **changes) -> Provider:
        """How Six Gates' settings name this provider."""
        return Provider(**{"name": NAME, "label": LABEL, "issuer": self.issuer, "client_id": "sixgates",
                           "client_secret": CLIENT_SECRET, "organisation": None, **changes})

    def mint(self, claims: dict, key: RSAKey | None = None) -> str:
        """An ID token signed with the provider's key (or another), with these claims."""
        signer = key or self.key
        return jwt.encode({"alg": "RS256", "kid": signer.kid}, claims, signer)

    def id_token_claims(self, nonce: str, **changes) -> dict:
        """The claims the provider would put in an ID token for cleo and the sixgates app, fresh now."""
        now = int(time.time())
        return {"iss": self.issuer, "sub": "cleo", "aud": "sixgates", "iat": now, "exp": now + 300,
                "nonce": nonce, "name": USERS["cleo"]["name"], "email": USERS["cleo"]["email"],
                "preferred_username": "cleo.singh", "groups": USERS["cleo"]["groups"], **changes}

    def send_next_id_token(self, id_token: str) -> None:
        """The provider's next token answer carries this ID token instead of the one it made."""
        requests.post(f"{self.issuer}/test/next-id-token", data={"id_token": id_token}, timeout=5).raise_for_status()


def new_key(kid: str) -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": kid, "use": "sig", "alg": "RS256"}, private=True)


def client(client_id: str, secret: str, redirect_uris: list[str], post_logout_redirect_uris: list[str]) -> dict:
    return {"client_id": client_id, "client_secret": secret, "redirect_uris": redirect_uris,
            "post_logout_redirect_uris": post_logout_redirect_uris, "token_endpoint_auth_method": "client_secret_basic",
            "grant_types": ["authorization_code"], "response_types": ["code"]}


@contextmanager
def running(base_urls: list[str]):
    """The provider, started for apps served at these base addresses, stopped at the end."""
    key = new_key("test-signing-key")
    clients = [client("sixgates", CLIENT_SECRET, [f"{b}/login/sso/{NAME}/callback" for b in base_urls],
                      [f"{b}/login" for b in base_urls]),
               client("other-app", OTHER_SECRET, ["https://other-app.example/callback"], [])]
    config = {"clients": clients, "users": USERS, "jwks": {"keys": [key.as_dict(private=True)]}}
    process = subprocess.Popen([NODE, str(SCRIPT)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    try:
        process.stdin.write(json.dumps(config))
        process.stdin.close()
        line = process.stdout.readline()
        assert line.startswith("ready "), f"the test identity provider did not start: {line!r}"
        issuer = line.split()[1]
        requests.get(f"{issuer}/.well-known/openid-configuration", timeout=10).raise_for_status()
        yield IdentityProvider(issuer=issuer, key=key)
    finally:
        process.terminate()
        process.wait(timeout=10)


@dataclass
class AtProvider:
    """A sign-in started in Six Gates and waiting at the provider."""
    app_client: object  # the Flask test client (the browser's Six Gates cookie)
    browser: requests.Session  # the browser's cookies at the provider
    address: str  # where Six Gates sent the browser

    @property
    def params(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(urlsplit(self.address).query).items()}


def start_sign_in(app_client, *, browser: requests.Session | None = None) -> AtProvider:
    """Press the provider's button on Six Gates' sign-in page."""
    page = app_client.get("/login").data
    response = app_client.post(f"/login/sso/{NAME}", data={"csrf_token": csrf_token(page)})
    assert response.status_code == 302, response.data
    return AtProvider(app_client, browser or requests.Session(), response.location)


def sign_in_at_provider(at: AtProvider, username: str, password: str | None = None, *,
                        back_to: str = f"/login/sso/{NAME}/callback") -> str:
    """Sign in on the provider's own page; the address it sends the browser back to (Six Gates' callback)."""
    address = at.address
    password = USERS[username]["password"] if password is None else password
    for _ in range(10):
        response = at.browser.get(address, allow_redirects=False, timeout=10)
        if "/interaction/" in urlsplit(address).path and response.status_code == 200:
            response = at.browser.post(address, data={"username": username, "password": password},
                                       allow_redirects=False, timeout=10)
            assert response.status_code in (302, 303), response.text
        assert response.status_code in (302, 303), response.text
        address = urljoin(address, response.headers["Location"])
        if back_to in address:
            return address
    raise AssertionError("the provider never sent the browser back")


def callback_path(address: str) -> str:
    parts = urlsplit(address)
    return f"{parts.path}?{parts.query}"


def sign_in(app_client, username: str, password: str | None = None):
    """A whole sign-in through the provider: Six Gates' answer to the provider's redirect back."""
    at = start_sign_in(app_client)
    return app_client.get(callback_path(sign_in_at_provider(at, username, password)))
