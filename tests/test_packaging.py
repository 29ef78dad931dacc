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
    (found,) = out.glob("tutor_nginx_lab-*.whl")
    return found


def test_wheel_carries_lessons_assets_and_the_console_script(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    shipped_lessons = {str(p.relative_to(ROOT)) for p in (ROOT / "lessons").rglob("*") if p.is_file()}
    shipped_assets = {str(p.relative_to(ROOT)) for p in (ROOT / "assets").rglob("*") if p.is_file()}
    assert shipped_lessons and shipped_assets
    for rel in shipped_lessons | shipped_assets:
        assert f"tutor/_data/{rel}" in names
    assert "sim/__init__.py" in names and "tutor/cli/main.py" in names
    assert {f"tutor/locale/{path.name}" for path in (ROOT / "tutor" / "locale").glob("*.toml")} <= names
    assert "tutor/app.tcss" in names  # TutorApp.CSS_PATH
    web = ROOT / "tutor" / "web"
    assert {f"tutor/web/{path.relative_to(web)}" for path in (*web.glob("templates/*"), *web.glob("static/*"))} <= names
    metadata = zipfile.ZipFile(wheel).read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    assert "Name: tutor-nginx-lab" in metadata  # not "tutor": that is Open edX Tutor on PyPI
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


def test_readme_says_how_to_install_and_ci_runs_its_test_command():
    import tomllib

    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert project["name"] == "tutor-nginx-lab" and project["scripts"]["tutor"] == "tutor.cli:main"
    assert f"python{project['requires-python']}" in readme.lower().replace(" ", "") and "venv" in readme and "pipx" in readme
    blocks = readme.split("## Set up and run", 1)[1].split("```bash\n")
    setup, tests = blocks[1].split("```")[0].strip(), blocks[2].split("```")[0].strip()
    assert len(setup.splitlines()) == 2 and setup.endswith("pip install . && tutor")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert ci.rstrip().splitlines()[-1] == tests  # CI runs the README's test command, exactly

