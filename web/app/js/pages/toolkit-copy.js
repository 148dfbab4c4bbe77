// "Copy into the NHS toolkit": one site's assessment in the toolkit's own order (standard, then
// assertion, then evidence item), each answer laid out as the NHS website asks for it, with what to
// tick, what to paste (a Copy button) and which assertions to confirm. The NHS website is where the
// assessment is published; this page makes entering it there quick and exact. It reads the same
// GET /api/assessment/{scope} as the assessment page: nothing new is computed here.

import { get, enc } from '../api.js';
import { h, siteLabel } from '../dom.js';
import { pageHeading, breadcrumb, insetText, warningCallout, tag, button } from '../nhs.js';

// "1.10.2" after "1.9.1": the toolkit's references compared part by part as numbers.
function compareReferences(a, b) {
  const left = String(a).split('.').map(Number);
  const right = String(b).split('.').map(Number);
  for (let i = 0; i < Math.max(left.length, right.length); i += 1) {
    const difference = (left[i] ?? -1) - (right[i] ?? -1);
    if (difference) return difference;
  }
  return 0;
}

// 2027-06-20 as a UK date is typed: 20/06/2027.
function typedDate(iso) {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || '');
  return match ? `${match[3]}/${match[2]}/${match[1]}` : iso;
}

// What to do on the NHS website for one item: {tick} for a yes/no, {paste} for text to copy.
function entryFor(item) {
  const answer = item.answer;
  if (!answer || answer.value === '') return { missing: true };
  if (item.type === 'yes_no') return { tick: answer.value === 'yes' ? 'Yes' : 'No' };
  if (item.type === 'date') return { paste: typedDate(answer.value) };
  if (item.type === 'document') return { paste: answer.value, location: answer.location || '' };
  return { paste: answer.value };
}

// The same walk-through as plain text, to print or keep beside the NHS website: the page's order and
// entries (entryFor), one block per item.
function toolkitText(label, standards, assertions, items) {
  const lines = [`Copy into the NHS toolkit: ${label}`, 'Go through it in this order on www.dsptoolkit.nhs.uk.', ''];
  for (const standard of standards) {
    const ofStandard = assertions.filter((assertion) => assertion.standard === standard);
    lines.push(`STANDARD ${standard}${ofStandard[0]?.standardName ? `: ${ofStandard[0].standardName}` : ''}`, '');
    for (const assertion of ofStandard) {
      lines.push(`Assertion ${assertion.id} ${assertion.text || ''}`.trim());
      for (const item of items.filter((each) => each.assertion === assertion.id)) {
        const entry = entryFor(item);
        lines.push(`  ${item.id} ${item.question}${item.mandatory ? ' (mandatory)' : ''}`);
        if (entry.missing) lines.push(item.mandatory ? '    NOT ANSWERED: answer it in DSPT sync first' : '    Not answered: leave it blank');
        else if (entry.tick) lines.push(`    Tick: ${entry.tick}`);
        else lines.push(...entry.paste.split('\n').map((line) => `    ${line}`));
        if (entry.location) lines.push(`    Where it is kept: ${entry.location}`);
      }
      lines.push(assertion.confirmed ? `  Tick Confirm (confirmed by ${assertion.confirmed.by})` : '  NOT CONFIRMED: confirm it in DSPT sync first', '');
    }
  }
  return `${lines.join('\r\n')}\r\n`;
}

// A link that saves the text as a file (made in the browser: nothing more is asked of the server).
function downloadLink(text, fileName) {
  const url = URL.createObjectURL(new Blob([text], { type: 'text/plain;charset=utf-8' }));
  return h('a', { href: url, download: fileName, id: 'toolkit-download', class: 'nhsuk-link', text: 'Download this page as a text file' });
}

function copyButton(text, id, what) {
  const control = button('Copy', { type: 'button', variant: 'secondary', small: true, id });
  control.setAttribute('aria-label', `Copy ${what}`);
  control.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(text);
      control.textContent = 'Copied';
    } catch {
      // No clipboard (an insecure origin, a refusal): select the text so Ctrl+C copies it.
      const target = document.getElementById(`${id}-text`);
      if (target) window.getSelection().selectAllChildren(target);
      control.textContent = 'Selected: press Ctrl+C';
    }
  });
  return control;
}

function itemBlock(item) {
  const entry = entryFor(item);
  const id = `toolkit-${item.id.replaceAll('.', '-')}`;
  const body = [];
  if (entry.missing) {
    body.push(h('p', {}, tag('Not answered', 'red'), item.mandatory ? ' Mandatory: answer it in DSPT sync first.' : ' Leave it blank on the NHS website.'));
  } else if (entry.tick) {
    body.push(h('p', { class: 'app-toolkit-tick', id: `${id}-text` }, 'Tick ', h('strong', { text: entry.tick })));
  } else {
    body.push(h('pre', { class: 'app-toolkit-paste', id: `${id}-text`, text: entry.paste }),
      copyButton(entry.paste, id, `the answer to ${item.id}`));
    if (entry.location) {
      body.push(h('p', {}, 'Where it is kept: ', h('span', { id: `${id}-location-text`, text: entry.location }), ' '),
        copyButton(entry.location, `${id}-location`, `where the document for ${item.id} is kept`));
    }
  }
  if (item.comment && item.comment.value) body.push(h('p', { class: 'app-secondary', text: `Comment: ${item.comment.value}` }));
  return h('section', { class: 'app-item app-toolkit-item', id, dataset: { item: item.id }, 'aria-labelledby': `${id}-heading` },
    h('h4', { class: 'nhsuk-heading-xs app-item__heading', id: `${id}-heading` },
      h('span', { class: 'app-item__id', text: item.id }), ' ', item.question, item.mandatory ? ' (mandatory)' : ''),
    body);
}

function assertionBlock(assertion, items) {
  const id = `toolkit-assertion-${assertion.id.replaceAll('.', '-')}`;
  const confirm = assertion.confirmed
    ? h('p', { class: 'app-toolkit-confirm', id: `${id}-confirm` }, 'Tick ', h('strong', { text: 'Confirm' }), ` for assertion ${assertion.id}: confirmed by ${assertion.confirmed.by}.`)
    : h('p', { class: 'app-toolkit-confirm', id: `${id}-confirm` }, tag('Not confirmed', 'orange'), ` Confirm assertion ${assertion.id} in DSPT sync first.`);
  return h('section', { class: 'app-section', id, 'aria-labelledby': `${id}-heading` },
    h('h3', { class: 'nhsuk-heading-s', id: `${id}-heading` }, `${assertion.id} ${assertion.text || ''}`.trim()),
    items.map(itemBlock),
    confirm);
}

export async function render({ params }) {
  const scope = params[0];
  const data = await get(`/api/assessment/${enc(scope)}`);
  const site = data.site || {};
  const items = (data.groups || []).flatMap((group) => group.items).sort((a, b) => compareReferences(a.id, b.id));
  const assertions = [...(data.assertions || [])].sort((a, b) => compareReferences(a.id, b.id));
  const standards = [...new Set(assertions.map((assertion) => assertion.standard))];
  const missing = items.filter((item) => item.mandatory && entryFor(item).missing).length;
  const unconfirmed = assertions.filter((assertion) => !assertion.confirmed).length;
  const label = siteLabel(site.name, site.ods || scope);
  return {
    title: `Copy into the NHS toolkit: ${label}`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }, { text: label, href: `#/assessment/${enc(scope)}` }],
      { text: label, href: `#/assessment/${enc(scope)}` }),
    body: [
      pageHeading('Copy into the NHS toolkit', label),
      insetText(h('p', { text: 'The NHS Data Security and Protection Toolkit website (www.dsptoolkit.nhs.uk) is where this assessment is published. Sign in there as this site, then go through this page in order: it follows the toolkit’s own order of standards, assertions and evidence items.' })),
      h('p', {}, downloadLink(toolkitText(label, standards, assertions, items), `toolkit-${site.ods || scope}-${data.year || ''}.txt`)),
      missing || unconfirmed
        ? warningCallout('Not ready to enter yet', h('p', { id: 'toolkit-gaps', text: `${missing} mandatory evidence items are not answered and ${unconfirmed} assertions are not confirmed in DSPT sync.` }))
        : null,
      standards.map((standard) => {
        const ofStandard = assertions.filter((assertion) => assertion.standard === standard);
        const name = ofStandard[0]?.standardName || '';
        return h('section', { class: 'app-section', id: `toolkit-standard-${standard}`, 'aria-labelledby': `toolkit-standard-${standard}-heading` },
          h('h2', { class: 'nhsuk-heading-m', id: `toolkit-standard-${standard}-heading`, text: `Standard ${standard}${name ? `: ${name}` : ''}` }),
          ofStandard.map((assertion) => assertionBlock(assertion, items.filter((item) => item.assertion === assertion.id))));
      }),
      h('p', {}, 'Once it is published there, head office records the publication on the ', h('a', { href: '#/publications', text: 'Sign-offs page' }), '.'),
    ],
  };
}
