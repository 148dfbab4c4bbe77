// Downloads: each assessment the session sees, its improvement plan and its incidents, as Excel, CSV
// or JSON; for head office administrators, a backup of the server's database too.

import { get, enc } from '../api.js';
import { h, siteLabel } from '../dom.js';
import { pageHeading, breadcrumb, table, warningCallout } from '../nhs.js';

const FORMATS = [['xlsx', 'Excel'], ['csv', 'CSV'], ['json', 'JSON']];

// GET /api/backup: a consistent copy of the server's database, as `dsptsync-server backup` makes it.
function backupSection() {
  return h('div', { id: 'backup-section' },
    h('h2', { class: 'nhsuk-heading-m', id: 'backup-heading', text: 'Backup of the server' }),
    h('p', { text: 'A consistent copy of the server’s whole database, made while it keeps serving: every assessment, the people, devices and sign-offs, and the audit trail. Restore it with dsptsync-server restore.' }),
    warningCallout('Keep it safe, and apart from the key',
      h('p', { text: 'The answers in it are sealed with the server’s key (server.key, or the passphrase), which is not in the file: without the key nobody can read the answers, and neither can you. The names of people, branches and devices, the sign-offs and the audit trail are in it in the clear.' })),
    h('p', {}, h('a', { class: 'nhsuk-button nhsuk-button--secondary', href: '/api/backup', id: 'download-backup', download: true, role: 'button', draggable: 'false' }, 'Download a backup')));
}

export async function render({ state }) {
  const admin = state.session.mode === 'hq' && state.session.role === 'admin' && !state.session.branch;
  const dashboard = await get('/api/dashboard');
  const sites = dashboard.sites || [];
  // content: '' (the assessment), 'plan' or 'incidents', as the export route's flags name them.
  const CONTENT_NAMES = { '': 'assessment', plan: 'improvement plan', incidents: 'incidents' };
  const links = (site, content) => h('ul', { class: 'nhsuk-list app-inline-list' }, FORMATS.map(([format, name]) => h('li', {},
    h('a', {
      href: `/api/export?scope=${enc(site.ods)}&format=${format}${content ? `&${content}=1` : ''}`,
      id: `download-${site.ods}-${content ? `${content}-` : ''}${format}`,
      download: true,
    }, name, h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${CONTENT_NAMES[content]} of ${siteLabel(site.name, site.ods)}` })))));
  // Head office's people download a site's evidence pack: its workbook and every linked document.
  const packs = state.session.mode === 'hq' && !state.session.branch;
  const pack = (site) => h('a', { href: `/api/evidence-pack?scope=${enc(site.ods)}`, id: `download-${site.ods}-pack`, download: true },
    'Evidence pack', h('span', { class: 'nhsuk-u-visually-hidden', text: ` of ${siteLabel(site.name, site.ods)}` }));
  return {
    title: 'Downloads',
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Downloads'),
      h('p', { class: 'nhsuk-body-l', text: 'Each assessment with every item’s answer, who changed it and when, its improvement plan, or its incidents of the year. An assessment’s Excel file also has an Incidents sheet, and an About sheet naming the site, year and status.' }),
      packs ? h('p', { text: 'An evidence pack is a zip for an inspector or an auditor: the site’s assessment workbook and the current version of every library document its items link to.' }) : null,
      table({
        caption: 'Assessments',
        scroll: true,
        head: ['Site', 'Assessment', 'Improvement plan', 'Incidents', packs ? 'Evidence pack' : null].filter(Boolean),
        rows: sites.map((site) => [
          { header: true, value: `${siteLabel(site.name, site.ods)}` },
          links(site, ''),
          links(site, 'plan'),
          links(site, 'incidents'),
          packs ? pack(site) : null,
        ].filter(Boolean)),
      }),
      admin ? backupSection() : null,
    ],
  };
}
