// Small DOM helpers: elements, forms whose API errors land next to their fields, progress bars,
// paged tables. Text always goes in as text (never HTML), so nothing from the API can run.

let uniqueId = 0;

export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") element.addEventListener(name.slice(2), value);
    else if (name === "class") element.className = value;
    else if (name === "text") element.textContent = value;
    else if (value === true) element.setAttribute(name, "");
    else element.setAttribute(name, String(value));
  }
  for (const child of children.flat()) {
    if (child === null || child === undefined || child === false) continue;
    element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return element;
}

export function newId(prefix) {
  uniqueId += 1;
  return `${prefix}-${uniqueId}`;
}

// A labelled input with a place for its error; `name` is the API's field name.
export function field(label, name, attributes = {}, hint = null) {
  const id = newId(name);
  const errorId = `${id}-error`;
  const hintId = hint ? `${id}-hint` : null;
  const control =
    attributes.tag === "select"
      ? h("select", { id, name, ...without(attributes, "tag", "options") }, ...(attributes.options || []))
      : attributes.tag === "textarea"
        ? h("textarea", { id, name, ...without(attributes, "tag") })
        : h("input", { id, name, ...attributes });
  const describedBy = [hintId, errorId].filter(Boolean).join(" ");
  control.setAttribute("aria-describedby", describedBy);
  return h(
    "div",
    { class: "field", "data-field": name },
    h("label", { for: id }, label),
    hint ? h("p", { class: "hint", id: hintId }, hint) : null,
    control,
    h("p", { class: "field-error", id: errorId, role: "status" }),
  );
}

function without(object, ...names) {
  return Object.fromEntries(Object.entries(object).filter(([key]) => !names.includes(key)));
}

export function option(value, label, selected = false) {
  return h("option", { value, selected }, label);
}

// Show an API error in words: next to each field it names, and a summary at the top of the form.
export function showErrors(form, error) {
  clearErrors(form);
  const summary = form.querySelector(".form-error");
  const details = (error && error.details) || {};
  const unplaced = [];
  for (const [name, messages] of Object.entries(flatten(details))) {
    const holder = form.querySelector(`[data-field="${CSS.escape(name)}"]`) || form.querySelector(`[data-field="${CSS.escape(name.split(".")[0])}"]`);
    if (holder) {
      holder.querySelector(".field-error").textContent = messages.join(" ");
      holder.querySelector("input, select, textarea")?.setAttribute("aria-invalid", "true");
    } else unplaced.push(`${name}: ${messages.join(" ")}`);
  }
  if (summary) {
    summary.textContent = [describe(error), ...unplaced].join(" ");
    summary.focus();
  }
}

export function describe(error) {
  if (!error) return "";
  if (error.status === 429) {
    const wait = error.retryAfter ? ` Try again in ${waitText(error.retryAfter)}.` : " Try again later.";
    return `${error.message}${wait}`;
  }
  return error.message || String(error);
}

function waitText(seconds) {
  if (seconds < 90) return `${seconds} seconds`;
  return `${Math.ceil(seconds / 60)} minutes`;
}

function flatten(details, prefix = "") {
  const out = {};
  for (const [key, value] of Object.entries(details)) {
    const name = prefix ? `${prefix}.${key}` : key;
    if (Array.isArray(value)) out[name] = value.map(String);
    else if (value && typeof value === "object") Object.assign(out, flatten(value, name));
    else out[name] = [String(value)];
  }
  return out;
}

export function clearErrors(form) {
  form.querySelectorAll(".field-error").forEach((node) => (node.textContent = ""));
  form.querySelectorAll("[aria-invalid]").forEach((node) => node.removeAttribute("aria-invalid"));
  const summary = form.querySelector(".form-error");
  if (summary) summary.textContent = "";
}

// A form that calls `submit(values)`; errors from the API are shown on the form.
export function form(label, children, submit, buttonText = "Save") {
  const errorBox = h("p", { class: "form-error", role: "alert", tabindex: "-1" });
  const button = h("button", { type: "submit" }, buttonText);
  const element = h("form", { "aria-label": label, novalidate: true }, errorBox, ...children, h("div", { class: "actions" }, button));
  element.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(element);
    button.disabled = true;
    try {
      await submit(Object.fromEntries(new FormData(element).entries()), element);
    } catch (error) {
      showErrors(element, error);
    } finally {
      button.disabled = false;
    }
  });
  return element;
}

// A progress bar with its label; `set(done, total)` updates both (total 0: indeterminate).
export function progressBar(label) {
  const id = newId("progress");
  const bar = h("progress", { id, max: "100", "aria-label": label });
  const text = h("span", { class: "progress-text", "aria-live": "polite" }, "Waiting…");
  const element = h("div", { class: "progress" }, h("label", { for: id }, label), bar, text);
  return {
    element,
    set(done, total, note = "") {
      if (total > 0) {
        const percent = Math.min(100, Math.round((100 * done) / total));
        bar.value = percent;
        bar.setAttribute("aria-valuetext", `${percent}%`);
        text.textContent = `${percent}% (${done} of ${total})${note ? " " + note : ""}`;
      } else {
        bar.removeAttribute("value");
        text.textContent = note || "Working…";
      }
    },
    done(note) {
      bar.value = 100;
      bar.setAttribute("aria-valuetext", "100%");
      text.textContent = note || "100%: done";
    },
  };
}

export function message(text, kind = "info") {
  return h("p", { class: `message ${kind}`, role: kind === "error" ? "alert" : "status" }, text);
}

// A table in its own scrolling box, so a narrow screen scrolls the table, never the page.
export function table(caption, columns, rows) {
  return h(
    "div",
    { class: "table-wrap", tabindex: "0", role: "region", "aria-label": caption },
    h(
      "table",
      {},
      h("caption", {}, caption),
      h("thead", {}, h("tr", {}, columns.map((column) => h("th", { scope: "col" }, column.label)))),
      h(
        "tbody",
        {},
        rows.length
          ? rows.map((row) => h("tr", {}, columns.map((column) => h("td", {}, column.cell(row)))))
          : h("tr", {}, h("td", { colspan: String(columns.length) }, "Nothing here yet.")),
      ),
    ),
  );
}

export function pager(page, onPage) {
  const pages = Math.max(1, Math.ceil(page.total / page.per_page));
  return h(
    "nav",
    { class: "pager", "aria-label": "Pages" },
    h("button", { type: "button", disabled: page.page <= 1, onclick: () => onPage(page.page - 1) }, "Previous"),
    h("span", {}, `Page ${page.page} of ${pages} (${page.total} in all)`),
    h("button", { type: "button", disabled: page.page >= pages, onclick: () => onPage(page.page + 1) }, "Next"),
  );
}

export function when(value) {
  if (!value) return "—";
  const moment = new Date(value);
  return moment.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

export function link(href, text, attributes = {}) {
  return h("a", { href, "data-link": "", ...attributes }, text);
}
