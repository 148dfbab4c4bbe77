// Downloads: each assessment the session sees, and its improvement plan, as Excel, CSV or JSON.

import { get, enc } from '../api.js';
import { h, siteLabel } from '../dom.js';
import { pageHeading, breadcrumb, table } from '../nhs.js';

const FORMATS = [['xlsx', 'Excel'], ['csv', 'CSV'], ['json', 'JSON']];

export async function render() {
  const dashboard = await get('/api/dashboard');
  const sites = dashboard.sites || [];
  const links = (site, plan) => h('ul', { class: 'nhsuk-list app-inline-list' }, FORMATS.map(([format, name]) => h('li', {},
    h('a', {
      href: `/api/export?scope=${enc(site.ods)}&format=${format}${plan ? '&plan=1' : ''}`,
      id: `download-${site.ods}-${plan ? 'plan-' : ''}${format}`,
      download: true,
    }, name, h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${plan ? 'improvement plan' : 'assessment'} of ${siteLabel(site.name, site.ods)}` })))));
  return {
    title: 'Downloads',
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading('Downloads'),
      h('p', { class: 'nhsuk-body-l', text: 'Each assessment with every item’s answer, who changed it and when, or its improvement plan. Excel files have an About sheet naming the site, year and status.' }),
      table({
        caption: 'Assessments',
        scroll: true,
        head: ['Site', 'Assessment', 'Improvement plan'],
        rows: sites.map((site) => [
          { header: true, value: `${siteLabel(site.name, site.ods)}` },
          links(site, false),
          links(site, true),
        ]),
      }),
    ],
  };
}
