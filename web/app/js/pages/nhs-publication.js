// Recording the NHS publication (head office administrators): once a site's assessment is published
// on the NHS toolkit website, the date and status it shows there are typed in here, and the
// dashboard, the sign-offs and the public look-up then say "published on the NHS website". The
// server checks everything (POST /api/nhs-publications); this page names the field at fault.

import { get, post, ApiError } from '../api.js';
import { h } from '../dom.js';
import {
  pageHeading, breadcrumb, backLink, select, textInput, radios, dateInput, readDateInput, button, insetText,
  clearFieldErrors,
} from '../nhs.js';
import { showFormErrors as showFieldErrors, clearMessages, navigate } from '../app.js';

// What the sign-offs page shows once back there: the record and any warning.
let recordedMessage = null;
export function takeRecordedMessage() {
  const message = recordedMessage;
  recordedMessage = null;
  return message;
}

const STATUSES = [
  { value: 'approaching', text: 'Approaching Standards' },
  { value: 'met', text: 'Standards Met' },
  { value: 'exceeded', text: 'Standards Exceeded' },
];

export async function renderRecord({ query, state }) {
  const session = state.session;
  const heading = 'Record a publication on the NHS website';
  const crumbs = breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Sign-offs', href: '#/publications' }],
    { text: 'Sign-offs', href: '#/publications' });
  if (session.mode !== 'hq' || session.role !== 'admin') {
    return {
      title: heading,
      breadcrumb: crumbs,
      body: [pageHeading(heading), insetText(h('p', { text: 'A head office administrator records each site’s publication on the NHS website.' }))],
    };
  }
  const people = await get('/api/people');
  const organisation = session.organisation || {};
  const sites = [{ value: organisation.hq, text: `${organisation.name} (head office, ${organisation.hq})` },
    ...(people.branches || []).map((branch) => ({ value: branch.ods, text: `${branch.name} (${branch.ods})` }))];
  const form = h('form', { id: 'nhs-publication-form', novalidate: true },
    select({ id: 'site', label: 'Site', options: sites, value: query.get('site') || organisation.hq }),
    textInput({ id: 'year', label: 'Assessment year', hint: 'As the NHS website shows it, for example 2026-27', value: query.get('year') || organisation.year || '', width: 10 }),
    dateInput({ idPrefix: 'publishedOn', legend: 'Date published', hint: 'The date the NHS website shows, for example 20 6 2027' }),
    radios({ idPrefix: 'status', legend: 'Status on the NHS website', items: STATUSES, value: query.get('status') || '' }),
    button('Record the publication', { id: 'record-nhs-publication' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(form);
  });
  return {
    title: heading,
    breadcrumb: crumbs,
    body: [
      pageHeading(heading),
      insetText(h('p', { text: 'Do this after publishing the site’s assessment on the NHS Data Security and Protection Toolkit website (www.dsptoolkit.nhs.uk). Enter exactly what that website shows. A mistake is corrected by recording the publication again.' })),
      form,
      backLink('Back to sign-offs', '#/publications'),
    ],
  };
}

// The control an error about the API's field `name` points at.
function controlFor(form, name) {
  if (name === 'publishedOn') return form.querySelector('[id="publishedOn-day"]');
  return form.querySelector(`[id="${name}"]`);
}

function showFormErrors(form, errors) {
  showFieldErrors(errors.map((error) => ({ text: error.text, control: error.field ? controlFor(form, error.field) : null })));
}

function readForm(form) {
  const errors = [];
  const date = readDateInput(form, 'publishedOn', 'The date published');
  if (date.empty) errors.push({ text: 'Enter the date the NHS website shows', field: 'publishedOn' });
  else if (date.error) errors.push({ text: date.error, field: 'publishedOn' });
  const status = form.querySelector('input[name="status"]:checked')?.value || '';
  if (!status) errors.push({ text: 'Choose the status the NHS website shows', field: 'status' });
  const year = form.querySelector('#year').value.trim();
  if (!year) errors.push({ text: 'Enter the assessment year, for example 2026-27', field: 'year' });
  return { body: { site: form.querySelector('#site').value, year, publishedOn: date.iso || '', status }, errors };
}

async function submit(form) {
  clearMessages();
  clearFieldErrors(form);
  const { body, errors } = readForm(form);
  if (errors.length) {
    showFormErrors(form, errors);
    return;
  }
  const control = form.querySelector('#record-nhs-publication');
  control.disabled = true;
  let outcome;
  try {
    outcome = await post('/api/nhs-publications', body);
  } catch (error) {
    control.disabled = false;
    if (error.status === 401) return;
    showFormErrors(form, [{ text: error instanceof ApiError ? error.message : String(error), field: error.field }]);
    return;
  }
  const record = outcome.record;
  recordedMessage = {
    heading: `Recorded: ${record.name} is published on the NHS website as ${record.publicStatus}`,
    warnings: outcome.warnings || [],
  };
  navigate('#/publications');
}
