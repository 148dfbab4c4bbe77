// The improvement plan of one assessment: for every item not completed (and any with a plan
// line), the action, owner, due date and state; and for many items at once, plan lines generated
// for the mandatory items missing and one owner and due date for the items ticked.

import { get, put, post, enc } from '../api.js';
import { h, formatDate, plural, siteLabel } from '../dom.js';
import {
  pageHeading, breadcrumb, tag, textInput, textarea, select, dateInput, readDateInput, summaryList, insetText, setFieldError, clearFieldErrors,
  singleCheckbox, button,
} from '../nhs.js';
import { showErrors, showSuccess, clearMessages, initComponents, refresh } from '../app.js';

const STATES = [{ value: '', text: 'Not set' }, { value: 'open', text: 'Open' }, { value: 'in_progress', text: 'In progress' }, { value: 'done', text: 'Done' }];

export async function render({ params, query, state }) {
  const scope = params[0];
  let data = await get(`/api/assessment/${enc(scope)}`);
  const required = new Set(data.evaluation?.planRequired || []);
  const readOnly = state.session.role === 'viewer' || data.canEdit === false;
  const owners = [...new Set([...(data.owners || [])])].sort();

  const rowsFor = (current) => (current.groups || []).flatMap((group) => group.items.map((item) => ({ ...item, group: group.name })))
    .filter((item) => !item.completed || hasPlan(item.plan));
  const items = rowsFor(data);
  const list = h('div', { id: 'plan-items' });

  const section = (item, statusText = '') => {
    const id = item.id;
    const editable = !readOnly && item.editable !== false;
    const plan = item.plan || {};
    const block = h('section', { class: 'app-item', id: `plan-${id}`, 'aria-labelledby': `plan-${id}-heading` },
      h('h2', { class: 'nhsuk-heading-s app-item__heading', id: `plan-${id}-heading`, tabindex: '-1' },
        h('span', { class: 'app-item__id', text: id }), ' ', item.question),
      editable ? singleCheckbox({ id: `tick-${id}`, name: 'ticked', text: h('span', {}, 'Tick', h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${id}` }), ' to set its owner and due date with others') }) : null,
      h('ul', { class: 'app-tags', 'aria-label': `About ${id}` },
        h('li', {}, tag(item.group, 'grey')),
        required.has(id) ? h('li', {}, tag('Plan needed for Approaching Standards', 'orange')) : null,
        item.completed ? h('li', {}, tag('Completed', 'green')) : h('li', {}, tag('Not completed', 'white')),
        item.shared ? h('li', {}, tag('Shared by head office', 'purple')) : null));
    if (editable) {
      const form = h('form', { novalidate: true, action: '/', method: 'post', class: 'app-plan-form' },
        textarea({ id: `action-${id}`, label: h('span', {}, 'Action', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` })), value: plan.action || '', rows: 2 }),
        textInput({ id: `plan-owner-${id}`, label: h('span', {}, 'Owner', h('span', { class: 'nhsuk-u-visually-hidden', text: ` of the action for ${id}` })), value: plan.owner || '', width: 20, list: 'plan-owner-names' }),
        dateInput({ idPrefix: `due-${id}`, legend: h('span', {}, 'Due date', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` })), value: plan.due || '' }),
        select({ id: `state-${id}`, label: h('span', {}, 'State', h('span', { class: 'nhsuk-u-visually-hidden', text: ` of the action for ${id}` })), value: plan.state || '', options: STATES }),
        h('button', { class: 'nhsuk-button nhsuk-button--secondary', 'data-module': 'nhsuk-button', type: 'submit', id: `save-plan-${id}` },
          'Save', h('span', { class: 'nhsuk-u-visually-hidden', text: ` the plan for ${id}` })));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        save(item, form);
      });
      block.append(form);
    } else {
      block.append(summaryList([
        { key: 'Action', value: plan.action || '' },
        { key: 'Owner', value: plan.owner || '' },
        { key: 'Due', value: plan.due ? formatDate(plan.due) : '' },
        { key: 'State', value: STATES.find((s) => s.value === (plan.state || ''))?.text || plan.state },
      ]));
    }
    block.append(h('p', { class: 'app-item__status', id: `plan-${id}-status`, role: 'status', tabindex: '-1', text: statusText }));
    return block;
  };

  async function save(item, form) {
    clearFieldErrors(form);
    clearMessages();
    const id = item.id;
    const plan = item.plan || {};
    const errors = [];
    const due = readDateInput(form, `due-${id}`, `The due date for ${id}`);
    if (due.error) errors.push({ text: due.error, href: `#${setFieldError(form.querySelector(`[id="due-${id}-day"]`), due.error)}` });
    if (errors.length) {
      showErrors(errors);
      return;
    }
    const values = {
      action: form.querySelector(`[id="action-${id}"]`).value.trim(),
      owner: form.querySelector(`[id="plan-owner-${id}"]`).value.trim(),
      due: due.empty ? '' : due.iso,
      state: form.querySelector(`[id="state-${id}"]`).value,
    };
    const body = {};
    for (const [key, value] of Object.entries(values)) if (value !== (plan[key] || '')) body[key] = value;
    const status = form.parentElement.querySelector('.app-item__status');
    if (!Object.keys(body).length) {
      status.textContent = `Nothing to save: the plan for ${id} has not changed.`;
      status.focus();
      return;
    }
    const submit = form.querySelector('button[type=submit]');
    submit.disabled = true;
    try {
      await put(`/api/assessment/${enc(scope)}/items/${enc(id)}/plan`, body);
      data = await get(`/api/assessment/${enc(scope)}`);
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401) return;
      const part = { action: 'action', plan_action: 'action', owner: 'plan-owner', plan_owner: 'plan-owner', due: 'due', plan_due: 'due', state: 'state', plan_state: 'state' }[error.field];
      const control = part ? form.querySelector(`[id="${part}-${CSS.escape(id)}-day"]`) || form.querySelector(`[id="${part}-${CSS.escape(id)}"]`) : null;
      showErrors([{ text: error.message, href: `#${control ? setFieldError(control, error.message) : submit.id}` }]);
      return;
    }
    const fresh = rowsFor(data).find((row) => row.id === id) || { ...item, plan: { ...plan, ...body } };
    const replacement = section(fresh, `Saved the plan for ${id}.`);
    form.parentElement.replaceWith(replacement);
    initComponents(replacement);
    replacement.querySelector('.app-item__status').focus();
  }

  // Plan lines for every mandatory item not provided that has none (POST .../plan/generate).
  async function generate(event) {
    clearMessages();
    const trigger = event.currentTarget;
    trigger.disabled = true;
    let result;
    try {
      result = await post(`/api/assessment/${enc(scope)}/plan/generate`, {});
    } catch (error) {
      trigger.disabled = false;
      if (error.status !== 401) showErrors(error);
      return;
    }
    await refresh();
    showSuccess(result.items.length ? `Plan lines added for ${plural(result.items.length, 'item')}` : 'Nothing to add',
      h('p', { id: 'generated-items', text: result.items.length ? `${result.items.join(', ')}: each has an action naming the item now. Give each an owner and a due date.` : 'Every mandatory item not provided has a plan line already.' }));
  }

  // One owner and due date for the items ticked (PUT .../plan); the date as typed, read by the
  // server's rule for typed dates (31/01/2027 or 2027-01-31), as the command line's --due is.
  async function setTicked(form) {
    clearFieldErrors(form);
    clearMessages();
    const ticked = [...list.querySelectorAll('input[name="ticked"]:checked')].map((box) => box.id.slice('tick-'.length));
    const owner = form.querySelector('#bulk-owner').value.trim();
    const due = form.querySelector('#bulk-due').value.trim();
    const errors = [];
    if (!ticked.length) errors.push({ text: 'Tick the items to set the owner and due date of', href: '#set-ticked' });
    if (!owner && !due) errors.push({ text: 'Enter an owner or a due date', href: `#${setFieldError(form.querySelector('#bulk-owner'), 'Enter an owner or a due date')}` });
    if (errors.length) {
      showErrors(errors);
      return;
    }
    const body = { items: ticked };
    if (owner) body.owner = owner;
    if (due) body.due = due;
    const submit = form.querySelector('#set-ticked');
    submit.disabled = true;
    try {
      await put(`/api/assessment/${enc(scope)}/plan`, body);
    } catch (error) {
      submit.disabled = false;
      if (error.status === 401) return;
      const control = error.field === 'due' ? form.querySelector('#bulk-due') : error.field === 'owner' ? form.querySelector('#bulk-owner') : null;
      showErrors([{ text: error.message, href: `#${control ? setFieldError(control, error.message) : submit.id}` }]);
      return;
    }
    await refresh();
    showSuccess(`Owner and due date set for ${plural(ticked.length, 'item')}`, h('p', { id: 'ticked-items', text: ticked.join(', ') }));
  }

  const bulk = readOnly ? null : (() => {
    const form = h('form', { novalidate: true, action: '/', method: 'post', id: 'plan-bulk', class: 'app-plan-bulk' },
      h('h2', { class: 'nhsuk-heading-m', text: 'Several items at once' }),
      h('p', { text: 'Every mandatory item not provided needs a plan line to publish at Approaching Standards. Generating adds one, with an action naming the item, to each that has none yet.' }),
      button('Generate plan lines for missing items', { variant: 'secondary', type: 'button', id: 'generate-plan', on: generate }),
      h('p', { text: 'Then tick the items below and give them one owner and due date.' }),
      textInput({ id: 'bulk-owner', label: 'Owner of the ticked items', width: 20, list: 'plan-owner-names' }),
      textInput({ id: 'bulk-due', label: 'Due date of the ticked items', hint: 'For example, 31/01/2027', width: 10 }),
      button('Set owner and due date for the ticked items', { id: 'set-ticked' }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      setTicked(form);
    });
    return form;
  })();

  list.append(h('datalist', { id: 'plan-owner-names' }, owners.map((owner) => h('option', { value: owner }))));
  for (const item of items) list.append(section(item));
  const focusItem = query.get('item');
  return {
    title: `Improvement plan: ${siteLabel(data.name, data.scope)}`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: `${siteLabel(data.name, data.scope)}`, href: `#/assessment/${enc(scope)}` }],
      { text: `${siteLabel(data.name, data.scope)}`, href: `#/assessment/${enc(scope)}` }),
    body: [
      pageHeading('Improvement plan', `${siteLabel(data.name, data.scope)}, ${data.year}`),
      h('p', { class: 'nhsuk-body-l', text: 'For each item not completed yet: what will be done, by whom and by when.' }),
      required.size ? insetText(h('p', { text: `To publish at Approaching Standards, the plan must cover ${plural(required.size, 'item')}: each needs an action, an owner and a due date.` })) : null,
      items.length ? h('p', { text: `${plural(items.length, 'item')} in the plan.` }) : h('p', { text: 'Every item is completed: there is nothing to plan.' }),
      items.length ? bulk : null,
      list,
    ],
    after: () => {
      const target = focusItem ? document.getElementById(`plan-${focusItem}-heading`) : null;
      if (target) setTimeout(() => { target.scrollIntoView(); target.focus(); }, 0);
    },
  };
}

function hasPlan(plan) {
  return Boolean(plan && (plan.action || plan.owner || plan.due || plan.state));
}
