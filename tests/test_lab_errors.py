"""Every LabError names its reason in the catalogue, and its English comes only from there
(no root, no lab: the words, not the lab)."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from tutor.i18n import catalogue
from tutor.lab.errors import TEXT, LabError

ROOT = Path(__file__).resolve().parents[1]


def _raised() -> list[tuple[str, str, set[str]]]:
    """(where, key, value names) of every `LabError("key", name=...)` written in tutor/."""
    found = []
    for path in sorted((ROOT / "tutor").rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and getattr(node.func, "id", "") == "LabError":
                assert node.args and isinstance(node.args[0], ast.Constant), f"{path}:{node.lineno}: a key, not text"
                where = f"{path.relative_to(ROOT)}:{node.lineno}"
                found.append((where, node.args[0].value, {kw.arg for kw in node.keywords if kw.arg}))
    return found


RAISED = _raised()


def test_the_lab_raises_many_reasons():
    assert len(RAISED) >= 25 and len({key for _, key, _ in RAISED}) >= 20


@pytest.mark.parametrize("lang", ["id", "en"])
@pytest.mark.parametrize("where, key, names", RAISED, ids=[where for where, _, _ in RAISED])
def test_each_reason_is_in_the_catalogue_with_the_values_it_needs(where, key, names, lang):
    text = catalogue(lang)[TEXT].get(f"err.{key}")
    assert text is not None, f"{where}: no [{TEXT}] err.{key} in {lang}.toml"
    wanted = {field.split("!")[0] for _, field, _, _ in string.Formatter().parse(text) if field}
    given = names | ({"at"} if "prefix" in names else set())  # LabError.message adds `at` from the prefix
    assert wanted <= given, f"{where}: err.{key} needs {wanted - given}"


def test_the_message_is_the_catalogues_in_either_language():
    exc = LabError("not_up", prefix="zz")
    assert str(exc) == "The lab is not up: run sudo tutor lab up --prefix zz first."  # flags after the verb
    assert exc.message("id") == "Lab belum menyala: jalankan dulu sudo tutor lab up --prefix zz"
    assert "port_busy" not in LabError("port_busy", role="app1", who="pid 7 (node)", prefix="zz").message("en")


def test_seconds_are_numbers_written_with_the_learners_decimal_mark():
    """Seconds reach the catalogue as numbers (`{seconds:g}`, `{seconds:.1f}`), not as "1.5" text."""
    from tutor.i18n import tr
    from tutor.live.hosts import HostError

    assert "1,5 detik" in LabError("exec_timeout", role="app1", seconds=1.5).message("id")
    assert "1.5 s" in LabError("exec_timeout", role="app1", seconds=1.5).message("en")
    assert "12,3 detik" in tr(TEXT, "up", "id", seconds=12.345, machines="app1", at="")
    assert "(0,8 detik)" in tr(TEXT, "down", "id", seconds=0.81)
    assert "2,5 detik" in HostError("exec_timeout", command="nginx -T", seconds=2.5).text("id")
    assert "2,5 detik" in tr("live", "lb.short", "id", n=3, budget=2.5)
