// Incidents in a real browser: head office records one through the form (the error summary first),
// sees its grade and its 72-hour clock, records the ICO's reference and closes it; a branch laptop's
// overdue incident arrives by sync and heads the list; the assessment's incident items count them;
// the laptop's own web app (`dsptsync ui`) records one offline.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot, byId, apiFromPage, PASSWORDS,
} from './helpers.mjs';

const skip = missing();
const HOUR_MS = 60 * 60 * 1000;

// A moment as UK local time, in the pieces the form asks for.
function ukLocal(ms) {
  const parts = Object.fromEntries(new Intl.DateTimeFormat('en-GB', {
    timeZone: 'Europe/London', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23',
  }).formatToParts(new Date(ms)).map((part) => [part.type, part.value]));
  return { day: parts.day, month: parts.month, year: parts.year, time: `${parts.hour}:${parts.minute}`, text: `${parts.year}-${parts.month}-${parts.day} ${parts.hour}:${parts.minute}` };
}

async function fillTime(page, idPrefix, ms) {
  const local = ukLocal(ms);
  await page.locator(`#${idPrefix}-day`).fill(local.day);
  await page.locator(`#${idPrefix}-month`).fill(local.month);
  await page.locator(`#${idPrefix}-year`).fill(local.year);
  await page.locator(`#${idPrefix}-time`).fill(local.time);
}

async function errorSummary(page) {
  const summary = page.locator('.nhsuk-error-summary');
  await summary.waitFor();
  return summary;
}

describe('incidents in the web app', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let leeds;
  let browser;
  let page;
  let root;
  let recordedId;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addBranch('VM2B3', 'York');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    leeds = hq.enrol('Sam Patel', 'member', 'VLAXL', path.join(root, 'leeds'));
    browser = await launchBrowser();
    page = await newPage(browser);
    await signIn(page, hq.url, 'Priya Shah');
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('refuses an incomplete or impossible incident with the error summary, recording nothing', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/incidents');
    assert.match(await page.locator('#incident-count').innerText(), /No incidents/);
    await page.locator('#record-incident').click();
    await page.locator('#incident-form').waitFor();
    await screenshot(page, 'incident-form', { fullPage: true });

    // Nothing typed: the server names the first detail a new incident needs, and the summary links to it.
    await page.locator('#save-incident').click();
    let summary = await errorSummary(page);
    assert.match(await summary.innerText(), /what_happened: this is needed/);
    assert.equal(await summary.locator('a').getAttribute('href'), '#whatHappened');
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('nhsuk-error-summary')), 'focus on the summary');
    assert.match(await page.title(), /^Error: /);

    // Found before it happened.
    const now = Date.now();
    await page.locator('#scope').selectOption('VLAXL');
    await page.locator('#whatHappened').fill("A carer's phone with the rota and key-safe codes was stolen from a car");
    await fillTime(page, 'happenedAt', now - 20 * HOUR_MS);
    await fillTime(page, 'foundAt', now - 30 * HOUR_MS);
    await page.locator('#category').check();
    await page.locator('#save-incident').click();
    await page.waitForFunction(() => /before it happened/.test(document.querySelector('.nhsuk-error-summary')?.innerText || ''));
    summary = page.locator('.nhsuk-error-summary');
    assert.equal(await summary.locator('a').getAttribute('href'), '#foundAt-day');
    assert.equal(await page.locator('#foundAt-day').getAttribute('aria-describedby') !== null, true);

    // A time that is not a time, caught before anything is sent.
    await fillTime(page, 'happenedAt', now - 40 * HOUR_MS);
    await page.locator('#foundAt-time').fill('25:99');
    await page.locator('#save-incident').click();
    await page.waitForFunction(() => /24-hour clock/.test(document.querySelector('.nhsuk-error-summary')?.innerText || ''));
    assert.equal(await page.locator('.nhsuk-error-summary a').getAttribute('href'), '#foundAt-time');

    const listed = await apiFromPage(page, 'GET', '/api/incidents');
    assert.equal(listed.status, 200);
    assert.deepEqual(listed.body.incidents, [], 'nothing was recorded');
    assert.deepEqual(page.problems, []);
  });

  it('records a reportable incident: its grade says why, and the clock shows the time left', { timeout: 120_000 }, async () => {
    const now = Date.now();
    await fillTime(page, 'foundAt', now - 30 * HOUR_MS);
    await page.locator('#foundBy').fill('Branch manager');
    await page.locator('#kind').selectOption('lost_or_stolen');
    await page.locator('#peopleAffected').fill('40');
    await page.locator('#vulnerableGroups').check();
    await page.locator('#dataInvolved').fill('Names, addresses, key-safe codes');
    await page.locator('#containment').fill('Key-safe codes changed; phone wiped remotely');
    await page.locator('#likelihood-3').check();
    await page.locator('#severity-3').check();
    await page.locator('#save-incident').click();

    const banner = page.locator('.nhsuk-notification-banner--success');
    await banner.waitFor();
    const heading = await page.locator('h1').innerText();
    recordedId = /INC-[0-9A-F]{8}/.exec(heading)?.[0];
    assert.ok(recordedId, `the incident page names its id: ${heading}`);
    assert.match(await banner.innerText(), new RegExp(`Recorded incident ${recordedId}`));
    assert.match(heading, /Leeds \(VLAXL\)/);
    assert.match(await page.locator('#incident-grade').innerText(), /Likely × Adverse effect.*Information Commissioner/);
    assert.match(await page.locator('#incident-clock').innerText(), /^4[12] hours left$/);
    assert.match(await page.locator('#incident-deadline').innerText(), /Report it by .* (GMT|BST) \(4[12] hours left\)/);
    assert.match(await page.locator('#incident-state').innerText(), /Open/);
    await screenshot(page, 'incident', { fullPage: true });

    // The list: the time left as a tag; the dashboard: one to report at Leeds.
    await visit(page, hq.url, '#/incidents');
    const row = page.locator('#incidents tbody tr', { has: page.locator(`#incident-${recordedId}`) });
    assert.match(await row.innerText(), /4[12] hours left/);
    assert.match(await row.innerText(), /Reportable/);
    assert.equal(await row.locator('.nhsuk-tag--yellow').count(), 1);
    await screenshot(page, 'incidents', { fullPage: true });
    await visit(page, hq.url, '#/dashboard');
    assert.match(await page.locator('#dashboard-incidents').innerText(), /72 hours/);
    assert.equal(await page.locator('.app-site-incidents[data-ods="VLAXL"]').getAttribute('data-to-report'), '1');
    assert.equal(await page.locator('.app-site-incidents[data-ods="VM2B3"]').getAttribute('data-to-report'), '0');
    assert.deepEqual(page.problems, []);
  });

  it("a branch laptop's overdue incident arrives by sync and heads the list", { timeout: 120_000 }, async () => {
    const now = Date.now();
    const added = leeds.must(['incident', 'add', '--what', 'A care plan was emailed to the wrong family',
      '--happened', ukLocal(now - 90 * HOUR_MS).text, '--found', ukLocal(now - 80 * HOUR_MS).text,
      '--category', 'confidentiality', '--likelihood', '5', '--severity', '2']);
    const overdueId = added.incident.id;
    assert.equal(added.incident.clock.overdue, true);
    leeds.sync();

    await visit(page, hq.url, '#/incidents');
    const first = page.locator('#incidents tbody tr').first();
    assert.match(await first.innerText(), new RegExp(overdueId));
    assert.match(await first.innerText(), /8 hours overdue|9 hours overdue/);
    assert.equal(await first.locator('.nhsuk-tag--red').count(), 1);
    assert.match(await page.locator('#incidents-to-report').innerText(), /1 is overdue/);

    // The assessment's questions about breaches count Leeds's incidents of the year; York has none.
    await visit(page, hq.url, '#/assessment/VLAXL');
    const notice = page.locator(byId('item-6.1.2-incidents'));
    assert.match(await notice.innerText(), /Incidents this year: 2 \(2 open, 0 reported to the ICO\)/);
    await visit(page, hq.url, '#/assessment/VM2B3');
    assert.match(await page.locator(byId('item-6.1.2-incidents')).innerText(), /No incidents recorded this year/);

    // The Downloads page: Leeds's incidents as CSV hold both; York's hold neither.
    await visit(page, hq.url, '#/downloads');
    const download = async (ods) => {
      const href = await page.locator(`#download-${ods}-incidents-csv`).getAttribute('href');
      const response = await page.request.get(`${hq.url}${href}`);
      assert.equal(response.status(), 200);
      return response.text();
    };
    const leedsCsv = await download('VLAXL');
    assert.ok(leedsCsv.includes(recordedId) && leedsCsv.includes(overdueId), leedsCsv);
    const yorkCsv = await download('VM2B3');
    assert.ok(!yorkCsv.includes(recordedId) && !yorkCsv.includes(overdueId), yorkCsv);
  });

  it('records the ICO reference (a wrong one is refused), then closes the incident with its lessons', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/incidents/${recordedId}`);
    await page.locator('summary', { hasText: 'Record that it was reported' }).click();
    await page.locator('#icoReference').fill('123');
    await page.locator('#record-reported').click();
    const summary = await errorSummary(page);
    assert.match(await summary.innerText(), /is not a reference of/);
    assert.equal(await summary.locator('a').getAttribute('href'), '#icoReference');
    assert.match(await page.locator('#incident-state').innerText(), /Open/, 'nothing changed');

    await page.locator('#icoReference').fill('IC-123456-A1B2');
    await page.locator('#record-reported').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'reported to the ICO' }).waitFor();
    assert.match(await page.locator('#incident-state').innerText(), /Reported to the ICO/);
    assert.equal(await page.locator('#incident-clock').count(), 0, 'no clock once reported');

    await page.locator('summary', { hasText: 'Close the incident' }).click();
    await page.locator('#close-incident').click();
    await page.waitForFunction(() => /lessons_learned/.test(document.querySelector('.nhsuk-error-summary')?.innerText || ''));
    assert.equal(await page.locator('.nhsuk-error-summary a').getAttribute('href'), '#lessonsLearned');
    await page.locator('#lessonsLearned').fill('Rotas no longer kept on personal phones');
    await page.locator('#close-incident').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Closed the incident' }).waitFor();
    assert.match(await page.locator('#incident-state').innerText(), /Closed/);

    // Every change is in its history, by who made it.
    await page.locator('a', { hasText: 'Every change to this incident' }).click();
    await page.locator('h1', { hasText: `History of ${recordedId}` }).waitFor();
    const history = await page.locator('table').innerText();
    assert.match(history, /ico_reference/);
    assert.match(history, /lessons_learned/);
    assert.match(history, /Priya Shah/);

    // The branch sees head office's reference at its next sync.
    leeds.sync();
    const shown = leeds.must(['incident', 'show', recordedId]);
    assert.equal(shown.incident.ico_reference, 'IC-123456-A1B2');
    assert.equal(shown.incident.state, 'closed');
    assert.deepEqual(page.problems, []);
  });

  it("records an incident offline in the laptop's own web app", { timeout: 180_000 }, async () => {
    await hq.stop();
    const ui = await leeds.startUi();
    const laptop = await newPage(browser);
    try {
      await laptop.goto(ui.url);
      await laptop.locator('#sync-state').waitFor();
      await visit(laptop, ui.origin, '#/incidents/new');
      assert.equal(await laptop.locator('#scope').count(), 0, 'a laptop records for its own branch only');
      const now = Date.now();
      await laptop.locator('#whatHappened').fill('A folder of records was left in a client\'s house');
      await fillTime(laptop, 'happenedAt', now - 3 * HOUR_MS);
      await fillTime(laptop, 'foundAt', now - 2 * HOUR_MS);
      await laptop.locator('#category-3').check();
      await laptop.locator('#save-incident').click();
      await laptop.locator('.nhsuk-notification-banner--success').waitFor();
      assert.match(await laptop.locator('#incident-grade').innerText(), /Not graded yet/);
      // A member changes details but does not close: the page says who does.
      assert.equal(await laptop.locator('#close-form').count(), 0);
      assert.match(await laptop.locator('main').innerText(), /An administrator records the ICO's reference/);
      const list = await leeds.must(['incident', 'list']);
      assert.equal(list.incidents.length, 3);
      assert.deepEqual(laptop.problems, []);
    } finally {
      await laptop.context().close();
      await leeds.stopUi();
    }
  });
});
