// The item bank: items with their prompt audio (played here, a progress bar while it renders),
// searchable and paged, and item imports from a CSV/XLSX file.

import { get, query, upload } from "../api.js";
import { describe, field, h, message, option, pager, progressBar, showErrors, table } from "../dom.js";
import { followImport } from "./org.js";

const TYPES = [
  "read_aloud", "repeat", "sentence_builds", "short_answer", "story_retelling", "open_question",
  "typing", "sentence_completion", "dictation", "passage_reconstruction", "email_writing", "mcq",
];

function summary(item) {
  const content = item.content || {};
  const text = content.text || content.question || content.sentence || content.passage || content.prompt || content.story || (content.phrases || []).join(" / ");
  return text && text.length > 90 ? `${text.slice(0, 87)}…` : text || "";
}

function audioCell(item) {
  const audio = item.prompt_audio || {};
  if (audio.state === "ready" && audio.url) return h("audio", { controls: true, preload: "none", src: audio.url, "aria-label": `Prompt audio of ${summary(item)}` });
  if (audio.state === "pending") {
    const bar = progressBar("Prompt audio");
    bar.set(0, 0, "Rendering…");
    return bar.element;
  }
  if (audio.state === "failed") return `Failed: ${(audio.error && audio.error.message) || "see the item"}`;
  return "—";
}

export async function itemsView(signal) {
  const results = h("div", {});
  const filters = { type: "", q: "" };
  let timer = null;
  const load = async (page = 1) => {
    const found = await get(`/items${query({ ...filters, page, per_page: 10 })}`);
    results.replaceChildren(
      table(
        "Items",
        [
          { label: "Type", cell: (item) => item.type },
          { label: "Level", cell: (item) => item.level },
          { label: "Content", cell: summary },
          { label: "Prompt audio", cell: audioCell },
        ],
        found.items,
      ),
      pager(found, load),
    );
    // Prompt audio still rendering: look again, less and less often, until it is ready.
    clearTimeout(timer);
    if (!signal.aborted && found.items.some((item) => (item.prompt_audio || {}).state === "pending")) {
      timer = setTimeout(() => load(page), 3000);
    }
  };
  const typeSelect = field("Type", "type", { tag: "select", options: [option("", "Any type"), ...TYPES.map((type) => option(type, type))] });
  const search = field("Text contains", "q", { type: "search" });
  const filterForm = h("form", { class: "inline", role: "search", "aria-label": "Filter items" }, typeSelect, search, h("button", { type: "submit", class: "secondary" }, "Filter"));
  filterForm.addEventListener("submit", (event) => {
    event.preventDefault();
    const values = Object.fromEntries(new FormData(filterForm).entries());
    filters.type = values.type;
    filters.q = values.q.trim();
    load(1).catch((error) => results.replaceChildren(message(describe(error), "error")));
  });
  await load(1);
  return h("section", {}, h("h1", {}, "Item bank"), filterForm, results, importForm(signal));
}

function importForm(signal) {
  const result = h("div", { "aria-live": "polite" });
  const dryRun = h("input", { type: "checkbox", id: "items-dry-run", checked: true });
  const errorBox = h("p", { class: "form-error", role: "alert", tabindex: "-1" });
  const submit = h("button", { type: "submit" }, "Import items");
  const element = h(
    "form",
    { "aria-label": "Item import" },
    errorBox,
    field("Item file (.csv or .xlsx)", "file", { type: "file", accept: ".csv,.xlsx" }, "One row per item: type, level, then the type's columns (see the README)."),
    h("div", { class: "check" }, dryRun, h("label", { for: "items-dry-run" }, "Dry run: check every row, write nothing")),
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
    submit.disabled = true;
    const uploading = progressBar("Upload");
    result.replaceChildren(uploading.element);
    try {
      const job = await upload("POST", "/item-imports", form, (done, total) => uploading.set(done, total));
      uploading.done("Uploaded.");
      await followImport(job, result, signal, "item-imports");
    } catch (error) {
      showErrors(element, error);
    } finally {
      submit.disabled = false;
    }
  });
  return h("section", { class: "panel" }, h("h2", {}, "Import items"), element, result);
}
