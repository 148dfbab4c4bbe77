// The organisation profile (head office): who the Caldicott Guardian, SIRO, IG lead and DPO are,
// Cyber Essentials Plus and NHSmail, as head office records them for the whole organisation. Every
// branch's assessment uses these entries unless the branch records its own. One Save sends what
// changed (POST /api/profile); the server checks every entry and names the one at fault.

import { get, post } from '../api.js';
import { h } from '../dom.js';
import { pageHeading, breadcrumb, textInput, radios, button, insetText, summaryList, clearFieldErrors } from '../nhs.js';
import { showFormErrors, clearMessages, navigate } from '../app.js';

let pendingSuccess = null;

const ROLES = [
  ['role.caldicott_guardian', 'Caldicott Guardian'],
  ['role.siro', 'Senior Information Risk Owner (SIRO)'],
  ['role.ig_lead', 'Information governance lead'],
  ['role.dpo', 'Data Protection Officer (DPO)'],
];
const CHOICES = [
  ['cyber_essentials_plus', 'Does the organisation hold Cyber Essentials Plus?', 'Standards Exceeded needs it recorded here',
    [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }, { value: 'not_sure', text: 'Not sure' }]],
  ['nhsmail_only', 'Is NHSmail the only email system?', '',
    [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }]],
];
const LABELS = Object.fromEntries([...ROLES, ...CHOICES.map(([entry, legend]) => [entry, legend])]);

// Entry names as element ids ("role.siro" -> "profile-role-siro").
const idOf = (entry) => `profile-${entry.replace(/[._]/g, '-')}`;

export async function render({ state }) {
  const title = 'Organisation profile';
  const crumbs = breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' });
  if (state.session.mode !== 'hq' || state.session.branch) {
    return { title, breadcrumb: crumbs, body: [pageHeading(title), insetText(h('p', { text: 'Head office keeps the organisation profile; each branch’s assessment shows it.' }))] };
  }
  const data = await get('/api/profile');
  const profile = data.profile || {};
  const success = pendingSuccess;
  pendingSuccess = null;
  const admin = state.session.role === 'admin';
  return {
    title,
    success,
    breadcrumb: crumbs,
    body: [
      pageHeading(title),
      h('p', { class: 'nhsuk-body-l', text: `Head office’s profile for ${data.year}: every branch’s assessment uses these entries unless the branch records its own.` }),
      admin ? profileForm(profile) : readOnly(profile),
    ],
  };
}

function readOnly(profile) {
  return h('div', {},
    summaryList(Object.entries(LABELS).map(([entry, text]) => ({ key: text, value: profile[entry] || '' }))),
    insetText(h('p', { text: 'Only head office administrators change the organisation profile.' })));
}

function profileForm(profile) {
  const form = h('form', { id: 'profile-form', novalidate: true, action: '/', method: 'post' },
    h('h2', { class: 'nhsuk-heading-m', text: 'Named roles' }),
    ROLES.map(([entry, text]) => textInput({ id: idOf(entry), label: text, labelClass: 'nhsuk-label--s', value: profile[entry] || '', width: 20, autocomplete: 'off' })),
    h('h2', { class: 'nhsuk-heading-m', text: 'Security and email' }),
    CHOICES.map(([entry, legend, hint, items]) => radios({ idPrefix: idOf(entry), name: entry, legend, hint, items, value: profile[entry] || '' })),
    button('Save the profile', { id: 'save-profile' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await save(form, profile);
  });
  return h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' }, form));
}

// The entries whose value differs from what is recorded: an emptied name clears its entry.
function changedEntries(form, profile) {
  const changed = {};
  for (const [entry] of ROLES) {
    const value = form.querySelector(`#${idOf(entry)}`).value.trim();
    if (value !== (profile[entry] || '')) changed[entry] = value;
  }
  for (const [entry] of CHOICES) {
    const value = form.querySelector(`input[name="${entry}"]:checked`)?.value || '';
    if (value && value !== (profile[entry] || '')) changed[entry] = value;
  }
  return changed;
}

async function save(form, profile) {
  clearMessages();
  clearFieldErrors(form);
  const changed = changedEntries(form, profile);
  if (!Object.keys(changed).length) {
    showFormErrors([{ text: 'Nothing has changed: change an entry, then save', control: null }]);
    return;
  }
  const submit = form.querySelector('#save-profile');
  submit.disabled = true;
  try {
    await post('/api/profile', { profile: changed });
  } catch (error) {
    submit.disabled = false;
    if (error.status === 401) return;
    const control = error.field ? form.querySelector(`#${idOf(error.field)}`) : null;
    showFormErrors([{ text: error.message, control }]);
    return;
  }
  pendingSuccess = 'The organisation profile is saved. Branch laptops receive it at their next sync.';
  navigate('#/profile');
}
