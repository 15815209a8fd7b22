// Signing in, accepting an invitation (which sets the password and signs in), and resetting a
// forgotten password. Every request is the public API's.

import { acceptInvitation, post, signIn } from "../api.js";
import { field, form, h, link, message } from "../dom.js";
import { afterSignIn } from "../main.js";

export function loginView() {
  const login = form(
    "Sign in",
    [
      field("Email or roll number", "login", { autocomplete: "username", required: true }),
      field("Password", "password", { type: "password", autocomplete: "current-password", required: true }),
    ],
    async (values) => {
      afterSignIn(await signIn(values.login, values.password));
    },
    "Sign in",
  );
  return h(
    "section",
    { class: "narrow" },
    h("h1", {}, "Sign in"),
    login,
    h("p", {}, link("/password-reset", "Forgot your password?")),
  );
}

function tokenFromUrl() {
  return new URLSearchParams(location.search).get("token") || "";
}

export function invitationView() {
  const token = tokenFromUrl();
  const accept = form(
    "Set your password",
    [
      h("input", { type: "hidden", name: "token", value: token }),
      field(
        "New password",
        "password",
        { type: "password", autocomplete: "new-password", required: true },
        "At least 10 characters; not a common password, and not your name or email.",
      ),
    ],
    async (values) => {
      afterSignIn(await acceptInvitation(values.token, values.password));
    },
    "Set password and sign in",
  );
  return h(
    "section",
    { class: "narrow" },
    h("h1", {}, "Welcome to AI-VERSANT"),
    token ? accept : message("This link has no invitation in it. Open the link from your email again.", "error"),
  );
}

export function resetRequestView() {
  const done = h("div", { "aria-live": "polite" });
  const request = form(
    "Reset your password",
    [field("Email or roll number", "login", { autocomplete: "username", required: true })],
    async (values, element) => {
      await post("/auth/password-reset", { login: values.login }, { anonymous: true });
      element.replaceWith(
        message("If an account matches, a link to set a new password is on its way to its email and phone."),
      );
    },
    "Send me a link",
  );
  return h("section", { class: "narrow" }, h("h1", {}, "Forgot your password"), request, done, h("p", {}, link("/login", "Back to sign in")));
}

export function resetConfirmView() {
  const token = tokenFromUrl();
  const confirm = form(
    "Choose a new password",
    [
      h("input", { type: "hidden", name: "token", value: token }),
      field("New password", "password", { type: "password", autocomplete: "new-password", required: true }),
    ],
    async (values, element) => {
      await post("/auth/password-reset/confirm", values, { anonymous: true });
      element.replaceWith(h("div", {}, message("Your password is set."), h("p", {}, link("/login", "Sign in"))));
    },
    "Set new password",
  );
  return h("section", { class: "narrow" }, h("h1", {}, "Choose a new password"), token ? confirm : message("This link has no token in it.", "error"));
}
