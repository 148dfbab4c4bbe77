// Building the page with DOM calls only: text is always set as text, never parsed as HTML, so an
// answer typed by anyone cannot become markup or script in someone else's browser.

const SVG_NS = 'http://www.w3.org/2000/svg';

// h('p', {class: 'x', on: {click: fn}}, 'text', child, [more children], null)
// Attributes: `class` (string or array), `text`, `on` (event listeners), `dataset`, booleans
// (true sets the attribute empty, false/null/undefined leave it out), anything else as a string.
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

export function svg(tag, attrs, ...children) {
  const el = document.createElementNS(SVG_NS, tag);
  applyAttrs(el, attrs);
  append(el, children);
  return el;
}

function applyAttrs(el, attrs) {
  if (!attrs) return;
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') {
      const classes = Array.isArray(value) ? value.filter(Boolean).join(' ') : value;
      if (classes) el.setAttribute('class', classes);
    } else if (name === 'text') {
      el.textContent = String(value);
    } else if (name === 'on') {
      for (const [event, handler] of Object.entries(value)) el.addEventListener(event, handler);
    } else if (name === 'dataset') {
      for (const [key, data] of Object.entries(value)) el.dataset[key] = String(data);
    } else if (name === 'value' && 'value' in el && el.tagName !== 'BUTTON' && el.tagName !== 'OPTION') {
      el.value = String(value);
    } else if (name === 'checked' || name === 'selected' || name === 'disabled') {
      el[name] = Boolean(value);
      if (value) el.setAttribute(name, '');
    } else if (value === true) {
      el.setAttribute(name, '');
    } else {
      el.setAttribute(name, String(value));
    }
  }
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

export function replace(el, ...children) {
  clear(el);
  return append(el, children);
}

// A safe element id from an item or assertion id ("1.1.5" stays "1.1.5": ids may hold dots).
export function idPart(text) {
  return String(text).replace(/[^A-Za-z0-9._-]/g, '_');
}

let counter = 0;
export function uniqueId(prefix) {
  counter += 1;
  return `${prefix}-${counter}`;
}

const dateTime = new Intl.DateTimeFormat('en-GB', {
  day: 'numeric', month: 'long', year: 'numeric', hour: '2-digit', minute: '2-digit',
});
const dateOnly = new Intl.DateTimeFormat('en-GB', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'UTC' });

// "23 November 2026, 10:15" from milliseconds since 1970 (or ISO text); "" when unknown.
export function formatTime(at, atText) {
  let ms = typeof at === 'number' && at > 0 ? at : NaN;
  if (Number.isNaN(ms) && atText) ms = Date.parse(atText);
  if (Number.isNaN(ms) && typeof at === 'string') ms = Date.parse(at);
  if (Number.isNaN(ms)) return '';
  return dateTime.format(new Date(ms));
}

// "30 September 2022" from "2022-09-30"; the text as it is when it is not a date.
export function formatDate(iso) {
  if (!iso) return '';
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso);
  if (!match) return iso;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return dateOnly.format(date);
}

export function plural(count, one, many) {
  return `${count} ${count === 1 ? one : many || `${one}s`}`;
}

// "Leeds (VLAXL)"; just the code when the name is unknown or is the code itself.
export function siteLabel(name, ods) {
  if (!name || name === ods) return ods || '';
  return ods ? `${name} (${ods})` : name;
}

// A link within the page that moves focus to an element without changing the route. `hidden`: words
// for screen readers only; `reveal`: called first when the target is hidden (a filter hides it).
export function jumpLink(text, targetId, { hidden, reveal } = {}) {
  return h('a', {
    href: `#${targetId}`,
    on: {
      click: (event) => {
        const target = document.getElementById(targetId);
        if (!target) return;
        event.preventDefault();
        if (reveal && (target.hidden || target.closest('[hidden]'))) reveal(target);
        if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
        target.scrollIntoView();
        target.focus({ preventScroll: true });
      },
    },
  }, text, hidden ? h('span', { class: 'nhsuk-u-visually-hidden', text: hidden }) : null);
}
