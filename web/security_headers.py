"""Headers every answer carries (pages, API, static files, errors): what the browser may load and show,
and that nothing but static files (and a deployed version's diagram) may be kept in a browser's or proxy's cache."""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, request

# Scripts and style sheets only from this site (no inline code); style attributes stay allowed because
# bpmn-js and dmn-js write them into the SVG and HTML they build. Nothing may frame a page.
DIRECTIVES = (
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data:",
    "font-src 'self' data:",
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
)
CONTENT_SECURITY_POLICY = "; ".join(DIRECTIVES)
# The modeller alone also allows <style> elements: dmn-js's code editor (CodeMirror) writes its theme into
# one, with no way to hand it a nonce. Scripts stay as strict there as everywhere.
MODELLER_POLICY = "; ".join((*DIRECTIVES, "style-src-elem 'self' 'unsafe-inline'"))
HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


# Static files, and a deployed version's diagram (the procedure, no one's data; fetched after a page's first view).
KEPT_BY_BROWSER = {"static", "versions.diagram"}


# The pages with a button to an identity provider: sign-in, and linking one's account in one's settings.
PROVIDER_BUTTONS = {"auth.login", "account.settings"}


def sign_in_policy(issuers: list[str]) -> str:
    """The sign-in page's buttons post to us and are redirected to each identity provider: form-action must
    allow the providers' own sites too (browsers check every redirect a form submission follows)."""
    origins = sorted({"{0.scheme}://{0.netloc}".format(urlsplit(issuer)) for issuer in issuers})
    return "; ".join(" ".join(("form-action 'self'", *origins)) if d == "form-action 'self'" else d
                     for d in DIRECTIVES)


def init_app(app: Flask) -> None:
    login_policy = sign_in_policy([p.issuer for p in app.extensions["sixgates_settings"].sso_providers])

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        policy = MODELLER_POLICY if request.blueprint == "modeller" else \
            login_policy if request.endpoint in PROVIDER_BUTTONS else CONTENT_SECURITY_POLICY
        response.headers.setdefault("Content-Security-Policy", policy)
        for name, value in HEADERS.items():
            response.headers.setdefault(name, value)
        # Pages and API answers hold EoIs, scores and names: no copy for the back button or the disk cache
        # of a shared NHS PC after sign-out. Static files keep their caching (revalidated by ETag).
        if request.endpoint not in KEPT_BY_BROWSER:
            response.headers["Cache-Control"] = "no-store"
        if app.config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS: browsers never try plain HTTP again
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
