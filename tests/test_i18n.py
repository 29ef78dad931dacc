"""The text catalogues (tutor/locale/*.toml): same keys and placeholders in every language, every
key the code uses exists, and a new language is just a new file."""

from __future__ import annotations

import ast
import importlib
import os
import re
import shutil
import string
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

from tutor.i18n import LANGUAGES, catalogue, language_name, other_language, tr
from tutor.live import messages

ROOT = Path(__file__).resolve().parents[1]
LOCALE = ROOT / "tutor" / "locale"
KEY_SHAPE = re.compile(r"^[a-z][a-z0-9_]*(?:\.[a-z0-9_]+)+$")
NOT_KEYS = {"app.quit", "app.back"}  # Textual action names that look like keys
FILE_SUFFIXES = {"toml", "conf", "md", "json", "py", "tcss", "log", "pid", "out", "html"}  # lesson.toml, nginx.conf: file names


def texts(lang: str) -> dict[tuple[str, str], str]:
    return {(section, key): text for section, table in catalogue(lang).items() for key, text in table.items()}


def placeholders(text: str) -> set[tuple[str, str, str]]:
    return {(name, conversion or "", spec or "") for _, name, spec, conversion in string.Formatter().parse(text)
            if name is not None}


def test_the_shipped_languages_are_the_files_indonesian_first():
    assert LANGUAGES[:2] == ("id", "en")
    assert set(LANGUAGES) == {path.stem for path in LOCALE.glob("*.toml")}
    assert language_name("id") == "Bahasa Indonesia" and language_name("en", short=True) == "English"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_language_has_the_same_keys_and_no_empty_text(lang):
    reference, other = texts("id"), texts(lang)
    assert sorted(set(reference) - set(other)) == [], f"missing in {lang}.toml"
    assert sorted(set(other) - set(reference)) == [], f"only in {lang}.toml"
    assert [key for key, text in other.items() if not text.strip()] == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_placeholders_match_across_languages_and_format(lang):
    reference = texts("en")
    for key, text in texts(lang).items():
        assert placeholders(text) == placeholders(reference[key]), key
        names = {name for name, _, _ in placeholders(text)}
        values = {name: 1.5 for name in names}  # a number suits every format spec used (:g, :.1f, :.0%)
        text.format(**values)


def test_lookup_falls_back_and_never_crashes():
    assert tr("ui", "no.such.key", "id") == "no.such.key"
    assert tr("ui", "home.intro", "xx") == tr("ui", "home.intro", "en")
    assert tr("ui", "home.steps_done", "id", done=1, total=3) == "1/3 langkah"
    assert other_language("id") == "en" and other_language("en") == "id"


# --- every key the code uses exists ------------------------------------------------------------

def _module_name(path: Path) -> str:
    return ".".join(path.relative_to(ROOT).with_suffix("").parts)


def _sources() -> list[Path]:
    return sorted(p for p in (ROOT / "tutor").rglob("*.py") if p.name != "__main__.py")


def _used_keys(path: Path) -> tuple[set[tuple[str, str]], set[tuple[str, str]]]:
    """(section, key) pairs and (section, prefix) pairs of f-string keys used in one module."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    module = importlib.import_module(_module_name(path))
    sections = set(catalogue("id"))

    def section_of(node: ast.expr) -> str | None:
        value = getattr(module, node.id, None) if isinstance(node, ast.Name) else None
        return value if isinstance(value, str) and value in sections else None

    say_section = "live" if getattr(module, "say", None) is messages.say else None
    keys: set[tuple[str, str]] = set()
    binding_ids: set[str] = set()
    host_codes: set[str] = set()  # ids of keys ("lesson.next") look like text keys but are not
    prefixes: set[tuple[str, str]] = set()
    calls: list[tuple[str | None, ast.expr]] = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if name == "tr" and len(node.args) >= 2:
            calls.append((section_of(node.args[0]), node.args[1]))
        elif name in ("t", "say"):  # shorthands bound to a section (say: the live checks' messages)
            calls.append((say_section if name == "say" else None, node.args[0]))
        elif name in ("HostError", "Reason") and isinstance(node.args[0], ast.Constant):
            host_codes.add(f"host.{node.args[0].value}")  # said by the app ([ui]) or the CLI ([check_cli])
        elif name == "Key":  # tutor.keymap.Key(id, keys, action, text, bar=..., section=...)
            options = {kw.arg: kw.value.value for kw in node.keywords if isinstance(kw.value, ast.Constant)}
            section = options.get("section", "ui")
            binding_ids.add(node.args[0].value)
            keys.update((section, text) for text in (node.args[3].value, options.get("bar")) if text)
    own = {section for section, _ in calls if section}
    default = own.pop() if len(own) == 1 else "ui"  # `self.t` of the screens and widgets
    for section, arg in calls:
        section = section or default
        if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
            keys.add((section, arg.value))
            if section == messages.MESSAGES and arg.value in catalogue("id")[messages.LAB_MESSAGES]:
                keys.add((messages.LAB_MESSAGES, arg.value))  # say() takes the lab's version with lab machines
        elif isinstance(arg, ast.JoinedStr) and arg.values and isinstance(arg.values[0], ast.Constant):
            prefixes.add((section, arg.values[0].value))
    ui, cli = catalogue("id")["ui"], catalogue("id")["check_cli"]
    keys.update(("ui" if code in ui or code not in cli else "check_cli", code) for code in host_codes)
    if not calls:
        return keys, prefixes
    # Keys kept in data (binding tables, hint lists, states): any dotted literal in a namespace of
    # the module's section.
    namespaces = {key.split(".")[0] for key in catalogue("id")[default] if "." in key}
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and KEY_SHAPE.match(node.value) \
                and node.value.split(".")[0] in namespaces and node.value not in NOT_KEYS | binding_ids \
                and node.value.rsplit(".")[-1] not in FILE_SUFFIXES:
            keys.add((default, node.value))
    return keys, prefixes


def test_every_key_the_code_uses_exists():
    known = set(texts("id"))
    used: set[tuple[str, str]] = set()
    missing = []
    for path in _sources():
        keys, prefixes = _used_keys(path)
        used |= keys | prefixes  # a section read only through f-string keys (f"err.{code}") is used too
        missing += [f"{path.name}: [{s}] {k}" for s, k in sorted(keys - known)]
        missing += [f"{path.name}: [{s}] {p}…" for s, p in sorted(prefixes)
                    if not any(sec == s and key.startswith(p) for sec, key in known)]
    assert missing == []
    assert len(used) > 250  # the scan really finds the keys
    # [argparse] is looked up by argparse itself (tutor.cli.argparse_language), by its English messages
    assert {section for section, _ in used} == set(catalogue("id")) - {"language", "argparse"}


def test_the_scan_catches_a_missing_key(tmp_path, monkeypatch):
    """Deliberately break one module's key and see the scan report it."""
    fake = ROOT / "tutor" / "screens" / "home.py"
    original = fake.read_text(encoding="utf-8")
    assert '"home.intro"' in original
    broken = tmp_path / "home.py"
    broken.write_text(original.replace('"home.intro"', '"home.introduction"'), encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "_module_name", lambda path: "tutor.screens.home")
    keys, _ = _used_keys(broken)
    assert ("ui", "home.introduction") in keys and ("ui", "home.introduction") not in set(texts("id"))


def test_sim_note_codes_have_texts():
    source = (ROOT / "sim" / "nginxconf.py").read_text(encoding="utf-8")
    codes = set(re.findall(r'MappingNote\("([a-z_]+)"', source))
    assert codes and all(key in catalogue(lang)["sim_report"] for key in codes for lang in LANGUAGES)


# --- a third language is a third file ----------------------------------------------------------

def _fixture_language(source: str) -> str:
    """en.toml turned into a made-up language "xx": each text wrapped in ⟪ ⟫, placeholders kept."""
    data = tomllib.loads(source)
    lines = ['[language]', 'name = "Xx-lang"', 'short = "Xx"']
    for section, table in data.items():
        if section == "language":
            continue
        lines.append(f"[{section}]")
        for key, text in table.items():
            escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")
            lines.append(f'"{key}" = "⟪{escaped}⟫"')
    return "\n".join(lines) + "\n"


def test_a_third_language_is_only_a_new_file(tmp_path):
    site = tmp_path / "site"
    shutil.copytree(ROOT / "tutor", site / "tutor", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "sim", site / "sim", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(ROOT / "assets", site / "assets")  # `tutor sim` plays the shipped demo
    (site / "tutor" / "locale" / "xx.toml").write_text(_fixture_language((LOCALE / "en.toml").read_text("utf-8")),
                                                        encoding="utf-8")
    code = ("from tutor.i18n import LANGUAGES, tr, other_language, language_name\n"
            "print(LANGUAGES, other_language('en'), language_name('xx'))\n"
            "print(tr('ui', 'home.steps_done', 'xx', done=2, total=5))\n")
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == ["('id', 'en', 'xx') xx Xx-lang", "⟪2/5 steps⟫"]
    report = subprocess.run([sys.executable, "-m", "tutor", "sim", "--lang", "xx"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0, report.stderr
    assert report.stdout.startswith("⟪") and "⟪Requests⟫" in report.stdout


def test_ulang_means_only_restart():
    """Retry, restart and reset read differently in Indonesian: coba lagi, mulai ulang, hapus kemajuan."""
    ids, ens = texts("id"), texts("en")
    for key, text in ids.items():
        assert "ulang" not in text.lower().replace("mulai ulang", ""), key
        english = ens[key].lower()
        if re.search(r"\bretr(y|ies|ied)\b", english):
            assert "coba lagi" in text.lower() or "server lain" in text.lower(), key
        if re.search(r"\brestart\b", english):
            assert "mulai ulang" in text.lower(), key
        if re.search(r"\breset\b", english):
            assert "hapus" in text.lower(), key


@pytest.mark.parametrize("lang", ["id", "en"])
def test_role_lists_come_from_the_course_not_the_catalogue(lang, capsys):
    """The tutorial's machines are one fact (tutor/course.py): texts take them as placeholders."""
    from tutor import course
    from tutor.cli.main import main
    from tutor.lab.errors import LabError

    listed = [f"[{section}] {key}" for section, table in catalogue(lang).items() if isinstance(table, dict)
              for key, text in table.items() if "app1, app2" in str(text)]
    assert listed == []
    apps = ", ".join(course.APP_ROLES)
    assert apps in LabError("not_app", role="db", apps=apps).message(lang)
    with pytest.raises(SystemExit):
        main(["check", "--help", "--lang", lang])
    assert ", ".join(course.ROLES) in " ".join(capsys.readouterr().out.split())
