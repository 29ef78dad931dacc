"""Each HostError is written once: the raise names a catalogue key, the text is in tutor/locale."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from sim.address import AddressError
from tutor.i18n import LANGUAGES, lookup
from tutor.live.hosts import HostError, parse_address

ROOT = Path(__file__).resolve().parent.parent
RAISED = re.compile(r"(?:HostError|Reason)\(\"([a-z_]+)\"")


def raised_codes() -> set[str]:
    return {code for path in (ROOT / "tutor").rglob("*.py") for code in RAISED.findall(path.read_text(encoding="utf-8"))}


def test_the_raises_are_found():
    assert {"host_spec", "bad_domain", "multipass_json", "nginx_t_failed", "needs_apps"} <= raised_codes()


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_raised_code_and_address_reason_has_a_text(lang):
    codes = raised_codes() | set(AddressError.TEXTS)
    missing = [code for code in sorted(codes)
               if lookup("check_cli", f"host.{code}", lang) is None and lookup("ui", f"host.{code}", lang) is None]
    assert missing == []


def test_the_text_comes_from_the_catalogue_in_either_wording():
    with pytest.raises(HostError) as caught:
        parse_address("[::1]80", 80)
    error = caught.value
    assert (error.code, error.values) == ("after_bracket", {"text": "[::1]80"})
    assert str(error) == "'[::1]80': expected ':PORT' after ']'"
    assert error.text("id") != str(error) and "[::1]80" in error.text("id")
    domain = HostError("bad_domain", domain="web.123")
    assert str(domain).startswith("--domain 'web.123'") and domain.text("en", cli=False).startswith("'web.123'")
