"""The lesson screen fills `{named}` values with the learner's machines: shown, copied and simulated alike."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Markdown, Static

from tui_support import open_first_lesson
from tutor.app import TutorApp

SIZE = (100, 30)
TOML = """id = "values-demo"
order = 1
title = { id = "Nilai", en = "Values" }
summary = { id = "Ringkas.", en = "Summary." }

[[step]]
id = "one"
covers = ["rp-1"]
roles = ["laptop", "proxy"]
"""
STEP = """# {title}

::::{{step}} one
## {heading}

```bash {{role=laptop}}
curl -H 'Host: {{domain}}' http://{{proxy_ip}}/
```

:::{{predict}} rp-app-stopped
{question}

- [x] 502
- [ ] 504

{explanation}
:::

:::{{hint}}
{hint1}
:::

:::{{hint}}
{hint2}
:::
::::
"""


def write_lesson(root: Path) -> Path:
    folder = root / "lessons" / "01-values-demo"
    folder.mkdir(parents=True)
    (folder / "lesson.toml").write_text(TOML)
    (folder / "en.md").write_text(STEP.format(title="Values", heading="One", question="What then?",
                                              explanation="Because.", hint1="Which machine?", hint2="The proxy."))
    (folder / "id.md").write_text(STEP.format(title="Nilai", heading="Satu", question="Lalu apa?",
                                              explanation="Karena.", hint1="Mesin mana?", hint2="Proxy."))
    return root / "lessons"


def body(app: TutorApp) -> str:
    return "\n".join(md.source for md in app.screen.current_view().query(Markdown))


async def test_examples_are_marked_then_the_saved_machines_fill_text_copy_and_simulator(tmp_path):
    app = TutorApp(lang="en", lessons_root=write_lesson(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_first_lesson(pilot)
        await pilot.pause()
        shown = body(app)
        assert "curl -H 'Host: hasil.xyz' http://10.37.19.64/" in shown
        assert "Example, not yours yet" in shown and "`10.37.19.64` (proxy_ip)" in shown
        await pilot.press("c")
        assert app.clipboard == "curl -H 'Host: hasil.xyz' http://10.37.19.64/"
        assert "example addresses (proxy_ip)" in str(screen.query_one("#status", Static).render())

        app.settings.hosts = {"proxy": "192.168.64.5", "app1": "192.168.64.7:3000"}
        app.settings.domain = "contoh.test"
        await pilot.press("m")  # the machines screen, then back: the step is shown again with the new values
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert app.screen is screen
        shown = body(app)
        assert "curl -H 'Host: contoh.test' http://192.168.64.5/" in shown
        assert "10.37.19" not in shown and "Example" not in shown
        await pilot.press("c")
        assert app.clipboard == "curl -H 'Host: contoh.test' http://192.168.64.5/"
        assert app.clipboard in shown  # what is copied is exactly what is on screen

        await pilot.press("s")  # builds the question's panel: its simulator draws the learner's app1
        await pilot.pause()
        panel = screen.current_view().query("PredictPanel").first()
        assert [server.address for server in panel.sim.player.scenario.servers] == ["192.168.64.7:3000"]
