// The class board: polls /api/v1/board twice a second and redraws. Every text from the server is
// set with textContent (never as HTML), so a learner's name cannot inject anything.
"use strict";
(function () {
  const token = new URLSearchParams(location.search).get("token") || "";
  const S = JSON.parse(document.getElementById("strings").textContent);
  const lang = encodeURIComponent(document.documentElement.lang);
  const headers = {"Authorization": "Bearer " + token};
  const $ = (id) => document.getElementById(id);
  let catalog = null;
  let chosenLesson = null;
  let failures = 0;

  function el(tag, text, cls) {
    const node = document.createElement(tag);
    if (text !== undefined && text !== null) node.textContent = String(text);
    if (cls) node.className = cls;
    return node;
  }
  function fill(select, items) {
    select.replaceChildren(...items.map(([value, label]) => { const o = el("option", label); o.value = value; return o; }));
  }
  function ago(seconds) {
    seconds = Math.max(0, Math.floor(seconds));
    const m = Math.floor(seconds / 60), s = seconds % 60;
    return m >= 60 ? Math.floor(m / 60) + "h" + String(m % 60).padStart(2, "0") : m + ":" + String(s).padStart(2, "0");
  }
  async function api(path, body) {
    const init = body === undefined ? {headers} : {method: "POST", headers: {...headers, "Content-Type": "application/json"}, body: JSON.stringify(body)};
    const answer = await fetch(path, init);
    if (!answer.ok) throw new Error((await answer.json().catch(() => ({}))).error || answer.status);
    return answer;
  }
  function lessonOf(id) { return catalog.lessons.find((l) => l.id === id); }
  function stepTitle(lessonId, stepId) {
    const lesson = catalog && lessonOf(lessonId);
    const step = lesson && lesson.steps.find((s) => s.id === stepId);
    return step ? step.title : (stepId || "");
  }

  function render(board) {
    const lesson = lessonOf(board.lesson) || {steps: []};
    if (!chosenLesson && board.lesson) $("lesson").value = board.lesson;
    const head = [el("th", S.learner), el("th", S.now), el("th", S.failing)];
    lesson.steps.forEach((step, i) => { const th = el("th", i + 1, "step"); th.title = step.title; head.push(th); });
    $("head").replaceChildren(...head);
    const counts = [el("th", S.class_counts, "counts-label"), el("th", ""), el("th", "")];
    board.steps.forEach((step) => {
      const td = el("td", step.done, "count");
      td.title = S.count_help.replace("{done}", step.done).replace("{here}", step.here);
      if (step.here) td.append(el("span", "●" + step.here, "here"));
      counts.push(td);
    });
    $("counts").replaceChildren(...counts);
    const rows = board.learners.map((learner) => {
      const tr = el("tr");
      tr.dataset.learner = learner.id;
      if (learner.hand) tr.classList.add("hand");
      if (learner.stuck) tr.classList.add("stuck");
      const name = el("td", "", "name");
      if (learner.hand) name.append(el("span", S.hand, "badge hand-badge"));
      name.append(el("span", learner.name, "learner-name"));
      if (learner.stuck) name.append(el("span", learner.stuck_reason === "check" ? S.stuck_check : S.stuck_time, "badge"));
      const now = el("td", "", "where");
      if (learner.step) {
        const other = learner.lesson !== board.lesson ? learner.lesson + " · " : "";
        now.append(el("span", ago(board.now - learner.since) + " ", "since"));
        now.append(el("span", other + stepTitle(learner.lesson, learner.step)));
      }
      const failing = el("td", learner.last_failed_check ? learner.last_failed_check + (learner.last_failed_code ? " (" + learner.last_failed_code + ")" : "") : "", "failing");
      const cells = lesson.steps.map((step) => {
        const here = learner.lesson === board.lesson && learner.step === step.id;
        const done = learner.done.includes(step.id);
        return el("td", done ? "✓" : (here ? "●" : ""), "cell" + (done ? " done" : "") + (here ? " here" : ""));
      });
      tr.append(name, now, failing, ...cells);
      return tr;
    });
    $("rows").replaceChildren(...rows);
    $("empty").hidden = board.learners.length > 0;
    const stuck = board.learners.filter((l) => l.stuck).length;
    $("summary").textContent = S.summary.replace("{learners}", board.learners.length).replace("{hands}", board.hands).replace("{stuck}", stuck);
    $("broadcast-line").hidden = !board.broadcast;
    $("broadcast-line").textContent = board.broadcast;
    if (document.activeElement !== $("stuck")) $("stuck").value = board.stuck_minutes;
  }

  async function tick() {
    try {
      const query = "?lang=" + lang + (chosenLesson ? "&lesson=" + encodeURIComponent(chosenLesson) : "");
      render(await (await api("/api/v1/board" + query)).json());
      $("status").textContent = "";
      failures = 0;
    } catch (error) {
      failures += 1;
      if (failures > 2) $("status").textContent = S.offline;
    }
    setTimeout(tick, 500);
  }

  function stepChoices() {
    const items = [];
    catalog.lessons.forEach((lesson, li) => lesson.steps.forEach((step, si) =>
      items.push([lesson.id + "\n" + step.id, (li + 1) + "." + (si + 1) + " " + step.title])));
    return items;
  }
  async function push(body, said) {
    try {
      await api("/api/v1/push", body);
      $("push-said").textContent = said;
    } catch (error) {
      $("push-said").textContent = S.push_failed + " " + error.message;
    }
  }

  async function start() {
    catalog = await (await api("/api/v1/catalog?lang=" + lang)).json();
    fill($("lesson"), catalog.lessons.map((l) => [l.id, l.title]));
    fill($("push-step"), stepChoices());
    fill($("push-scenario"), catalog.scenarios.map((s) => [s, s]));
    $("lesson").addEventListener("change", () => { chosenLesson = $("lesson").value; });
    $("stuck").addEventListener("change", () => api("/api/v1/settings", {stuck_minutes: Number($("stuck").value)}).catch(() => {}));
    $("push-step-go").addEventListener("click", () => {
      const [lesson, step] = $("push-step").value.split("\n");
      push({kind: "step", lesson, step}, S.pushed);
    });
    $("push-scenario-go").addEventListener("click", () => push({kind: "scenario", scenario: $("push-scenario").value}, S.pushed));
    $("broadcast-go").addEventListener("click", () => push({kind: "broadcast", text: $("broadcast").value}, S.sent));
    for (const [id, path] of [["export-csv", "/api/v1/export.csv"], ["export-json", "/api/v1/export.json"]]) {
      $(id).addEventListener("click", async (event) => {
        event.preventDefault();
        const blob = await (await api(path)).blob();
        const link = el("a");
        link.href = URL.createObjectURL(blob);
        link.download = $(id).getAttribute("download");
        link.click();
        setTimeout(() => URL.revokeObjectURL(link.href), 1000);
      });
    }
    tick();
  }
  start().catch((error) => { $("status").textContent = S.offline + " " + error.message; });
})();
