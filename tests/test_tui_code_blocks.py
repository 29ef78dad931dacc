"""Code blocks wrap to the width they have, each wrapped row marked `↪` (it must not read as a
new command); copying stays exact; the copy picker offers a revealed solution's commands."""

from __future__ import annotations

from textual.content import Content

from tui_support import wait_for
from tutor.app import TutorApp
from tutor.screens.lesson import LessonScreen
from tutor.widgets.code_block import CONTINUATION, CodeLines, wrapped_rows

SED = "sudo sed -i 's#proxy_pass http://#proxy_pass http://http://#' /etc/nginx/dumbways/reverse_proxy.conf"


def test_wrapped_rows_fill_the_width_and_mark_every_continuation():
    code = Content(f"{SED}\nsudo nginx -t\n\n" + "x" * 200)
    for width in (20, 40, 79, 120):
        rows = wrapped_rows(code, width)
        assert all(row.cell_length <= width for row in rows)
        assert rows[0].plain == SED[:width]  # the first row uses the whole width
        lines, current = [], None
        for row in rows:
            if row.plain.startswith(CONTINUATION):
                current += row.plain[len(CONTINUATION):]
            else:
                if current is not None:
                    lines.append(current)
                current = row.plain
        lines.append(current)
        assert lines == code.plain.split("\n")  # nothing lost, nothing added but the marks


async def open_step(pilot, lesson: str, step: str) -> LessonScreen:
    assert pilot.app.open_lesson(lesson, step)
    await pilot.pause()
    screen = pilot.app.screen
    assert await wait_for(pilot, lambda: bool(screen.current_view().query(CodeLines)))
    return screen


async def test_a_long_command_wraps_at_the_full_width_with_a_marked_continuation():
    for size in ((120, 40), (80, 24)):
        async with TutorApp(lang="id").run_test(size=size) as pilot:
            screen = await open_step(pilot, "reverse-proxy", "spot-the-bug")
            block = next(lines for lines in screen.current_view().query(CodeLines) if SED in lines.code.plain)
            screen.current_view().scroll_to_widget(block, animate=False, top=True)
            await pilot.pause()
            width = block.content_region.width
            assert width >= screen.current_view().content_region.width - 4  # not a fixed 80 columns
            shown = [block.render_line(y).text.rstrip() for y in range(block.region.height)]
            assert shown[0] == SED[:width] and shown[1].startswith("↪ ")
            assert not any(line.startswith("/etc/") or line.startswith("rse_proxy") for line in shown)
            screen.copy_command(next(command for command in screen.copy_choices() if SED in command.code))
            assert SED in pilot.app.clipboard.splitlines()  # copied whole: no mark, no break


async def test_the_copy_picker_offers_commands_only_in_a_revealed_solution():
    async with TutorApp(lang="en").run_test(size=(100, 30)) as pilot:
        screen = await open_step(pilot, "web-server", "http-with-curl")
        before = [command.code for command in screen.copy_choices()]
        assert "curl -sI http://example.com/" not in before
        await pilot.press("v", "v")
        await pilot.pause()
        after = [command.code for command in screen.copy_choices()]
        assert after[:len(before)] == before
        assert any("curl -sI http://example.com/" in code for code in after[len(before):])
        assert len(after) == len(set(after))
        solution = [fence for fence in screen.text.fences if fence.in_solution]
        assert screen.copy_choices()[len(before):] == [fence for fence in solution if fence.code in after]
        # the lesson parser's fences (one parser), filled: not the solution's Markdown parsed again
