"""`pip install .` (not editable) must give a `tutor` that finds its lessons and assets."""

from __future__ import annotations

import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(out), str(ROOT)],
                   check=True, timeout=300, capture_output=True)
    (found,) = out.glob("tutor-*.whl")
    return found


def test_wheel_carries_lessons_assets_and_the_console_script(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_lessons = {str(p.relative_to(ROOT)) for p in (ROOT / "lessons").rglob("*") if p.is_file()}
    shipped_assets = {str(p.relative_to(ROOT)) for p in (ROOT / "assets").rglob("*") if p.is_file()}
    assert shipped_lessons and shipped_assets
    for rel in shipped_lessons | shipped_assets:
        assert f"tutor/_data/{rel}" in names
    assert "sim/__init__.py" in names and "tutor/cli.py" in names
    assert {f"tutor/locale/{path.name}" for path in (ROOT / "tutor" / "locale").glob("*.toml")} <= names
    assert "tutor/app.tcss" in names  # TutorApp.CSS_PATH
    web = ROOT / "tutor" / "web"
    assert {f"tutor/web/{path.relative_to(web)}" for path in (*web.glob("templates/*"), *web.glob("static/*"))} <= names
    entry_points = next(n for n in names if n.endswith("entry_points.txt"))
    assert "tutor = tutor.cli:main" in zipfile.ZipFile(wheel).read(entry_points).decode()


def test_installed_wheel_finds_its_lessons_from_anywhere(wheel, tmp_path):
    """Unpack the wheel as site-packages would and run `tutor lint` from an unrelated folder."""
    site = tmp_path / "site"
    zipfile.ZipFile(wheel).extractall(site)
    env = {**os.environ, "PYTHONPATH": str(site)}
    done = subprocess.run([sys.executable, "-c", "import tutor.paths as p, sys; print(p.lessons_dir())"],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert Path(done.stdout.strip()) == site / "tutor" / "_data" / "lessons"
    lint = subprocess.run([sys.executable, "-m", "tutor", "lint", "--json"], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert '"reverse-proxy"' in lint.stdout, lint.stdout + lint.stderr
    report = subprocess.run([sys.executable, "-m", "tutor", "sim", "--lang", "id"], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert report.returncode == 0 and report.stdout.startswith("Skenario:"), report.stdout + report.stderr
