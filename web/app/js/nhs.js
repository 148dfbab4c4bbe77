// The NHS design system's components (nhsuk-frontend 10), built as DOM. Markup follows the
// components' own templates so that nhsuk-frontend's CSS and JavaScript apply unchanged.

import { h, svg, uniqueId } from './dom.js';

// The page's main heading: focusable by script so focus can move to it after navigation.
export function pageHeading(text, caption) {
  return h('h1', { class: 'nhsuk-heading-l app-page-heading', tabindex: '-1' },
    caption ? h('span', { class: 'nhsuk-caption-l' }, caption, h('span', { class: 'nhsuk-u-visually-hidden', text: ' - ' })) : null,
    text);
}

export function breadcrumb(items, back) {
  return h('nav', { class: 'nhsuk-breadcrumb', 'aria-label': 'Breadcrumb' },
    h('ol', { class: 'nhsuk-breadcrumb__list' },
      items.map((item) => h('li', { class: 'nhsuk-breadcrumb__list-item' },
        h('a', { class: 'nhsuk-breadcrumb__link', href: item.href, text: item.text })))),
    back ? h('a', { class: 'nhsuk-back-link', href: back.href },
      h('span', { class: 'nhsuk-u-visually-hidden', text: 'Back to ' }), back.text) : null);
}

export function backLink(text, href) {
  return h('a', { class: 'nhsuk-back-link', href, text });
}

const STATUS_COLOURS = { not_met: 'red', approaching: 'yellow', met: 'green', exceeded: 'blue' };

export function tag(text, colour) {
  return h('strong', { class: ['nhsuk-tag', colour ? `nhsuk-tag--${colour}` : ''], text });
}

export function statusTag(status, statusName) {
  return tag(statusName || status || 'Unknown', STATUS_COLOURS[status] || 'grey');
}

// rows: [{key, value, actions: [{href|on, text, hidden}]}]
export function summaryList(rows, { noBorder = false, classes = '' } = {}) {
  return h('dl', { class: ['nhsuk-summary-list', noBorder ? 'nhsuk-summary-list--no-border' : '', classes] },
    rows.filter(Boolean).map((row) => h('div', { class: 'nhsuk-summary-list__row' },
      h('dt', { class: 'nhsuk-summary-list__key' }, row.key),
      h('dd', { class: 'nhsuk-summary-list__value' }, row.value === '' || row.value === null || row.value === undefined
        ? h('span', { class: 'app-muted', text: row.empty || 'Not set' }) : row.value),
      row.actions && row.actions.length ? h('dd', { class: 'nhsuk-summary-list__actions' },
        row.actions.map((action) => h('a', { href: action.href, on: action.on ? { click: action.on } : undefined },
          action.text, action.hidden ? h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${action.hidden}` }) : null)))
        : null)));
}

// errors: [{text, href}] (href "#field-id" links to the field that needs fixing)
export function errorSummary(errors, title = 'There is a problem') {
  return h('div', { class: 'nhsuk-error-summary', 'data-module': 'nhsuk-error-summary' },
    h('div', { role: 'alert' },
      h('h2', { class: 'nhsuk-error-summary__heading', text: title }),
      h('div', { class: 'nhsuk-error-summary__body' },
        h('ul', { class: 'nhsuk-list nhsuk-error-summary__list' },
          errors.map((error) => h('li', {}, error.href
            ? h('a', { href: error.href, text: error.text })
            : error.text))))));
}

export function insetText(...children) {
  return h('div', { class: 'nhsuk-inset-text' },
    h('span', { class: 'nhsuk-u-visually-hidden', text: 'Information: ' }),
    children);
}

export function warningCallout(heading, ...children) {
  return h('div', { class: 'nhsuk-card nhsuk-card--warning' },
    h('div', { class: 'nhsuk-card__content' },
      h('h3', { class: 'nhsuk-card__heading' }, h('span', { role: 'text' },
        h('span', { class: 'nhsuk-u-visually-hidden', text: 'Important: ' }), heading)),
      children));
}

export function notificationBanner({ success = false, title, heading, body = [] }) {
  const titleId = uniqueId('banner-title');
  return h('div', {
    class: ['nhsuk-notification-banner', success ? 'nhsuk-notification-banner--success' : ''],
    role: success ? 'alert' : 'region', 'aria-labelledby': titleId,
    'data-module': 'nhsuk-notification-banner', 'data-disable-auto-focus': success ? null : 'true',
  },
  h('div', { class: 'nhsuk-notification-banner__header' },
    h('h2', { class: 'nhsuk-notification-banner__title', id: titleId, text: title || (success ? 'Success' : 'Important') })),
  h('div', { class: 'nhsuk-notification-banner__content' },
    heading ? h('p', { class: 'nhsuk-notification-banner__heading', text: heading }) : null,
    body));
}

export function panel(title, ...body) {
  return h('div', { class: 'nhsuk-panel' },
    h('h1', { class: 'nhsuk-panel__heading', tabindex: '-1', text: title }),
    body.length ? h('div', { class: 'nhsuk-panel__body' }, body) : null);
}

export function button(text, { variant = '', small = false, type = 'submit', on, id, disabled = false, name, value, describedBy: describer } = {}) {
  return h('button', {
    class: ['nhsuk-button', variant ? `nhsuk-button--${variant}` : '', small ? 'nhsuk-button--small' : ''],
    'data-module': 'nhsuk-button', type, id, name, value, disabled, 'aria-describedby': describer,
    on: on ? { click: on } : undefined,
  }, text);
}

function hint(id, text) {
  return text ? h('div', { class: 'nhsuk-hint', id: `${id}-hint` }, text) : null;
}

function errorMessage(id, text) {
  return text ? h('span', { class: 'nhsuk-error-message', id: `${id}-error` },
    h('span', { class: 'nhsuk-u-visually-hidden', text: 'Error: ' }), text) : null;
}

function describedBy(id, hintText, error) {
  const ids = [hintText ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  return ids || null;
}

export function label(forId, text, classes = '') {
  return h('label', { class: ['nhsuk-label', classes], for: forId }, text);
}

export function textInput({ id, name, label: labelText, labelClass = '', hint: hintText, value = '', width, type = 'text',
  autocomplete, inputmode, spellcheck, error, disabled = false, readonly = false, list }) {
  return h('div', { class: ['nhsuk-form-group', error ? 'nhsuk-form-group--error' : ''] },
    label(id, labelText, labelClass),
    hint(id, hintText),
    errorMessage(id, error),
    h('input', {
      class: ['nhsuk-input', width ? `nhsuk-input--width-${width}` : '', error ? 'nhsuk-input--error' : ''],
      id, name: name || id, type, value, autocomplete, inputmode, spellcheck, disabled, readonly, list,
      'aria-describedby': describedBy(id, hintText, error),
    }));
}

export function passwordInput({ id, label: labelText, error, autocomplete = 'current-password' }) {
  return h('div', { class: ['nhsuk-form-group', 'nhsuk-password-input', error ? 'nhsuk-form-group--error' : ''], 'data-module': 'nhsuk-password-input' },
    label(id, labelText),
    errorMessage(id, error),
    h('div', { class: 'nhsuk-input-wrapper' },
      h('input', {
        class: ['nhsuk-input', 'nhsuk-password-input__input', 'nhsuk-js-password-input-input', error ? 'nhsuk-input--error' : ''],
        id, name: id, type: 'password', spellcheck: 'false', autocomplete, autocapitalize: 'none',
        'aria-describedby': describedBy(id, null, error),
      }),
      h('button', {
        class: 'nhsuk-button nhsuk-button--secondary nhsuk-button--small nhsuk-password-input__toggle nhsuk-js-password-input-toggle',
        'data-module': 'nhsuk-button', type: 'button', 'aria-label': 'Show password', 'aria-controls': id, hidden: true,
      }, 'Show')));
}

export function textarea({ id, name, label: labelText, labelClass = '', hint: hintText, value = '', rows = 3, error, disabled = false }) {
  const area = h('textarea', {
    class: ['nhsuk-textarea', error ? 'nhsuk-textarea--error' : ''], id, name: name || id, rows: String(rows), disabled,
    'aria-describedby': describedBy(id, hintText, error),
  });
  area.value = value || '';
  return h('div', { class: ['nhsuk-form-group', error ? 'nhsuk-form-group--error' : ''] },
    label(id, labelText, labelClass), hint(id, hintText), errorMessage(id, error), area);
}

export function select({ id, name, label: labelText, labelClass = '', hint: hintText, options, value = '', error, disabled = false }) {
  return h('div', { class: ['nhsuk-form-group', error ? 'nhsuk-form-group--error' : ''] },
    label(id, labelText, labelClass), hint(id, hintText), errorMessage(id, error),
    h('select', {
      class: ['nhsuk-select', error ? 'nhsuk-select--error' : ''], id, name: name || id, disabled,
      'aria-describedby': describedBy(id, hintText, error),
    }, options.map((option) => h('option', { value: option.value, selected: option.value === value, text: option.text }))));
}

function fieldset(legendText, legendClass, hintId, hintText, error, errorId, body, role) {
  return h('div', { class: ['nhsuk-form-group', error ? 'nhsuk-form-group--error' : ''] },
    h('fieldset', { class: 'nhsuk-fieldset', role, 'aria-describedby': describedBy(hintId, hintText, error) },
      h('legend', { class: ['nhsuk-fieldset__legend', legendClass] }, legendText),
      hint(hintId, hintText),
      errorMessage(errorId, error),
      body));
}

// items: [{value, text, hint}]; the first input's id is `idPrefix` (error summary links go there).
export function radios({ idPrefix, name, legend, legendClass = 'nhsuk-fieldset__legend--s', hint: hintText, items, value, inline = false, error, small = false }) {
  const body = h('div', {
    class: ['nhsuk-radios', inline ? 'nhsuk-radios--inline' : '', small ? 'nhsuk-radios--small' : ''],
    'data-module': 'nhsuk-radios',
  }, items.map((item, index) => {
    const id = index === 0 ? idPrefix : `${idPrefix}-${index + 1}`;
    return h('div', { class: 'nhsuk-radios__item' },
      h('input', { class: 'nhsuk-radios__input', id, name: name || idPrefix, type: 'radio', value: item.value, checked: item.value === value,
        'aria-describedby': item.hint ? `${id}-item-hint` : null }),
      h('label', { class: 'nhsuk-label nhsuk-radios__label', for: id }, item.text),
      item.hint ? h('div', { class: 'nhsuk-hint nhsuk-radios__hint', id: `${id}-item-hint` }, item.hint) : null);
  }));
  return fieldset(legend, legendClass, idPrefix, hintText, error, idPrefix, body);
}

// items: [{value, text, hint, checked, id}]
export function checkboxes({ idPrefix, name, legend, legendClass = 'nhsuk-fieldset__legend--s', hint: hintText, items, error, small = false }) {
  const body = h('div', { class: ['nhsuk-checkboxes', small ? 'nhsuk-checkboxes--small' : ''], 'data-module': 'nhsuk-checkboxes' },
    items.map((item, index) => {
      const id = item.id || (index === 0 ? idPrefix : `${idPrefix}-${index + 1}`);
      return h('div', { class: 'nhsuk-checkboxes__item' },
        h('input', { class: 'nhsuk-checkboxes__input', id, name: name || idPrefix, type: 'checkbox', value: item.value, checked: Boolean(item.checked),
          'aria-describedby': item.hint ? `${id}-item-hint` : null }),
        h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: id }, item.text),
        item.hint ? h('div', { class: 'nhsuk-hint nhsuk-checkboxes__hint', id: `${id}-item-hint` }, item.hint) : null);
    }));
  return fieldset(legend, legendClass, idPrefix, hintText, error, idPrefix, body);
}

// A single checkbox without a fieldset (a confirmation).
export function singleCheckbox({ id, name, text, hint: hintText, checked = false, disabled = false }) {
  return h('div', { class: 'nhsuk-form-group' },
    h('div', { class: 'nhsuk-checkboxes', 'data-module': 'nhsuk-checkboxes' },
      h('div', { class: 'nhsuk-checkboxes__item' },
        h('input', { class: 'nhsuk-checkboxes__input', id, name: name || id, type: 'checkbox', value: 'yes', checked, disabled,
          'aria-describedby': hintText ? `${id}-item-hint` : null }),
        h('label', { class: 'nhsuk-label nhsuk-checkboxes__label', for: id }, text),
        hintText ? h('div', { class: 'nhsuk-hint nhsuk-checkboxes__hint', id: `${id}-item-hint` }, hintText) : null)));
}

// The NHS date input: day, month, year. The day field's id is `${idPrefix}-day`.
export function dateInput({ idPrefix, legend, legendClass = 'nhsuk-fieldset__legend--s', hint: hintText = 'For example, 30 9 2022', value = '', error }) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || '');
  const parts = match ? { day: String(Number(match[3])), month: String(Number(match[2])), year: match[1] } : { day: '', month: '', year: '' };
  const field = (part, text, width) => h('div', { class: 'nhsuk-date-input__item' },
    h('div', { class: 'nhsuk-form-group' },
      h('label', { class: 'nhsuk-label nhsuk-date-input__label', for: `${idPrefix}-${part}`, text }),
      h('input', {
        class: ['nhsuk-input', `nhsuk-input--width-${width}`, 'nhsuk-date-input__input', error ? 'nhsuk-input--error' : ''],
        id: `${idPrefix}-${part}`, name: `${idPrefix}-${part}`, type: 'text', inputmode: 'numeric', value: parts[part],
      })));
  const body = h('div', { class: 'nhsuk-date-input', id: idPrefix },
    field('day', 'Day', 2), field('month', 'Month', 2), field('year', 'Year', 4));
  return fieldset(legend, legendClass, idPrefix, hintText, error, idPrefix, body, 'group');
}

// Reads a date input: {empty: true}, {iso: '2022-09-30'} or {error: 'message'}.
export function readDateInput(root, idPrefix, what = 'The date') {
  const get = (part) => (root.querySelector(`[id="${idPrefix}-${part}"]`)?.value || '').trim();
  const day = get('day');
  const month = get('month');
  const year = get('year');
  if (!day && !month && !year) return { empty: true };
  if (!day || !month || !year) return { error: `${what} must include a day, month and year` };
  if (!/^\d{1,2}$/.test(day) || !/^\d{1,2}$/.test(month) || !/^\d{4}$/.test(year)) {
    return { error: `${what} must be a real date, like 30 9 2022` };
  }
  const d = Number(day);
  const m = Number(month);
  const y = Number(year);
  const date = new Date(Date.UTC(y, m - 1, d));
  if (y < 1900 || date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d) {
    return { error: `${what} must be a real date, like 30 9 2022` };
  }
  return { iso: `${year}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}` };
}

export function details(summaryText, ...body) {
  return h('details', { class: 'nhsuk-details' },
    h('summary', { class: 'nhsuk-details__summary' }, h('span', { class: 'nhsuk-details__summary-text' }, summaryText)),
    h('div', { class: 'nhsuk-details__text' }, body));
}

// head: [text | {text, numeric}]; rows: [[cell, ...]] (cell: text, node, or {value, header, numeric})
export function table({ caption, captionClass = 'nhsuk-table__caption--m', head, rows, firstCellIsHeader = false, id, scroll = false }) {
  const captionId = caption ? uniqueId('table-caption') : null;
  const cellOf = (cell) => (cell && typeof cell === 'object' && !(cell instanceof Node) && !Array.isArray(cell) ? cell : { value: cell });
  const element = h('table', { class: 'nhsuk-table', id },
    caption ? h('caption', { class: ['nhsuk-table__caption', captionClass], id: captionId }, caption) : null,
    h('thead', { class: 'nhsuk-table__head' },
      h('tr', { class: 'nhsuk-table__row' }, head.map((heading) => {
        const spec = cellOf(heading);
        return h('th', { class: ['nhsuk-table__header', spec.numeric ? 'nhsuk-table__header--numeric' : ''], scope: 'col' }, spec.value ?? spec.text);
      }))),
    h('tbody', { class: 'nhsuk-table__body' },
      rows.map((row) => h('tr', { class: 'nhsuk-table__row' }, row.map((cell, index) => {
        const spec = cellOf(cell);
        if (spec.header || (firstCellIsHeader && index === 0)) {
          return h('th', { class: 'nhsuk-table__header', scope: 'row' }, spec.value);
        }
        return h('td', { class: ['nhsuk-table__cell', spec.numeric ? 'nhsuk-table__cell--numeric' : ''] }, spec.value);
      })))));
  if (!scroll) return element;
  return h('div', { class: 'nhsuk-scroll', 'data-module': 'nhsuk-scroll' },
    h('div', { class: 'nhsuk-scroll__content', role: 'region', 'aria-labelledby': captionId }, element));
}

export function card({ heading, headingLevel = 'h2', href, children = [], classes = '', id, headingClass = 'nhsuk-card__heading nhsuk-heading-m' }) {
  return h('div', { class: ['nhsuk-card', href ? 'nhsuk-card--clickable' : '', classes], id },
    h('div', { class: 'nhsuk-card__content' },
      heading ? h(headingLevel, { class: headingClass },
        href ? h('a', { class: 'nhsuk-card__link', href }, heading) : heading) : null,
      children));
}

// A progress bar of provided/total with the figures as text ("39 of 42").
export function progress(provided, total, noun = 'mandatory items provided') {
  const id = uniqueId('progress');
  return h('div', { class: 'app-progress' },
    h('progress', { class: 'app-progress__bar', id, max: String(Math.max(total, 1)), value: String(Math.min(provided, total)), 'aria-labelledby': `${id}-text` }),
    h('span', { class: 'app-progress__text', id: `${id}-text` }, `${provided} of ${total}`, h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${noun}` })));
}

// Marks one field of a form as wrong (the NHS error message pattern) and returns the id to link to.
export function setFieldError(control, message) {
  const outer = control.closest('fieldset')?.closest('.nhsuk-form-group') || control.closest('.nhsuk-form-group');
  if (!outer) return control.id;
  outer.classList.add('nhsuk-form-group--error');
  const errorId = `${control.id}-error`;
  outer.querySelector(':scope .nhsuk-error-message')?.remove();
  const message_ = h('span', { class: 'nhsuk-error-message', id: errorId },
    h('span', { class: 'nhsuk-u-visually-hidden', text: 'Error: ' }), message);
  const legend = outer.querySelector('legend');
  if (legend && outer.querySelector('fieldset')) {
    const afterHint = outer.querySelector('fieldset > .nhsuk-hint');
    (afterHint || legend).after(message_);
  } else {
    (control.closest('.nhsuk-input-wrapper') || control).before(message_);
  }
  if (control.classList.contains('nhsuk-input')) control.classList.add('nhsuk-input--error');
  if (control.classList.contains('nhsuk-textarea')) control.classList.add('nhsuk-textarea--error');
  if (control.classList.contains('nhsuk-select')) control.classList.add('nhsuk-select--error');
  const describedByIds = (control.getAttribute('aria-describedby') || '').split(' ').filter(Boolean);
  if (!describedByIds.includes(errorId)) control.setAttribute('aria-describedby', [...describedByIds, errorId].join(' '));
  return control.id;
}

export function clearFieldErrors(root) {
  root.querySelectorAll('.nhsuk-error-message').forEach((el) => el.remove());
  root.querySelectorAll('.nhsuk-form-group--error').forEach((el) => el.classList.remove('nhsuk-form-group--error'));
  root.querySelectorAll('.nhsuk-input--error, .nhsuk-textarea--error, .nhsuk-select--error').forEach((el) => {
    el.classList.remove('nhsuk-input--error', 'nhsuk-textarea--error', 'nhsuk-select--error');
    const ids = (el.getAttribute('aria-describedby') || '').split(' ').filter((part) => part && !part.endsWith('-error'));
    if (ids.length) el.setAttribute('aria-describedby', ids.join(' ')); else el.removeAttribute('aria-describedby');
  });
}

export function actionLink(text, href, id) {
  return h('a', { class: 'nhsuk-action-link', href, id },
    svg('svg', { class: 'nhsuk-icon nhsuk-icon--arrow-right-circle', xmlns: 'http://www.w3.org/2000/svg', viewBox: '0 0 24 24', width: '16', height: '16', focusable: 'false', 'aria-hidden': 'true' },
      svg('path', { d: 'M12 2a10 10 0 0 0-10 9h11.7l-4-4a1 1 0 0 1 1.5-1.4l5.6 5.7a1 1 0 0 1 0 1.4l-5.6 5.7a1 1 0 0 1-1.5 0 1 1 0 0 1 0-1.4l4-4H2A10 10 0 1 0 12 2z' })),
    h('span', { class: 'nhsuk-action-link__text', text }));
}
