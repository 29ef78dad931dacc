"""Where tutor finds its shipped data (lessons, assets) and keeps the user's files."""

from __future__ import annotations

import os
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _data_root() -> Path:
    """The folder holding `lessons/` and `assets/`: inside the wheel, or the source checkout."""
    installed = _PACKAGE / "_data"
    if (installed / "lessons").is_dir():
        return installed
    return _PACKAGE.parent


def lessons_dir() -> Path:
    """The shipped lessons folder."""
    return _data_root() / "lessons"


def drills_dir() -> Path:
    """The shipped break-fix drills (`drills/<nn>-<id>/drill.toml`, `drills/baseline.toml`)."""
    return _data_root() / "drills"


def assets_dir() -> Path:
    """The shipped assets folder (scenarios, sample nginx configs)."""
    return _data_root() / "assets"


def scenarios_dir() -> Path:
    """The shipped simulator scenarios (`assets/scenarios/*.toml`)."""
    return assets_dir() / "scenarios"


def exists(path: Path) -> bool:
    """`path.exists()`, but False where the system cannot even look (a name too long: ENAMETOOLONG)."""
    try:
        return path.exists()
    except OSError:
        return False


def is_file(path: Path) -> bool:
    """`path.is_file()`, but False where the system cannot even look (see `exists`)."""
    try:
        return path.is_file()
    except OSError:
        return False


def scenario_file(name_or_path: str | Path) -> Path:
    """A shipped scenario name ("lb-one-dies") as its file in `scenarios_dir()`, else the path as given."""
    path = Path(name_or_path)
    if path.suffix != ".toml" and not exists(path):
        shipped = scenarios_dir() / f"{name_or_path}.toml"
        if exists(shipped):
            return shipped
    return path


def shipped_scenarios() -> list[str]:
    """The names of the shipped scenarios, sorted."""
    return sorted(path.stem for path in scenarios_dir().glob("*.toml"))


def user_data_dir() -> Path:
    """Where progress and settings are saved; `TUTOR_DATA_DIR` overrides it (tests use this)."""
    override = os.environ.get("TUTOR_DATA_DIR")
    if override:
        return Path(override)
    from platformdirs import user_data_path

    return user_data_path("tutor", appauthor=False)
