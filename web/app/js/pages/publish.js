// Signing off (head office; the routes and the API keep the word "publish"): choose the branches,
// preview each one's status and every blocking problem, confirm; then the sign-off with its records;
// and the previous sign-offs. Every page says what a sign-off is not: the NHS publication, which is
// made on the NHS toolkit's website (the words are the server's, `handOff`).

import { get, post, enc, ApiError } from '../api.js';
import { h, formatTime, formatDate, plural, siteLabel, jumpLink } from '../dom.js';
import {
  pageHeading, breadcrumb, backLink, statusTag, tag, summaryList, checkboxes, textInput, button, table, warningCallout, insetText,
  panel, setFieldError, clearFieldErrors,
} from '../nhs.js';
import { showErrors, clearMessages, navigate } from '../app.js';
import { takeRecordedMessage } from './nhs-publication.js';

let pendingSuccess = null;
let lastChoice = null;  // {year, branches, all} to refill the form after "Change"

function notHere(state) {
  if (state.session.mode === 'hq') return null;
  return {
    title: 'Signing off',
    body: [pageHeading('Signing off'), insetText(h('p', { text: 'Head office signs off for the branches. Your branch sees its sign-off here after the next sync.' }))],
  };
}

export async function renderChoose({ state }) {
  const other = notHere(state);
  if (other) return other;
  const [dashboard, signedOff] = await Promise.all([get('/api/dashboard'), get('/api/publications')]);
  const organisation = dashboard.organisation || {};
  const sites = dashboard.sites || [];
  const branches = sites.filter((site) => site.kind === 'branch');
  const office = sites.find((site) => site.kind !== 'branch');
  const chosen = new Set(lastChoice ? lastChoice.branches : []);
  const option = (site) => ({
    value: site.ods,
    id: `publish-${site.ods}`,
    text: site.kind === 'branch' ? `${siteLabel(site.name, site.ods)}` : `Head office's own assessment (${site.ods})`,
    hint: `Would be signed off now as: ${site.statusName || site.status}${site.published ? `. Signed off before: ${site.published.publicStatus}` : ''}`,
    checked: chosen.has(site.ods),
  });
  const items = [...branches.map(option), ...(office ? [option(office)] : [])];
  const form = h('form', { novalidate: true, id: 'publish-form', action: '/', method: 'get' },
    checkboxes({
      idPrefix: 'publish-sites', name: 'branches', legend: 'Which sites do you want to sign off?', legendClass: 'nhsuk-fieldset__legend--m',
      hint: 'Select all that apply. You will see each one’s status and any problems before anything is recorded.', items,
    }),
    textInput({ id: 'publish-year', label: 'Assessment year', labelClass: 'nhsuk-label--s', hint: 'For example, 2021-22', value: lastChoice?.year || organisation.year || '', width: 5 }),
    h('div', { class: 'nhsuk-button-group' },
      button('Preview', { id: 'preview-button' }),
      button('Preview every branch that is ready', { variant: 'secondary', type: 'button', id: 'preview-all-ready' })));
  const firstCheckbox = () => form.querySelector('.nhsuk-checkboxes__input');
  const readYear = () => {
    const control = form.querySelector('#publish-year');
    const year = control.value.trim();
    if (!/^\d{4}-\d{2}$/.test(year)) {
      return { error: { text: 'Enter the assessment year like 2021-22', href: `#${setFieldError(control, 'Enter the assessment year like 2021-22')}` } };
    }
    return { year };
  };
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    clearFieldErrors(form);
    const selected = [...form.querySelectorAll('input[name=branches]:checked')].map((input) => input.value);
    const errors = [];
    if (!selected.length) errors.push({ text: 'Select at least one site to sign off', href: `#${setFieldError(firstCheckbox(), 'Select at least one site to sign off')}` });
    const year = readYear();
    if (year.error) errors.push(year.error);
    if (errors.length) {
      showErrors(errors);
      return;
    }
    lastChoice = { year: year.year, branches: selected };
    navigate(`#/publish/preview?year=${enc(year.year)}&branches=${selected.map(enc).join(',')}`);
  });
  form.querySelector('#preview-all-ready').addEventListener('click', () => {
    clearFieldErrors(form);
    const year = readYear();
    if (year.error) {
      showErrors([year.error]);
      return;
    }
    lastChoice = { year: year.year, branches: [], all: true };
    navigate(`#/publish/preview?year=${enc(year.year)}&all=1`);
  });
  return {
    title: 'Sign off',
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      h('div', { class: 'nhsuk-grid-row' }, h('div', { class: 'nhsuk-grid-column-two-thirds' },
        pageHeading('Sign off', `${organisation.name || ''}, ${organisation.year || ''}`),
        h('p', { text: 'Signing off records, in DSPT sync, that head office has checked each chosen site’s assessment and the status it reaches for the year. A sign-off cannot be changed afterwards; a site left out can be signed off later.' }),
        handOffNotice(signedOff.handOff),
        state.session.role !== 'admin' ? insetText(h('p', { text: 'Only administrators sign off. You can preview what signing off would record.' })) : null,
        form,
        h('p', {}, h('a', { href: '#/publications', text: 'Previous sign-offs' })))),
    ],
  };
}

export async function renderPreview({ query, state }) {
  const other = notHere(state);
  if (other) return other;
  const year = query.get('year') || '';
  const all = query.get('all') === '1';
  const branches = (query.get('branches') || '').split(',').map((code) => code.trim()).filter(Boolean);
  const params = new URLSearchParams({ year });
  if (all) params.set('all', '1'); else params.set('branches', branches.join(','));
  const report = await get(`/api/publish/preview?${params.toString()}`);
  return previewPage({ year, all, branches, report, isAdmin: state.session.role === 'admin' });
}

function previewPage({ year, all, branches, report, isAdmin, refused = null }) {
  const sites = report.sites || [];
  const ready = sites.filter((site) => site.ready);
  const notReady = sites.filter((site) => !site.ready);
  const publishable = sites.length > 0 && notReady.length === 0;
  const publishButton = button(`Sign off ${plural(sites.length, 'site')}`, { variant: 'warning', type: 'button', id: 'publish-confirm' });
  publishButton.addEventListener('click', () => confirmPublish({ year, all, branches, isAdmin }, publishButton));
  const page = {
    title: 'Check before signing off',
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Sign off', href: '#/publish' }], { text: 'Sign off', href: '#/publish' }),
    errors: refused ? [{ text: refused }] : null,
    body: [
      pageHeading('Check before signing off', `${year} assessment`),
      (report.warnings || []).length ? warningCallout('Check the year',
        (report.warnings || []).map((warning) => h('p', { class: 'app-publish-warning', text: `${warning[0].toUpperCase()}${warning.slice(1)}.` }))) : null,
      handOffNotice(report.handOff),
      all ? h('p', { text: 'Every branch that is ready now.' }) : null,
      sites.length === 0 ? insetText(h('p', { text: all ? 'No branch is ready to sign off now.' : 'No site was chosen.' })) : null,
      sites.length ? table({
        caption: 'What signing off would record',
        id: 'preview-sites',
        scroll: true,
        head: ['Site', 'Would be signed off as', 'Ready', { value: 'Blocking problems', numeric: true }],
        rows: sites.map((site) => {
          const blocking = site.blocking || site.problems || [];
          return [
            { header: true, value: `${siteLabel(site.name, site.ods)}` },
            h('span', { class: 'app-preview-status', dataset: { ods: site.ods } }, statusTag(site.status, site.statusName),
              site.publicStatus ? h('span', { class: 'app-secondary', text: ` ${site.publicStatus}` }) : null),
            h('span', { id: `ready-${site.ods}` }, site.ready ? tag('Ready', 'green') : tag('Not ready', 'red')),
            { numeric: true, value: blocking.length ? jumpLink(String(blocking.length), `preview-${site.ods}-heading`, { hidden: ` problems at ${site.name}` }) : '0' },
          ];
        }),
      }) : null,
      notReady.length ? warningCallout(`${plural(notReady.length, 'site')} not ready`,
        h('p', { text: `${notReady.map((site) => `${siteLabel(site.name, site.ods)}`).join(', ')} cannot be signed off now. Signing off these sites together would be refused as a whole, and nothing would be recorded.` }),
        ready.length ? h('p', {}, h('a', {
          href: `#/publish/preview?year=${enc(year)}&branches=${ready.map((site) => enc(site.ods)).join(',')}`,
          id: 'preview-ready-only',
          on: { click: () => { lastChoice = { year, branches: ready.map((site) => site.ods) }; } },
          text: `Preview only the ready ${ready.length === 1 ? 'site' : 'sites'} (${ready.map((site) => site.name).join(', ')})`,
        })) : null) : null,
      publishable && isAdmin ? [
        warningCallout('A sign-off is recorded for good', h('p', { text: 'A sign-off cannot be changed or withdrawn. Each site is signed off with the status shown above.' })),
        publishButton,
      ] : null,
      publishable && !isAdmin ? insetText(h('p', { text: 'Only administrators sign off.' })) : null,
      h('p', {}, h('a', { href: '#/publish', text: 'Change the sites or the year' })),
      notReady.map((site) => siteProblems(site)),
    ],
  };
  return page;
}

function siteProblems(site) {
  const blocking = site.blocking || site.problems || [];
  return h('section', { class: 'app-section app-publish-site', id: `preview-${site.ods}`, 'aria-labelledby': `preview-${site.ods}-heading`, dataset: { ods: site.ods, ready: String(Boolean(site.ready)) } },
    h('h2', { class: 'nhsuk-heading-m', id: `preview-${site.ods}-heading`, tabindex: '-1', text: `What blocks signing off ${siteLabel(site.name, site.ods)}` }),
    blocking.length ? table({
      caption: `${plural(blocking.length, 'problem')}: ${site.statusName || site.status} now`,
      captionClass: 'nhsuk-table__caption--s',
      head: ['Item', 'Group', 'Problem'],
      rows: blocking.map((problem) => [problem.item || '', problem.group || '', problem.message]),
    }) : h('p', { text: 'The server gave no reason.' }));
}

// A sign-off is not the NHS publication: said, in the server's words, wherever one is made or listed.
function handOffNotice(text, heading = 'This does not publish on the NHS website') {
  if (!text) return null;
  return warningCallout(heading, h('p', { class: 'app-hand-off', text }));
}

async function confirmPublish(choice, control) {
  clearMessages();
  control.disabled = true;
  const body = choice.all ? { year: choice.year, allReady: true } : { year: choice.year, branches: choice.branches };
  let result;
  try {
    result = await post('/api/publish', body);
  } catch (error) {
    control.disabled = false;
    if (error.status === 401) return;
    if (error instanceof ApiError && error.status === 422 && error.body) {
      const report = error.body.sites ? error.body : error.body.report || null;
      if (report) {
        const page = previewPage({ ...choice, report, refused: `${error.message} Nothing was recorded.` });
        redraw(page);
        return;
      }
    }
    showErrors([{ text: error.message, href: '#publish-confirm' }]);
    return;
  }
  lastChoice = null;
  const id = result.publication && result.publication.id;
  pendingSuccess = `Signed off ${plural((result.publication?.sites || result.sites || []).length, 'site')}`;
  navigate(id !== undefined && id !== null ? `#/publications/${enc(String(id))}` : '#/publications');
}

// Replaces the page's content in place (a refused publish shows the fresh report).
function redraw(page) {
  const main = document.getElementById('app-main');
  main.replaceChildren(...page.body.flat(Infinity).filter(Boolean));
  if (page.errors) showErrors(page.errors);
}

export async function renderList({ state }) {
  const other = notHere(state);
  if (other) return other;
  const data = await get('/api/publications');
  const publications = [...(data.publications || [])].sort((a, b) => (b.at || 0) - (a.at || 0));
  const recorded = takeRecordedMessage();
  return {
    title: 'Sign-offs',
    success: recorded ? recorded.heading : null,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Sign-offs'),
      recorded && recorded.warnings.length
        ? warningCallout('Check this', h('ul', { class: 'nhsuk-list nhsuk-list--bullet', id: 'nhs-publication-warnings' }, recorded.warnings.map((text) => h('li', { text }))))
        : null,
      handOffNotice(data.handOff),
      nhsPublications(data.nhsPublications || [], state.session.role === 'admin'),
      h('h2', { class: 'nhsuk-heading-m', text: 'Signed off in DSPT sync' }),
      h('p', {}, h('a', { href: '#/publish', text: 'Sign off more sites' })),
      publications.length ? table({
        caption: 'Previous sign-offs, newest first',
        scroll: true,
        head: ['Sign-off', 'Year', 'Signed off', 'By', 'Sites'],
        rows: publications.map((publication) => [
          { header: true, value: h('a', { href: `#/publications/${enc(String(publication.id))}`, text: `Sign-off ${publication.id}` }) },
          publication.year,
          formatTime(publication.at, publication.atText),
          publication.by || '',
          h('ul', { class: 'nhsuk-list' }, (publication.sites || []).map((site) => h('li', { text: `${siteLabel(site.name, site.ods)}: ${site.publicStatus}` }))),
        ]),
      }) : insetText(h('p', { text: 'Nothing has been signed off yet.' })),
    ],
  };
}

// Each site's publication on the NHS website of each year, as head office recorded it: the records
// in force (`current`; a later record of a site and year corrects an earlier one).
function nhsPublications(records, isAdmin) {
  const rows = records.filter((record) => record.current)
    .sort((a, b) => b.year.localeCompare(a.year) || a.name.localeCompare(b.name));
  return h('section', { class: 'app-section', id: 'nhs-publications', 'aria-labelledby': 'nhs-publications-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'nhs-publications-heading', text: 'Published on the NHS website' }),
    rows.length ? table({
      caption: 'As recorded by head office, newest year first',
      captionClass: 'nhsuk-table__caption--s',
      scroll: true,
      head: ['Site', 'Year', 'Status', 'Published', 'Recorded by'],
      rows: rows.map((record) => [
        { header: true, value: siteLabel(record.name, record.ods) },
        record.year,
        h('span', {}, statusTag(record.status, record.publicStatus)),
        formatDate(record.publishedOn),
        record.recordedBy || 'the server console',
      ]),
    }) : insetText(h('p', { text: 'No publication on the NHS website has been recorded yet. Once a site’s assessment is published there, record it here so the dashboard and the status look-up show it.' })),
    isAdmin ? h('p', {}, h('a', { href: '#/publications/nhs/new', id: 'record-nhs-publication-link', text: 'Record a publication on the NHS website' })) : null);
}

export async function renderPublication({ params, state }) {
  const other = notHere(state);
  if (other) return other;
  const id = params[0];
  const data = await get('/api/publications');
  const publication = (data.publications || []).find((entry) => String(entry.id) === id);
  if (!publication) throw new ApiError(404, 'not_found', `There is no sign-off ${id}. The list of sign-offs shows them all.`);
  const success = pendingSuccess;
  pendingSuccess = null;
  const sites = publication.sites || [];
  return {
    title: `Sign-off ${publication.id}`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: 'Sign-offs', href: '#/publications' }], { text: 'Sign-offs', href: '#/publications' }),
    body: [
      success ? panel(success, `Sign-off ${publication.id}, ${publication.year}`) : pageHeading(`Sign-off ${publication.id}`, publication.year),
      handOffNotice(data.handOff, 'Next: publish on the NHS website'),
      summaryList([
        { key: 'Year', value: publication.year },
        { key: 'Signed off', value: formatTime(publication.at, publication.atText) },
        { key: 'Signed off by', value: publication.by || '' },
      ]),
      table({
        caption: 'Sites',
        id: 'publication-sites',
        scroll: true,
        head: ['Site', 'Status', 'Sign-off record', 'Answers hash', 'NHS website'],
        rows: sites.map((site) => [
          { header: true, value: `${siteLabel(site.name, site.ods)}` },
          h('span', {}, statusTag(site.status, site.publicStatus)),
          h('a', { href: `/api/publications/${enc(String(publication.id))}/certificate/${enc(site.ods)}`, id: `certificate-${site.ods}` },
            'Sign-off record', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${siteLabel(site.name, site.ods)}` })),
          h('code', { class: 'app-hash', title: site.answersHash || '', text: site.answersHash ? `${site.answersHash.slice(0, 16)}…` : '' }),
          h('span', {},
            h('a', { href: `#/assessment/${enc(site.ods)}/toolkit`, id: `toolkit-${site.ods}` },
              'Copy into the toolkit', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${siteLabel(site.name, site.ods)}` })),
            h('br'),
            state.session.role === 'admin'
            ? h('a', { href: `#/publications/nhs/new?site=${enc(site.ods)}&year=${enc(publication.year)}&status=${enc(site.status)}`, id: `record-nhs-${site.ods}` },
              'Record its publication', h('span', { class: 'nhsuk-u-visually-hidden', text: ` on the NHS website for ${siteLabel(site.name, site.ods)}` }))
            : ''),
        ]),
      }),
      h('p', { text: 'Each sign-off record is a printable page: use your browser’s Print to save it as a PDF. It is your organisation’s own record, not an NHS certificate.' }),
      backLink('All sign-offs', '#/publications'),
    ],
  };
}
