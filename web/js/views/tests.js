// Tests for admins: create one from items of the bank, assign batches, release results, the
// results with filters and a score distribution drawn on the page, and CSV/XLSX reports.

import { get, patch, post, query } from "../api.js";
import { describe, field, form, h, link, message, option, pager, progressBar, table, when } from "../dom.js";
import { followJob } from "../jobs.js";
import { go } from "../main.js";

export async function testsView() {
  const found = await get("/tests?per_page=50");
  return h(
    "section",
    {},
    h("h1", {}, "Tests and results"),
    table(
      "Tests",
      [
        { label: "Title", cell: (test) => link(`/admin/tests/${test.id}`, test.title) },
        { label: "Window", cell: (test) => `${when(test.window_start)} to ${when(test.window_end)}` },
        { label: "Release", cell: (test) => (test.released_at ? `released ${when(test.released_at)}` : test.release) },
      ],
      found.items,
    ),
    await createTestForm(),
  );
}

function localInput(date) {
  const pad = (number) => String(number).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}T${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

async function createTestForm() {
  let campuses;
  try {
    campuses = await get("/campuses?per_page=100");
  } catch (error) {
    return message(describe(error), "info");
  }
  const items = await get("/items?per_page=100");
  const now = new Date();
  const later = new Date(now.getTime() + 2 * 3600 * 1000);
  const itemOptions = items.items.map((item) => option(item.id, `${item.type} (${item.level}): ${summaryOf(item)}`));
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, "Create a test"),
    form(
      "Create a test",
      [
        field("Title", "title", { required: true, maxlength: "200" }),
        field("Campus", "campus_id", { tag: "select", options: campuses.items.map((campus) => option(campus.id, campus.name)) }),
        field("Items (choose one or more)", "sections", { tag: "select", multiple: true, size: "6", options: itemOptions }, "Hold Ctrl (or Cmd) to choose several."),
        field("Minutes", "duration_minutes", { type: "number", min: "1", max: "600", value: "30" }),
        field("Opens", "window_start", { type: "datetime-local", value: localInput(now) }),
        field("Closes", "window_end", { type: "datetime-local", value: localInput(later) }),
        field("Attempts allowed", "attempts_allowed", { type: "number", min: "1", max: "10", value: "1" }),
        field("Results released", "release", {
          tag: "select",
          options: [option("manual", "When I release them"), option("immediate", "As soon as scored")],
        }),
      ],
      async (values, element) => {
        const chosen = [...element.querySelector('select[name="sections"]').selectedOptions].map((picked) => picked.value);
        const body = {
          title: values.title,
          campus_id: values.campus_id,
          sections: chosen.length ? [{ item_ids: chosen }] : [],
          duration_minutes: Number(values.duration_minutes),
          window_start: new Date(values.window_start).toISOString(),
          window_end: new Date(values.window_end).toISOString(),
          attempts_allowed: Number(values.attempts_allowed),
          release: values.release,
        };
        const test = await post("/tests", body);
        go(`/admin/tests/${test.id}`);
      },
      "Create the test",
    ),
  );
}

function summaryOf(item) {
  const content = item.content || {};
  const text = content.text || content.question || content.sentence || content.passage || content.prompt || "";
  return text.length > 50 ? `${text.slice(0, 47)}…` : text;
}

export async function testDetailView(testId, signal) {
  const test = await get(`/tests/${testId}`);
  const section = h("section", {}, h("h1", {}, test.title));
  section.append(
    h(
      "p",
      {},
      `${test.duration_minutes} minutes, open ${when(test.window_start)} to ${when(test.window_end)}; results ${
        test.released_at ? `released ${when(test.released_at)}` : test.release === "immediate" ? "released as scored" : "not released yet"
      }.`,
    ),
    await assignPanel(test),
    releasePanel(test, signal),
    await resultsPanel(test),
    reportsPanel(test, signal),
  );
  return section;
}

async function assignPanel(test) {
  let batches;
  try {
    batches = await get(`/batches${query({ campus_id: test.campus_id, per_page: 100 })}`);
  } catch (error) {
    return message(describe(error), "info");
  }
  const assigned = new Set(test.batch_ids || []);
  const outcome = h("div", { "aria-live": "polite" });
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, "Assign"),
    h("p", {}, assigned.size ? `Assigned to ${assigned.size} batch(es).` : "Not assigned yet."),
    form(
      "Assign batches",
      [
        field("Batches", "batch_ids", {
          tag: "select",
          multiple: true,
          size: "4",
          options: batches.items.map((batch) => option(batch.id, batch.name, assigned.has(batch.id))),
        }),
      ],
      async (_values, element) => {
        const chosen = [...element.querySelector('select[name="batch_ids"]').selectedOptions].map((picked) => picked.value);
        const answer = await post(`/tests/${test.id}/assignments`, { batch_ids: chosen });
        outcome.replaceChildren(message(`Assigned. ${answer.assigned} student(s) newly assigned; each is told by email.`));
      },
      "Assign",
    ),
    outcome,
  );
}

function releasePanel(test, signal) {
  const outcome = h("div", { "aria-live": "polite" });
  const button = h("button", { type: "button" }, "Release the results now");
  button.addEventListener("click", async () => {
    button.disabled = true;
    const bar = progressBar("Release");
    outcome.replaceChildren(bar.element);
    try {
      const job = await post(`/tests/${test.id}/release`);
      const done = await followJob(job, (current) => bar.set(current.progress.done, current.progress.total), signal);
      if (done.state === "succeeded") bar.done(`Released ${done.result ? done.result.released : ""} result(s).`);
      else outcome.append(message(`The release ${done.state}.`, "error"));
    } catch (error) {
      outcome.append(message(describe(error), "error"));
    } finally {
      button.disabled = false;
    }
  });
  const modes = h("form", { class: "inline", "aria-label": "Release mode" });
  const select = h("select", { id: "release-mode", name: "release" }, option("manual", "When I release them", test.release === "manual"), option("immediate", "As soon as scored", test.release === "immediate"));
  modes.append(h("label", { for: "release-mode" }, "Results released"), select, h("button", { type: "submit", class: "secondary" }, "Change"));
  modes.addEventListener("submit", async (event) => {
    event.preventDefault();
    try {
      await patch(`/tests/${test.id}`, { release: select.value });
      outcome.replaceChildren(message("Release mode changed."));
    } catch (error) {
      outcome.replaceChildren(message(describe(error), "error"));
    }
  });
  return h("section", { class: "panel" }, h("h2", {}, "Release"), h("div", { class: "actions" }, button), modes, outcome);
}

const STATES = [
  ["", "Any state"],
  ["in_progress", "In progress"],
  ["scoring", "Scoring"],
  ["awaiting_release", "Awaiting release"],
  ["released", "Released"],
];

async function resultsPanel(test) {
  const rows = h("div", {});
  const chart = h("div", { class: "chart" });
  const filters = { batch_id: "", state: "" };
  const load = async (page = 1) => {
    const found = await get(`/tests/${test.id}/results${query({ ...filters, page, per_page: 20 })}`);
    rows.replaceChildren(
      table(
        "Results",
        [
          { label: "Student", cell: (row) => row.name || row.pseudonym || "—" },
          { label: "Roll number", cell: (row) => row.roll_number || "—" },
          { label: "State", cell: (row) => row.result_state },
          { label: "Overall", cell: (row) => String(row.overall ?? "—") },
          { label: "Started", cell: (row) => when(row.started_at) },
          { label: "Result", cell: (row) => link(`/attempts/${row.attempt_id}/result`, "Details") },
        ],
        found.items,
      ),
      pager(found, load),
    );
    chart.replaceChildren(await distribution(test.id, filters));
  };
  let batchOptions = [];
  try {
    const batches = await get(`/batches${query({ campus_id: test.campus_id, per_page: 100 })}`);
    batchOptions = batches.items.filter((batch) => (test.batch_ids || []).includes(batch.id)).map((batch) => option(batch.id, batch.name));
  } catch {
    batchOptions = [];
  }
  const filterForm = h(
    "form",
    { class: "inline", role: "search", "aria-label": "Filter results" },
    field("Batch", "batch_id", { tag: "select", options: [option("", "Every batch"), ...batchOptions] }),
    field("State", "state", { tag: "select", options: STATES.map(([value, text]) => option(value, text)) }),
    h("button", { type: "submit", class: "secondary" }, "Filter"),
  );
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    Object.assign(filters, Object.fromEntries(new FormData(filterForm).entries()));
    load(1).catch((error) => rows.replaceChildren(message(describe(error), "error")));
  });
  await load(1);
  return h("section", { class: "panel" }, h("h2", {}, "Results"), filterForm, chart, rows);
}

// The Overall scores (20-80) in bins of 5, drawn as an SVG bar chart with a text equivalent.
async function distribution(testId, filters) {
  const scores = [];
  for (let page = 1; page <= 5; page += 1) {
    const found = await get(`/tests/${testId}/results${query({ ...filters, page, per_page: 200 })}`);
    scores.push(...found.items.map((row) => row.overall).filter((value) => typeof value === "number"));
    if (page * 200 >= found.total) break;
  }
  const bins = [];
  for (let low = 20; low < 80; low += 5) bins.push({ low, high: low + 5, count: 0 });
  for (const score of scores) bins[Math.min(bins.length - 1, Math.floor((score - 20) / 5))].count += 1;
  const most = Math.max(1, ...bins.map((bin) => bin.count));
  const width = 360;
  const height = 160;
  const barWidth = width / bins.length;
  const svgNs = "http://www.w3.org/2000/svg";
  const svg = document.createElementNS(svgNs, "svg");
  svg.setAttribute("viewBox", `0 0 ${width} ${height + 20}`);
  svg.setAttribute("role", "img");
  svg.setAttribute("aria-labelledby", "distribution-title");
  const title = document.createElementNS(svgNs, "title");
  title.id = "distribution-title";
  title.textContent = `Overall scores of ${scores.length} scored attempt(s)`;
  svg.append(title);
  bins.forEach((bin, position) => {
    const bar = document.createElementNS(svgNs, "rect");
    const barHeight = Math.round((bin.count / most) * height);
    bar.setAttribute("x", String(position * barWidth + 2));
    bar.setAttribute("y", String(height - barHeight));
    bar.setAttribute("width", String(barWidth - 4));
    bar.setAttribute("height", String(barHeight));
    bar.setAttribute("class", "bar");
    svg.append(bar);
    const label = document.createElementNS(svgNs, "text");
    label.setAttribute("x", String(position * barWidth + barWidth / 2));
    label.setAttribute("y", String(height + 14));
    label.setAttribute("text-anchor", "middle");
    label.textContent = String(bin.low);
    svg.append(label);
  });
  const summary = bins.filter((bin) => bin.count).map((bin) => `${bin.low}-${bin.high - 1}: ${bin.count}`).join("; ");
  return h("figure", {}, svg, h("figcaption", {}, scores.length ? `Score distribution (${summary}).` : "No scored attempts yet."));
}

function reportsPanel(test, signal) {
  const outcome = h("div", { "aria-live": "polite" });
  const anonymised = h("input", { type: "checkbox", id: "report-anonymised" });
  const make = (format) => async () => {
    const bar = progressBar(`${format.toUpperCase()} report`);
    outcome.replaceChildren(bar.element);
    try {
      const job = await post(`/tests/${test.id}/reports`, { format, anonymised: anonymised.checked });
      const done = await followJob(job, (current) => bar.set(current.progress.done, current.progress.total), signal);
      if (done.state === "succeeded" && done.result && done.result.download_url) {
        bar.done(`Ready: ${done.result.rows} row(s).`);
        outcome.append(h("p", {}, h("a", { href: done.result.download_url, download: `report.${format}` }, `Download the ${format.toUpperCase()} report`)));
      } else {
        outcome.append(message(`The report ${done.state}${done.error ? `: ${done.error.message}` : ""}.`, "error"));
      }
    } catch (error) {
      outcome.append(message(describe(error), "error"));
    }
  };
  return h(
    "section",
    { class: "panel" },
    h("h2", {}, "Reports"),
    h("div", { class: "check" }, anonymised, h("label", { for: "report-anonymised" }, "Anonymised (pseudonyms instead of names)")),
    h(
      "div",
      { class: "actions" },
      h("button", { type: "button", onclick: make("csv") }, "CSV report"),
      h("button", { type: "button", class: "secondary", onclick: make("xlsx") }, "XLSX report"),
    ),
    outcome,
  );
}
