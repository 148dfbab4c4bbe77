// Publishing from the web app: three branches, two ready (Standards Met and Approaching Standards)
// and one far off. The preview shows each one's status and the third's problems; publishing the two
// records one publication with their certificates, and the third stays unpublished.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot, valueFor, PASSWORDS,
  downloadFrom,
} from './helpers.mjs';

const skip = missing();

describe('publishing from the web app', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let browser;
  let page;

  before(async () => {
    const root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addBranch('VM2B3', 'York');
    hq.addBranch('VN4C5', 'Hull');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    const leeds = hq.enrol('Sam Patel', 'admin', 'VLAXL', path.join(root, 'leeds'));
    const york = hq.enrol('Ann Lee', 'admin', 'VM2B3', path.join(root, 'york'));
    const hull = hq.enrol('Joe Bloggs', 'admin', 'VN4C5', path.join(root, 'hull'));

    // Head office answers and confirms everything shared.
    const items = leeds.items();
    const shared = items.filter((item) => item.scope === 'shared');
    const own = items.filter((item) => item.scope !== 'shared');
    for (const item of shared) hq.must(['answer', item.id, valueFor(item)]);
    const assertions = [...new Set(items.map((item) => item.assertion))];
    const sharedAssertions = assertions.filter((id) => items.filter((item) => item.assertion === id).every((item) => item.scope === 'shared'));
    for (const id of sharedAssertions) hq.must(['confirm', id]);
    for (const store of [leeds, york, hull]) store.sync();

    // Leeds answers everything of its own: Standards Met.
    for (const item of own) leeds.must(['answer', item.id, valueFor(item)]);
    // York answers the Approaching Standards set and plans the rest: Approaching Standards.
    for (const item of own) {
      if (item.approaching === 'no') {
        york.must(['plan', 'set', item.id, '--action', 'Train the team', '--owner', 'Ann Lee', '--due', '2022-05-31']);
      } else {
        york.must(['answer', item.id, valueFor(item)]);
      }
    }
    for (const id of assertions.filter((a) => !sharedAssertions.includes(a))) {
      leeds.must(['confirm', id]);
      york.must(['confirm', id]);
    }
    // Hull has answered nothing of its own.
    for (const store of [leeds, york, hull]) store.sync();

    browser = await launchBrowser();
    page = await newPage(browser);
    await signIn(page, hq.url, 'Priya Shah');
  }, { timeout: 300_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('previews three branches with the third one’s problems, then publishes the two that are ready', { timeout: 180_000 }, async () => {
    await visit(page, hq.url, `#/publish`);
    await page.locator('#publish-form').waitFor();
    // Signing off is not publishing on the NHS website, and the page says so before anything else.
    assert.match(await page.locator('.app-hand-off').innerText(), /must still be entered and published on the NHS Data Security and Protection Toolkit website/);
    assert.match(await page.locator('h1').innerText(), /Sign off/);

    // Nothing chosen: the error summary says so.
    await page.locator('#preview-button').click();
    await page.locator('.nhsuk-error-summary', { hasText: 'Select at least one site' }).waitFor();

    for (const ods of ['VLAXL', 'VM2B3', 'VN4C5']) await page.locator(`#publish-${ods}`).check();
    await page.locator('#preview-button').click();
    await page.locator('#preview-sites').waitFor();
    // 2021-22's deadline (30 June 2022) has passed: a warning, not a refusal.
    assert.match(await page.locator('.app-publish-warning').innerText(), /The 2021-22 deadline \(30 June 2022\) has passed/);
    assert.match(await page.locator('.app-hand-off').innerText(), /NHS Data Security and Protection Toolkit website/);
    assert.match(await page.locator('#ready-VLAXL').innerText(), /^Ready$/);
    assert.match(await page.locator('#ready-VM2B3').innerText(), /^Ready$/);
    assert.match(await page.locator('#ready-VN4C5').innerText(), /Not ready/);
    assert.match(await page.locator('.app-preview-status[data-ods="VLAXL"]').innerText(), /Standards Met/);
    assert.match(await page.locator('.app-preview-status[data-ods="VM2B3"]').innerText(), /Approaching Standards/);
    const hullProblems = await page.locator('#preview-VN4C5').innerText();
    assert.match(hullProblems, /Please complete mandatory requirement/);
    assert.match(hullProblems, /IT systems and devices/, 'the group is shown');
    assert.equal(await page.locator('#publish-confirm').count(), 0, 'no publish button while a site is not ready');
    await screenshot(page, 'publish-preview');

    await page.locator('#preview-ready-only').click();
    await page.locator('#publish-confirm').waitFor();
    assert.equal(await page.locator('#preview-sites tbody tr').count(), 2);
    await page.locator('#publish-confirm').click();
    await page.locator('.nhsuk-panel', { hasText: 'Signed off 2 sites' }).waitFor();
    assert.match(await page.locator('.app-hand-off').innerText(), /www\.dsptoolkit\.nhs\.uk/);
    const sites = await page.locator('#publication-sites').innerText();
    assert.match(sites, /Leeds \(VLAXL\)[\s\S]*21\/22 Standards Met/);
    assert.match(sites, /York \(VM2B3\)[\s\S]*21\/22 Approaching Standards/);
    assert.doesNotMatch(sites, /VN4C5/);
    await screenshot(page, 'publication');

    const certificateHref = await page.locator('#certificate-VLAXL').getAttribute('href');
    const certificate = await page.request.get(`${hq.url}${certificateHref}`);
    assert.equal(certificate.status(), 200);
    assert.match(certificate.headers()['content-type'], /text\/html/);
    const html = await certificate.text();
    for (const expected of ['Acme Care Group', 'Leeds', 'VLAXL', '21/22 Standards Met', 'own record', 'not the NHS publication']) assert.ok(html.includes(expected), expected);
    assert.ok(!html.includes('#005eb8'), 'no NHS blue on the sign-off record');

    const publications = hq.must(['publications']).publications;
    assert.equal(publications.length, 1);
    assert.deepEqual(publications[0].sites.map((site) => site.ods).sort(), ['VLAXL', 'VM2B3']);
    assert.equal(publications[0].published_by, 'Priya Shah');

    // The public look-up: Hull is still not published.
    const lookup = await fetch(`${hq.url}/status/VN4C5`, { signal: AbortSignal.timeout(10_000) });
    const looked = await lookup.json();
    assert.equal(looked.status, 'Not Published');
    assert.match(looked.record, /own record .* not the NHS publication/);

    // The list of publications links to it.
    await visit(page, hq.url, `#/publications`);
    await page.locator('a', { hasText: `Sign-off ${publications[0].id}` }).waitFor();
    // The dashboard shows the latest publication per site.
    await visit(page, hq.url, `#/dashboard`);
    await page.locator('#sites').waitFor();
    assert.match(await page.locator('#sites tr', { hasText: 'Leeds' }).innerText(), /21\/22 Standards Met/);
    assert.match(await page.locator('#sites tr', { hasText: 'Hull' }).innerText(), /Not signed off/);
    // No page carries the NHS logo (the NHS identity is for NHS bodies).
    assert.equal(await page.locator('.nhsuk-header__logo, svg[aria-label="NHS"]').count(), 0);
    assert.deepEqual(page.problems, []);
  });

  it('records Leeds’s publication on the NHS website, which the dashboard and the look-up then show', { timeout: 120_000 }, async () => {
    const signOff = hq.must(['publications']).publications[0];
    await visit(page, hq.url, `#/publications/${signOff.id}`);
    await page.locator('#record-nhs-VLAXL').click();
    await page.locator('#nhs-publication-form').waitFor();
    // Filled from the sign-off: the site, the year and the status signed off.
    assert.equal(await page.locator('#site').inputValue(), 'VLAXL');
    assert.equal(await page.locator('#year').inputValue(), '2021-22');
    assert.ok(await page.locator('input[name="status"][value="met"]').isChecked());

    // No date: said here. A date in the future: the server refuses, naming the date.
    await page.locator('#record-nhs-publication').click();
    await page.locator('.nhsuk-error-summary', { hasText: 'Enter the date the NHS website shows' }).waitFor();
    await page.locator('#publishedOn-day').fill('20');
    await page.locator('#publishedOn-month').fill('6');
    await page.locator('#publishedOn-year').fill('2099');
    await page.locator('#record-nhs-publication').click();
    const summary = page.locator('.nhsuk-error-summary', { hasText: 'is in the future' });
    await summary.waitFor();
    assert.equal(await summary.locator('a').first().getAttribute('href'), '#publishedOn-day');
    assert.equal(hq.must(['publications']).nhs_publications.length, 0, 'nothing recorded');

    await page.locator('#publishedOn-year').fill('2022');
    await page.locator('#record-nhs-publication').click();
    await page.locator('.nhsuk-notification-banner', { hasText: 'Recorded: Leeds is published on the NHS website as 21/22 Standards Met' }).waitFor();
    assert.equal(await page.locator('#nhs-publication-warnings').count(), 0, 'as signed off, before the deadline: nothing to check');
    assert.match(await page.locator('#nhs-publications').innerText(), /Leeds \(VLAXL\)[\s\S]*2021-22[\s\S]*21\/22 Standards Met[\s\S]*20 June 2022[\s\S]*Priya Shah/);
    await screenshot(page, 'nhs-publication-recorded');

    const looked = await (await fetch(`${hq.url}/status/VLAXL`, { signal: AbortSignal.timeout(10_000) })).json();
    assert.equal(looked.source, 'nhs_website');
    assert.equal(looked.published, '2022-06-20');
    await visit(page, hq.url, '#/dashboard');
    await page.locator('#sites').waitFor();
    assert.match(await page.locator('.app-nhs-published[data-ods="VLAXL"]').innerText(), /21\/22 Standards Met[\s\S]*2022-06-20/);
    assert.match(await page.locator('#sites tr', { hasText: 'York' }).innerText(), /Not recorded/);
    assert.deepEqual(page.problems, []);
  });

  it('lays Leeds’s assessment out in the toolkit’s order, with what to tick, paste and confirm', { timeout: 120_000 }, async () => {
    const signOff = hq.must(['publications']).publications[0];
    await visit(page, hq.url, `#/publications/${signOff.id}`);
    await page.locator('#toolkit-VLAXL').click();
    await page.locator('.app-toolkit-item').first().waitFor();
    assert.match(await page.locator('h1').innerText(), /Copy into the NHS toolkit/);
    assert.equal(await page.locator('#toolkit-gaps').count(), 0, 'Leeds has answered and confirmed everything');

    // Every item once, in the toolkit's order: 1.1.1, 1.1.2 ... 1.10.1 after 1.9.x.
    const order = await page.locator('.app-toolkit-item').evaluateAll((nodes) => nodes.map((node) => node.dataset.item));
    const byReference = (a, b) => {
      const left = a.split('.').map(Number);
      const right = b.split('.').map(Number);
      for (let i = 0; i < 3; i += 1) if (left[i] !== right[i]) return left[i] - right[i];
      return 0;
    };
    assert.deepEqual(order, [...order].sort(byReference));
    const assessment = await (await page.request.get(`${hq.url}/api/assessment/VLAXL`)).json();
    const items = assessment.groups.flatMap((group) => group.items);
    assert.equal(order.length, items.length);

    // A yes/no item says what to tick; a text answer is there to paste, with a Copy button.
    const yesNo = items.find((item) => item.type === 'yes_no');
    assert.match(await page.locator(`#toolkit-${yesNo.id.replaceAll('.', '-')}`).innerText(), /Tick Yes/);
    const text = items.find((item) => item.type === 'text' && item.id !== '1.1.1');
    const block = page.locator(`#toolkit-${text.id.replaceAll('.', '-')}`);
    assert.ok((await block.locator('.app-toolkit-paste').innerText()).length > 0);
    await block.locator('button', { hasText: 'Copy' }).first().click();
    await block.locator('button', { hasText: /Copied|Selected/ }).first().waitFor();
    // Each assertion ends with its confirmation.
    assert.ok(await page.locator('.app-toolkit-confirm', { hasText: 'Tick Confirm' }).count() > 0);
    assert.equal(await page.locator('.app-toolkit-confirm', { hasText: 'Not confirmed' }).count(), 0);

    // The same walk-through as a text file: every item once, in the same order, with what to tick.
    const saver = await newPage(browser, { acceptDownloads: true });
    let file = '';
    try {
      await signIn(saver, hq.url, 'Priya Shah');
      await visit(saver, hq.url, '#/assessment/VLAXL/toolkit');
      const { download, bytes } = await downloadFrom(saver, '#toolkit-download');
      assert.match(download.suggestedFilename(), /^toolkit-VLAXL-\d{4}-\d{2}\.txt$/);
      file = bytes.toString('utf8');
    } finally {
      await saver.context().close();
    }
    const listed = [...file.matchAll(/^ {2}(\d+\.\d+\.\d+) /gm)].map((match) => match[1]);
    assert.deepEqual(listed, order);
    assert.match(file, new RegExp(`${yesNo.id.replaceAll('.', '\\.')} [^\\n]*\\r\\n {4}Tick: Yes`));
    assert.match(file, /Tick Confirm \(confirmed by /);
    assert.doesNotMatch(file, /NOT ANSWERED|NOT CONFIRMED/);
    await screenshot(page, 'toolkit-copy');
    assert.deepEqual(page.problems, []);
  });
});
