// The improvement plan of one assessment: for every item not completed (and any with a plan
// line), the action, owner, due date and state.

import { get, put, enc } from '../api.js';
import { h, formatDate, plural, siteLabel } from '../dom.js';
import { pageHeading, breadcrumb, tag, textInput, textarea, select, dateInput, readDateInput, summaryList, insetText, setFieldError, clearFieldErrors } from '../nhs.js';
import { showErrors, clearMessages, initComponents } from '../app.js';

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
