// The JSON API (docs/api.md): every change carries the session's CSRF token; errors come back as
// ApiError with the server's own message for people.

let csrfToken = null;

export function setCsrf(token) {
  csrfToken = token || null;
}

export class ApiError extends Error {
  constructor(status, code, message, { field, body, retryAfter } = {}) {
    super(message);
    this.status = status;
    this.code = code;
    this.field = field || null;
    this.body = body || null;
    this.retryAfter = retryAfter || null;
  }
}

const listeners = new Set();
// Called with the ApiError whenever a request finds the session gone (401), so the app can ask
// the person to sign in again.
export function onSignedOut(listener) {
  listeners.add(listener);
}

export async function api(method, path, body, { quiet401 = false } = {}) {
  const headers = { Accept: 'application/json' };
  const changes = method !== 'GET' && method !== 'HEAD';
  // A file (a Blob) goes as it is; anything else as JSON.
  const file = typeof Blob !== 'undefined' && body instanceof Blob;
  if (changes) {
    headers['Content-Type'] = file ? 'application/octet-stream' : 'application/json';
    if (csrfToken) headers['X-CSRF-Token'] = csrfToken;
  }
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: changes ? (file ? body : JSON.stringify(body ?? {})) : undefined,
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError(0, 'network', 'The app could not reach the server. Check that it is still running, then try again.');
  }
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (!response.ok) {
    const error = (data && data.error) || {};
    const failure = new ApiError(response.status, error.code || `http_${response.status}`,
      error.message || defaultMessage(response.status), {
        field: error.field, body: data, retryAfter: response.headers.get('Retry-After'),
      });
    if (response.status === 401 && !quiet401) listeners.forEach((listener) => listener(failure));
    throw failure;
  }
  return data;
}

function defaultMessage(status) {
  switch (status) {
    case 401: return 'You are not signed in, or your session has ended. Sign in again.';
    case 403: return 'You are not allowed to do that.';
    case 404: return 'That page or record was not found.';
    case 413: return 'What you sent is too large.';
    case 429: return 'Too many attempts. Wait a few minutes, then try again.';
    case 502: return 'Head office could not be reached. Nothing is lost: your changes stay on this computer.';
    default: return `Something went wrong (the server answered ${status}). Try again; if it keeps happening, tell your administrator.`;
  }
}

export const get = (path, options) => api('GET', path, undefined, options);
export const put = (path, body) => api('PUT', path, body);
export const post = (path, body) => api('POST', path, body);
export const patch = (path, body) => api('PATCH', path, body);
export const del = (path) => api('DELETE', path, {});
// Sends a file the person chose as the body, its settings in the path's query.
export const upload = (path, file) => api('POST', path, file);

export function enc(part) {
  return encodeURIComponent(part);
}
