// Admins: campuses, courses, batches and students at a glance (paged, searchable), and a batch's
// roster import: dry run with its errors by row and column, the run with its progress bar.

import { download, get, query, upload } from "../api.js";
import { describe, field, h, link, message, pager, progressBar, showErrors, table, when } from "../dom.js";
import { followJob } from "../jobs.js";

const PANELS = [
  {
    title: "Campuses",
    path: "/campuses",
    columns: [{ label: "Name", cell: (row) => row.name }, { label: "Active", cell: (row) => (row.active ? "Yes" : "No") }],
  },
  {
    title: "Courses",
    path: "/courses",
    columns: [{ label: "Name", cell: (row) => row.name }, { label: "Active", cell: (row) => (row.active ? "Yes" : "No") }],
  },
  {
    title: "Batches",
    path: "/batches",
    columns: [
      { label: "Name", cell: (row) => row.name },
      { label: "Active", cell: (row) => (row.active ? "Yes" : "No") },
      { label: "Roster", cell: (row) => link(`/admin/batches/${row.id}/import`, `Import a roster into ${row.name}`) },
    ],
  },
  {
    title: "Students",
    path: "/students",
    columns: [
      { label: "Name", cell: (row) => row.name },
      { label: "Roll number", cell: (row) => row.roll_number || "—" },
      { label: "Email", cell: (row) => row.email || "—" },
      { label: "Signed up", cell: (row) => (row.invitation_pending ? "Invited" : "Yes") },
    ],
  },
];

export async function orgView(signal) {
  const section = h("section", {}, h("h1", {}, "Organisation"));
  for (const panel of PANELS) section.append(await listPanel(panel, signal));
  return section;
}

async function listPanel(panel, signal) {
  const box = h("section", { class: "panel", "aria-labelledby": `${panel.path.slice(1)}-heading` });
  const results = h("div", {});
  let search = "";
  const load = async (page = 1) => {
    try {
      const found = await get(`${panel.path}${query({ q: search, page, per_page: 10 })}`);
      results.replaceChildren(table(panel.title, panel.columns, found.items), pager(found, load));
    } catch (error) {
      results.replaceChildren(message(describe(error), error.status === 403 ? "info" : "error"));
    }
  };
  const input = h("input", { type: "search", id: `${panel.path.slice(1)}-search`, name: "q" });
  const searchForm = h(
    "form",
    { role: "search", class: "inline", "aria-label": `Search ${panel.title.toLowerCase()}` },
    h("label", { for: input.id }, `Search ${panel.title.toLowerCase()}`),
    input,
    h("button", { type: "submit", class: "secondary" }, "Search"),
  );
  searchForm.addEventListener("submit", (event) => {
    event.preventDefault();
    search = input.value.trim();
    load(1);
  });
  box.append(h("h2", { id: `${panel.path.slice(1)}-heading` }, panel.title), searchForm, results);
  if (!signal.aborted) await load(1);
  return box;
}

// --- roster import --------------------------------------------------------------------------------

export async function rosterImportView(batchId, signal) {
  const batch = await get(`/batches/${batchId}`);
  const result = h("div", { "aria-live": "polite" });
  const fileField = field("Roster file (.csv or .xlsx)", "file", { type: "file", accept: ".csv,.xlsx", required: true }, "Columns: name, roll_number, email, mobile, course.");
  const dryRun = h("input", { type: "checkbox", id: "dry-run", name: "dry_run", checked: true });
  const invite = h("input", { type: "checkbox", id: "send-invitations", name: "send_invitations", checked: true });
  const errorBox = h("p", { class: "form-error", role: "alert", tabindex: "-1" });
  const submit = h("button", { type: "submit" }, "Check the file (dry run)");
  dryRun.addEventListener("change", () => (submit.textContent = dryRun.checked ? "Check the file (dry run)" : "Import the roster"));
  const element = h(
    "form",
    { "aria-label": "Roster import" },
    errorBox,
    fileField,
    h("div", { class: "check" }, dryRun, h("label", { for: "dry-run" }, "Dry run: check every row, write nothing")),
    h("div", { class: "check" }, invite, h("label", { for: "send-invitations" }, "Invite each new student by email and SMS")),
    h("div", { class: "actions" }, submit),
  );
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    const file = element.querySelector('input[type="file"]').files[0];
    if (!file) {
      showErrors(element, { message: "Choose a file first.", details: { file: ["Choose a .csv or .xlsx file."] } });
      return;
    }
    const form = new FormData();
    form.append("file", file);
    form.append("dry_run", dryRun.checked ? "true" : "false");
    form.append("send_invitations", invite.checked ? "true" : "false");
    submit.disabled = true;
    const uploading = progressBar("Upload");
    result.replaceChildren(uploading.element);
    try {
      const job = await upload("POST", `/batches/${batchId}/roster-imports`, form, (done, total) => uploading.set(done, total));
      uploading.done("Uploaded.");
      await followImport(job, result, signal, "roster-imports");
    } catch (error) {
      showErrors(element, error);
    } finally {
      submit.disabled = false;
    }
  });
  return h("section", {}, h("h1", {}, `Import a roster into ${batch.name}`), element, result);
}

// Follows an import's job with a progress bar, then shows its summary and its errors by row and
// column (`kind`: "roster-imports" or "item-imports", the same shape).
export async function followImport(job, result, signal, kind) {
  const bar = progressBar("Import progress");
  result.append(bar.element);
  const done = await followJob(
    job,
    (current) => bar.set(current.progress.done, current.progress.total, current.state === "queued" ? "Waiting for a worker…" : ""),
    signal,
  );
  if (done.state !== "succeeded") {
    result.append(message(`The import ${done.state}: ${done.error ? done.error.message : ""}`, "error"));
    if (done.error && done.error.details) result.append(h("pre", {}, JSON.stringify(done.error.details, null, 2)));
  } else {
    bar.done("100%: finished");
  }
  const record = await get(`/${kind}/${job.id}`);
  const counts = record.counts || {};
  result.append(
    h("h2", {}, record.dry_run ? "Dry run summary" : "Import summary"),
    table(
      "Counts",
      [{ label: "What", cell: ([name]) => name }, { label: "How many", cell: ([, value]) => String(value) }],
      Object.entries(counts),
    ),
    h("p", {}, `Finished ${when(record.finished_at)}.`),
  );
  if (counts.errors) {
    const errors = await get(`/${kind}/${job.id}/errors?per_page=100`);
    result.append(
      table(
        "Errors by row and column",
        [
          { label: "Row", cell: (row) => String(row.row ?? "—") },
          { label: "Column", cell: (row) => row.column || "—" },
          { label: "Value", cell: (row) => row.value ?? "" },
          { label: "Problem", cell: (row) => row.message },
        ],
        errors.items,
      ),
      h(
        "button",
        { type: "button", class: "secondary", onclick: () => download(`/${kind}/${job.id}/errors.csv`, `${kind}-errors.csv`) },
        "Download the errors as CSV",
      ),
    );
  }
}
