// Data security and protection incidents (docs/incidents.md): the list with each reportable one's
// time left as a tag, the form that records or changes one, and one incident with its grade, its
// 72-hour clock and what an administrator does next (record the ICO's reference, close it).
// Every rule (grading, the clock, who may do what, what is valid) is the server's: this page shows
// what the API says and sends what the person typed.

import { get, post, patch, enc } from '../api.js';
import { h, plural, siteLabel } from '../dom.js';
import {
  pageHeading, breadcrumb, tag, summaryList, table, button, insetText, warningCallout, textarea, textInput, select,
  radios, dateInput, readDateInput, clearFieldErrors, details,
} from '../nhs.js';
import { showFormErrors as showFieldErrors, clearMessages, navigate } from '../app.js';

const STATE_TAGS = { open: ['Open', 'blue'], reported: ['Reported to the ICO', 'green'], closed: ['Closed', 'grey'] };
const DAY_MS = 24 * 60 * 60 * 1000;

// The success banner of the page navigated to after a change (shown once).
let pendingSuccess = null;

function takeSuccess() {
  const success = pendingSuccess;
  pendingSuccess = null;
  return success;
}

function stateTag(state) {
  const [text, colour] = STATE_TAGS[state] || [state, 'grey'];
  return tag(text, colour);
}

// The time left to report as a tag: red once overdue, orange in the last day.
export function clockTag(clock) {
  if (!clock) return null;
  const colour = clock.overdue ? 'red' : clock.leftMs < DAY_MS ? 'orange' : 'yellow';
  return h('span', { class: 'app-incident-clock', dataset: { overdue: String(Boolean(clock.overdue)) } }, tag(clock.left, colour));
}

function gradeTag(incident) {
  if (!incident.grade?.graded) return tag('Not graded', 'white');
  return (incident.grade.reportTo || []).length ? tag('Reportable', 'orange') : tag('Not reportable', 'grey');
}

function firstWords(text, length = 90) {
  if (!text) return '';
  return text.length > length ? `${text.slice(0, length - 1)}…` : text;
}

async function siteNames() {
  const dashboard = await get('/api/dashboard');
  return (dashboard.sites || []).map((site) => ({ ods: site.ods, name: site.name, kind: site.kind }));
}

function incidentsBreadcrumb() {
  return breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Incidents', href: '#/incidents' }],
    { text: 'Incidents', href: '#/incidents' });
}

// ---------------------------------------------------------------------------------------------
// The list

export async function render({ query, state }) {
  const scope = query.get('scope') || '';
  const [data, sites] = await Promise.all([get(`/api/incidents${scope ? `?scope=${enc(scope)}` : ''}`), siteNames()]);
  const names = new Map(sites.map((site) => [site.ods, site.name]));
  const incidents = data.incidents || [];
  const toReport = incidents.filter((incident) => incident.clock);
  const overdue = toReport.filter((incident) => incident.clock.overdue);
  const manySites = state.session.mode === 'hq' && !state.session.branch;
  const where = scope ? siteLabel(names.get(scope), scope) : '';
  return {
    title: 'Incidents',
    success: takeSuccess(),
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading(where ? `Incidents at ${where}` : 'Incidents'),
      h('p', { class: 'nhsuk-body-l', text: 'Data security and protection incidents: a breach, or a near miss. Record one as soon as you know of it, even with details still missing; a reportable one must reach the Information Commissioner within 72 hours of becoming aware.' }),
      toReport.length ? warningCallout(`${plural(toReport.length, 'incident')} to report to the ICO`,
        h('p', { id: 'incidents-to-report', text: `${overdue.length ? `${overdue.length} ${overdue.length === 1 ? 'is' : 'are'} overdue. ` : ''}Report each through the DSPT's Report an Incident tool before its time runs out, then record the ICO's reference here.` })) : null,
      button('Record an incident', { type: 'button', id: 'record-incident', on: () => navigate(`#/incidents/new${scope ? `?scope=${enc(scope)}` : ''}`) }),
      scope && manySites ? h('p', {}, h('a', { href: '#/incidents', text: 'Show the incidents of every site' })) : null,
      incidents.length ? incidentsTable(incidents, names, manySites && !scope)
        : insetText(h('p', { id: 'incident-count', text: 'No incidents have been recorded.' })),
    ],
  };
}

function incidentsTable(incidents, names, showSite) {
  return table({
    caption: plural(incidents.length, 'incident'),
    id: 'incidents',
    scroll: true,
    head: ['Incident', showSite ? 'Site' : null, 'Found', 'Grade', 'Time left to report', 'State'].filter(Boolean),
    rows: incidents.map((incident) => [
      { header: true, value: h('span', {},
        h('a', { href: `#/incidents/${enc(incident.id)}`, id: `incident-${incident.id}`, text: incident.id }),
        h('br'), h('span', { class: 'app-secondary', text: firstWords(incident.whatHappened) })) },
      showSite ? siteLabel(names.get(incident.site), incident.site) : null,
      incident.foundAtText || '',
      gradeTag(incident),
      incident.clock ? clockTag(incident.clock) : h('span', { class: 'app-muted', text: incident.state === 'open' ? 'No deadline' : '' }),
      stateTag(incident.state),
    ].filter((cell) => cell !== null)),
  });
}

// ---------------------------------------------------------------------------------------------
// One incident

export async function renderIncident({ params, state }) {
  const [id] = params;
  const [{ incident }, rules, sites] = await Promise.all([get(`/api/incidents/${enc(id)}`), get('/api/incidents/grading'), siteNames()]);
  const siteName = sites.find((site) => site.ods === incident.site)?.name;
  const admin = state.session.role === 'admin';
  const label = (list, value) => (list || []).find((entry) => String(entry.id ?? entry.score) === String(value));
  const category = label(rules.categories, incident.category);
  const kind = label(rules.kinds, incident.kind);
  const likelihood = label(rules.likelihood, incident.likelihood);
  const severity = label(rules.severity, incident.severity);
  const changeLink = { href: `#/incidents/${enc(id)}/edit`, text: 'Change', hidden: '' };
  // A viewer completes their own report only (the server's rule; the link is not offered otherwise).
  const canChange = incident.state !== 'closed' && (state.session.role !== 'viewer' || incident.recordedBy === state.session.user);
  const row = (key, value, hidden) => ({ key, value, actions: canChange ? [{ ...changeLink, hidden }] : [] });
  return {
    title: `Incident ${id}`,
    success: takeSuccess(),
    breadcrumb: incidentsBreadcrumb(),
    body: [
      pageHeading(`Incident ${id}`, siteLabel(siteName, incident.site)),
      h('ul', { class: 'app-tags', 'aria-label': 'About this incident' },
        h('li', { id: 'incident-state' }, stateTag(incident.state)),
        incident.clock ? h('li', { id: 'incident-clock' }, clockTag(incident.clock)) : null),
      incident.inConflict && incident.inConflict.length ? warningCallout('People gave different values',
        h('p', { text: `Change ${incident.inConflict.join(', ')} to the value agreed: both values are kept until then.` })) : null,
      gradeSection(incident, rules),
      h('h2', { class: 'nhsuk-heading-m', text: 'What happened' }),
      summaryList([
        row('What happened', h('span', { class: 'app-pre-line', text: incident.whatHappened || '' }), 'what happened'),
        row('When it happened', incident.happenedAtText || '', 'when it happened'),
        row('When it was found', incident.foundAtText || '', 'when it was found'),
        row('Found by', incident.foundBy || '', 'who found it'),
        row('Category', category ? category.name : incident.category || '', 'the category'),
        row('Kind', kind ? kind.name : incident.kind || '', 'the kind'),
        row('People affected', incident.peopleAffected ?? '', 'the people affected'),
        row('Vulnerable groups involved', incident.vulnerableGroups === 'yes' ? 'Yes' : incident.vulnerableGroups === 'no' ? 'No' : '', 'whether vulnerable groups are involved'),
        row('Data involved', h('span', { class: 'app-pre-line', text: incident.dataInvolved || '' }), 'the data involved'),
        row('Containment', h('span', { class: 'app-pre-line', text: incident.containment || '' }), 'the containment'),
        row('Likelihood', likelihood ? `${likelihood.score} ${likelihood.label}` : '', 'the likelihood'),
        row('Severity', severity ? `${severity.score} ${severity.label}` : '', 'the severity'),
        { ...row('Evidence items', (incident.items || []).join(', '), 'the evidence items'),
          empty: `None listed: it bears on ${(rules.items || []).map((item) => item.id).join(', ')}` },
        { key: 'ICO reference', value: incident.icoReference || '', empty: 'Not recorded' },
        incident.lessonsLearned ? { key: 'Lessons learned', value: h('span', { class: 'app-pre-line', text: incident.lessonsLearned }) } : null,
        { key: 'Recorded by', value: incident.recordedBy || '' },
      ]),
      incident.state !== 'closed' ? (admin ? adminActions(incident, rules) : insetText(h('p', { text: 'An administrator records the ICO\'s reference and closes the incident.' }))) : null,
      h('p', {}, h('a', { href: `#/assessment/${enc(incident.site)}/history/${enc(id)}`, text: 'Every change to this incident' })),
    ],
  };
}

function gradeSection(incident, rules) {
  const grade = incident.grade || {};
  const ico = (rules.reporting || []).find((rule) => rule.body === 'ico');
  return h('section', { 'aria-labelledby': 'grade-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'grade-heading', text: 'Grade' }),
    h('p', { id: 'incident-grade', class: 'nhsuk-body-l', text: grade.graded ? grade.why : 'Not graded yet: give its likelihood and severity to see whether it must be reported.' }),
    incident.clock ? insetText(h('p', { id: 'incident-deadline' },
      `Report it by ${incident.clock.deadlineText} (${incident.clock.left}). `, ico ? `${ico.action[0].toUpperCase()}${ico.action.slice(1)}.` : '')) : null);
}

function adminActions(incident, rules) {
  const example = (rules.references || []).find((format) => format.body === 'ico')?.example || '';
  const reported = h('form', { novalidate: true, action: '/', method: 'post', id: 'report-form' },
    textInput({ id: 'icoReference', label: 'The ICO\'s reference', hint: `As the DSPT's tool gave it, for example ${example}`, value: incident.icoReference || '', width: 20, spellcheck: 'false' }),
    button('Record that it was reported', { id: 'record-reported', variant: 'secondary' }));
  reported.addEventListener('submit', (event) => {
    event.preventDefault();
    change(incident, reported, { state: 'reported', icoReference: reported.querySelector('#icoReference').value.trim() },
      'Recorded that the incident was reported to the ICO');
  });
  const closed = h('form', { novalidate: true, action: '/', method: 'post', id: 'close-form' },
    textarea({ id: 'lessonsLearned', label: 'Lessons learned', hint: 'What changes so that it does not happen again', value: incident.lessonsLearned || '', rows: 4 }),
    button('Close the incident', { id: 'close-incident', variant: 'secondary' }));
  closed.addEventListener('submit', (event) => {
    event.preventDefault();
    change(incident, closed, { state: 'closed', lessonsLearned: closed.querySelector('#lessonsLearned').value.trim() },
      'Closed the incident');
  });
  return h('section', { 'aria-labelledby': 'next-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'next-heading', text: 'What happens next' }),
    incident.state === 'open' ? details('Record that it was reported to the ICO', reported) : null,
    details('Close the incident', closed));
}

// ---------------------------------------------------------------------------------------------
// The form: record one, or change one

export async function renderNew({ query, state }) {
  const [rules, sites] = await Promise.all([get('/api/incidents/grading'), siteNames()]);
  const chosen = query.get('scope') || (state.session.branch || (sites[0] && sites[0].ods) || '');
  return formPage({ rules, sites, incident: null, scope: chosen, choose: state.session.mode === 'hq' && !state.session.branch });
}

export async function renderEdit({ params }) {
  const [id] = params;
  const [{ incident }, rules] = await Promise.all([get(`/api/incidents/${enc(id)}`), get('/api/incidents/grading')]);
  return formPage({ rules, sites: [], incident, scope: incident.site, choose: false });
}

function formPage({ rules, sites, incident, scope, choose }) {
  const form = incidentForm(rules, sites, incident, scope, choose);
  const title = incident ? `Change incident ${incident.id}` : 'Record an incident';
  return {
    title,
    breadcrumb: incident
      ? breadcrumb([{ text: 'Incidents', href: '#/incidents' }], { text: `Incident ${incident.id}`, href: `#/incidents/${enc(incident.id)}` })
      : incidentsBreadcrumb(),
    body: [
      pageHeading(title),
      incident ? null : h('p', { class: 'nhsuk-body-l', text: 'Record what you know now; you can add the rest later. Describe the kinds of data, never the data itself: no names, addresses or codes.' }),
      form,
    ],
  };
}

// A time typed as a date (day, month, year) and a clock time.
function timeFields(idPrefix, legend, hint, local) {
  const [date, clock] = (local || '').split(' ');
  return h('div', { class: 'app-incident-time' },
    dateInput({ idPrefix, legend, legendClass: 'nhsuk-fieldset__legend--s', hint, value: date || '' }),
    textInput({ id: `${idPrefix}-time`, label: 'Time (24-hour clock, UK time)', hint: 'For example, 14:30', value: clock || '', width: 5, inputmode: 'numeric' }));
}

function incidentForm(rules, sites, incident, scope, choose) {
  const value = (name) => (incident ? incident[name] ?? '' : '');
  const scaleItems = (scale) => (scale || []).map((step) => ({ value: String(step.score), text: `${step.score} ${step.label}`, hint: step.description !== step.label ? step.description : null }));
  const form = h('form', { novalidate: true, action: '/', method: 'post', id: 'incident-form' },
    choose ? select({ id: 'scope', label: 'Site', labelClass: 'nhsuk-label--s', value: scope,
      options: sites.map((site) => ({ value: site.ods, text: siteLabel(site.name, site.ods) })) }) : null,
    textarea({ id: 'whatHappened', label: 'What happened', labelClass: 'nhsuk-label--s', hint: 'For example, a carer\'s phone with the rota was stolen from a car', value: value('whatHappened'), rows: 4 }),
    timeFields('happenedAt', 'When it happened', 'For example, 4 12 2026. Your best estimate if you are not sure.', value('happenedAtLocal')),
    timeFields('foundAt', 'When it was found', 'When your organisation became aware of it: the 72 hours to report it run from then.', value('foundAtLocal')),
    textInput({ id: 'foundBy', label: 'Who found it', labelClass: 'nhsuk-label--s', hint: 'A role or a name', value: value('foundBy') }),
    radios({ idPrefix: 'category', legend: 'Category', value: value('category'),
      items: (rules.categories || []).map((entry) => ({ value: entry.id, text: entry.name, hint: entry.description })) }),
    select({ id: 'kind', label: 'Kind of incident', labelClass: 'nhsuk-label--s', value: value('kind'),
      options: [{ value: '', text: 'Choose a kind' }, ...(rules.kinds || []).map((entry) => ({ value: entry.id, text: entry.name }))] }),
    textInput({ id: 'peopleAffected', label: 'How many people are affected', labelClass: 'nhsuk-label--s', hint: 'A rough count is fine', value: value('peopleAffected'), width: 10, inputmode: 'numeric' }),
    radios({ idPrefix: 'vulnerableGroups', legend: 'Are children or vulnerable adults among them?', inline: true, value: value('vulnerableGroups'),
      items: [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }] }),
    textarea({ id: 'dataInvolved', label: 'Data involved', labelClass: 'nhsuk-label--s', hint: 'The kinds of data, for example care plans, key-safe codes, names and addresses; not the data itself', value: value('dataInvolved'), rows: 2 }),
    textarea({ id: 'containment', label: 'What has been done to contain it', labelClass: 'nhsuk-label--s', value: value('containment'), rows: 3 }),
    radios({ idPrefix: 'likelihood', legend: 'Likelihood that people suffer an adverse effect', value: value('likelihood'), small: true, items: scaleItems(rules.likelihood) }),
    radios({ idPrefix: 'severity', legend: 'Severity of the effect', value: value('severity'), small: true, items: scaleItems(rules.severity) }),
    textInput({ id: 'items', label: 'Evidence items it bears on', labelClass: 'nhsuk-label--s',
      hint: `Separated by spaces. Leave it empty for ${(rules.items || []).map((item) => item.id).join(', ')}`, value: (incident?.items || []).join(' '), width: 20 }),
    button(incident ? 'Save the changes' : 'Record the incident', { id: 'save-incident' }));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    submit(form, incident);
  });
  return form;
}

// The time fields as the API takes them ("2026-12-04 14:30", UK time), or an error on the field.
function readTime(form, idPrefix, what) {
  const date = readDateInput(form, idPrefix, what);
  const clock = form.querySelector(`[id="${idPrefix}-time"]`).value.trim();
  if (date.empty && !clock) return { value: '' };
  if (date.error) return { error: date.error, control: `${idPrefix}-day` };
  if (date.empty) return { error: `${what} must include a day, month and year`, control: `${idPrefix}-day` };
  const match = /^(\d{1,2})[:.](\d{2})$/.exec(clock);
  if (!match || Number(match[1]) > 23 || Number(match[2]) > 59) {
    return { error: `${what} needs a time on the 24-hour clock, like 14:30`, control: `${idPrefix}-time` };
  }
  return { value: `${date.iso} ${match[1].padStart(2, '0')}:${match[2]}` };
}

function readForm(form) {
  const text = (id) => form.querySelector(`[id="${id}"]`)?.value.trim() ?? '';
  const checked = (name) => form.querySelector(`input[name="${name}"]:checked`)?.value ?? '';
  const values = {
    whatHappened: text('whatHappened'), foundBy: text('foundBy'), category: checked('category'), kind: text('kind'),
    peopleAffected: text('peopleAffected'), vulnerableGroups: checked('vulnerableGroups'), dataInvolved: text('dataInvolved'),
    containment: text('containment'), likelihood: checked('likelihood'), severity: checked('severity'),
    items: text('items').split(/[\s,]+/).filter(Boolean).join(' '),
  };
  const errors = [];
  for (const [name, what] of [['happenedAt', 'When it happened'], ['foundAt', 'When it was found']]) {
    const time = readTime(form, name, what);
    if (time.error) errors.push({ text: time.error, control: time.control });
    else values[name] = time.value;
  }
  return { values, errors };
}

// Only what differs from the incident as shown (everything for a new one, empty details left out).
function changedValues(values, incident) {
  const changed = {};
  for (const [name, typed] of Object.entries(values)) {
    if (!incident) {
      if (typed !== '') changed[name] = typed;
      continue;
    }
    const shown = name === 'items' ? (incident.items || []).join(' ')
      : name === 'happenedAt' || name === 'foundAt' ? incident[`${name}Local`] ?? '' : String(incident[name] ?? '');
    if (typed !== shown) changed[name] = typed;
  }
  return changed;
}

// The control an error about the API's field `name` points at.
function controlFor(form, name) {
  if (name === 'happenedAt' || name === 'foundAt') return form.querySelector(`[id="${name}-day"]`);
  return form.querySelector(`[id="${name}"]`) || form.querySelector(`input[name="${name}"]`);
}

function showFormErrors(form, errors) {
  showFieldErrors(errors.map((error) => ({ text: error.text, control: error.control ? form.querySelector(`[id="${error.control}"]`) : null })));
}

async function submit(form, incident) {
  clearMessages();
  clearFieldErrors(form);
  const { values, errors } = readForm(form);
  if (errors.length) {
    showFormErrors(form, errors);
    return;
  }
  const body = changedValues(values, incident);
  if (!incident) {
    const scope = form.querySelector('#scope')?.value;
    if (scope) body.scope = scope;
  }
  if (incident && !Object.keys(body).length) {
    pendingSuccess = 'Nothing was changed';
    navigate(`#/incidents/${enc(incident.id)}`);
    return;
  }
  const saveButton = form.querySelector('#save-incident');
  saveButton.disabled = true;
  let outcome;
  try {
    outcome = incident ? await patch(`/api/incidents/${enc(incident.id)}`, body) : await post('/api/incidents', body);
  } catch (error) {
    saveButton.disabled = false;
    if (error.status === 401) return;
    const control = error.field ? controlFor(form, error.field) : null;
    showFormErrors(form, [{ text: error.message, control: control ? control.id : null }]);
    return;
  }
  done(outcome, incident ? 'Saved the changes' : `Recorded incident ${outcome.incident.id}`);
}

async function change(incident, form, body, successText) {
  clearMessages();
  clearFieldErrors(form);
  const control = form.querySelector('button');
  control.disabled = true;
  let outcome;
  try {
    outcome = await patch(`/api/incidents/${enc(incident.id)}`, body);
  } catch (error) {
    control.disabled = false;
    if (error.status === 401) return;
    const field = error.field ? form.querySelector(`[id="${error.field}"]`) : null;
    showFieldErrors([{ text: error.message, control: field }]);
    return;
  }
  done(outcome, successText);
}

function done(outcome, successText) {
  const warnings = outcome.warnings || [];
  pendingSuccess = warnings.length ? `${successText}. Note: ${warnings.join('; ')}` : successText;
  navigate(`#/incidents/${enc(outcome.incident.id)}`);
}
