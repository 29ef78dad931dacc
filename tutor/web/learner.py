"""The learner cookie of `tutor serve --public`: the folder of this browser's progress, and its pass
onto this server without the token in the URL.

Its value is `<id>.<pass>`: `id` is 32 random hex digits, the name of the browser's folder (it
outlives a restart of the server, so the progress does too); `pass` is HMAC-SHA256 of the id keyed
with the server's access token. Only a server that knows the token can make the pass, so a tab that
carries it may open the page and its session on the bare URL (a second tab, a bookmark). A forged
pass, another server's (cookies do not tell ports apart) or one from before a restart (a new token)
is refused; opening the token URL again gives the same id a new pass. A cookie with the id alone
(as servers before the pass set it) still names the folder and gets a pass with the token URL.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

COOKIE = "tutor_learner"
MAX_AGE = 365 * 24 * 3600
_VALUE = re.compile(r"([0-9a-f]{32})(?:\.([0-9a-f]{64}))?")


def learner_id(value: str | None) -> str | None:
    """The learner id of a cookie value, None if it is no well-formed one."""
    match = _VALUE.fullmatch(value or "")
    return match.group(1) if match else None


def new_id() -> str:
    """A fresh learner id (a browser that has none)."""
    return secrets.token_hex(16)


def _pass(learner: str, token: str) -> str:
    return hmac.new(token.encode(), learner.encode(), hashlib.sha256).hexdigest()


def value_with_pass(learner: str, token: str) -> str:
    """The cookie value for `learner` on the server whose access token is `token`."""
    return f"{learner}.{_pass(learner, token)}"


def has_pass(value: str | None, token: str) -> bool:
    """True when the cookie value carries the pass this server (its `token`) made for its id."""
    match = _VALUE.fullmatch(value or "")
    if not match or match.group(2) is None:
        return False
    return hmac.compare_digest(match.group(2), _pass(match.group(1), token))
