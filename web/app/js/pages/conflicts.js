// Open conflicts: fields edited at the same time in different places, every value side by side
// with who and when; keep one, or record an agreed value.

import { get, post, enc } from '../api.js';
import { h, formatTime, plural, idPart } from '../dom.js';
import { pageHeading, breadcrumb, tag, card, button, details, textarea, insetText, setFieldError, clearFieldErrors } from '../nhs.js';
import { showErrors, clearMessages, refresh } from '../app.js';

const FIELD_NAMES = {
  answer: 'answer', comment: 'comment', confirmed: 'confirmation', owner: 'owner', value: 'value',
  plan_action: 'plan action', plan_owner: 'plan owner', plan_due: 'plan due date', plan_state: 'plan state',
  override_reason: 'override reason', sharing: 'sharing',
};

let pendingSuccess = null;

function valueText(value) {
  if (value === null || value === undefined || value === '') return h('span', { class: 'app-muted', text: 'Cleared (no value)' });
  if (typeof value === 'object') return h('span', { class: 'app-pre-line', text: value.text ?? value.value ?? '' });
  const text = String(value);
  return h('span', { class: 'app-pre-line app-conflict__value', text: text === 'yes' ? 'Yes' : text === 'no' ? 'No' : text });
}

export async function render({ query, state }) {
  const scope = query.get('scope') || '';
  const data = await get(`/api/conflicts${scope ? `?scope=${enc(scope)}` : ''}`);
  let names = new Map();
  try {
    const dashboard = await get('/api/dashboard');
    names = new Map((dashboard.sites || []).map((site) => [site.ods, site.name]));
  } catch (error) {
    if (error.status === 401) throw error;
  }
  const conflicts = data.conflicts || [];
  const canResolve = state.session.role !== 'viewer';
  const success = pendingSuccess;
  pendingSuccess = null;
  const scopeName = (code) => (names.get(code) ? `${names.get(code)} (${code})` : code);
  return {
    title: 'Conflicts',
    success,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading(scope ? `Conflicts in ${scopeName(scope)}` : 'Conflicts'),
      h('p', { class: 'nhsuk-body-l', text: 'When people change the same answer at the same time in different places, both values are kept side by side until someone chooses. Nothing is lost: every value stays in the history.' }),
      scope ? h('p', {}, h('a', { href: '#/conflicts', text: 'Show the conflicts of every site' })) : null,
      conflicts.length
        ? h('p', { id: 'conflict-count', text: `${plural(conflicts.length, 'open conflict')}. An open conflict blocks publishing.` })
        : insetText(h('p', { id: 'conflict-count', text: 'There are no open conflicts.' })),
      conflicts.map((conflict) => conflictSection(conflict, scopeName, canResolve)),
    ],
  };
}

function conflictSection(conflict, scopeName, canResolve) {
  const key = `${idPart(conflict.scope)}-${idPart(conflict.target)}-${idPart(conflict.field)}`;
  const fieldName = FIELD_NAMES[conflict.field] || conflict.field;
  const headingId = `conflict-${key}-heading`;
  const what = `${conflict.kind === 'assertion' ? 'assertion ' : ''}${conflict.target} ${fieldName}`;
  const values = conflict.values || [];
  const columns = values.length === 2 ? 'nhsuk-grid-column-one-half' : 'nhsuk-grid-column-one-third';
  const section = h('section', { class: 'app-conflict', id: `conflict-${key}`, 'aria-labelledby': headingId, dataset: { target: conflict.target, field: conflict.field, scope: conflict.scope } },
    h('h2', { class: 'nhsuk-heading-m', id: headingId, tabindex: '-1' },
      h('span', { class: 'nhsuk-caption-m' }, scopeName(conflict.scope), conflict.group ? `, ${conflict.group}` : '',
        h('span', { class: 'nhsuk-u-visually-hidden', text: ' - ' })),
      conflict.summary || `The ${what}`),
    conflict.question ? h('p', { class: 'app-secondary', text: conflict.question }) : null,
    h('div', { class: 'nhsuk-grid-row app-conflict__values' }, values.map((value, index) => h('div', { class: columns },
      card({
        heading: `Value ${index + 1}`,
        headingLevel: 'h3',
        headingClass: 'nhsuk-card__heading nhsuk-heading-s',
        classes: 'app-conflict__card',
        children: [
          value.winner || value.mine ? h('ul', { class: 'app-tags' },
            value.winner ? h('li', {}, tag('Shown meanwhile', 'blue')) : null,
            value.mine ? h('li', {}, tag('Yours', 'grey')) : null) : null,
          h('p', { class: 'nhsuk-body-l app-conflict__text' }, valueText(value.value)),
          value.location ? h('p', {}, 'Kept at ', h('span', { text: value.location })) : null,
          h('p', { class: 'app-meta' }, `By ${writers(value)}`, h('br'), formatTime(value.at, value.atText),
            value.device ? [h('br'), `Device ${String(value.device).slice(0, 8)}`] : null),
          canResolve ? button(h('span', {}, 'Keep this one', h('span', { class: 'nhsuk-u-visually-hidden', text: ` (value ${index + 1} of the ${what}, by ${value.by || 'unknown'})` })), {
            type: 'button', small: true, id: `keep-${key}-${index + 1}`,
            on: (event) => resolve(conflict, { keep: value.changeId }, event.currentTarget, `Kept the value by ${value.by || 'unknown'} for the ${what}.`),
          }) : null,
        ],
      })))),
    canResolve ? agreedValueForm(conflict, key, what) : null);
  return section;
}

// Who wrote a value: its latest writer, and anyone who wrote the same value at the same time.
function writers(value) {
  const names = [value.by || 'unknown', ...(value.alsoBy || []).map((other) => other.by)];
  return names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names[names.length - 1]}` : names[0];
}

function agreedValueForm(conflict, key, what) {
  const id = `agreed-${key}`;
  const form = h('form', { novalidate: true, action: '/', method: 'post' },
    textarea({ id, label: 'The agreed value', hint: conflict.field === 'confirmed' ? 'yes to confirm, or leave empty to withdraw' : 'Leave it empty to clear the field', rows: 2 }),
    button('Keep the agreed value', { variant: 'secondary', small: true, id: `agree-${key}` }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const value = form.querySelector('textarea').value.trim();
    resolve(conflict, { value }, form.querySelector('button[type=submit]'), `Recorded the agreed value for the ${what}.`);
  });
  return details(h('span', {}, 'Agree a different value', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for the ${what}` })), form);
}

async function resolve(conflict, choice, control, successText) {
  clearMessages();
  control.disabled = true;
  try {
    await post('/api/conflicts/resolve', { scope: conflict.scope, target: conflict.target, field: conflict.field, ...choice });
  } catch (error) {
    control.disabled = false;
    if (error.status === 401) return;
    if (error.status === 409) {
      pendingSuccess = null;
      await refresh();
      showErrors([{ text: error.message }]);
      return;
    }
    const input = control.closest('form')?.querySelector('textarea');
    const href = input ? `#${setFieldError(input, error.message)}` : `#${control.id}`;
    showErrors([{ text: error.message, href }]);
    return;
  }
  pendingSuccess = successText;
  await refresh();
}
