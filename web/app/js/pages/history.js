// Every change of one item or assertion: who, when, on which device, before and after.

import { get, enc } from '../api.js';
import { h, formatTime } from '../dom.js';
import { pageHeading, breadcrumb, table } from '../nhs.js';

export function valueOf(value) {
  if (value === null || value === undefined) return h('span', { class: 'app-muted', text: 'Empty' });
  if (typeof value === 'object') {
    const text = value.text ?? value.value ?? '';
    const location = value.location ? ` (at ${value.location})` : '';
    if (text === '' && !location) return h('span', { class: 'app-muted', text: 'Empty' });
    return h('span', { class: 'app-pre-line', text: `${text}${location}` });
  }
  return h('span', { class: 'app-pre-line', text: String(value) });
}

export async function render({ params }) {
  const [scope, id] = params;
  const data = await get(`/api/assessment/${enc(scope)}/history/${enc(id)}`);
  const rows = data.history || [];
  return {
    title: `History of ${id}`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: scope, href: `#/assessment/${enc(scope)}` }],
      { text: scope, href: `#/assessment/${enc(scope)}?item=${enc(id)}` }),
    body: [
      pageHeading(`History of ${id}`, scope),
      rows.length ? table({
        caption: 'Changes, newest first',
        scroll: true,
        head: ['When', 'Who', 'What', 'Before', 'After'],
        rows: [...rows].sort((a, b) => (b.at || 0) - (a.at || 0)).map((row) => [
          formatTime(row.at),
          h('span', {}, row.by || '', row.device ? h('span', { class: 'app-secondary', text: ` (device ${String(row.device).slice(0, 8)})` }) : null),
          row.field,
          valueOf(row.before),
          valueOf(row.after),
        ]),
      }) : h('p', { text: 'Nothing has been recorded for it yet.' }),
      h('p', {}, h('a', { href: `#/assessment/${enc(scope)}?item=${enc(id)}`, text: `Back to ${id}` })),
    ],
  };
}
