"""DESIGN.md is the design the code cites: every `DESIGN.md section N` (or `sections N and M`)
in the tree names a `## N.` heading that exists in DESIGN.md."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CITING = ("tutor", "sim", "tests", "assets", "benchmarks", "lessons", "drills")
SUFFIXES = {".py", ".md", ".toml", ".txt", ".tcss", ".html", ".js", ".css"}
# "DESIGN.md section 3", "DESIGN.md sections 2 and 8", "DESIGN.md sections 2, 3 and 8"
CITATION = re.compile(r"DESIGN\.md,?\s+(?:§\s*|sections?\s+)(\d+(?:(?:\s*,\s*|\s+and\s+)\d+)*)")
HEADING = re.compile(r"^## (\d+)\. \S", re.MULTILINE)


def sections(text: str) -> set[int]:
    """The section numbers DESIGN.md's `## N. Title` headings give."""
    return {int(number) for number in HEADING.findall(text)}


def citations(text: str) -> list[int]:
    """Every section number `text` cites as DESIGN.md's."""
    return [int(number) for match in CITATION.finditer(text) for number in re.findall(r"\d+", match.group(1))]


def cited_in_tree() -> dict[str, list[int]]:
    """path -> the DESIGN.md sections it cites, for every citing file of the tree."""
    found = {}
    for top in CITING:
        for path in sorted((ROOT / top).rglob("*")):
            if path.suffix in SUFFIXES and path.is_file() and path != Path(__file__).resolve():
                numbers = citations(path.read_text(encoding="utf-8", errors="replace"))
                if numbers:
                    found[str(path.relative_to(ROOT))] = numbers
    return found


def test_every_citation_names_a_section_of_design_md():
    design = sections((ROOT / "DESIGN.md").read_text(encoding="utf-8"))
    cited = cited_in_tree()
    assert len(cited) >= 15  # the tree does cite it (a broken pattern would find nothing and pass)
    missing = {path: [n for n in numbers if n not in design] for path, numbers in cited.items()}
    assert {path: numbers for path, numbers in missing.items() if numbers} == {}


def test_the_citation_pattern_reads_every_form_the_tree_uses():
    assert citations("the JSON shape of DESIGN.md section 3 (plus)") == [3]
    assert citations("(DESIGN.md sections 2 and 8).") == [2, 8]
    assert citations("DESIGN.md sections 2, 3 and 8") == [2, 3, 8]
    assert citations("# DESIGN.md section 5 (binding).") == [5]
    assert citations("see DESIGN.md for the rest") == []


def test_design_md_numbers_its_sections_once_each_in_order():
    numbers = [int(n) for n in HEADING.findall((ROOT / "DESIGN.md").read_text(encoding="utf-8"))]
    assert numbers == list(range(1, len(numbers) + 1))
