// The dashboard: every site the session sees with the status it would publish now, its progress,
// conflicts, overrides and latest publication; on a branch laptop also the sync state.

import { get, post, enc } from '../api.js';
import { h, formatTime, plural, replace, siteLabel } from '../dom.js';
import { pageHeading, statusTag, tag, summaryList, progress, table, button, insetText, warningCallout, actionLink } from '../nhs.js';
import { showErrors, showSuccess, clearMessages } from '../app.js';
import { reviewWarningsCallout } from './library.js';

export async function render({ state }) {
  const [dashboard, library] = await Promise.all([get('/api/dashboard'), get('/api/documents')]);
  const organisation = dashboard.organisation || {};
  const reviews = reviewWarningsCallout(library.reviewWarnings, 'dashboard-review-warnings');
  if (state.session.mode === 'branch') return branchDashboard(state, dashboard, reviews);
  const sites = dashboard.sites || [];
  return {
    title: 'Dashboard',
    body: [
      pageHeading('Dashboard', `${organisation.name || ''} (${organisation.hq || ''}), ${organisation.year || ''} assessment`),
      yearAdvice(organisation),
      incidentsToReport(sites),
      reviews,
      h('p', { class: 'nhsuk-body-l', text: 'The status each site would publish at now, from what it has synced.' }),
      sitesTable(sites),
      overridesSection(sites),
      h('h2', { class: 'nhsuk-heading-m', text: 'What to do next' }),
      h('ul', { class: 'nhsuk-list nhsuk-list--bullet' },
        h('li', {}, h('a', { href: `#/assessment/${enc(organisation.hq || '')}`, text: "Answer head office's shared items" })),
        h('li', {}, h('a', { href: '#/conflicts', text: 'Resolve open conflicts' })),
        h('li', {}, h('a', { href: '#/publish', text: 'Sign off the branches that are ready' }))),
    ],
  };
}

// Once the organisation's year is past its deadline: which year to move to and how (the server
// words it for whoever reads it).
function yearAdvice(organisation) {
  if (!organisation.yearAdvice) return null;
  return warningCallout('The year', h('p', { id: 'year-advice', text: organisation.yearAdvice }));
}

function siteName(site) {
  return siteLabel(site.name, site.ods);
}

function publicationText(site) {
  if (!site.published) return h('span', { class: 'app-muted', text: 'Not signed off' });
  return h('span', {}, site.published.publicStatus, h('br'), h('span', { class: 'app-secondary', text: formatTime(site.published.at) }));
}

// The publication that counts: on the NHS website, as head office recorded it.
function nhsPublicationText(site) {
  if (!site.nhsPublished) return h('span', { class: 'app-muted', text: 'Not recorded' });
  return h('span', { class: 'app-nhs-published', dataset: { ods: site.ods } }, site.nhsPublished.publicStatus, h('br'),
    h('span', { class: 'app-secondary', text: `published ${site.nhsPublished.publishedOn}` }));
}

// When a device of the site's people last signed in to sync with head office, and whose.
function lastSyncedText(site) {
  if (!site.lastSynced) return h('span', { class: 'app-muted app-last-synced', dataset: { ods: site.ods }, text: 'Never' });
  return h('span', { class: 'app-last-synced', dataset: { ods: site.ods } }, formatTime(site.lastSynced.at), h('br'),
    h('span', { class: 'app-secondary', text: `${site.lastSynced.user}, ${site.lastSynced.device}` }));
}

// Incidents whose 72 hours to report run, across every site: first thing on the page.
function incidentsToReport(sites) {
  const toReport = sites.reduce((sum, site) => sum + (site.incidents?.toReport || 0), 0);
  if (!toReport) return null;
  const overdue = sites.reduce((sum, site) => sum + (site.incidents?.overdue || 0), 0);
  return warningCallout(`${plural(toReport, 'incident')} to report to the ICO`,
    h('p', { id: 'dashboard-incidents', text: overdue ? `${overdue} ${overdue === 1 ? 'is' : 'are'} overdue.` : 'Each has a deadline within 72 hours of becoming aware.' }),
    h('p', {}, h('a', { href: '#/incidents', text: 'See the incidents' })));
}

// Open incidents, and those whose 72 hours to report run (red once one is overdue).
function incidentsText(site) {
  const counts = site.incidents || { open: 0, toReport: 0, overdue: 0 };
  const link = h('a', { href: `#/incidents?scope=${enc(site.ods)}` }, String(counts.open),
    h('span', { class: 'nhsuk-u-visually-hidden', text: ` open incidents at ${site.name}` }));
  return h('span', { class: 'app-site-incidents', dataset: { ods: site.ods, toReport: String(counts.toReport), overdue: String(counts.overdue) } },
    counts.open ? link : '0',
    counts.overdue ? [h('br'), tag(`${counts.overdue} overdue`, 'red')]
      : counts.toReport ? [h('br'), tag(`${counts.toReport} to report`, 'orange')] : null);
}

function sitesTable(sites) {
  return table({
    caption: 'Sites',
    id: 'sites',
    scroll: true,
    head: ['Site', 'Would publish', 'Mandatory items provided', { value: 'Assertions confirmed' }, { value: 'Open conflicts', numeric: true }, { value: 'Overrides', numeric: true }, 'Open incidents', 'Last synced', 'Latest sign-off', 'On the NHS website'],
    rows: sites.map((site) => [
      { header: true, value: h('span', {},
        h('a', { href: `#/assessment/${enc(site.ods)}`, id: `site-${site.ods}`, text: site.name }),
        h('br'), h('span', { class: 'app-secondary' }, site.ods, site.kind === 'branch' ? ', branch' : ', head office')) },
      h('span', { class: 'app-site-status', dataset: { ods: site.ods } }, statusTag(site.status, site.statusName)),
      progress(site.mandatory?.provided ?? 0, site.mandatory?.total ?? 0),
      `${site.assertions?.confirmed ?? 0} of ${site.assertions?.total ?? 0}`,
      { numeric: true, value: site.conflicts ? h('a', { href: `#/conflicts?scope=${enc(site.ods)}` }, String(site.conflicts), h('span', { class: 'nhsuk-u-visually-hidden', text: ` open conflicts at ${site.name}` })) : '0' },
      { numeric: true, value: site.overrides && site.overrides.length ? h('a', { href: `#/assessment/${enc(site.ods)}?view=overrides` }, String(site.overrides.length), h('span', { class: 'nhsuk-u-visually-hidden', text: ` overrides at ${site.name}` })) : '0' },
      incidentsText(site),
      lastSyncedText(site),
      publicationText(site),
      nhsPublicationText(site),
    ]),
  });
}

function overridesSection(sites) {
  const withOverrides = sites.filter((site) => site.overrides && site.overrides.length);
  if (!withOverrides.length) return null;
  return h('section', { 'aria-labelledby': 'overrides-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'overrides-heading', text: 'Overrides of shared answers' }),
    h('p', { text: 'Where a branch answers a shared item itself because its practice differs.' }),
    withOverrides.map((site) => table({
      caption: siteName(site),
      captionClass: 'nhsuk-table__caption--s',
      head: ['Item', 'Reason', 'Recorded by'],
      rows: site.overrides.map((override) => [
        { header: true, value: h('a', { href: `#/assessment/${enc(site.ods)}?item=${enc(override.item)}`, text: override.item }) },
        override.reason,
        `${override.by || ''}${override.at ? `, ${formatTime(override.at)}` : ''}`,
      ]),
    })));
}

// ---------------------------------------------------------------------------------------------
// A branch laptop

async function branchDashboard(state, dashboard, reviews) {
  const site = (dashboard.sites || [])[0];
  const organisation = dashboard.organisation || {};
  // A single site (made with `dsptsync init`) has no head office to sync with: no sync section.
  const singleSite = Boolean(state.session.organisation?.singleSite);
  let sync = null;
  let syncError = null;
  try {
    if (!singleSite) sync = await get('/api/sync');
  } catch (error) {
    if (error.status === 401) throw error;
    syncError = error;
  }
  const syncSlot = singleSite ? null : h('div', { id: 'sync-state' });
  if (syncSlot) replace(syncSlot, syncSection(sync, syncError, syncSlot));
  return {
    title: 'Dashboard',
    body: [
      pageHeading(site ? siteName(site) : 'Dashboard', `${organisation.name || ''}, ${organisation.year || ''} assessment`),
      yearAdvice(organisation),
      site ? incidentsToReport([site]) : null,
      reviews,
      syncSlot,
      site ? siteSummary(site, singleSite) : insetText(h('p', { text: 'There is no assessment on this computer yet.' })),
    ],
  };
}

function syncSection(sync, error, slot) {
  const section = h('section', { class: 'app-section', 'aria-labelledby': 'sync-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'sync-heading', text: 'Sync with head office' }));
  if (error) {
    section.append(warningCallout('The sync state could not be read', h('p', { text: error.message })));
    return section;
  }
  if (!sync.enrolled) {
    section.append(insetText(h('p', { text: 'This computer is not enrolled with a head office server: the assessment stays on this computer.' })));
    return section;
  }
  const waiting = sync.waiting ?? 0;
  section.append(summaryList([
    { key: 'Head office server', value: sync.server || '' },
    { key: 'Last synced', value: sync.lastSyncedAt ? formatTime(sync.lastSyncedAt) : '', empty: 'Never' },
    { key: 'Changes waiting to go up', value: h('span', { id: 'sync-waiting', dataset: { waiting: String(waiting) } },
      waiting ? tag(plural(waiting, 'change'), 'yellow') : tag('None waiting', 'green'),
      waiting ? h('span', { class: 'app-secondary', text: ' They go to head office at the next sync.' }) : null) },
    sync.lastError ? { key: 'Last sync problem', value: sync.lastError } : null,
  ]));
  const syncButton = button('Sync now', { id: 'sync-now', type: 'button' });
  syncButton.addEventListener('click', () => syncNow(syncButton, slot));
  section.append(syncButton, h('p', { class: 'nhsuk-u-visually-hidden', role: 'status', id: 'sync-status' }));
  return section;
}

async function syncNow(syncButton, slot) {
  clearMessages();
  syncButton.disabled = true;
  // Said on the button too: reaching head office can take a while, and a silent page looks stuck.
  syncButton.textContent = 'Syncing with head office…';
  const status = document.getElementById('sync-status');
  if (status) status.textContent = 'Syncing with head office…';
  let result = null;
  let failure = null;
  try {
    result = await post('/api/sync', {});
  } catch (error) {
    if (error.status === 401) return;
    failure = error;
  }
  let sync = null;
  let readError = null;
  try {
    sync = await get('/api/sync');
  } catch (error) {
    readError = error;
  }
  replace(slot, syncSection(sync, readError, slot));
  if (failure) {
    showErrors([{ text: failure.message, href: '#sync-now' }],
      failure.status === 502 ? 'The sync did not finish' : 'There is a problem');
  } else {
    showSuccess(`Synced: ${plural(result.pushed ?? 0, 'change')} sent, ${plural(result.pulled ?? 0, 'change')} received`);
  }
}

function siteSummary(site, singleSite) {
  return h('section', { class: 'app-section', 'aria-labelledby': 'progress-heading' },
    h('h2', { class: 'nhsuk-heading-m', id: 'progress-heading', text: 'Your assessment' }),
    summaryList([
      { key: 'Would publish now', value: h('span', { class: 'app-site-status', dataset: { ods: site.ods } }, statusTag(site.status, site.statusName)) },
      { key: 'Mandatory items provided', value: progress(site.mandatory?.provided ?? 0, site.mandatory?.total ?? 0) },
      { key: 'Assertions confirmed', value: `${site.assertions?.confirmed ?? 0} of ${site.assertions?.total ?? 0}` },
      { key: 'Open conflicts', value: site.conflicts ? h('a', { href: '#/conflicts', text: String(site.conflicts) }) : '0' },
      { key: 'Open incidents', value: incidentsText(site) },
      singleSite ? null : { key: 'Items answered by head office', value: String(site.sharedItems ?? 0) },
      singleSite ? null : { key: 'Overrides', value: site.overrides && site.overrides.length
        ? h('ul', { class: 'nhsuk-list' }, site.overrides.map((override) => h('li', {}, h('strong', { text: override.item }), `: ${override.reason}`)))
        : '0' },
      { key: 'Latest sign-off', value: site.published ? `${site.published.publicStatus}, ${formatTime(site.published.at)}` : '', empty: 'Not signed off' },
      site.nhsPublished ? { key: 'On the NHS website', value: `${site.nhsPublished.publicStatus}, published ${site.nhsPublished.publishedOn}` } : null,
    ].filter(Boolean)),
    actionLink('Go to the assessment', `#/assessment/${enc(site.ods)}`, 'go-to-assessment'),
    site.problems && site.problems.length ? h('p', { text: `${plural(site.problems.length, 'problem')} block the next level: see the assessment.` }) : null);
}
