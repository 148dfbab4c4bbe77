// People and devices (head office administrators): users with their devices, invites not used
// yet, inviting someone (the enrolment code is shown once), revoking someone after a confirmation,
// and reinstating someone revoked; adding a head office user, changing a role and resetting a
// password, each giving a one-time link to set a password (shown once, to copy and send).

import { get, post, enc } from '../api.js';
import { h, formatTime, plural, siteLabel } from '../dom.js';
import {
  pageHeading, breadcrumb, tag, table, textInput, radios, select, button, insetText, warningCallout, summaryList,
  setFieldError, clearFieldErrors, backLink, actionLink,
} from '../nhs.js';
import { showErrors, clearMessages, navigate, initComponents } from '../app.js';

let pendingSuccess = null;

const ROLE_HINTS = {
  admin: 'Edits, confirms assertions and, at head office, publishes',
  member: 'Edits answers and the plan; cannot confirm',
  viewer: 'Reads only',
};

function whereText(branch, branches) {
  if (!branch) return 'Head office';
  const found = branches.find((entry) => entry.ods === branch);
  return found ? `${found.name} (${branch})` : branch;
}

export async function render({ state }) {
  if (state.session.mode !== 'hq' || state.session.role !== 'admin') {
    return { title: 'People and devices', body: [pageHeading('People and devices'), insetText(h('p', { text: 'Only head office administrators manage people and devices.' }))] };
  }
  const data = await get('/api/people');
  const users = data.users || [];
  const invites = (data.invites || []).filter((invite) => !invite.used);
  const branches = data.branches || [];
  const success = pendingSuccess;
  pendingSuccess = null;

  const codeSlot = h('div', { id: 'invite-result' });
  const form = inviteForm(branches, codeSlot);
  return {
    title: 'People and devices',
    success,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('People and devices'),
      table({
        caption: 'People',
        id: 'users',
        scroll: true,
        head: ['Name', 'Role', 'Works for', 'Devices', 'Status', { value: h('span', { class: 'nhsuk-u-visually-hidden', text: 'Actions' }) }],
        rows: users.map((user) => [
          { header: true, value: user.name },
          user.role,
          whereText(user.branch, branches),
          deviceList(user.devices || []),
          h('span', {}, user.revoked ? tag('Revoked', 'red') : tag('Active', 'green'),
            !user.revoked && user.hasPassword ? h('span', { class: 'app-secondary', text: ' Can sign in here' }) : null,
            user.revoked && typeof user.revoked !== 'boolean' ? h('span', { class: 'app-secondary', text: ` ${formatTime(user.revoked)}` }) : null),
          user.revoked ? reinstateButton(user) : userActions(user, state.session.user),
        ]),
      }),
      h('h2', { class: 'nhsuk-heading-m', text: 'Invites not used yet' }),
      invites.length ? table({
        caption: 'Invites',
        captionClass: 'nhsuk-u-visually-hidden',
        head: ['Invite', 'For', 'Role', 'Works for', 'Expires'],
        rows: invites.map((invite) => [invite.id, invite.user, invite.role, whereText(invite.branch, branches), formatTime(invite.expiresAt)]),
      }) : h('p', { text: 'None.' }),
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        h('h2', { class: 'nhsuk-heading-m', id: 'add-user-heading', text: 'Head office users' }),
        h('p', { text: 'A head office user works in this web app, with no laptop. You get a one-time link for them to set their password, and send it to them yourself.' }),
        actionLink('Add a head office user', '#/people/add', 'add-user-link'))),
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        h('h2', { class: 'nhsuk-heading-m', id: 'invite-heading', text: 'Invite someone' }),
        h('p', { text: 'An invite gives one person a one-time code to enrol one computer. To add another computer for the same person, invite them again with the same role and place of work.' }),
        codeSlot,
        form)),
    ],
  };
}

// What an administrator may do for an active person: change their role, send a password link,
// revoke them (not their own role: another administrator does that).
function userActions(user, me) {
  const action = (text, href, id) => h('li', {}, h('a', { href, id }, text, h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${user.name}` })));
  return h('ul', { class: 'nhsuk-list' },
    user.name !== me ? action('Change role', `#/people/role/${enc(user.name)}`, `role-${idOf(user.name)}`) : null,
    action('Reset password', `#/people/reset/${enc(user.name)}`, `reset-${idOf(user.name)}`),
    action('Revoke', `#/people/revoke/${enc(user.name)}`, `revoke-${idOf(user.name)}`));
}

function roleItems() {
  return ['admin', 'member', 'viewer'].map((role) => ({ value: role, text: role[0].toUpperCase() + role.slice(1), hint: ROLE_HINTS[role] }));
}

function addUserForm(linkSlot) {
  const form = h('form', { novalidate: true, id: 'add-user-form', action: '/', method: 'post' },
    textInput({ id: 'add-user-name', label: 'Their full name', hint: 'As it will appear on their edits and sign-in, for example Priya Shah', width: 20, autocomplete: 'off', spellcheck: 'false' }),
    radios({ idPrefix: 'add-user-role', name: 'add-role', legend: 'Role', value: '', items: roleItems() }),
    button('Add them and create a link', { id: 'add-user-button' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    clearMessages();
    const nameControl = form.querySelector('#add-user-name');
    const roleControl = form.querySelector('input[name=add-role]:checked');
    const roleGroup = form.querySelector('#add-user-role');
    const errors = [];
    const name = nameControl.value.trim();
    if (!name) errors.push({ text: 'Enter their full name', href: `#${setFieldError(nameControl, 'Enter their full name')}` });
    if (!roleControl) errors.push({ text: 'Choose a role', href: `#${setFieldError(roleGroup, 'Choose a role')}` });
    if (errors.length) {
      showErrors(errors);
      return;
    }
    const submit = form.querySelector('#add-user-button');
    submit.disabled = true;
    let link;
    try {
      link = await post('/api/people/users', { name, role: roleControl.value });
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401) return;
      const control = error.field === 'name' ? nameControl : error.field === 'role' ? roleGroup : null;
      showErrors([{ text: error.message, href: control ? `#${setFieldError(control, error.message)}` : '#add-user-name' }]);
      return;
    }
    submit.disabled = false;
    form.reset();
    showLink(linkSlot, link, `${link.user} is added as head office ${link.role}.`);
  });
  return form;
}

// The one-time link, shown once: the token is not kept anywhere the page could read it again.
function showLink(slot, link, intro) {
  const url = `${location.origin}${link.path}`;
  const copy = button('Copy the link', { variant: 'secondary', type: 'button', id: 'password-link-copy' });
  const copied = h('p', { class: 'app-secondary', id: 'password-link-copied', 'aria-live': 'polite' });
  copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
      copied.textContent = 'Copied.';
    } catch {
      window.getSelection().selectAllChildren(document.getElementById('password-link'));
      copied.textContent = 'Select the link and copy it (your browser did not let this page copy it).';
    }
  });
  const shown = h('div', { class: 'nhsuk-card nhsuk-card--feature app-code', id: 'password-link-card' },
    h('div', { class: 'nhsuk-card__content nhsuk-card__content--feature' },
      h('h3', { class: 'nhsuk-card__heading nhsuk-card__heading--feature nhsuk-heading-m', tabindex: '-1', id: 'password-link-heading', text: 'Link to set a password' }),
      h('p', { text: `${intro} Send ${link.user} this link. It sets their password once, until ${formatTime(link.expiresAt)}:` }),
      h('p', {}, h('code', { id: 'password-link', class: 'app-code__value', text: url })),
      copy,
      copied,
      warningCallout('This link is shown once', h('p', { text: 'It is not kept here. Send it privately (not in a shared channel): whoever opens it first sets the password. A newer link for the same person stops this one working.' }))));
  slot.replaceChildren(shown);
  initComponents(slot);
  document.getElementById('password-link-heading').focus();
}

// The person an address names, with the organisation's branches, or a page saying there is none.
async function personPage(name, state, what) {
  if (state.session.mode !== 'hq' || state.session.role !== 'admin') {
    return { page: { title: what, body: [pageHeading(what), insetText(h('p', { text: 'Only head office administrators manage people.' }))] } };
  }
  const data = await get('/api/people');
  const user = (data.users || []).find((entry) => entry.name === name);
  if (!user || user.revoked) {
    return { page: { title: 'Not found', body: [pageHeading('Not found'), h('p', { text: `There is no active user ${name}.` }), backLink('People and devices', '#/people')] } };
  }
  return { user, branches: data.branches || [] };
}

const peopleBreadcrumb = () => breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'People and devices', href: '#/people' }], { text: 'People and devices', href: '#/people' });

export async function renderAdd({ state }) {
  if (state.session.mode !== 'hq' || state.session.role !== 'admin') {
    return { title: 'Add a head office user', body: [pageHeading('Add a head office user'), insetText(h('p', { text: 'Only head office administrators add people.' }))] };
  }
  const linkSlot = h('div', { id: 'add-user-result' });
  return {
    title: 'Add a head office user',
    breadcrumb: peopleBreadcrumb(),
    body: [
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        pageHeading('Add a head office user'),
        h('p', { text: 'They work in this web app, with no laptop (to enrol a laptop, invite them from People and devices). You get a one-time link for them to set their password: send it to them yourself.' }),
        linkSlot,
        addUserForm(linkSlot),
        backLink('People and devices', '#/people'))),
    ],
  };
}

export async function renderRole({ params, state }) {
  const found = await personPage(params[0], state, 'Change role');
  if (found.page) return found.page;
  const { user, branches } = found;
  const form = h('form', { novalidate: true, id: 'role-form', action: '/', method: 'post' },
    radios({ idPrefix: 'role-choice', name: 'new-role', legend: `New role for ${user.name}`, legendClass: 'nhsuk-fieldset__legend--m', value: user.role, items: roleItems() }),
    insetText(h('p', { text: 'The new role applies at once, in this web app and to what their laptops send next.' })),
    h('div', { class: 'nhsuk-button-group' },
      button('Change role', { id: 'role-confirm' }),
      h('a', { class: 'nhsuk-link', href: '#/people', text: 'No, go back' })));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearMessages();
    const chosen = form.querySelector('input[name=new-role]:checked');
    const submit = form.querySelector('#role-confirm');
    submit.disabled = true;
    let changed;
    try {
      changed = await post(`/api/people/${enc(user.name)}/role`, { role: chosen ? chosen.value : '' });
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: '#role-choice' }]);
      return;
    }
    pendingSuccess = changed.role === changed.previousRole
      ? `${user.name} is already ${changed.role}: nothing changed.`
      : `${user.name} is now ${changed.role} (was ${changed.previousRole}).`;
    navigate('#/people');
  });
  return {
    title: `Change the role of ${user.name}`,
    breadcrumb: peopleBreadcrumb(),
    body: [
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        pageHeading(`Change the role of ${user.name}`),
        summaryList([
          { key: 'Role now', value: user.role },
          { key: 'Works for', value: whereText(user.branch, branches) },
        ]),
        form)),
    ],
  };
}

export async function renderReset({ params, state }) {
  const found = await personPage(params[0], state, 'Reset password');
  if (found.page) return found.page;
  const { user, branches } = found;
  const linkSlot = h('div', { id: 'reset-result' });
  const confirm = button('Create a link to set a new password', { type: 'button', id: 'reset-confirm' });
  const choice = h('div', { class: 'nhsuk-button-group', id: 'reset-choice' },
    confirm,
    h('a', { class: 'nhsuk-link', href: '#/people', text: 'No, go back' }));
  confirm.addEventListener('click', async () => {
    clearMessages();
    confirm.disabled = true;
    let link;
    try {
      link = await post(`/api/people/${enc(user.name)}/password-link`, {});
    } catch (error) {
      confirm.disabled = false;
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: '#reset-confirm' }]);
      return;
    }
    choice.replaceChildren(h('a', { class: 'nhsuk-link', href: '#/people', id: 'reset-back', text: 'Back to people and devices' }));
    showLink(linkSlot, link, '');
  });
  return {
    title: `Reset the password of ${user.name}`,
    breadcrumb: peopleBreadcrumb(),
    body: [
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        pageHeading(`Reset the password of ${user.name}?`),
        summaryList([
          { key: 'Role', value: user.role },
          { key: 'Works for', value: whereText(user.branch, branches) },
          { key: 'Can sign in here', value: user.hasPassword ? 'Yes' : 'Not yet' },
        ]),
        insetText(h('p', { text: `You get a one-time link for ${user.name} to set a new password. Their current password keeps working until they use it; any older link of theirs stops working now.` })),
        linkSlot,
        choice)),
    ],
  };
}

function idOf(name) {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

// A revocation is never for ever: an administrator lifts it here (their old devices stay revoked).
function reinstateButton(user) {
  const reinstate = button('Reinstate', { variant: 'secondary', small: true, type: 'button', id: `reinstate-${idOf(user.name)}` });
  reinstate.append(h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${user.name}` }));
  reinstate.addEventListener('click', async () => {
    clearMessages();
    reinstate.disabled = true;
    try {
      await post(`/api/people/${enc(user.name)}/reinstate`, {});
    } catch (error) {
      reinstate.disabled = false;
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: `#${reinstate.id}` }]);
      return;
    }
    pendingSuccess = `${user.name} is reinstated: they can sign in again and be invited to enrol a new device. Their old devices stay revoked.`;
    navigate('#/people');
  });
  return reinstate;
}

function deviceList(devices) {
  if (!devices.length) return h('span', { class: 'app-muted', text: 'None' });
  return h('ul', { class: 'nhsuk-list' }, devices.map((device) => h('li', {},
    device.name || String(device.id).slice(0, 8),
    h('span', { class: 'app-secondary', text: ` enrolled ${formatTime(device.enrolledAt)}` }),
    device.revoked ? [' ', tag('Revoked', 'red')] : null)));
}

function inviteForm(branches, codeSlot) {
  const form = h('form', { novalidate: true, id: 'invite-form', action: '/', method: 'post' },
    textInput({ id: 'invite-user', label: 'Their name', hint: 'As it will appear on their edits, for example Sam Patel', width: 20, autocomplete: 'off', spellcheck: 'false' }),
    radios({
      idPrefix: 'invite-role', name: 'role', legend: 'Role', value: '',
      items: ['admin', 'member', 'viewer'].map((role) => ({ value: role, text: role[0].toUpperCase() + role.slice(1), hint: ROLE_HINTS[role] })),
    }),
    select({
      id: 'invite-branch', label: 'Works for', labelClass: 'nhsuk-label--s', value: '',
      options: [{ value: '', text: 'Choose where they work' }, { value: '-hq-', text: 'Head office' }, ...branches.map((branch) => ({ value: branch.ods, text: `${siteLabel(branch.name, branch.ods)}` }))],
    }),
    button('Create the invite', { id: 'invite-button' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    clearMessages();
    const userControl = form.querySelector('#invite-user');
    const roleControl = form.querySelector('input[name=role]:checked');
    const branchControl = form.querySelector('#invite-branch');
    const errors = [];
    const user = userControl.value.trim();
    if (!user) errors.push({ text: 'Enter the name of the person to invite', href: `#${setFieldError(userControl, 'Enter the name of the person to invite')}` });
    if (!roleControl) errors.push({ text: 'Choose a role', href: `#${setFieldError(form.querySelector('#invite-role'), 'Choose a role')}` });
    if (!branchControl.value) errors.push({ text: 'Choose where they work', href: `#${setFieldError(branchControl, 'Choose where they work')}` });
    if (errors.length) {
      showErrors(errors);
      return;
    }
    const submit = form.querySelector('#invite-button');
    submit.disabled = true;
    let result;
    try {
      result = await post('/api/people/invites', { user, role: roleControl.value, branch: branchControl.value === '-hq-' ? null : branchControl.value });
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401) return;
      const control = error.field === 'user' ? userControl : error.field === 'branch' ? branchControl : error.field === 'role' ? form.querySelector('#invite-role') : null;
      showErrors([{ text: error.message, href: control ? `#${setFieldError(control, error.message)}` : '#invite-user' }]);
      return;
    }
    submit.disabled = false;
    form.reset();
    showCode(codeSlot, result, branches);
  });
  return form;
}

function showCode(slot, result, branches) {
  const invite = result.invite || {};
  const shown = h('div', { class: 'nhsuk-card nhsuk-card--feature app-code', id: 'invite-code-card' },
    h('div', { class: 'nhsuk-card__content nhsuk-card__content--feature' },
      h('h3', { class: 'nhsuk-card__heading nhsuk-card__heading--feature nhsuk-heading-m', tabindex: '-1', id: 'invite-code-heading', text: 'Enrolment code' }),
      h('p', { text: `For ${invite.user || ''}, ${invite.role || ''} at ${whereText(invite.branch, branches)}. It works until ${formatTime(invite.expiresAt)}:` }),
      h('p', { class: 'nhsuk-body-l' }, h('code', { id: 'invite-code', class: 'app-code__value', text: result.code })),
      h('p', {}, 'On their computer they run ', h('code', { text: `dsptsync enrol ${serverUrl()} ${result.code}` }), '.'),
      warningCallout('This code is shown once', h('p', { text: 'It is not kept here. Give it to them privately: it enrols one computer, once.' }))));
  slot.replaceChildren(shown);
  initComponents(slot);
  document.getElementById('invite-code-heading').focus();
}

function serverUrl() {
  return `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}`;
}

export async function renderRevoke({ params, state }) {
  const name = params[0];
  if (state.session.mode !== 'hq' || state.session.role !== 'admin') {
    return { title: 'Revoke', body: [pageHeading('Revoke'), insetText(h('p', { text: 'Only head office administrators revoke people.' }))] };
  }
  const data = await get('/api/people');
  const user = (data.users || []).find((entry) => entry.name === name);
  if (!user) {
    return { title: 'Not found', body: [pageHeading('Not found'), h('p', { text: `There is no user ${name}.` }), backLink('People and devices', '#/people')] };
  }
  const devices = (user.devices || []).filter((device) => !device.revoked);
  const confirm = button(`Revoke ${user.name}`, { variant: 'warning', type: 'button', id: 'revoke-confirm' });
  confirm.addEventListener('click', async () => {
    clearMessages();
    confirm.disabled = true;
    try {
      await post(`/api/people/${enc(user.name)}/revoke`, {});
    } catch (error) {
      confirm.disabled = false;
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: '#revoke-confirm' }]);
      return;
    }
    pendingSuccess = `${user.name} is revoked: they are signed out and their devices can no longer sync.`;
    navigate('#/people');
  });
  return {
    title: `Revoke ${user.name}`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'People and devices', href: '#/people' }], { text: 'People and devices', href: '#/people' }),
    body: [
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        pageHeading(`Are you sure you want to revoke ${user.name}?`),
        summaryList([
          { key: 'Role', value: user.role },
          { key: 'Works for', value: whereText(user.branch, data.branches || []) },
          { key: 'Devices', value: devices.length ? devices.map((device) => device.name || device.id).join(', ') : '', empty: 'None' },
        ]),
        warningCallout('Their devices stay revoked',
          h('p', { text: `${user.name} is signed out at once and ${devices.length ? `their ${plural(devices.length, 'device')} can no longer sync` : 'cannot enrol a device'}. An administrator can reinstate them later, but their devices stay revoked: they enrol again with a new invite. What they already synced stays.` })),
        h('div', { class: 'nhsuk-button-group' },
          confirm,
          h('a', { class: 'nhsuk-link', href: '#/people', text: 'No, go back' })))),
    ],
  };
}
