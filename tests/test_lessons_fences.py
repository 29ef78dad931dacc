"""One lesson parser: every code fence of a step is data (language, options, where it stands, its
lines), and filling, lint, the time estimate and the lesson self-test read the parser's fences."""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

import pytest

from tutor.i18n import tr
from tutor.lessons.estimate import prose_words
from tutor.cli.lint import run as run_lint
from tutor.lessons.lint import LintUsageError, lint
from tutor.lessons.prose import Ref, fence_spans, parse_file, prose_of
from tutor.lessons.values import Values, fill_markdown, fill_step
from tutor.lessons.vocabulary import LESSON_TEXT

# The architecture review's appendix B: a ```` fence that shows a ``` block and `{app1_ip}`, then prose.
NESTED = ("# T\n\n::::{step} s\n## Title\n\n````markdown\n```bash\necho hi\n```\n"
          "curl http://{app1_ip}:3000\n````\n\nThen open {proxy_ip} in prose.\n::::\n")

EVERYWHERE = """# T

::::{step} s
## Title

Type this:

```bash {role=laptop}
curl http://{proxy_ip}/
```

:::{hint}
Look here:

```bash {role=proxy}
sudo nginx -t
```
:::

:::{hint}
- nearly:

  ```nginx {role=proxy file=/etc/nginx/sites-enabled/x}
  proxy_pass http://{app1_ip}:3000;
  ```
:::

:::{solution}
```bash {role=laptop when=lab}
sudo tutor lab status
```

```text {example=tutorial}
10.37.19.64 hasil.xyz
```
:::

:::{predict} demo
What now?

```text
502 Bad Gateway
```

- [x] yes
- [ ] no

Because.
:::
::::
"""


def parsed_step(tmp_path: Path, text: str):
    (tmp_path / "en.md").write_text(text, encoding="utf-8")
    parsed = parse_file(tmp_path / "en.md")
    assert parsed.errors == []
    (step,) = parsed.steps
    return step


def test_a_fence_holding_a_fence_is_one_fence_and_the_prose_after_it_is_prose(tmp_path):
    step = parsed_step(tmp_path, NESTED)
    assert step.refs == [Ref("value", "app1_ip", 10), Ref("prose-value", "proxy_ip", 13)]
    (fence,) = step.fences
    assert (fence.language, fence.block, fence.line, fence.end) == ("markdown", "body", 6, 11)
    assert fence.code == "```bash\necho hi\n```\ncurl http://{app1_ip}:3000"
    shown = fill_step(step.text, Values.of({"app1_ip": "192.168.64.7", "proxy_ip": "192.168.64.5"}), "en").body
    assert "curl http://192.168.64.7:3000" in shown  # inside the fence: filled
    assert "Then open {proxy_ip} in prose." in shown  # prose: left as written
    assert shown.count("```bash") == 1 and shown.count("````") == 2


def test_lint_flags_the_prose_value_after_a_nested_fence_on_its_own_line(tmp_path):
    folder = tmp_path / "lessons" / "01-x"
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text('id = "x"\norder = 1\n[title]\nen = "T"\n\n[[step]]\nid = "s"\nminutes = 1\n',
                                        encoding="utf-8")
    (folder / "en.md").write_text(NESTED, encoding="utf-8")
    _, errors = lint(folder)
    about_values = [(error.line, error.message.split(" ")[0]) for error in errors if "named value" in error.message
                    or "outside a code fence" in error.message]
    assert about_values == [(13, "{proxy_ip}")]


def test_every_fence_of_a_step_is_data_with_where_it_stands(tmp_path):
    step = parsed_step(tmp_path, EVERYWHERE)
    rows = [(f.language, f.role, f.file, f.block, f.in_hint, f.in_solution, f.lab, f.tutorial, f.line, f.end)
            for f in step.fences]
    assert rows == [
        ("bash", "laptop", None, "body", False, False, False, False, 8, 10),
        ("bash", "proxy", None, "hint", True, False, False, False, 15, 17),
        ("nginx", "proxy", "/etc/nginx/sites-enabled/x", "hint", True, False, False, False, 23, 25),
        ("bash", "laptop", None, "solution", False, True, True, False, 29, 31),
        ("text", None, None, "solution", False, True, False, True, 33, 35),
        ("text", None, None, "predict", False, False, False, False, 41, 43),
    ]
    lines = EVERYWHERE.split("\n")
    for fence in step.fences:  # the lines are the file's: the opening fence and the closing one
        assert lines[fence.line - 1].lstrip().startswith("```" + fence.language)
        assert lines[fence.end - 1].strip() == "```"
    assert step.fences[2].code == "proxy_pass http://{app1_ip}:3000;"  # the list's indent is not code
    assert [fence.block for fence in step.text.commands] == ["body"]  # what the copy picker lists: the body's
    assert "sudo tutor lab status" in step.source


def test_filling_keeps_the_flags_of_the_fences_and_drops_the_labs_when_not_the_lab(tmp_path):
    step = parsed_step(tmp_path, EVERYWHERE)
    mine = {"proxy_ip": "192.168.64.5", "app1_ip": "192.168.64.7"}
    lab = fill_step(step.text, Values.of(mine, lab=True), "en")
    other = fill_step(step.text, Values.of(mine), "en")
    assert [fence.code for fence in lab.fences][0] == "curl http://192.168.64.5/"
    assert lab.fences[2].code == "proxy_pass http://192.168.64.7:3000;"
    assert [fence.block for fence in other.fences] == ["body", "hint", "hint", "solution", "predict"]
    assert "sudo tutor lab status" in lab.solution and "sudo tutor lab status" not in other.solution
    assert tr(LESSON_TEXT, "lab.note", "en") in lab.solution
    assert "on purpose" in other.solution and "{" not in other.solution.split("\n")[-3]
    assert "  proxy_pass http://192.168.64.7:3000;" in other.hints[1]  # filled where it stands, in the list


def test_fence_spans_follow_markdown_its_rules():
    markdown = "a\n\n~~~~text {when=lab}\n~~~\n```\n~~~~\n\n> ```bash\n> ls\n> ```\n\n```nginx\nunclosed {x}"
    spans = fence_spans(markdown)
    assert [(s.start, s.code, s.code_end, s.end, s.prefix, s.markup, s.language, s.lab) for s in spans] == [
        (2, 3, 5, 6, "", "~~~~", "text", True),
        (7, 8, 9, 10, "> ", "```", "bash", False),
        (11, 12, 13, 13, "", "```", "nginx", False),  # not closed: it runs to the end
    ]
    assert prose_of(markdown) == "a\n\n\n"
    assert prose_words("Two words\n\n````markdown\n```\nnot these\n```\n````\n\nthree more words") == 5


def test_a_quoted_lab_fence_keeps_its_note_in_the_quote():
    shown = fill_markdown("> ```bash {when=lab}\n> sudo tutor lab status\n> ```", Values(lab=True), "en")
    assert shown.split("\n")[0] == "> > " + tr(LESSON_TEXT, "lab.note", "en")
    assert "> ```bash" in shown.split("\n") and "when=lab" not in shown


def test_the_lesson_self_test_reads_the_parsers_fences(tmp_path):
    from lesson_lab import read_plan
    from tutor.lab import ADDRESSES
    from tutor.lessons.model import Lesson, StepMeta

    (tmp_path / "en.md").write_text(EVERYWHERE, encoding="utf-8")
    lesson = Lesson("x", 1, tmp_path, {"en": "T"}, {}, [StepMeta("s", roles=("laptop", "proxy"))])
    (plan,) = read_plan(lesson, "en")
    assert [(fence.block, fence.in_solution) for fence in plan.fences][-3:] == [
        ("solution", True), ("solution", True), ("predict", False)]
    assert plan.fences[2].code == f"proxy_pass http://{ADDRESSES['app1']}:3000;\n"  # the lab's address
    assert plan.files() == {"/etc/nginx/sites-enabled/x": plan.fences[2].code}  # a hint's config counts, as before


def test_lint_usage_errors_speak_the_learners_language(tmp_path, capsys):
    with pytest.raises(LintUsageError) as missing:
        lint(tmp_path / "nowhere")
    assert missing.value.text("id") == f"{tmp_path / 'nowhere'}: berkas atau folder ini tidak ada"
    with pytest.raises(LintUsageError) as empty:
        lint(tmp_path)
    assert str(empty.value) == f"{tmp_path}: no lessons here (no folder with a lesson.toml)"
    assert run_lint(SimpleNamespace(path=str(tmp_path), json=False, lang="id")) == 2
    assert capsys.readouterr().err == f"tutor lint: {tmp_path}: tidak ada materi di sini (tidak ada folder yang berisi lesson.toml)\n"


@pytest.mark.parametrize("source", [NESTED, EVERYWHERE], ids=["nested", "everywhere"])
def test_a_parsed_step_knows_where_the_fences_of_each_of_its_texts_stand(tmp_path, source):
    text = parsed_step(tmp_path, source).text
    known = dict(text.spans)
    texts = [text.body, *text.hints, text.solution or "", *(part.markdown for part in text.parts),
             *(item for predict in text.predicts for item in (predict.question, predict.explanation))]
    with_fences = [markdown for markdown in texts if fence_spans(markdown)]
    assert with_fences and all(known.get(markdown) == fence_spans(markdown) for markdown in with_fences)
    assert fill_step(text, Values(), "en").spans == ()  # a filled text's lines moved: it knows none
