"""Loading lessons from their folders: `load_lessons(root)` for the app, `read_lesson(folder)` for lint.

Loading is cheap: only `lesson.toml` is read up front. A lesson's `id.md`/`en.md` are parsed the
first time its texts are used (or by `preload_texts` in a background worker), and every parse is
cached until the file changes, so opening a step never parses Markdown twice.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from tutor.lessons.meta import MetaReading, read_meta
from tutor.lessons.model import Lesson, LessonError, LessonSet, StepText
from tutor.lessons.prose import ParsedFile, parse_file
from tutor.lessons.vocabulary import LANGUAGES

LESSON_FILE = "lesson.toml"

_Signature = tuple[tuple[int, int] | None, ...]
_cache: dict[tuple[str, Path], tuple[_Signature, object]] = {}
_cache_lock = threading.Lock()


class LessonLoadError(Exception):
    """A lesson that cannot be used at all; `errors` says where and why."""

    def __init__(self, errors: list[LessonError]) -> None:
        super().__init__("; ".join(str(error) for error in errors))
        self.errors = errors


@dataclass
class LessonReading:
    """Everything lint needs about one lesson folder, fully parsed."""

    folder: Path
    meta: MetaReading
    files: dict[str, ParsedFile]  # language -> its parsed file (only files that exist and read)
    errors: list[LessonError] = field(default_factory=list)  # every problem found while reading
    lesson: Lesson | None = None  # None when the lesson cannot be used


def language_file(folder: Path, lang: str) -> Path:
    """The prose file of `lang` in a lesson folder (`id.md`, `en.md`)."""
    return folder / f"{lang}.md"


def lesson_folders(root: Path) -> list[Path]:
    """The subfolders of `root` that hold a lesson.toml, by name."""
    try:
        children = sorted(root.iterdir())
    except OSError:
        return []
    return [child for child in children if is_file(child / LESSON_FILE)]


def is_file(path: Path) -> bool:
    """`path.is_file()`, False instead of an error for a folder we may not read."""
    try:
        return path.is_file()
    except OSError:
        return False


def load_lessons(root: Path) -> LessonSet:
    """Every lesson under `root`, sorted by `order`; lessons that fail to load go to `broken`.

    Error files are given relative to `root`'s parent (e.g. `lessons/02-reverse-proxy/en.md`).
    """
    lessons: list[Lesson] = []
    broken: dict[str, list[LessonError]] = {}
    candidates: list[tuple[Path, Lesson]] = []
    for folder in lesson_folders(root):
        try:
            candidates.append((folder, load_lesson(folder)))
        except LessonLoadError as exc:
            broken[folder.name] = [relative_error(error, root.parent) for error in exc.errors]
    candidates.sort(key=lambda item: (item[1].order, item[0].name))
    for folder, lesson in candidates:
        first = next((other for other in lessons if other.id == lesson.id), None)
        if first is None:
            lessons.append(lesson)
            continue
        message = f"lesson id {lesson.id!r} is already used by {first.folder.name}"
        broken[folder.name] = [relative_error(LessonError(str(folder / LESSON_FILE), 1, message), root.parent)]
    errors = [error for folder_errors in broken.values() for error in folder_errors]
    return LessonSet(lessons, errors, broken)


def load_lesson(folder: Path) -> Lesson:
    """The lesson in `folder` (texts parsed on first use). Raises LessonLoadError if unusable."""
    folder = Path(folder)
    paths = _lesson_paths(folder)
    return _cached("lesson", folder, paths, lambda: _build_lesson(folder))


def read_lesson(folder: Path) -> LessonReading:
    """Read and parse everything in a lesson folder, collecting every problem (for lint)."""
    folder = Path(folder)
    meta = _read_meta(folder / LESSON_FILE)
    errors = list(meta.errors)
    files: dict[str, ParsedFile] = {}
    for lang in LANGUAGES:
        path = language_file(folder, lang)
        try:
            if not path.exists():
                continue
        except OSError:
            pass  # a folder we may not read: parsing says so
        parsed = parsed_file(path)
        if isinstance(parsed, LessonError):
            errors.append(parsed)
        else:
            files[lang] = parsed
            errors.extend(parsed.errors)
    try:
        lesson = load_lesson(folder)
    except LessonLoadError:
        lesson = None
    if not files and meta.meta is not None and not any(language_file(folder, lang).exists() for lang in LANGUAGES):
        errors.append(_no_text_error(folder))
    return LessonReading(folder, meta, files, errors, lesson)


def parsed_file(path: Path) -> ParsedFile | LessonError:
    """The parsed language file at `path` (cached), or an error when it cannot be read."""

    def parse() -> ParsedFile | LessonError:
        try:
            return parse_file(path)
        except OSError as exc:
            return LessonError(str(path), 1, f"cannot read {path.name}: {exc.strerror or exc}")

    return _cached("prose", path, (path,), parse)


def preload_texts(lessons: Iterable[Lesson]) -> None:
    """Parse every lesson's texts now (call it from a worker so the first step opens at once)."""
    for lesson in lessons:
        len(lesson.texts)


def relative_error(error: LessonError, base: Path) -> LessonError:
    """`error` with its file given relative to `base` when the file is inside it."""
    try:
        relative = os.path.relpath(error.file, base)
    except ValueError:
        return error
    if relative.startswith(".."):
        return error
    return LessonError(relative, error.line, error.message)


class LazyTexts(Mapping[str, dict[str, StepText]]):
    """`Lesson.texts` (language -> step id -> text), parsed from the files on first access."""

    def __init__(self, paths: dict[str, Path]) -> None:
        self._paths = paths
        self._texts: dict[str, dict[str, StepText]] | None = None
        self._lock = threading.Lock()

    @property
    def loaded(self) -> bool:
        return self._texts is not None

    def _load(self) -> dict[str, dict[str, StepText]]:
        if self._texts is None:
            with self._lock:
                if self._texts is None:
                    texts = {}
                    for lang, path in self._paths.items():
                        parsed = parsed_file(path)
                        if isinstance(parsed, ParsedFile):
                            texts[lang] = {step.id: step.text for step in parsed.steps}
                    self._texts = texts
        return self._texts

    def __getitem__(self, lang: str) -> dict[str, StepText]:
        return self._load()[lang]

    def __iter__(self) -> Iterator[str]:
        return iter(self._load())

    def __len__(self) -> int:
        return len(self._load())


def _build_lesson(folder: Path) -> Lesson:
    meta = _read_meta(folder / LESSON_FILE)
    if meta.meta is None:
        raise LessonLoadError(meta.errors)
    paths = {lang: language_file(folder, lang) for lang in LANGUAGES if is_file(language_file(folder, lang))}
    if not paths:
        raise LessonLoadError([*meta.errors, _no_text_error(folder)])
    data = meta.meta
    return Lesson(
        id=data.id,
        order=data.order,
        folder=folder,
        title=data.title,
        summary=data.summary,
        steps=data.steps,
        texts=LazyTexts(paths),  # a read-only mapping, filled on first use
        requires=data.requires,
    )


def _no_text_error(folder: Path) -> LessonError:
    return LessonError(str(language_file(folder, LANGUAGES[0])), 1, "the lesson has no text: neither id.md nor en.md exists")


def _read_meta(path: Path) -> MetaReading:
    return _cached("meta", path, (path,), lambda: read_meta(path))


def _lesson_paths(folder: Path) -> tuple[Path, ...]:
    return (folder / LESSON_FILE, *(language_file(folder, lang) for lang in LANGUAGES))


def _signature(paths: tuple[Path, ...]) -> _Signature:
    signature: list[tuple[int, int] | None] = []
    for path in paths:
        try:
            stat = path.stat()
        except OSError:
            signature.append(None)
        else:
            signature.append((stat.st_mtime_ns, stat.st_size))
    return tuple(signature)


def _cached(kind: str, key: Path, paths: tuple[Path, ...], compute):
    """`compute()`, remembered until one of `paths` changes (mtime or size). Errors are cached too."""
    signature = _signature(paths)
    with _cache_lock:
        hit = _cache.get((kind, key))
    if hit is not None and hit[0] == signature:
        result = hit[1]
    else:
        try:
            result = compute()
        except LessonLoadError as exc:
            result = exc
        with _cache_lock:
            _cache[(kind, key)] = (signature, result)
    if isinstance(result, LessonLoadError):
        raise result
    return result
