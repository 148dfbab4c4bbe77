// What a person has typed and not saved yet, kept in this browser tab (sessionStorage) so that it
// survives moving to another page, a reload and an idle sign-out; never sent anywhere until Save.
// Cleared by a save, and by signing out on purpose. Keyed by who is signed in, so that someone else
// signing in on the same tab never sees it.

const PREFIX = 'dsptsync-draft:';

let owner = '';

// Who the drafts belong to from now on (the signed-in user, or '' when nobody is).
export function setDraftOwner(user) {
  owner = user || '';
}

function storageKey(key) {
  return `${PREFIX}${owner}:${key}`;
}

function read(key) {
  try {
    const text = sessionStorage.getItem(storageKey(key));
    return text ? JSON.parse(text) : null;
  } catch {
    return null;  // storage refused (private mode) or damaged: no draft
  }
}

// The form's text controls by id, and its chosen radio buttons by name.
function snapshot(form) {
  const values = {};
  const checked = {};
  form.querySelectorAll('input, textarea, select').forEach((control) => {
    if (control.type === 'radio') {
      if (control.checked) checked[control.name] = control.value;
    } else if (control.type !== 'checkbox' && control.id) {
      values[control.id] = control.value;
    }
  });
  return { values, checked };
}

function apply(form, draft) {
  for (const [id, value] of Object.entries(draft.values || {})) {
    const control = form.querySelector(`[id="${CSS.escape(id)}"]`);
    if (control) control.value = value;
  }
  for (const [name, value] of Object.entries(draft.checked || {})) {
    form.querySelectorAll(`input[type=radio][name="${CSS.escape(name)}"]`).forEach((radio) => {
      radio.checked = radio.value === value;
    });
  }
}

// Keeps what is typed in `form` under `key`, and puts back a draft kept before. `onRestored` is
// called when one was put back (the page says it is not saved yet). Returns whether it was.
export function keepDraft(form, key, onRestored) {
  const saved = JSON.stringify(snapshot(form));
  const draft = read(key);
  let restored = false;
  if (draft && JSON.stringify(draft) !== saved) {
    apply(form, draft);
    restored = true;
    if (onRestored) onRestored();
  }
  const remember = () => {
    const now = JSON.stringify(snapshot(form));
    try {
      if (now === saved) sessionStorage.removeItem(storageKey(key));
      else sessionStorage.setItem(storageKey(key), now);
    } catch {
      // No storage: the draft lives only as long as the page, as before.
    }
  };
  form.addEventListener('input', remember);
  form.addEventListener('change', remember);
  return restored;
}

export function discardDraft(key) {
  try {
    sessionStorage.removeItem(storageKey(key));
  } catch {
    // nothing kept
  }
}

// Signing out on purpose forgets every draft of this tab.
export function discardAllDrafts() {
  try {
    for (let index = sessionStorage.length - 1; index >= 0; index -= 1) {
      const key = sessionStorage.key(index);
      if (key && key.startsWith(PREFIX)) sessionStorage.removeItem(key);
    }
  } catch {
    // nothing kept
  }
}

// The keys (after `prefix`) of this user's drafts kept under `prefix`: "A1B2/2025-26/" gives the
// items of that assessment typed and not saved.
export function draftsUnder(prefix) {
  const start = storageKey(prefix);
  const found = [];
  try {
    for (let index = 0; index < sessionStorage.length; index += 1) {
      const key = sessionStorage.key(index);
      if (key && key.startsWith(start)) found.push(key.slice(start.length));
    }
  } catch {
    // no storage: nothing kept
  }
  return found.sort((a, b) => a.localeCompare(b, 'en', { numeric: true }));
}

// A notice for the next page shown (a page left with drafts not saved says so there), once.
let noticeForNextPage = null;

export function leaveNotice(element) {
  noticeForNextPage = element;
}

export function takeLeftNotice() {
  const element = noticeForNextPage;
  noticeForNextPage = null;
  return element;
}
