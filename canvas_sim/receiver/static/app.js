// The receiver's live page: reads /api/stream (server-sent events) and draws what arrived.
"use strict";

const $ = (id) => document.getElementById(id);
const ROWS_SHOWN = 500;
const SECONDS_SHOWN = 180;
const HIGHLIGHT_MS = 8000;
const SCORES = ["current_score", "final_score", "override_score", "unposted_current_score",
  "unposted_final_score"];
const SCORE_TITLES = { current_score: "current", final_score: "final",
  unposted_current_score: "current, unposted too", unposted_final_score: "final, unposted too",
  override_score: "override" };

const state = { rows: [], problems: [], rates: new Map(), course: "", grid: null,
  differs: new Set(), expectCells: [], types: new Set(), courses: [], source: null };

function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (key === "class") node.className = value; else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

function fmt(n) { return Number(n).toLocaleString("en-US", { maximumFractionDigits: 1 }); }

// --- the live stream ---------------------------------------------------------------------------

function connect() {
  if (state.source) state.source.close();
  const query = state.course ? `?course=${encodeURIComponent(state.course)}` : "";
  const source = new EventSource(`/api/stream${query}`);
  state.source = source;
  source.onopen = () => { $("status").textContent = "live"; $("status").className = "status live"; };
  source.onerror = () => {
    $("status").textContent = "reconnecting…"; $("status").className = "status down";
  };
  source.onmessage = (message) => apply(JSON.parse(message.data));
}

function apply(m) {
  $("events").textContent = fmt(m.events);
  $("requests").textContent = fmt(m.requests);
  $("rate").textContent = fmt(m.rate_now);
  const problems = Object.values(m.problem_counts).reduce((a, b) => a + b, 0);
  $("problem-total").textContent = fmt(problems);
  const behind = [];
  if (m.lagging > 100) behind.push(`the page is ${fmt(m.lagging)} events behind`);
  if (m.skipped) behind.push(`${fmt(m.skipped)} events skipped under load (counted, not shown)`);
  $("lag").hidden = !behind.length;
  $("lag").textContent = behind.join("; ");
  if (m.courses) setCourses(m.courses);
  if (m.grid !== undefined) drawGrid(m.grid);
  if (m.cells) for (const change of m.cells) changeCell(change);
  if (m.expect) showExpect(m.expect);
  for (const [second, count] of m.seconds) state.rates.set(second, count);
  drawChart();
  drawCounts(m.counts);
  drawProblemCounts(m.problem_counts);
  if (m.problems.length) addProblems(m.problems);
  if (m.rows.length) addRows(m.rows);
}

// --- gradebook ---------------------------------------------------------------------------------

function setCourses(courses) {
  state.courses = courses;
  for (const select of [$("course"), $("filter-course")]) {
    const keep = select.value;
    const first = select.id === "course" ? [] : [el("option", { value: "" }, "every course")];
    select.replaceChildren(...first, ...courses.map((c) =>
      el("option", { value: select.id === "course" ? c.id : c.name }, c.name)));
    select.value = keep || (select.id === "course" ? state.course || (courses[0] || {}).id : "");
  }
}

function cellId(user, column) { return `cell-${user}-${column}`; }

function drawGrid(grid) {
  state.grid = grid;
  const head = $("gradebook").tHead, body = $("gradebook").tBodies[0];
  $("gradebook-empty").hidden = Boolean(grid);
  if (!grid) { head.replaceChildren(); body.replaceChildren(); return; }
  if (!state.course) { state.course = grid.id; $("course").value = grid.id; }
  const columns = [...grid.assignments.map((a) => a.id), ...SCORES];
  head.replaceChildren(el("tr", {}, el("th", { class: "student" }, "student"),
    ...grid.assignments.map((a) => el("th", { title: `${a.title}: ${a.points ?? "?"} points` },
      a.title)),
    ...SCORES.map((s) => el("th", { class: "score" }, SCORE_TITLES[s]))));
  body.replaceChildren(...grid.students.map((s) => {
    const row = el("tr", { class: s.state && s.state !== "active" ? "inactive" : "" },
      el("td", { class: "student", title: s.state || "" },
        s.name + (s.state && s.state !== "active" ? ` (${s.state})` : "")));
    for (const column of columns) {
      const cell = el("td", { id: cellId(s.id, column), "data-user": s.id, "data-column": column,
        class: SCORES.includes(column) ? "score" : "" }, s.cells[column] ?? "");
      row.append(cell);
    }
    return row;
  }));
  markDiffers();
}

function changeCell(change) {
  const cell = document.getElementById(cellId(change.user, change.column));
  if (!cell) return;
  cell.replaceChildren();
  if (change.old && change.old !== change.new) {
    cell.append(el("span", { class: "old" }, change.old), el("span", { class: "arrow" }, "→"));
  }
  cell.append(el("span", { class: "new" }, change.new));
  cell.classList.add("changed");
  cell.dataset.value = change.cell;
  clearTimeout(cell._timer);
  cell._timer = setTimeout(() => {
    cell.classList.remove("changed"); cell.textContent = cell.dataset.value;
  }, HIGHLIGHT_MS);
}

function showExpect(expect) {
  const box = $("expect");
  box.hidden = false;
  state.expectCells = expect.cells;
  if (expect.count === 0) {
    box.className = "ok";
    box.textContent = "The gradebook matches the expected end state.";
  } else {
    box.className = "bad";
    box.replaceChildren(`${fmt(expect.count)} differences from the expected end state`,
      el("ul", {}, ...expect.lines.map((line) => el("li", {}, line))));
  }
  markDiffers();
}

function markDiffers() {
  for (const cell of document.querySelectorAll("td.differs")) cell.classList.remove("differs");
  if (!state.grid) return;
  for (const [course, user, column] of state.expectCells) {
    if (course !== state.grid.id) continue;
    const cell = document.getElementById(cellId(user, column));
    if (cell) cell.classList.add("differs");
  }
}

// --- rates and counts --------------------------------------------------------------------------

let chart = null;

function drawChart() {
  const now = Math.floor(Date.now() / 1000) - 1;
  const xs = [], ys = [];
  for (let t = now - SECONDS_SHOWN; t <= now; t++) { xs.push(t); ys.push(state.rates.get(t) || 0); }
  for (const t of state.rates.keys()) if (t < now - SECONDS_SHOWN) state.rates.delete(t);
  if (!window.uPlot) return;
  if (!chart) {
    const width = $("chart").clientWidth || 400;
    chart = new uPlot({ width, height: 180, legend: { show: false },
      scales: { y: { range: (u, lo, hi) => [0, Math.max(5, hi * 1.1)] } },
      series: [{}, { label: "events/s", stroke: "#2c6bd6", fill: "rgba(44,107,214,0.12)", width: 2 }],
      axes: [{}, { size: 50 }] }, [xs, ys], $("chart"));
    window.addEventListener("resize", () => chart.setSize({ width: $("chart").clientWidth, height: 180 }));
  } else {
    chart.setData([xs, ys]);
  }
}

function drawCounts(counts) {
  const entries = Object.entries(counts).sort((a, b) => b[1] - a[1]);
  const most = entries.length ? entries[0][1] : 1;
  $("counts").replaceChildren(...entries.map(([name, n]) => el("div", { class: "bar" },
    el("span", {}, name), el("div", { class: "fill", style: `width:${(100 * n) / most}%` }),
    el("span", { class: "n" }, fmt(n)))));
  for (const name of Object.keys(counts)) {
    if (!state.types.has(name)) {
      state.types.add(name);
      $("filter-type").append(el("option", { value: name }, name));
    }
  }
}

// --- problems ----------------------------------------------------------------------------------

function drawProblemCounts(counts) {
  $("problem-counts").replaceChildren(...Object.entries(counts).map(([kind, n]) =>
    el("span", { class: `count-${kind.replace(/\W/g, "-")}` }, `${kind}: ${fmt(n)}`)));
}

function addProblems(problems) {
  if (!state.problems.length) $("problems").replaceChildren();
  for (const p of problems) {
    state.problems.push(p);
    const when = new Date(p.at * 1000).toLocaleTimeString();
    const item = el("details", { class: "problem" },
      el("summary", {}, el("span", { class: "kind" }, p.kind), `${when} `, p.type ? `${p.type}: ` : "",
        p.reason),
      el("pre", {}, p.raw));
    $("problems").prepend(item);
  }
  while ($("problems").children.length > 200) $("problems").lastChild.remove();
}

// --- the feed ----------------------------------------------------------------------------------

function matches(row) {
  const type = $("filter-type").value, course = $("filter-course").value;
  const person = $("filter-person").value.trim().toLowerCase();
  return (!type || row.type === type) && (!course || row.course === course) &&
    (!person || row.people.some((p) => p.toLowerCase().includes(person)));
}

function rowNode(row) {
  return el("details", { class: "row", "data-type": row.type },
    el("summary", {}, el("span", { class: "type" }, row.type), el("span", { class: "time" }, row.time),
      row.text),
    el("pre", {}, JSON.stringify(row.raw, null, 2)));
}

function addRows(rows) {
  state.rows.push(...rows);
  if (state.rows.length > ROWS_SHOWN) state.rows.splice(0, state.rows.length - ROWS_SHOWN);
  const feed = $("feed");
  for (const row of rows) if (matches(row)) feed.prepend(rowNode(row));
  while (feed.children.length > ROWS_SHOWN) feed.lastChild.remove();
}

function redrawFeed() {
  $("feed").replaceChildren(...state.rows.filter(matches).reverse().map(rowNode));
}

for (const id of ["filter-type", "filter-course", "filter-person"]) {
  $(id).addEventListener("input", redrawFeed);
}
$("course").addEventListener("change", () => {
  state.course = $("course").value;
  state.rows = []; state.problems = []; state.rates.clear();
  $("feed").replaceChildren(); $("problems").replaceChildren();
  connect();
});
connect();
