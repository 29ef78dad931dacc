"""How long a step takes a learner who types everything: the estimate behind `minutes` in lesson.toml.

`python -m tutor.lessons.estimate [LESSONS] [--lang id]` prints, per step, the estimate next to
the `minutes` and `core` that lesson.toml says, and the core path's total per lesson. The author
then judges (a step whose output needs reading, a tricky edit) and writes `minutes`; lint only
checks that it is there. lessons/README.md gives the model.
"""

from __future__ import annotations

import math
import re
import sys
from dataclasses import dataclass
from pathlib import Path

from tutor.lessons.model import Lesson, StepText
from tutor.lessons.prose import prose_of

READING_WPM = 150  # Indonesian prose of a technical lesson, read with care
TYPING_CPS = 2.0  # characters per second a beginner types commands and config lines
PER_COMMAND_S = 15  # pressing Enter, reading what came back
PER_PREDICT_S = 60  # thinking about a question, then watching the simulator answer it
PER_SIM_S = 30  # watching a {sim} block play
# Waiting, measured or from the tutorial (a command line matching the pattern waits this long).
WAITS: tuple[tuple[str, int], ...] = (
    (r"\bmultipass launch\b", 90),  # downloading/booting an Ubuntu image
    (r"\bnpm install\b", 90),  # ~1-2 min on a 2 GB VM
    (r"\bnpm start\b", 45),  # react-scripts compiles 30-60 s on a VM
    (r"\bnvm install\b", 60),
    (r"\bapt(-get)? install\b", 60),
    (r"\bapt(-get)? update\b", 30),
    (r"\bgit clone\b", 20),
)
_WORD = re.compile(r"[^\W_]+(?:[-'][^\W_]+)*")
_LOOP = re.compile(r"\bseq (\d+)\b.*?\bsleep (\d+(?:\.\d+)?)")
TYPED = ("bash", "nginx")  # powershell blocks are the Windows alternative of a bash block


@dataclass(frozen=True)
class Estimate:
    """Seconds a step takes, by kind."""

    reading: float
    typing: float
    waiting: float

    @property
    def minutes(self) -> int:
        return max(1, math.ceil((self.reading + self.typing + self.waiting) / 60))


def prose_words(markdown: str) -> int:
    """The words of `markdown` outside its code fences (the lesson parser's) and comment lines."""
    return sum(len(_WORD.findall(line)) for line in prose_of(markdown).split("\n")
               if not line.lstrip().startswith("<!--"))


def estimate(text: StepText) -> Estimate:
    """The time of one step's text: its body, questions and captions read (hints and the solution
    not), its typed commands and config typed (lab-only blocks not), and their waits."""
    read = [text.body, *text.sim_captions]
    for predict in text.predicts:
        read += [predict.question, *(choice.text for choice in predict.choices), predict.explanation]
    reading = sum(prose_words(markdown) for markdown in read) / READING_WPM * 60
    typing = waiting = 0.0
    for command in text.commands:
        if command.language not in TYPED or command.tutorial or command.lab:
            continue
        lines = [line for line in command.code.split("\n") if line.strip() and not line.lstrip().startswith("#")]
        typing += sum(len(line.strip()) for line in lines) / TYPING_CPS
        if command.language == "bash":
            typing += PER_COMMAND_S * len(lines)
            for line in lines:
                waiting += sum(seconds for pattern, seconds in WAITS if re.search(pattern, line))
                loop = _LOOP.search(line)
                waiting += int(loop[1]) * float(loop[2]) if loop else 0
        else:
            typing += PER_COMMAND_S  # saving the file
    waiting += PER_PREDICT_S * len(text.predicts) + PER_SIM_S * len(text.sims)
    return Estimate(reading, typing, waiting)


def report(lesson: Lesson, lang: str) -> list[str]:
    """One line per step (estimate, lesson.toml's minutes and core), then the core path's total."""
    rows = [f"{lesson.id}"]
    total = 0
    for number, meta in enumerate(lesson.steps, 1):
        found = estimate(lesson.step_text(meta.id, lang))
        total += found.minutes if meta.core else 0
        rows.append(f"  {number:2}. {meta.id:26} estimate {found.minutes:3} min (read {found.reading / 60:4.1f}, "
                    f"type {found.typing / 60:4.1f}, wait {found.waiting / 60:4.1f})   lesson.toml: "
                    f"{meta.minutes:3} min {'core' if meta.core else 'optional'}")
    rows.append(f"  core path: estimate {total} min, lesson.toml {lesson.core_minutes} min")
    return rows


def main(argv: list[str]) -> int:
    """`python -m tutor.lessons.estimate [LESSONS] [--lang id|en]`: the report; 2 on bad usage."""
    import argparse

    from tutor.lessons.loader import load_lessons
    from tutor.paths import lessons_dir

    parser = argparse.ArgumentParser(prog="python -m tutor.lessons.estimate")
    parser.add_argument("path", nargs="?", help="a lessons folder (default: the shipped lessons)")
    parser.add_argument("--lang", choices=("id", "en"), default="id", help="the text to time (default: id)")
    args = parser.parse_args(argv)
    lessons = load_lessons(Path(args.path) if args.path else lessons_dir()).lessons
    if not lessons:
        print(f"{parser.prog}: no lessons in {args.path}", file=sys.stderr)
        return 2
    for lesson in lessons:
        print("\n".join(report(lesson, args.lang)))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
