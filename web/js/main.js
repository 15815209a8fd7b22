// The console's shell: who is signed in, the navigation for their role, and a small router over
// real paths (links in emails open /invitations/accept, /attempts/<id>/result ... directly).

import { restore, signOut, user } from "./api.js";
import { describe, h, message } from "./dom.js";
import { invitationView, loginView, resetConfirmView, resetRequestView } from "./views/auth.js";
import { myTestsView, resultView, takeTestView, testLinkView } from "./views/student.js";
import { orgView, rosterImportView } from "./views/org.js";
import { itemsView } from "./views/items.js";
import { testDetailView, testsView } from "./views/tests.js";
import { opsView } from "./views/ops.js";

const ADMIN_ROLES = new Set(["superadmin", "sub_superadmin", "campus_admin", "course_admin"]);

const ROUTES = [
  [/^\/login$/, loginView, null],
  [/^\/invitations\/accept$/, invitationView, null],
  [/^\/password-reset$/, resetRequestView, null],
  [/^\/password-reset\/confirm$/, resetConfirmView, null],
  [/^\/tests$/, myTestsView, "student"],
  [/^\/tests\/([0-9a-f]{24})$/, testLinkView, "any"],
  [/^\/attempts\/([0-9a-f]{24})$/, takeTestView, "student"],
  [/^\/attempts\/([0-9a-f]{24})\/result$/, resultView, "any"],
  [/^\/admin$/, orgView, "admin"],
  [/^\/admin\/batches\/([0-9a-f]{24})\/import$/, rosterImportView, "admin"],
  [/^\/admin\/items$/, itemsView, "admin"],
  [/^\/admin\/tests$/, testsView, "admin"],
  [/^\/admin\/tests\/([0-9a-f]{24})$/, testDetailView, "admin"],
  [/^\/ops$/, opsView, "ops"],
];

export function homeFor(signedIn) {
  if (!signedIn) return "/login";
  return signedIn.role === "student" ? "/tests" : "/admin";
}

function mayOpen(who, signedIn) {
  if (who === null) return true;
  if (!signedIn) return false;
  if (who === "any") return true;
  if (who === "student") return signedIn.role === "student";
  if (who === "admin") return ADMIN_ROLES.has(signedIn.role);
  if (who === "ops") {
    const settings = (signedIn.permissions || {}).settings;
    return signedIn.role === "superadmin" || (signedIn.role === "sub_superadmin" && ["read", "write"].includes(settings));
  }
  return false;
}

let leaving = new AbortController();

// After signing in: the page that asked for it (?next=), or the user's home.
export function afterSignIn(signedIn) {
  const next = new URLSearchParams(location.search).get("next");
  go(next && next.startsWith("/") && !next.startsWith("//") ? next : homeFor(signedIn));
}

export function go(path, replace = false) {
  if (replace) history.replaceState({}, "", path);
  else history.pushState({}, "", path);
  render();
}

function navigation(signedIn) {
  if (!signedIn) return h("nav", { "aria-label": "Main" });
  const links =
    signedIn.role === "student"
      ? [["/tests", "My tests"]]
      : [
          ["/admin", "Organisation"],
          ["/admin/items", "Item bank"],
          ["/admin/tests", "Tests and results"],
        ];
  if (mayOpen("ops", signedIn)) links.push(["/ops", "Operations"]);
  return h(
    "nav",
    { "aria-label": "Main" },
    h(
      "ul",
      {},
      links.map(([href, text]) =>
        h("li", {}, h("a", { href, "data-link": "", "aria-current": location.pathname === href ? "page" : null }, text)),
      ),
      h(
        "li",
        {},
        h("button", { type: "button", class: "link", onclick: async () => {
          await signOut();
          go("/login");
        } }, `Sign out (${signedIn.name || signedIn.email || ""})`),
      ),
    ),
  );
}

export async function render() {
  leaving.abort();
  leaving = new AbortController();
  const path = location.pathname.replace(/\/+$/, "") || "/";
  const main = document.getElementById("main");
  const signedIn = user();
  document.getElementById("nav").replaceChildren(navigation(signedIn));
  if (path === "/") {
    go(homeFor(signedIn), true);
    return;
  }
  const route = ROUTES.find(([pattern]) => pattern.test(path));
  if (!route) {
    main.replaceChildren(h("h1", {}, "Page not found"), message("There is no page here."));
    return;
  }
  const [pattern, view, who] = route;
  if (!mayOpen(who, signedIn)) {
    if (!signedIn) {
      go(`/login?next=${encodeURIComponent(location.pathname + location.search)}`, true);
      return;
    }
    main.replaceChildren(h("h1", {}, "Not for your account"), message("Your account cannot open this page.", "error"));
    return;
  }
  const args = path.match(pattern).slice(1);
  main.replaceChildren(h("p", { class: "loading", role: "status" }, "Loading…"));
  try {
    const content = await view(...args, leaving.signal);
    main.replaceChildren(content);
  } catch (error) {
    if (error && error.name === "AbortError") return;
    main.replaceChildren(h("h1", {}, "Something went wrong"), message(describe(error), "error"));
  }
  const heading = main.querySelector("h1");
  if (heading) {
    heading.setAttribute("tabindex", "-1");
    heading.focus();
    document.title = `${heading.textContent} · AI-VERSANT`;
  }
}

export function signal() {
  return leaving.signal;
}

document.addEventListener("click", (event) => {
  const anchor = event.target.closest("a[data-link]");
  if (!anchor || event.metaKey || event.ctrlKey || event.shiftKey || anchor.target) return;
  event.preventDefault();
  go(anchor.getAttribute("href"));
});
window.addEventListener("popstate", render);

async function start() {
  await restore();
  const next = new URLSearchParams(location.search).get("next");
  if (user() && location.pathname === "/login" && next && next.startsWith("/")) history.replaceState({}, "", next);
  await render();
}

start();
