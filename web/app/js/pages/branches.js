// Branches (head office administrators): every branch with its people, its latest sign-off and its
// newest change; adding one by its ODS site code, renaming one, and removing one after a
// confirmation that says what removal does. The server checks everything (/api/branches).

import { get, post, enc } from '../api.js';
import { h, formatTime, plural, siteLabel } from '../dom.js';
import {
  pageHeading, breadcrumb, table, textInput, button, insetText, warningCallout, summaryList, clearFieldErrors, backLink,
} from '../nhs.js';
import { showErrors, showFormErrors, clearMessages, navigate } from '../app.js';

let pendingSuccess = null;

const crumbs = () => breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' });
const toBranches = () => breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Branches', href: '#/branches' }], { text: 'Branches', href: '#/branches' });

function adminOnly(state, title) {
  if (state.session.mode === 'hq' && state.session.role === 'admin' && !state.session.branch) return null;
  return { title, body: [pageHeading(title), insetText(h('p', { text: 'Only head office administrators add, rename and remove branches.' }))] };
}

export async function render({ state }) {
  const refused = adminOnly(state, 'Branches');
  if (refused) return refused;
  const data = await get('/api/branches');
  const success = pendingSuccess;
  pendingSuccess = null;
  const branches = data.branches || [];
  return {
    title: 'Branches',
    success,
    breadcrumb: crumbs(),
    body: [
      pageHeading('Branches'),
      h('p', { class: 'nhsuk-body-l', text: 'Each branch is a site with its own ODS site code and its own assessment. Its people enrol their laptops with an invite from People and devices.' }),
      branches.length ? branchTable(branches) : h('p', { id: 'no-branches', text: 'No branches yet: add the first one below.' }),
      addForm(),
    ],
  };
}

function branchTable(branches) {
  return table({
    caption: 'Branches',
    id: 'branches',
    scroll: true,
    head: ['Branch', 'Code', 'People', 'Last sign-off', 'Last change', 'Actions'],
    rows: branches.map((branch) => [
      { header: true, value: branch.name },
      branch.ods,
      plural(branch.users, 'person', 'people'),
      branch.published ? `${branch.published.publicStatus} (${formatTime(branch.published.at.at, branch.published.at.atText)})` : 'None',
      branch.lastChangeAt ? formatTime(branch.lastChangeAt.at, branch.lastChangeAt.atText) : 'Nothing synced yet',
      h('ul', { class: 'nhsuk-list app-inline-list' },
        h('li', {}, h('a', { href: `#/branches/${enc(branch.ods)}/rename`, id: `rename-${branch.ods}` }, 'Rename',
          h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${siteLabel(branch.name, branch.ods)}` }))),
        h('li', {}, h('a', { href: `#/branches/${enc(branch.ods)}/remove`, id: `remove-${branch.ods}` }, 'Remove',
          h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${siteLabel(branch.name, branch.ods)}` })))),
    ]),
  });
}

function addForm() {
  const form = h('form', { id: 'add-branch-form', novalidate: true, action: '/', method: 'post' },
    textInput({ id: 'ods', label: 'ODS site code', labelClass: 'nhsuk-label--s', hint: 'V followed by 4 letters or digits, as the ODS look-up shows it, for example VLAXL', width: 10, spellcheck: 'false', autocomplete: 'off' }),
    textInput({ id: 'name', label: 'Branch name', labelClass: 'nhsuk-label--s', hint: 'As your people know it, for example Leeds', width: 20 }),
    button('Add the branch', { id: 'add-branch' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    const ods = form.querySelector('#ods').value.trim();
    const name = form.querySelector('#name').value.trim();
    const errors = [];
    if (!ods) errors.push({ text: 'Enter the branch’s ODS site code', control: form.querySelector('#ods') });
    if (!name) errors.push({ text: 'Enter the branch’s name', control: form.querySelector('#name') });
    if (errors.length) {
      showFormErrors(errors);
      return;
    }
    const added = await send(form, '/api/branches', { ods, name }, '#add-branch');
    if (!added) return;
    pendingSuccess = `Added ${added.branch.name} (${added.branch.ods}). Invite its people from People and devices.`;
    navigate('#/branches');
  });
  return h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
    h('h2', { class: 'nhsuk-heading-m', id: 'add-heading', text: 'Add a branch' }),
    form));
}

// Posts a form; on a refusal points at the field it names. Returns the answer, or null.
async function send(form, path, body, submitSelector) {
  const submit = form.querySelector(submitSelector);
  submit.disabled = true;
  try {
    return await post(path, body);
  } catch (error) {
    if (error.status === 401) return null;
    const control = error.field ? form.querySelector(`#${error.field}`) : null;
    showFormErrors([{ text: error.message, control }]);
    return null;
  } finally {
    submit.disabled = false;
  }
}

async function findBranch(ods) {
  const data = await get('/api/branches');
  return (data.branches || []).find((branch) => branch.ods === ods) || null;
}

function notFound(ods) {
  return { title: 'Not found', breadcrumb: toBranches(), body: [pageHeading('Not found'), h('p', { text: `There is no branch ${ods}.` }), backLink('Back to branches', '#/branches')] };
}

export async function renderRename({ params, state }) {
  const refused = adminOnly(state, 'Rename a branch');
  if (refused) return refused;
  const branch = await findBranch(params[0]);
  if (!branch) return notFound(params[0]);
  const form = h('form', { id: 'rename-branch-form', novalidate: true, action: '/', method: 'post' },
    textInput({ id: 'name', label: 'New name', labelClass: 'nhsuk-label--s', hint: `Its code stays ${branch.ods}; its people, laptops and answers are unchanged.`, value: branch.name, width: 20 }),
    h('div', { class: 'nhsuk-button-group' },
      button('Save the name', { id: 'rename-branch' }),
      h('a', { class: 'nhsuk-link', href: '#/branches', text: 'Cancel' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    clearFieldErrors(form);
    const name = form.querySelector('#name').value.trim();
    if (!name) {
      showFormErrors([{ text: 'Enter the branch’s new name', control: form.querySelector('#name') }]);
      return;
    }
    const renamed = await send(form, `/api/branches/${enc(branch.ods)}/rename`, { name }, '#rename-branch');
    if (!renamed) return;
    pendingSuccess = `${branch.ods} is now called ${renamed.branch.name}.`;
    navigate('#/branches');
  });
  return {
    title: `Rename ${branch.name}`,
    breadcrumb: toBranches(),
    body: [h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
      pageHeading(`Rename ${branch.name}`, branch.ods), form))],
  };
}

export async function renderRemove({ params, state }) {
  const refused = adminOnly(state, 'Remove a branch');
  if (refused) return refused;
  const branch = await findBranch(params[0]);
  if (!branch) return notFound(params[0]);
  const confirm = button(`Remove ${branch.name}`, { variant: 'warning', type: 'button', id: 'remove-confirm' });
  confirm.addEventListener('click', async () => {
    clearMessages();
    confirm.disabled = true;
    try {
      await post(`/api/branches/${enc(branch.ods)}/remove`, {});
    } catch (error) {
      confirm.disabled = false;
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: '#remove-confirm' }]);
      return;
    }
    pendingSuccess = `Removed ${branch.name} (${branch.ods}). Its answers stay in the server’s log.`;
    navigate('#/branches');
  });
  return {
    title: `Remove ${branch.name}`,
    breadcrumb: toBranches(),
    body: [h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
      pageHeading(`Are you sure you want to remove ${branch.name}?`, branch.ods),
      summaryList([
        { key: 'Code', value: branch.ods },
        { key: 'People not revoked', value: String(branch.users) },
        { key: 'Last sign-off', value: branch.published ? branch.published.publicStatus : '', empty: 'None' },
      ]),
      warningCallout('What removing a branch does',
        h('p', { text: 'The branch leaves the dashboard, sign-offs, downloads and every list of branches, and nobody can be invited to it. Its people must be revoked first (People and devices): while anyone of the branch is not revoked, removal is refused.' }),
        h('p', { text: 'Nothing it synced is deleted: its answers stay in the server’s log and in backups, and adding the branch again with the same code brings its assessment back.' })),
      h('div', { class: 'nhsuk-button-group' },
        confirm,
        h('a', { class: 'nhsuk-link', href: '#/branches', text: 'No, go back' }))))],
  };
}
