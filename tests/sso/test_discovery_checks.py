"""The provider's discovery document is believed only for its own site: it must name the issuer Six Gates was set
up with, and keep its endpoints there, or a hostile document could send this server's requests (and people
signing out) anywhere."""
from __future__ import annotations

import json
import threading
from dataclasses import replace
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from tests.conftest import settings_for
from tests.sso.identity_provider import BASE_URL, NAME
from tests.web.test_login_inbox import csrf_token


def app_trusting(db, clock, provider):
    from web import create_app
    return create_app(replace(settings_for(db), base_url=BASE_URL, sso_providers=(provider,)), clock=clock,
                      testing=True)


def press_the_button(app):
    client = app.test_client()
    return client.post(f"/login/sso/{NAME}", data={"csrf_token": csrf_token(client.get("/login").data)})


def test_a_discovery_document_naming_another_issuer_is_refused(db, clock, identity_provider):
    # The same provider reached by another name: its document names 127.0.0.1, not the issuer set up here.
    elsewhere = identity_provider.issuer.replace("127.0.0.1", "localhost")
    refused = press_the_button(app_trusting(db, clock, identity_provider.provider(issuer=elsewhere)))
    assert refused.status_code == 502 and b"We could not reach the sign-in service" in refused.data
    assert press_the_button(app_trusting(db, clock, identity_provider.provider())).status_code == 302


@pytest.fixture
def hostile_provider():
    """A provider on this machine whose discovery document sends its token and key requests to another site."""
    class Discovery(BaseHTTPRequestHandler):
        def do_GET(self):  # noqa: N802 (the standard library's name)
            issuer = f"http://127.0.0.1:{self.server.server_port}"
            body = json.dumps({"issuer": issuer, "authorization_endpoint": f"{issuer}/auth",
                               "token_endpoint": "http://169.254.169.254/latest/meta-data/",
                               "jwks_uri": f"{issuer}/jwks"}).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Discovery)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_a_discovery_document_sending_requests_to_another_site_is_refused(db, clock, identity_provider,
                                                                          hostile_provider):
    refused = press_the_button(app_trusting(db, clock, identity_provider.provider(issuer=hostile_provider)))
    assert refused.status_code == 502
