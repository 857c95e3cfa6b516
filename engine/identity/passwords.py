"""Passwords, after the NCSC's guidance: length over complexity (10 to 256 characters of any kind, no rules about
digits or symbols), and none that is commonly used or guessable from who the person is (zxcvbn's word lists).
And changing one's own password, which ends the person's other signed-in sessions."""
from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session
from zxcvbn import feedback, matching, scoring, time_estimates

from engine.clock import Clock
from engine.errors import BadRequest, Conflict, NotFound
from engine.identity import sessions
from engine.identity.digests import token_digest
from engine.store.db import Database
from engine.store.models import SignInSession, User
from engine.store.trail import record_event

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 256
MIN_SCORE = 3  # zxcvbn's 0-4: 3 is "safely unguessable", about 10^8 guesses or more
# Scoring time grows quickly with length (half a second at 256); past this many characters the rest only adds.
SCORED_LENGTH = 100
SERVICE_WORDS = ("sixgates", "six gates", "six-gates")  # guessable from the site itself
TRY_INSTEAD = "Try three random words."


def check_password(password: str, *, username: str, display_name: str = "", organisation: str | None = None,
                   field: str = "password") -> None:
    """Raises BadRequest (naming `field`) in plain English when the password is too short, too long, common,
    contains the username, or is easily guessed from the person's name, organisation or this service."""
    password = password or ""
    problem = _length_problem(password) or _username_problem(password, username) or _guessable_problem(
        password, _own_words(username, display_name, organisation))
    if problem:
        raise BadRequest(problem, fields={field: problem})


def _length_problem(password: str) -> str | None:
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"A password needs at least {MIN_PASSWORD_LENGTH} characters. {TRY_INSTEAD}"
    if len(password) > MAX_PASSWORD_LENGTH:
        return f"A password can have at most {MAX_PASSWORD_LENGTH} characters."
    return None


def _username_problem(password: str, username: str) -> str | None:
    # Short usernames ("ada") turn up inside ordinary words; zxcvbn still weighs them below.
    if len(username or "") >= 4 and username.lower() in password.lower():
        return f"A password cannot contain the username. {TRY_INSTEAD}"
    return None


def _own_words(*names: str | None) -> list[str]:
    """Each name whole, run together, and word by word ("Sam Patel", "sampatel", "sam", "patel"), and this service."""
    words = list(SERVICE_WORDS)
    for name in filter(None, names):
        parts = re.split(r"[\s._@-]+", name.strip())
        words += [name, "".join(parts), *parts]
    return words


@dataclass(frozen=True)
class Strength:
    score: int  # 0 (too guessable) to 4 (very unguessable)
    common: bool  # the whole password is on the list of commonly used passwords (perhaps with l33t or reversed)
    warning: str
    suggestions: tuple[str, ...]


def strength(password: str, user_inputs: list[str]) -> Strength:
    """zxcvbn's judgement, with the user's own words as a dictionary. Built here rather than through
    zxcvbn.zxcvbn(), which keeps those words in a module-wide dictionary that parallel requests would share."""
    scored = password[:SCORED_LENGTH]
    dictionaries = {**matching.RANKED_DICTIONARIES, "user_inputs": matching.build_ranked_dict(
        [word.lower() for word in user_inputs if word and word.strip()])}
    result = scoring.most_guessable_match_sequence(scored, matching.omnimatch(scored, dictionaries))
    score = time_estimates.guesses_to_score(result["guesses"])
    sequence = result["sequence"]
    whole = len(sequence) == 1 and sequence[0].get("dictionary_name") == "passwords" and len(scored) == len(password)
    common = whole or password.lower() in matching.RANKED_DICTIONARIES["passwords"]
    said = feedback.get_feedback(score, sequence)
    return Strength(score=score, common=common, warning=said["warning"], suggestions=tuple(said["suggestions"]))


def _guessable_problem(password: str, user_inputs: list[str]) -> str | None:
    found = strength(password, user_inputs)
    if found.common:
        return f"This is one of the most commonly used passwords. {TRY_INSTEAD}"
    if found.score >= MIN_SCORE:
        return None
    # zxcvbn's first suggestion unless it is about kinds of character: length is what helps, not capitals.
    advice = next((s for s in found.suggestions if not re.search(r"capital|upper|substitution", s, re.I)), TRY_INSTEAD)
    return " ".join(["This password would be easy to guess.", *([found.warning] if found.warning else []), advice])


def check_new_password(user: User, password: str, *, field: str = "password") -> None:
    """check_password with this user's own words."""
    check_password(password, username=user.username, display_name=user.display_name,
                   organisation=user.organisation_name, field=field)


def change_password(db: Database, *, username: str, current: str, new: str, confirm: str, address: str,
                    keep_session: str | None, clock: Clock) -> None:
    """Change one's own password and sign out one's other sessions (keeping `keep_session`, the token of the one
    asking), recording password_changed. A wrong current password counts as a failed sign-in, so guessing it
    is throttled as sign-in is. Raises LoginThrottled, BadRequest (wrong current password, weak or mismatched
    new one), Conflict (an account without a password: it signs in through its organisation) or NotFound."""
    # Imported here: password_sign_in reads accounts, which checks passwords with this module.
    from engine.identity import accounts, password_sign_in
    with db.reading() as session:
        user = _with_password(session, username)
        password_sign_in.check_login_allowed(session, username=username, address=address, clock=clock)
        _check_new(user, new, confirm)
        right = password_sign_in.authenticate(session, username, current) is not None
        new_hash = accounts.generate_password_hash(new) if right else None  # slow on purpose: outside the write

    def record(session: Session) -> None:
        password_sign_in.check_login_allowed(session, username=username, address=address, clock=clock)
        if not right:  # as a wrong password at sign-in: the failure, and the lock-out it may cause, on the record
            password_sign_in.record_failure(session, kind="login_failed", username=username, address=address,
                                            clock=clock)
            return
        user = _with_password(session, username)
        user.password_hash = new_hash
        _close_other_sessions(session, user, keep=keep_session, clock=clock)
        # A token made from a stolen session must not outlast the password change that signs the thief out.
        sessions.end_api_tokens(session, user, actor=username, clock=clock)
        record_event(session, instance=None, at=clock.now(), actor=username, kind="password_changed",
                     data={"username": username})

    db.writing(record)
    if not right:
        raise BadRequest("Your current password is not right.",
                         fields={"current_password": "Enter your current password as you sign in with it."})


def _with_password(session: Session, username: str) -> User:
    user = session.scalars(select(User).where(User.username == username)).first()
    if user is None or not user.active:
        raise NotFound(f"No user called {username!r}.")
    if not user.password_hash:
        raise Conflict("You sign in with your organisation's account, so you have no Six Gates password to change.")
    return user


def _check_new(user: User, new: str, confirm: str) -> None:
    check_new_password(user, new, field="new_password")
    if new != confirm:
        raise BadRequest("The new passwords do not match.",
                         fields={"confirm_password": "Enter the same new password again."})


def _close_other_sessions(session: Session, user: User, *, keep: str | None, clock: Clock) -> None:
    """Whoever else holds this person's session (a forgotten browser, a thief) is signed out."""
    kept = token_digest(keep) if keep else None
    for row in session.scalars(select(SignInSession).where(SignInSession.user_id == user.id,
                                                           SignInSession.revoked_at.is_(None))):
        if row.token_hash != kept:
            row.revoked_at = clock.now()
