"""A phone's authenticator app, for tests that sign in: it reads the key off the set-up page as a person would type
it, and makes the codes with pyotp (each 30-second step's code is accepted once, so it never repeats one)."""
from __future__ import annotations

import html
import re
import time

import pyotp

SECRETS: dict[str, str] = {}  # username -> the key the app holds
_USED: dict[str, int] = {}  # username -> the last step whose code the app gave


def secret_on(page: str | bytes) -> str:
    """The key shown on the set-up page (in groups of 4), as one string."""
    text = page.decode() if isinstance(page, bytes) else page
    shown = re.search(r'<code id="secret"[^>]*>([^<]+)</code>', text).group(1)
    return re.sub(r"\s", "", html.unescape(shown))


def add(username: str, secret: str) -> None:
    SECRETS[username] = secret.replace(" ", "")
    _USED.pop(username, None)


def code_for(username: str) -> str:
    """A code the app shows now, for a step not used before (the next step's, or after a wait, if need be)."""
    totp = pyotp.TOTP(SECRETS[username])
    while True:
        now = totp.timecode(time.time())
        for step in (now, now + 1):  # the server accepts the step after too (clocks drift)
            if step > _USED.get(username, -1):
                _USED[username] = step
                return totp.generate_otp(step)
        time.sleep(1)


def finish_sign_in(client, username: str, answer, csrf_token):
    """After the password (answer: the response to it), set up the app or give its code if the site asks; returns
    the response that signs in (the password's own when no code is asked)."""
    where = answer.headers.get("Location", "") if answer.status_code == 302 else ""
    if where.endswith("/login/second-factor"):
        page = client.get(where).data
        add(username, secret_on(page))
        done = client.post(where, data={"code": code_for(username), "csrf_token": csrf_token(page)})
        assert done.status_code == 200 and b"Your recovery codes" in done.data, done.data[:2000]
        return answer
    if where.endswith("/login/code"):
        page = client.get(where).data
        return client.post(where, data={"code": code_for(username), "csrf_token": csrf_token(page)})
    return answer


def finish_sign_in_in_browser(page, username: str) -> None:
    """The same in Playwright: set up the app (then continue past the recovery codes), or give its code."""
    page.wait_for_load_state()
    if page.url.endswith("/login/second-factor"):
        add(username, page.locator("#secret").text_content())
        page.get_by_label("Code from your app").fill(code_for(username))
        page.get_by_role("button", name="Set up and sign in").click()
        page.get_by_role("link", name="continue to your tasks").click()
    elif page.url.endswith("/login/code"):
        page.get_by_label("Code from your app").fill(code_for(username))
        page.get_by_role("button", name="Sign in", exact=True).click()
