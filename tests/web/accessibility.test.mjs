// WCAG 2.1 AA, checked by a reader that is not ours: axe-core (Deque's rules engine) runs inside
// Chromium on every main page of the app, at head office and on a branch laptop, with real data
// (answers, a conflict, an override, a publication), and the test fails on any violation. axe
// finds what a machine can (labels, names, contrast, landmarks, ARIA, headings); keyboard use and
// focus order are covered by the flows in the other files.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, visit, signIn, PASSWORDS, repoRoot,
} from './helpers.mjs';

const skip = missing();
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));

// Runs axe on the page as it is drawn and returns its violations, one line each.
async function violations(page) {
  await page.addScriptTag({ path: require.resolve('axe-core/axe.min.js') });
  const found = await page.evaluate(async () => {
    const result = await window.axe.run(document, {
      runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa'] },
    });
    if (result.passes.length === 0) return ['axe checked nothing: the page was empty'];
    return result.violations.map((v) => `${v.id} (${v.impact}): ${v.help} at ${v.nodes.map((n) => n.target.join(' ')).slice(0, 5).join(', ')}`);
  });
  return found;
}

// A context that lets the test inject axe (the app's Content-Security-Policy forbids inline scripts,
// rightly; the app's own pages are unchanged by this).
async function auditPage(browser) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, bypassCSP: true });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  return page;
}

describe('accessibility (axe-core, WCAG 2.1 A and AA)', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let leeds;
  let browser;
  let root;
  let docId;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addBranch('VM2B3', 'York');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    // Real data on the pages: a shared answer, a branch's answers, an override, a conflict, a plan line.
    hq.must(['answer', '1.1.1', 'ZA123456', '--comment', 'Renewed each March']);
    leeds = hq.enrol('Sam Patel', 'admin', 'VLAXL', path.join(root, 'leeds'));
    const second = hq.enrol('Ann Lee', 'member', 'VLAXL', path.join(root, 'leeds-second'));
    leeds.must(['answer', '1.3.12', 'Laptops are encrypted']);
    leeds.must(['override', '1.3.1', '--reason', 'Leeds follows the council policy']);
    leeds.must(['answer', '3.2.1', 'yes']);
    second.must(['answer', '3.2.1', 'no']);
    leeds.must(['plan', 'set', '9.5.2', '--action', 'Encrypt the office laptops', '--owner', 'Ann Lee', '--due', '2022-09-30']);
    // A shared policy due for review within the month, so its warning is on the pages.
    const pdf = path.join(root, 'Data protection policy.pdf');
    fs.writeFileSync(pdf, '%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
    const soon = new Date(Date.now() + 10 * 24 * 60 * 60 * 1000).toISOString().slice(0, 10);
    docId = hq.must(['doc', 'add', pdf, '--title', 'Data protection policy', '--kind', 'policy', '--owner', 'Priya Shah', '--review', soon]).document.id;
    leeds.sync();
    second.sync();
    browser = await launchBrowser();
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('head office pages have no WCAG 2.1 AA violations axe can find', { timeout: 240_000 }, async () => {
    const page = await auditPage(browser);
    await page.goto(`${hq.url}/`);
    await page.locator('#user').waitFor();
    const problems = [];
    problems.push(...(await violations(page)).map((v) => `#/signin: ${v}`));

    // The sign-in form with its error summary.
    await page.locator('#signin-button').click();
    await page.locator('.nhsuk-error-summary').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/signin (errors): ${v}`));

    // The check can fail: a form control with no label on the page is found.
    await page.evaluate(() => document.querySelector('main').append(Object.assign(document.createElement('input'), { id: 'unlabelled' })));
    assert.ok((await violations(page)).some((v) => v.startsWith('label') && v.includes('#unlabelled')));

    await signIn(page, hq.url, 'Priya Shah');
    for (const hash of ['#/dashboard', '#/assessment/A1B2', '#/assessment/VLAXL', '#/assessment/VLAXL/plan',
      '#/assessment/VLAXL/history/1.3.12', '#/conflicts', '#/publish', '#/publications', '#/downloads', '#/people',
      '#/question-sets', '#/incidents', '#/incidents/new', '#/assessment/VLAXL/toolkit', '#/publications/nhs/new',
      '#/branches', '#/branches/VM2B3/rename', '#/branches/VM2B3/remove', '#/profile',
      '#/people/add', '#/people/role/Sam%20Patel', '#/people/reset/Sam%20Patel', '#/library', '#/library/new',
      `#/library/${docId}`, `#/library/${docId}/version`, `#/set-password/${'0'.repeat(64)}`]) {
      await visit(page, hq.url, hash);
      problems.push(...(await violations(page)).map((v) => `${hash}: ${v}`));
      // No page carries the NHS logo: the NHS identity is reserved for NHS bodies.
      if (await page.locator('.nhsuk-header__logo, svg[aria-label="NHS"]').count()) problems.push(`${hash}: the NHS logo`);
    }
    // The set-password page with its error summary, and the one-time link as shown once.
    await page.locator('#set-password-button').click();
    await page.locator('.nhsuk-error-summary').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/set-password (errors): ${v}`));
    await visit(page, hq.url, '#/people/reset/Sam%20Patel');
    await page.locator('#reset-confirm').click();
    await page.locator('#password-link').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/people/reset (link shown): ${v}`));
    // The roll-forward's preview, and the profile's error summary.
    await visit(page, hq.url, '#/question-sets');
    await page.locator('#rollforward-preview').click();
    await page.locator('#rollforward').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/question-sets (roll-forward preview): ${v}`));
    await visit(page, hq.url, '#/profile');
    await page.locator('#save-profile').click();
    await page.locator('.nhsuk-error-summary').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/profile (nothing changed): ${v}`));
    // The upload form with the service's refusal in its error summary.
    await visit(page, hq.url, '#/library/new');
    await page.locator('#title').fill('Visitors policy');
    await page.locator('#kind').selectOption('policy');
    await page.locator('#file').setInputFiles({ name: 'visitors.html', mimeType: 'text/html', buffer: Buffer.from('<html><body>x</body></html>') });
    await page.locator('#save-document').click();
    await page.locator('.nhsuk-error-summary').waitFor();
    problems.push(...(await violations(page)).map((v) => `#/library/new (refused): ${v}`));
    assert.deepEqual(problems, [], problems.join('\n'));
  });

  it('the branch laptop\'s pages have none either', { timeout: 240_000 }, async () => {
    const ui = await leeds.startUi();
    try {
      const page = await auditPage(browser);
      await page.goto(ui.url);
      await page.locator('#sync-state').waitFor();
      const problems = (await violations(page)).map((v) => `branch #/dashboard: ${v}`);
      for (const hash of ['#/assessment/VLAXL', '#/conflicts', '#/downloads', '#/library', '#/library/new', `#/library/${docId}`]) {
        await visit(page, ui.origin, hash);
        problems.push(...(await violations(page)).map((v) => `branch ${hash}: ${v}`));
      }
      assert.deepEqual(problems, [], problems.join('\n'));
    } finally {
      await leeds.stopUi();
    }
  });
});
