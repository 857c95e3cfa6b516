"""Signing in through an identity provider (OpenID Connect): Authlib runs the authorisation code flow with PKCE,
checks state and nonce, and verifies the ID token's signature (the provider's published keys), issuer, audience
and expiry against the provider's discovery document. The engine (engine.identity.single_sign_on) then says which
account the verified claims sign in to, and with which roles.

What a browser takes to the provider is kept in the database (engine.identity.sign_in_states) and bound to the
browser's cookie, and is used once: an answer replayed, even with a copy of the cookie, is refused.
"""
from __future__ import annotations

import logging
from urllib.parse import urlsplit

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client.errors import MismatchingStateError
from authlib.integrations.flask_client import OAuth
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required
from joserfc.errors import JoseError

from engine.errors import LoginThrottled, ServiceError
from engine.identity import password_sign_in, sign_in_states, single_sign_on
from engine.identity.single_sign_on import Provider, Refusal
from web.errors import status_of
from web.pages.auth import SESSION_CLOCK, start_session
from web.services import clock, database, signed_in_user, write

bp = Blueprint("sso", __name__, url_prefix="/login/sso")
log = logging.getLogger(__name__)
LEEWAY_SECONDS = 60  # clocks at the provider and here may differ by this much when checking expiry
TIMEOUT_SECONDS = 10  # for each call to the provider (discovery, keys, token)


class _SignInStates:
    """Authlib's cache interface over engine.identity.sign_in_states. Authlib reads a state once and then
    deletes it; reading here already removes it, in one transaction, so deleting has nothing left to do."""

    def get(self, key: str) -> str | None:
        return write(lambda s: sign_in_states.take(s, key, clock=SESSION_CLOCK))

    def set(self, key: str, value: str, expires_in: int | None = None) -> None:
        write(lambda s: sign_in_states.keep(s, key, value, seconds=expires_in or 600, clock=SESSION_CLOCK))

    def delete(self, key: str) -> None:
        pass


def init_app(app) -> None:
    """One OpenID Connect client per configured provider, kept with this app."""
    oauth = OAuth(app, cache=_SignInStates())
    for provider in app.extensions["sixgates_settings"].sso_providers:
        oauth.register(provider.name, client_id=provider.client_id, client_secret=provider.client_secret,
                       server_metadata_url=f"{provider.issuer}/.well-known/openid-configuration",
                       client_kwargs={"scope": provider.scopes, "code_challenge_method": "S256",
                                      "default_timeout": TIMEOUT_SECONDS})
    app.extensions["sixgates_oauth"] = oauth


def providers() -> tuple[Provider, ...]:
    return current_app.extensions["sixgates_settings"].sso_providers


def _provider(name: str) -> Provider:
    provider = current_app.extensions["sixgates_settings"].sso_provider(name)
    if provider is None:
        abort(404)
    return provider


def client_of(provider: Provider):
    return current_app.extensions["sixgates_oauth"].create_client(provider.name)


def callback_url(provider: Provider) -> str:
    """Where the provider sends people back: register exactly this address with it."""
    base = current_app.extensions["sixgates_settings"].base_url
    return base + url_for("sso.callback", name=provider.name)


LINKING = "single_sign_on_link"  # {user_id, provider}: the signed-in person asked to link this provider's account


@bp.post("/<name>")
def begin(name: str):
    """The sign-in page's button (a form, so the CSRF check applies): off to the provider, to sign in (never to
    link, even in a browser still signed in as someone else)."""
    provider = _provider(name)
    session.pop(LINKING, None)
    return _to_provider(provider)


@bp.post("/<name>/link")
@login_required
def link(name: str):
    """The settings' button: with the person's password again (a stolen or unattended session must not link the
    thief's account there), off to the provider; its answer links that account to theirs."""
    provider = _provider(name)
    refused = _password_refused("linked")
    if refused:
        return refused
    session[LINKING] = {"user_id": current_user.user.id, "provider": provider.name}
    # The provider must ask who is there: on a shared PC, whoever signed in there before must not be linked.
    return _to_provider(provider, prompt="login")


@bp.post("/<name>/unlink")
@login_required
def unlink(name: str):
    """The settings' button: with the person's password again, the provider's account no longer signs in here."""
    provider = _provider(name)
    refused = _password_refused("unlinked")
    if refused:
        return refused
    try:
        write(lambda s: single_sign_on.unlink_identity(s, current_user.user.username, provider=provider.name,
                                                       actor=signed_in_user(s), clock=clock()))
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash(f"Unlinked: “{provider.label}” no longer signs you in here.")
    return redirect(url_for("account.settings"))


def _password_refused(change: str):
    """None when the form carries the signed-in person's password (checked, throttled and recorded as at sign-in);
    else back to their settings saying nothing was `change`d."""
    try:
        if password_sign_in.check_password_again(
                database(), username=current_user.user.username, password=request.form.get("password", ""),
                address=request.remote_addr or "unknown", clock=clock()):
            return None
        flash(f"That is not your password: nothing was {change}.", "error")
    except LoginThrottled as exc:
        flash(f"That is not your password. {exc.message}", "error")
    return redirect(url_for("account.settings"))


def checked_metadata(client, provider: Provider) -> dict:
    """The provider's discovery document, refused (ValueError) unless it names the configured issuer and keeps
    every endpoint on the issuer's own site: a hostile document must not send this server's requests, or people
    signing out, anywhere else."""
    metadata = client.load_server_metadata()
    if str(metadata.get("issuer", "")).rstrip("/") != provider.issuer:
        raise ValueError("the discovery document names another issuer")
    site = urlsplit(provider.issuer)[:2]
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri", "end_session_endpoint"):
        if metadata.get(key) and urlsplit(str(metadata[key]))[:2] != site:
            raise ValueError(f"the discovery document's {key} is not on the issuer's site")
    return metadata


def _to_provider(provider: Provider, **asked: str):
    try:
        client = client_of(provider)
        checked_metadata(client, provider)
        return client.authorize_redirect(callback_url(provider), **asked)
    except (requests.RequestException, ValueError) as exc:  # the provider cannot be reached or answers nonsense
        log.warning("single sign-on with %s could not start: %s", provider.name, exc)
        return _failed(provider, "We could not reach the sign-in service. Try again in a few minutes."), 502


@bp.get("/<name>/callback")
def callback(name: str):
    provider = _provider(name)
    address = request.remote_addr or "unknown"
    if request.args.get("error"):  # the person cancelled, or the provider refused them
        return _failed(provider, "The sign-in service did not sign you in. Try again."), 400
    try:
        client = client_of(provider)
        # Authlib checks the audience only through azp unless told: name this client as the audience, and keep
        # the issuer check that passing claims_options would otherwise replace.
        must_be = {"iss": {"values": [checked_metadata(client, provider)["issuer"]]},
                   "aud": {"values": [provider.client_id]}}
        token = client.authorize_access_token(leeway=LEEWAY_SECONDS, claims_options=must_be)
        claims = dict(token["userinfo"])
    except MismatchingStateError:  # replayed, expired, or never started here: nothing worth recording
        log.warning("single sign-on with %s refused: no sign-in of this browser's waits for it", name)
        return _failed(provider, "Your sign-in could not be completed. Start again from the sign-in page."), 400
    except JoseError as exc:
        # An ID token the provider's token endpoint handed over that fails verification (forged, tampered, for
        # another app, expired): the auditors see it among the failures. Made-up codes never get this far.
        problem = exc.__class__.__name__
        log.warning("single sign-on with %s refused: %s", name, problem)
        write(lambda s: single_sign_on.record_unverified_answer(s, provider, problem=problem, address=address,
                                                                clock=clock()))
        return _failed(provider, "Your sign-in could not be completed. Start again from the sign-in page."), 400
    except (AuthlibBaseError, requests.RequestException, KeyError, TypeError, ValueError) as exc:
        # A code the provider refused, or a provider that cannot be reached: logged only, as anyone can make these.
        log.warning("single sign-on with %s refused: %s", name, exc.__class__.__name__)
        return _failed(provider, "Your sign-in could not be completed. Start again from the sign-in page."), 400
    linking = session.pop(LINKING, None)
    if linking and current_user.is_authenticated and linking == {"user_id": current_user.user.id,
                                                                  "provider": provider.name}:
        return _link(provider, claims)
    result = write(lambda s: single_sign_on.sign_in_with(s, provider, claims, address=address, clock=clock()))
    if isinstance(result, Refusal):
        return render_template("auth/sso_refused.html", provider=provider, refusal=result,
                               no_role=result.reason == single_sign_on.NO_ROLE), 403
    return start_session(result, provider=provider.name)


def _link(provider: Provider, claims: dict):
    try:
        write(lambda s: single_sign_on.link_to_signed_in(s, signed_in_user(s), provider, claims, clock=clock()))
    except ServiceError as exc:
        return _failed(provider, exc.message), status_of(exc)
    flash(f"Linked: from now on you can use “{provider.label}”. When you do, your roles come from your groups there.")
    return redirect(url_for("account.settings"))


def _failed(provider: Provider, message: str) -> str:
    return render_template("auth/sso_failed.html", provider=provider, message=message)


def sign_out_address(name: str | None) -> str | None:
    """The provider's own sign-out page, sending people back to ours (None: no provider, or it offers none)."""
    provider = current_app.extensions["sixgates_settings"].sso_provider(name) if name else None
    if provider is None:
        return None
    try:
        client = client_of(provider)
        metadata = checked_metadata(client, provider)
        if not metadata.get("end_session_endpoint"):
            return None
        base = current_app.extensions["sixgates_settings"].base_url
        return client.create_logout_url(post_logout_redirect_uri=base + url_for("auth.login"),
                                        client_id=provider.client_id)["url"]
    except (requests.RequestException, AuthlibBaseError, ValueError):
        return None
