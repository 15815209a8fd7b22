// Operators: queue lengths, jobs waiting and running, the latest failed jobs with their error codes
// and the outbox backlog (GET /api/v1/ops/overview), refreshed every 15 s while the page is open;
// Flower for the workers themselves.

import { get } from "../api.js";
import { describe, h, message, table, when } from "../dom.js";

const REFRESH_MS = 15000;

export async function opsView(signal) {
  const body = h("div", {});
  const stamp = h("p", { class: "hint", "aria-live": "polite" });
  const load = async () => {
    if (signal.aborted) return;
    try {
      const overview = await get("/ops/overview");
      body.replaceChildren(...parts(overview));
      stamp.textContent = `Updated ${new Date().toLocaleTimeString()}.`;
    } catch (error) {
      body.replaceChildren(message(describe(error), "error"));
    }
    setTimeout(load, REFRESH_MS);
  };
  await load();
  return h("section", {}, h("h1", {}, "Operations"), stamp, body);
}

function counts(caption, values) {
  return table(caption, [{ label: "Name", cell: ([name]) => name }, { label: "How many", cell: ([, value]) => String(value) }], Object.entries(values));
}

function parts(overview) {
  return [
    h("p", {}, h("a", { href: overview.flower_url, target: "_blank", rel: "noopener" }, "Open Flower (workers and tasks)")),
    h("h2", {}, "Queues"),
    counts("Messages waiting per queue", overview.queues),
    h("h2", {}, "Jobs"),
    counts("Jobs by state", overview.jobs),
    h("h2", {}, "Outbox"),
    counts("Messages by state", overview.outbox),
    h("h2", {}, "Recent failures"),
    table(
      "Latest failed jobs",
      [
        { label: "When", cell: (job) => when(job.finished_at) },
        { label: "Kind", cell: (job) => job.kind },
        { label: "Error code", cell: (job) => (job.error ? job.error.code : "—") },
        { label: "Message", cell: (job) => (job.error ? job.error.message : "") },
      ],
      overview.failed_jobs,
    ),
  ];
}
