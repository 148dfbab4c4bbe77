// The policy library (docs/documents.md): the documents everyone follows, each with its versions to
// download, who has read the current one, and review dates coming up. Adding a document or a version
// sends the chosen file as it is. Every rule (what a file may be, who may add or acknowledge, what is
// due for review) is the server's: this page shows what the API says and sends what the person chose.

import { get, post, upload, enc } from '../api.js';
import { h, formatDate, formatTime, plural, siteLabel } from '../dom.js';
import {
  pageHeading, breadcrumb, tag, summaryList, table, button, insetText, warningCallout, textInput, select,
  clearFieldErrors,
} from '../nhs.js';
import { showFormErrors, clearMessages, navigate } from '../app.js';

const KINDS = ['policy', 'procedure', 'plan', 'template', 'evidence'];
const ACCEPTED = '.pdf,.docx,.xlsx,.odt,.png,.jpg,.jpeg,.txt';
const FILE_HINT = 'A PDF, Word (.docx), Excel (.xlsx), OpenDocument text (.odt), PNG or JPEG picture, or plain text file, up to 25 MiB';

let pendingSuccess = null;

function takeSuccess() {
  const success = pendingSuccess;
  pendingSuccess = null;
  return success;
}

function capitalised(text) {
  return text ? text[0].toUpperCase() + text.slice(1) : '';
}

function sizeText(bytes) {
  if (bytes >= 1024 * 1024) return `${(bytes / (1024 * 1024)).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${Math.floor(bytes / 1024)} KiB`;
  return plural(bytes, 'byte');
}

// The review warning as a tag: red once past, orange within the 30 days.
export function reviewTag(warning) {
  if (!warning) return null;
  const days = warning.daysLeft;
  const text = days < 0 ? 'Review overdue' : days === 0 ? 'Review due today' : `Review due in ${plural(days, 'day')}`;
  return h('span', { class: 'app-review-warning', dataset: { document: warning.document } }, tag(text, days < 0 ? 'red' : 'orange'));
}

// The review warnings as a warning callout, for the library, the dashboard and a laptop's home page.
export function reviewWarningsCallout(warnings, id = 'review-warnings') {
  if (!warnings || !warnings.length) return null;
  return warningCallout(`${plural(warnings.length, 'document')} due for review`,
    h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id },
      warnings.map((warning) => h('li', {}, h('a', { href: `#/library/${enc(warning.document)}`, text: warning.text })))));
}

async function siteNames(state) {
  if (state.session.mode !== 'hq') return new Map();
  const dashboard = await get('/api/dashboard');
  return new Map((dashboard.sites || []).map((site) => [site.ods, site.name]));
}

function mayAdd(state) {
  return state.session.role !== 'viewer';
}

function libraryBreadcrumb() {
  return breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Policy library', href: '#/library' }],
    { text: 'Policy library', href: '#/library' });
}

// ---------------------------------------------------------------------------------------------
// The list

export async function render({ state }) {
  const [data, names] = await Promise.all([get('/api/documents'), siteNames(state)]);
  const documents = data.documents || [];
  const warnings = new Map((data.reviewWarnings || []).map((warning) => [warning.document, warning]));
  return {
    title: 'Policy library',
    success: takeSuccess(),
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Policy library'),
      h('p', { class: 'nhsuk-body-l', text: 'The policies, procedures and plans everyone follows, and each site’s own evidence. Read the current version of each, then record that you have read and understood it.' }),
      reviewWarningsCallout(data.reviewWarnings),
      mayAdd(state) ? button('Add a document', { type: 'button', id: 'add-document', on: () => navigate('#/library/new') }) : null,
      documents.length ? documentsTable(documents, warnings, names)
        : insetText(h('p', { id: 'no-documents', text: 'The library has no documents yet.' })),
    ],
  };
}

function documentsTable(documents, warnings, names) {
  return table({
    caption: plural(documents.length, 'document'),
    id: 'documents',
    scroll: true,
    head: ['Title', 'Kind', 'Site', 'Current version', 'Review by', 'You have read it'],
    rows: documents.map((document) => [
      { header: true, value: h('a', { href: `#/library/${enc(document.id)}`, id: `document-${document.id}`, text: document.title }) },
      capitalised(document.kind),
      siteLabel(names.get(document.site), document.site),
      document.currentVersion ? `Version ${document.currentVersion}` : 'None yet',
      h('span', {}, formatDate(document.reviewBy), warnings.has(document.id) ? h('br') : null, reviewTag(warnings.get(document.id))),
      document.currentVersion
        ? h('span', { class: 'app-acknowledged', dataset: { document: document.id } },
          document.acknowledged ? tag('Read', 'green') : tag('Not yet', 'grey'))
        : '',
    ]),
  });
}

// ---------------------------------------------------------------------------------------------
// One document

export async function renderDocument({ params, state }) {
  const [id] = params;
  const hq = state.session.mode === 'hq';
  const [{ document }, list, names, acks] = await Promise.all([
    get(`/api/documents/${enc(id)}`), get('/api/documents'), siteNames(state),
    hq ? get(`/api/documents/${enc(id)}/acknowledgements`) : Promise.resolve(null)]);
  const warning = (list.reviewWarnings || []).find((entry) => entry.document === document.id);
  return {
    title: document.title,
    success: takeSuccess(),
    breadcrumb: libraryBreadcrumb(),
    body: [
      pageHeading(document.title, capitalised(document.kind)),
      warning ? warningCallout('Due for review', h('p', { id: 'document-review-warning', text: warning.text })) : null,
      detailsList(document, names),
      acknowledgeSection(document),
      versionsTable(document),
      mayAdd(state) ? h('p', {}, h('a', { href: `#/library/${enc(document.id)}/version`, id: 'add-version', text: 'Add a new version' })) : null,
      acks ? acknowledgementsSection(acks) : null,
    ],
  };
}

function detailsList(document, names) {
  return summaryList([
    { key: 'Site', value: document.site === undefined ? '' : siteLabel(names.get(document.site), document.site) },
    { key: 'Owner', value: document.owner || 'Not given' },
    { key: 'Review by', value: formatDate(document.reviewBy) || 'Not given' },
    { key: 'Evidence items', value: (document.items || []).join(', ') || 'None' },
    { key: 'Current version', value: document.currentVersion ? `Version ${document.currentVersion}${document.pinned ? ' (chosen by head office)' : ''}` : 'None yet' },
  ]);
}

function acknowledgeSection(document) {
  const current = document.currentVersion;
  if (!current) return null;
  if (document.acknowledged) {
    return insetText(h('p', { id: 'acknowledged', text: `You have read and understood version ${current}.` }));
  }
  const acknowledge = button(`I have read and understood version ${current}`, { type: 'button', id: 'acknowledge' });
  acknowledge.addEventListener('click', async () => {
    clearMessages();
    acknowledge.disabled = true;
    try {
      await post(`/api/documents/${enc(document.id)}/acknowledge`, { version: current });
    } catch (error) {
      acknowledge.disabled = false;
      if (error.status !== 401) showFormErrors([{ text: error.message, control: null }]);
      return;
    }
    pendingSuccess = `You have recorded that you read and understood version ${current} of ${document.title}`;
    navigate(`#/library/${enc(document.id)}`, { replaceState: true });
  });
  return h('div', { id: 'acknowledge-section' },
    h('p', { text: 'Download the current version and read it. Then record that you have read and understood it: head office sees who has.' }),
    acknowledge);
}

function versionsTable(document) {
  const versions = [...(document.versions || [])].reverse();
  const read = new Set(document.acknowledgedVersions || []);
  return table({
    caption: 'Versions',
    id: 'versions',
    scroll: true,
    head: ['Version', 'File', 'Added', 'Note'],
    rows: versions.map((version) => [
      { header: true, value: h('span', {}, `Version ${version.number}`, version.current ? h('br') : null, version.current ? tag('Current', 'blue') : null,
        read.has(version.number) ? h('br') : null, read.has(version.number) ? tag('You have read it', 'green') : null) },
      h('span', {},
        h('a', { href: `/api/documents/${enc(document.id)}/file?version=${version.number}`, download: version.name, id: `download-${version.number}`, text: version.name }),
        h('span', { class: 'app-secondary', text: ` (${version.type.toUpperCase()}, ${sizeText(version.size)})` }),
        version.held === false ? h('span', { class: 'app-muted', text: ' Not on this computer yet: it arrives at the next sync' }) : null),
      h('span', {}, formatTime(version.addedAt), h('br'), h('span', { class: 'app-secondary', text: version.addedBy })),
      version.note || '',
    ]),
  });
}

function acknowledgementsSection(acks) {
  const sites = acks.sites || [];
  return h('div', { id: 'acknowledgements' },
    h('h2', { class: 'nhsuk-heading-m', text: acks.version ? `Who has read version ${acks.version}` : 'Who has read it' }),
    h('p', { id: 'acknowledgement-count', text: `${acks.acknowledged} of ${acks.acknowledged + acks.notYet} people have read and understood the current version.` }),
    table({
      caption: 'By site',
      captionClass: 'nhsuk-table__caption--s',
      id: 'acknowledgements-by-site',
      head: ['Site', 'Have read it', 'Not yet'],
      rows: sites.map((site) => [
        { header: true, value: siteLabel(site.siteName, site.site) },
        (site.acknowledged || []).map((ack) => ack.person).join(', ') || 'Nobody yet',
        (site.notYet || []).join(', ') || 'Everyone has',
      ]),
    }));
}

// ---------------------------------------------------------------------------------------------
// Adding a document or a version

function fileUpload(id) {
  // The design system's file upload markup, left as the browser's own control: its drag-and-drop
  // enhancement labels its button with words it does not show (axe: label-content-name-mismatch).
  return h('div', { class: 'nhsuk-form-group nhsuk-file-upload' },
    h('label', { class: 'nhsuk-label nhsuk-label--s', for: id, text: 'The file' }),
    h('div', { class: 'nhsuk-hint', id: `${id}-hint`, text: FILE_HINT }),
    h('input', { class: 'nhsuk-file-upload__input', type: 'file', id, name: 'file', accept: ACCEPTED, 'aria-describedby': `${id}-hint` }));
}

export async function renderNew({ state }) {
  const hq = state.session.mode === 'hq';
  const choose = hq && !state.session.branch;
  const names = choose ? await siteNames(state) : new Map();
  const form = h('form', { novalidate: true, action: '/', method: 'post', id: 'document-form' },
    choose ? select({ id: 'scope', label: 'Whose document it is', labelClass: 'nhsuk-label--s', value: state.session.organisation?.hq || '',
      hint: 'The shared library every branch follows, or one branch’s own',
      options: [...names.entries()].map(([ods, name]) => ({ value: ods, text: ods === state.session.organisation?.hq ? `Shared library (${siteLabel(name, ods)})` : siteLabel(name, ods) })) }) : null,
    textInput({ id: 'title', label: 'Title', labelClass: 'nhsuk-label--s', hint: 'For example, Data protection policy' }),
    select({ id: 'kind', label: 'Kind of document', labelClass: 'nhsuk-label--s', value: '',
      options: [{ value: '', text: 'Choose a kind' }, ...KINDS.map((kind) => ({ value: kind, text: capitalised(kind) }))] }),
    textInput({ id: 'owner', label: 'Owner (optional)', labelClass: 'nhsuk-label--s', hint: 'The person who keeps it up to date' }),
    textInput({ id: 'reviewBy', label: 'Review by (optional)', labelClass: 'nhsuk-label--s', hint: 'A date, for example 2027-03-31', width: 10 }),
    textInput({ id: 'items', label: 'Evidence items it supports (optional)', labelClass: 'nhsuk-label--s', hint: 'Separated by spaces, for example 1.1.1 1.1.2', width: 20 }),
    fileUpload('file'),
    textInput({ id: 'note', label: 'Note on this version (optional)', labelClass: 'nhsuk-label--s', hint: 'For example, first issue' }),
    button('Add the document', { id: 'save-document' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitNew(form);
  });
  return uploadPage('Add a document', libraryBreadcrumb(), form,
    hq ? 'Add a document to the shared library every branch follows, or to one branch’s own. Branch laptops receive it at their next sync.'
      : 'Add one of this site’s own documents. It goes to head office at the next sync.');
}

export async function renderVersion({ params }) {
  const [id] = params;
  const { document } = await get(`/api/documents/${enc(id)}`);
  const form = h('form', { novalidate: true, action: '/', method: 'post', id: 'version-form' },
    fileUpload('file'),
    textInput({ id: 'note', label: 'What changed (optional)', labelClass: 'nhsuk-label--s', hint: 'For example, updated for the 2026-27 toolkit' }),
    button('Add the version', { id: 'save-version' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submitVersion(form, document);
  });
  return uploadPage(`New version of ${document.title}`,
    breadcrumb([{ text: 'Policy library', href: '#/library' }], { text: document.title, href: `#/library/${enc(document.id)}` }), form,
    'The new version becomes the current one, and everyone is asked to read it afresh.');
}

function uploadPage(title, crumbs, form, intro) {
  return {
    title,
    breadcrumb: crumbs,
    body: [pageHeading(title), h('p', { class: 'nhsuk-body-l', text: intro }),
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' }, form))],
  };
}

function chosenFile(form) {
  const control = form.querySelector('#file');
  return control && control.files && control.files[0];
}

// Sends the file; on a refusal points at the field it is about. Returns the answer, or null.
async function send(form, path, file) {
  const saveButton = form.querySelector('button[type="submit"], button:not([type])');
  if (saveButton) saveButton.disabled = true;
  try {
    return await upload(path, file);
  } catch (error) {
    if (saveButton) saveButton.disabled = false;
    if (error.status === 401) return null;
    const control = (error.field && form.querySelector(`[id="${error.field}"]`)) || form.querySelector('#file');
    showFormErrors([{ text: error.message, control }]);
    return null;
  }
}

async function submitNew(form) {
  clearMessages();
  clearFieldErrors(form);
  const file = chosenFile(form);
  if (!file) {
    showFormErrors([{ text: 'Choose the document’s file', control: form.querySelector('#file') }]);
    return;
  }
  const query = [`file=${enc(file.name)}`];
  for (const name of ['scope', 'title', 'kind', 'owner', 'reviewBy', 'items', 'note']) {
    const value = form.querySelector(`[id="${name}"]`)?.value.trim();
    if (value) query.push(`${name}=${enc(value)}`);
  }
  const outcome = await send(form, `/api/documents?${query.join('&')}`, file);
  if (!outcome) return;
  pendingSuccess = `Added ${outcome.document.title}`;
  navigate(`#/library/${enc(outcome.document.id)}`);
}

async function submitVersion(form, document) {
  clearMessages();
  clearFieldErrors(form);
  const file = chosenFile(form);
  if (!file) {
    showFormErrors([{ text: 'Choose the new version’s file', control: form.querySelector('#file') }]);
    return;
  }
  const note = form.querySelector('#note').value.trim();
  const query = [`file=${enc(file.name)}`];
  if (note) query.push(`note=${enc(note)}`);
  const outcome = await send(form, `/api/documents/${enc(document.id)}/versions?${query.join('&')}`, file);
  if (!outcome) return;
  pendingSuccess = `Added version ${outcome.document.currentVersion} of ${document.title}`;
  navigate(`#/library/${enc(document.id)}`);
}
