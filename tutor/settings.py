"""The learner's settings, saved as JSON in `user_data_dir()/settings.json` (atomic writes).

Saving writes the settings this process changed into the file as it is then, under its lock
(tutor.storage.locked), and takes the others from the file: two processes on one data folder
never undo each other's changes.

Settings behave like a small dict too (`settings["reduced_motion"]`, `settings.get(...)`), so
other parts (live checks) can read keys without knowing the class.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from tutor.storage import MAX_BYTES, Unreadable, locked, read_json, write_json_atomic

FILE_NAME = "settings.json"
MAX_SAVED_TEXT = 300
TOGGLES = ("reduced_motion", "colour_blind", "presenter")


def saved_language(folder: Path) -> str | None:
    """The language saved in `folder/settings.json` (None when none is), read without changing
    anything: the command line looks, the app deals with a file it cannot read."""
    import json

    from sim.files import read_text_limited
    from tutor.i18n import LANGUAGES

    try:
        data = json.loads(read_text_limited(folder / FILE_NAME, MAX_BYTES))
    except (OSError, ValueError, RecursionError):
        return None
    language = data.get("language") if isinstance(data, dict) else None
    return language if language in LANGUAGES else None


@dataclass
class Settings:
    """Language (None = not chosen yet), display toggles, and the live-check machines.

    `hosts` maps role -> ADDR[:PORT], `vms` role -> multipass VM name (when imported from
    multipass; used to read the proxy's nginx config), `domain` None means hasil.xyz.
    """

    language: str | None = None
    reduced_motion: bool = False
    colour_blind: bool = False
    presenter: bool = False
    hosts: dict[str, str] = field(default_factory=dict)
    vms: dict[str, str] = field(default_factory=dict)
    domain: str | None = None
    keymap: dict[str, str] = field(default_factory=dict)  # binding id -> keys, e.g. {"lesson.next": "right"}
    lab: bool = False  # the saved machines came from the lab ("Use the lab"): lessons show its commands
    path: Path | None = field(default=None, repr=False, compare=False)
    _saved: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)  # as last read or written

    @classmethod
    def load(cls, folder: Path) -> tuple[Settings, Path | None]:
        """Settings from `folder/settings.json` and the backup path if that file was unreadable.

        Unknown keys are ignored and a value of the wrong type falls back to its default.
        """
        path = folder / FILE_NAME
        try:
            data = read_json(path)
        except Unreadable as bad:  # not moved aside (backup None): never overwrite it
            return cls(path=path if bad.backup else None), bad.backup
        settings = cls(path=path)
        settings._take(data)
        return settings, None

    def _take(self, data: Any) -> None:
        """Adopt the valid settings in `data` (a file's JSON) and remember them as saved."""
        if isinstance(data, dict):
            for name in self.keys():
                if name in data and _valid(name, data[name]):
                    setattr(self, name, data[name])
        self._saved = copy.deepcopy(self.as_dict())

    def keys(self) -> list[str]:
        return [f.name for f in fields(self) if f.name not in ("path", "_saved")]

    def __getitem__(self, key: str) -> Any:
        if key not in self.keys():
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if key not in self.keys() or not _valid(key, value):
            raise KeyError(f"{key}={value!r}")
        setattr(self, key, value)
        self.save()

    def get(self, key: str, default: Any = None) -> Any:
        return getattr(self, key) if key in self.keys() else default

    def toggle(self, key: str) -> bool:
        """Flip a boolean setting, save, and return its new value."""
        if key not in TOGGLES:
            raise KeyError(key)
        self[key] = not self[key]
        return self[key]

    def as_dict(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.keys()}

    def save(self) -> str | None:
        """Write the file; returns a one-line error instead of raising."""
        if self.path is None:
            return None
        missing = object()
        try:
            with locked(self.path):
                mine = {name: value for name, value in self.as_dict().items()
                        if self._saved.get(name, missing) != value}
                try:
                    on_disk = read_json(self.path)
                except Unreadable as bad:  # moved aside: this process's settings are written anew
                    if bad.backup is None:
                        return f"{self.path}: unreadable and cannot be moved aside; settings are not saved"
                    on_disk = None
                self._take(on_disk)
                for name, value in mine.items():
                    setattr(self, name, value)
                write_json_atomic(self.path, self.as_dict())
                self._saved = copy.deepcopy(self.as_dict())
        except OSError as exc:
            return f"{self.path}: {exc.strerror or exc}"
        return None


def _valid(name: str, value: Any) -> bool:
    if name == "language":
        from tutor.i18n import LANGUAGES

        return value is None or value in LANGUAGES
    if name == "keymap":
        return _valid_keymap(value)
    if name in TOGGLES or name == "lab":
        return isinstance(value, bool)
    if name in ("hosts", "vms"):
        return isinstance(value, dict) and all(
            isinstance(k, str) and isinstance(v, str) and _valid_machine(name, k, v) for k, v in value.items())
    if name == "domain":
        return value is None or (isinstance(value, str) and _valid_domain(value))
    return False


KEY_NAMES = re.compile(r"^[a-z0-9_]+(?:\+[a-z0-9_]+)*$")  # Textual key names: "j", "ctrl+t", "page_down"


def _valid_keymap(value: Any) -> bool:
    """A user keymap: binding id ("lesson.next") -> comma-separated Textual key names ("right,l")."""
    return isinstance(value, dict) and len(value) <= 200 and all(
        isinstance(name, str) and isinstance(keys, str) and 0 < len(name) <= 60 and 0 < len(keys) <= 60
        and all(KEY_NAMES.match(part) for part in keys.split(","))
        for name, keys in value.items())


def _valid_machine(name: str, role: str, value: str) -> bool:
    """A saved VM name, or a saved address that is printable text (an address that does not parse
    is kept: the checks explain what is wrong with it, quoting it with repr())."""
    from tutor.live.multipass import valid_vm_name

    if name == "vms":
        return valid_vm_name(value)
    return 0 < len(value) <= MAX_SAVED_TEXT and value.isprintable() and role.isprintable()


def _valid_domain(value: str) -> bool:
    from tutor.live.hosts import HostError, parse_domain

    try:
        parse_domain(value)
    except HostError:
        return False
    return True
