// Downloads: each assessment the session sees, its improvement plan and its incidents, as Excel, CSV
// or JSON.

import { get, enc } from '../api.js';
import { h, siteLabel } from '../dom.js';
import { pageHeading, breadcrumb, table } from '../nhs.js';

const FORMATS = [['xlsx', 'Excel'], ['csv', 'CSV'], ['json', 'JSON']];

export async function render() {
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
  return {
    title: 'Downloads',
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Downloads'),
      h('p', { class: 'nhsuk-body-l', text: 'Each assessment with every item’s answer, who changed it and when, its improvement plan, or its incidents of the year. An assessment’s Excel file also has an Incidents sheet, and an About sheet naming the site, year and status.' }),
      table({
        caption: 'Assessments',
        scroll: true,
        head: ['Site', 'Assessment', 'Improvement plan', 'Incidents'],
        rows: sites.map((site) => [
          { header: true, value: `${siteLabel(site.name, site.ods)}` },
          links(site, ''),
          links(site, 'plan'),
          links(site, 'incidents'),
        ]),
      }),
    ],
  };
}
