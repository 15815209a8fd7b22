// The console's only way to the server: the public API (/api/v1), as any other client uses it.
// The access token lives in this module's memory only; the refresh token is an HttpOnly cookie the
// page never sees, renewed with the CSRF header (ADR 0018). Nothing goes to localStorage or
// sessionStorage.

const BASE = "/api/v1";
let accessToken = null;
let currentUser = null;
let refreshing = null;

export class ApiError extends Error {
  constructor(status, body, retryAfter) {
    const error = (body && body.error) || {};
    super(error.message || `The server answered ${status}.`);
    this.status = status;
    this.code = error.code || "http_" + status;
    this.details = error.details || {};
    this.retryAfter = retryAfter;
  }
}

export function user() {
  return currentUser;
}

function csrfToken() {
  const found = document.cookie.split("; ").find((part) => part.startsWith("aiv_csrf="));
  return found ? decodeURIComponent(found.slice("aiv_csrf=".length)) : "";
}

function signedIn(body) {
  accessToken = body.access_token;
  currentUser = body.user;
  return currentUser;
}

export async function signIn(login, password) {
  return signedIn(await call("POST", "/auth/login", { json: { login, password, session: "cookie" }, anonymous: true }));
}

export async function acceptInvitation(token, password) {
  return signedIn(
    await call("POST", "/auth/invitations/accept", { json: { token, password, session: "cookie" }, anonymous: true }),
  );
}

// After a reload: the cookie (if any) gives a new access token; null when there is no session.
export async function restore() {
  if (!csrfToken()) return null;
  try {
    return await refresh();
  } catch {
    return null;
  }
}

function refresh() {
  if (!refreshing) {
    refreshing = call("POST", "/auth/refresh", { anonymous: true, headers: { "X-CSRF-Token": csrfToken() } })
      .then(signedIn)
      .finally(() => {
        refreshing = null;
      });
  }
  return refreshing;
}

export async function signOut() {
  try {
    await call("POST", "/auth/logout");
  } finally {
    accessToken = null;
    currentUser = null;
  }
}

function headersFor(options) {
  const headers = { Accept: "application/json", ...(options.headers || {}) };
  if (accessToken && !options.anonymous) headers.Authorization = `Bearer ${accessToken}`;
  if (options.json !== undefined) headers["Content-Type"] = "application/json";
  return headers;
}

async function parsed(response) {
  const text = await response.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function retryAfterOf(headers) {
  const value = headers.get ? headers.get("Retry-After") : null;
  return value ? Number(value) : null;
}

// One request; a 401 with a session to refresh is retried once with a fresh access token.
export async function call(method, path, options = {}) {
  const response = await fetch(BASE + path, {
    method,
    headers: headersFor(options),
    body: options.json !== undefined ? JSON.stringify(options.json) : options.body,
    credentials: "same-origin",
  });
  if (response.status === 401 && !options.anonymous && !options.retried && csrfToken()) {
    await refresh();
    return call(method, path, { ...options, retried: true });
  }
  const wait = retryAfterOf(response.headers);
  if (response.status === 503 && wait !== null && wait <= 5 && (options.busyRetries || 0) < 3) {
    // The server asked us to come back shortly (e.g. many sign-ins at once): wait, then retry.
    await new Promise((resume) => setTimeout(resume, Math.max(1, wait) * 1000));
    return call(method, path, { ...options, busyRetries: (options.busyRetries || 0) + 1 });
  }
  const body = await parsed(response);
  if (!response.ok && response.status !== 202) {
    throw new ApiError(response.status, body, retryAfterOf(response.headers));
  }
  return options.withStatus ? { status: response.status, body, headers: response.headers } : body;
}

export const get = (path, options) => call("GET", path, options);
export const post = (path, json, options = {}) => call("POST", path, { ...options, json });
export const patch = (path, json) => call("PATCH", path, { json });
export const put = (path, json) => call("PUT", path, { json });

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") search.set(key, value);
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

// A multipart upload with progress (fetch cannot report upload progress); 401 refreshes once.
export function upload(method, path, form, onProgress, retried = false) {
  return new Promise((resolve, reject) => {
    const request = new XMLHttpRequest();
    request.open(method, BASE + path);
    request.setRequestHeader("Accept", "application/json");
    if (accessToken) request.setRequestHeader("Authorization", `Bearer ${accessToken}`);
    request.upload.onprogress = (event) => {
      if (event.lengthComputable && onProgress) onProgress(event.loaded, event.total);
    };
    request.onerror = () => reject(new ApiError(0, { error: { code: "network", message: "The upload did not reach the server." } }));
    request.onload = () => {
      let body = null;
      try {
        body = request.responseText ? JSON.parse(request.responseText) : null;
      } catch {
        body = null;
      }
      if (request.status === 401 && !retried && csrfToken()) {
        refresh().then(() => upload(method, path, form, onProgress, true)).then(resolve, reject);
        return;
      }
      if (request.status >= 400) {
        const retryAfter = request.getResponseHeader("Retry-After");
        reject(new ApiError(request.status, body, retryAfter ? Number(retryAfter) : null));
        return;
      }
      resolve(body);
    };
    request.send(form);
  });
}

// A file the API serves behind the access token (e.g. errors.csv), handed to the browser to save.
export async function download(path, filename) {
  let response = await fetch(BASE + path, { headers: headersFor({}), credentials: "same-origin" });
  if (response.status === 401 && csrfToken()) {
    await refresh();
    response = await fetch(BASE + path, { headers: headersFor({}), credentials: "same-origin" });
  }
  if (!response.ok) throw new ApiError(response.status, await parsed(response), retryAfterOf(response.headers));
  const url = URL.createObjectURL(await response.blob());
  const link = Object.assign(document.createElement("a"), { href: url, download: filename });
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10000);
}
