// Question sets (head office): the set in force for each year and every import; an administrator
// uploads NHS England's official list as downloaded, sees what it changes, then imports it. Every
// branch laptop receives the new set at its next sync.

import { get, post, upload, enc } from '../api.js';
import { h, formatTime, plural } from '../dom.js';
import {
  pageHeading, breadcrumb, table, textInput, button, insetText, warningCallout, setFieldError, clearFieldErrors,
  label,
} from '../nhs.js';
import { showErrors, clearMessages, navigate, initComponents } from '../app.js';

let pendingSuccess = null;

export async function render({ state }) {
  if (state.session.mode !== 'hq' || state.session.branch) {
    return { title: 'Question sets', body: [pageHeading('Question sets'), insetText(h('p', { text: 'Head office keeps the question sets; every branch receives the one in force when it syncs.' }))] };
  }
  const data = await get('/api/question-sets');
  const success = pendingSuccess;
  pendingSuccess = null;
  const admin = state.session.role === 'admin';
  return {
    title: 'Question sets',
    success,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Question sets'),
      h('p', { class: 'nhsuk-body-l', text: `The organisation works on ${data.organisationYear}; the DSPT year running now is ${data.runningYear}. Each laptop checks head office’s signature on the set it receives.` }),
      inForceTable(data.in_force || []),
      importsTable(data.imports || []),
      admin ? importSection(data) : insetText(h('p', { text: 'Only head office administrators import the official list.' })),
      admin ? rollForwardSection(data) : null,
    ],
  };
}

function inForceTable(sets) {
  return table({
    caption: 'In force for each year',
    id: 'sets-in-force',
    scroll: true,
    head: ['Year', 'Version', 'Items', 'Where it came from', 'Hash'],
    rows: sets.map((set) => [
      { header: true, value: set.year },
      String(set.version),
      String(set.items ?? ''),
      set.origin,
      h('code', { text: String(set.hash).slice(0, 16) }),
    ]),
  });
}

function importsTable(imports) {
  if (!imports.length) return h('p', { id: 'no-imports', text: 'No list has been imported yet: every year uses the set shipped with dsptsync.' });
  return table({
    caption: 'Imports',
    id: 'imports',
    scroll: true,
    head: ['Year', 'Version', 'File', 'By', 'When'],
    rows: imports.map((entry) => [entry.year, String(entry.version), entry.file || '', entry.imported_by || '', formatTime(entry.imported_at)]),
  });
}

function importSection(data) {
  const resultSlot = h('div', { id: 'import-result', 'aria-live': 'polite' });
  const form = h('form', { novalidate: true, id: 'import-form', action: '/', method: 'post' },
    h('div', { class: 'nhsuk-form-group' },
      label('list-file', 'The official list', 'nhsuk-label--s'),
      h('div', { class: 'nhsuk-hint', id: 'list-file-hint', text: 'The evidence list spreadsheet (.xlsx) as downloaded from NHS England, or saved as CSV' }),
      h('input', { class: 'nhsuk-input', type: 'file', id: 'list-file', name: 'file', accept: '.xlsx,.csv', 'aria-describedby': 'list-file-hint' })),
    textInput({ id: 'list-year', label: 'The year it is for', labelClass: 'nhsuk-label--s', hint: 'As on the file, for example 2026-27', value: data.runningYear || '', width: 10, spellcheck: 'false' }),
    textInput({ id: 'list-category', label: 'Category (optional)', labelClass: 'nhsuk-label--s', hint: 'Leave empty for social care: Category 3 from 2024-25, the Social Care view before', width: 20, spellcheck: 'false' }),
    button('Check what it changes', { id: 'check-list' }));
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    await check(form, resultSlot);
  });
  return h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
    h('h2', { class: 'nhsuk-heading-m', id: 'import-heading', text: 'Import the official list' }),
    h('p', { text: 'NHS England publishes each year’s list in the autumn and sometimes a corrected version during the year. Nothing changes until you confirm: first see what the list changes.' }),
    form,
    resultSlot));
}

function readForm(form) {
  const fileControl = form.querySelector('#list-file');
  const yearControl = form.querySelector('#list-year');
  const errors = [];
  const file = fileControl.files && fileControl.files[0];
  if (!file) errors.push({ text: 'Choose the official list’s file', href: `#${setFieldError(fileControl, 'Choose the official list’s file')}` });
  const year = yearControl.value.trim();
  if (!year) errors.push({ text: 'Enter the year the list is for', href: `#${setFieldError(yearControl, 'Enter the year the list is for')}` });
  return { file, year, category: form.querySelector('#list-category').value.trim(), errors };
}

function importPath(request, { dryRun, confirm }) {
  const query = [`year=${enc(request.year)}`, `file=${enc(request.file.name)}`];
  if (request.category) query.push(`category=${enc(request.category)}`);
  if (dryRun) query.push('dryRun=1');
  if (confirm) query.push(`confirm=${enc(confirm)}`);
  return `/api/question-sets/import?${query.join('&')}`;
}

// Sends the file; on a refusal points at the field it is about. Returns the answer, or null.
async function send(form, request, options) {
  try {
    return await upload(importPath(request, options), request.file);
  } catch (error) {
    if (error.status === 401) return null;
    const control = form.querySelector(error.field === 'year' ? '#list-year' : error.field === 'category' ? '#list-category' : '#list-file');
    showErrors([{ text: error.message, href: `#${setFieldError(control, error.message)}` }]);
    return null;
  }
}

async function check(form, slot) {
  clearFieldErrors(form);
  clearMessages();
  slot.replaceChildren();
  const request = readForm(form);
  if (request.errors.length) {
    showErrors(request.errors);
    return;
  }
  const submit = form.querySelector('#check-list');
  submit.disabled = true;
  const result = await send(form, request, { dryRun: true });
  submit.disabled = false;
  if (!result) return;
  slot.replaceChildren(changesCard(form, request, result));
  initComponents(slot);
  slot.querySelector('#changes-heading').focus();
}

function changesCard(form, request, result) {
  const lines = result.lines || [];
  const heading = h('h2', { class: 'nhsuk-heading-m', id: 'changes-heading', tabindex: '-1', text: result.unchanged ? 'Nothing to import' : `What the ${result.year} list changes` });
  if (result.unchanged) return h('div', { id: 'changes' }, heading, insetText(h('p', { id: 'changes-unchanged', text: lines[0] || '' })));
  const dropped = result.dropped || [];
  const confirm = button(`Import the ${result.year} list`, { id: 'import-list', type: 'button', variant: dropped.length ? 'warning' : '' });
  confirm.addEventListener('click', async () => {
    clearMessages();
    confirm.disabled = true;
    const done = await send(form, request, { confirm: result.confirm });
    confirm.disabled = false;
    if (!done) return;
    pendingSuccess = `${request.file.name} is the ${done.year} question set in force, version ${done.imported?.version}. Branch laptops receive it at their next sync.`;
    navigate('#/question-sets');
  });
  return h('div', { id: 'changes' },
    heading,
    h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id: 'changes-lines' }, lines.map((line) => h('li', { text: line.trim() }))),
    dropped.length ? warningCallout(`${plural(dropped.length, 'item')} with answers would no longer be shown`,
      h('p', { text: `The answers to ${dropped.map((entry) => entry.id).join(', ')} are kept in every assessment that holds them, but the new list no longer asks for them.` })) : null,
    h('div', { class: 'nhsuk-button-group' }, confirm,
      h('a', { class: 'nhsuk-link', href: '#/question-sets', id: 'import-cancel', text: 'Cancel', on: { click: (event) => { event.preventDefault(); navigate('#/question-sets'); } } })));
}

// The next year after "2025-26": "2026-27".
function nextYear(year) {
  const first = Number(String(year).slice(0, 4));
  return Number.isFinite(first) && first > 0 ? `${first + 1}-${String((first + 2) % 100).padStart(2, '0')}` : '';
}

function rollForwardSection(data) {
  // The nearest later year with a set in force (shipped or imported); the roll-forward steps through
  // any between.
  const later = (data.in_force || []).map((set) => set.year).filter((year) => year > data.organisationYear).sort();
  const heading = h('h2', { class: 'nhsuk-heading-m', id: 'next-year-heading', text: 'Move the organisation to the next year' });
  if (!later.length) {
    return h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' }, heading,
      insetText(h('p', { id: 'rollforward-needs-list', text: `No question set after ${data.organisationYear} is in force yet: import NHS England’s ${nextYear(data.organisationYear)} list above first, then move the organisation to it here.` }))));
  }
  const to = later[0];
  const slot = h('div', { id: 'rollforward-result', 'aria-live': 'polite' });
  const preview = button(`See what moving to ${to} carries`, { id: 'rollforward-preview', type: 'button', variant: 'secondary' });
  preview.addEventListener('click', async () => {
    clearMessages();
    slot.replaceChildren();
    preview.disabled = true;
    let report = null;
    try {
      report = await get(`/api/rollforward/preview?to=${enc(to)}`);
    } catch (error) {
      if (error.status !== 401) showErrors([{ text: error.message, href: '#rollforward-preview' }]);
    }
    preview.disabled = false;
    if (!report) return;
    slot.replaceChildren(rollForwardCard(report));
    initComponents(slot);
    slot.querySelector('#rollforward-heading').focus();
  });
  return h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
    heading,
    h('p', { text: `With the ${to} question set in force, head office moves the whole organisation to it at once: head office’s assessment and every branch’s carry their answers, confirmations, plans and profile into the new year. Branch laptops follow at their next sync. Nothing changes until you confirm.` }),
    preview,
    slot));
}

function rollForwardCard(report) {
  const scopes = report.scopes || [];
  const confirm = button(`Move the organisation to ${report.to_year}`, { id: 'rollforward-confirm', type: 'button' });
  confirm.addEventListener('click', async () => {
    clearMessages();
    confirm.disabled = true;
    try {
      await post('/api/rollforward', { to: report.to_year });
    } catch (error) {
      confirm.disabled = false;
      if (error.status !== 401) showErrors([{ text: error.message, href: '#rollforward-confirm' }]);
      return;
    }
    pendingSuccess = `The organisation is on ${report.to_year}. Branch laptops move to it at their next sync.`;
    navigate('#/question-sets');
  });
  return h('div', { id: 'rollforward' },
    h('h2', { class: 'nhsuk-heading-m', id: 'rollforward-heading', tabindex: '-1', text: `Moving from ${report.from_year} to ${report.to_year}` }),
    table({
      caption: 'What each assessment carries',
      captionClass: 'nhsuk-table__caption--s',
      id: 'rollforward-scopes',
      head: ['Assessment', { text: 'Values carried', numeric: true }],
      rows: scopes.map((entry) => [{ header: true, value: entry.scope }, { value: String(entry.values_carried), numeric: true }]),
    }),
    (report.lines || []).length > scopes.length
      ? h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id: 'rollforward-lines' }, report.lines.slice(scopes.length).map((line) => h('li', { text: line })))
      : null,
    h('div', { class: 'nhsuk-button-group' }, confirm,
      h('a', { class: 'nhsuk-link', href: '#/question-sets', id: 'rollforward-cancel', text: 'Cancel', on: { click: (event) => { event.preventDefault(); navigate('#/question-sets'); } } })));
}
