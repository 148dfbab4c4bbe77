// Head office's web app in a real browser against a real `dsptsync-server serve`: signing in, answering
// a shared item, a branch laptop's offline edit arriving, resolving a conflict, downloads, what a
// viewer may do, and people and devices.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot, byId, apiFromPage, PASSWORDS,
  downloadFrom,
} from './helpers.mjs';

const skip = missing();

describe('head office web app', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let leeds;
  let leedsSecond;
  let browser;
  let page;
  let root;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addBranch('VM2B3', 'York');
    hq.addBranch('VN4C5', 'Hull');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    hq.addUser('Val Viewer', 'viewer', PASSWORDS['Val Viewer']);
    await hq.start();
    leeds = hq.enrol('Sam Patel', 'admin', 'VLAXL', path.join(root, 'leeds'));
    leedsSecond = hq.enrol('Sam Patel', 'admin', 'VLAXL', path.join(root, 'leeds-second'));
    browser = await launchBrowser();
    page = await newPage(browser, { acceptDownloads: true });
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('signs in: a wrong password shows the error summary, the right one the dashboard', { timeout: 120_000 }, async () => {
    await page.goto(`${hq.url}/`);
    await page.locator('h1', { hasText: 'Sign in to DSPT sync' }).waitFor();
    assert.match(await page.locator('.nhsuk-header__service-name').innerText(), /DSPT sync/);
    await screenshot(page, 'sign-in');

    await page.locator('#signin-button').click();
    const summary = page.locator('.nhsuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /Enter your name/);
    assert.match(await summary.innerText(), /Enter your password/);

    await page.locator('#user').fill('Priya Shah');
    await page.locator('#password').fill('not the password');
    await page.locator('#signin-button').click();
    await page.waitForFunction(() => /not right|wrong|incorrect|password/i.test(document.querySelector('.nhsuk-error-summary')?.innerText || '')
      && !/Enter your name/.test(document.querySelector('.nhsuk-error-summary')?.innerText || ''));
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('nhsuk-error-summary')), 'focus moves to the error summary');
    assert.match(await page.title(), /^Error: /);
    assert.equal(await page.locator('.nhsuk-form-group--error .nhsuk-error-message').count(), 1, 'the field shows the message too');
    await screenshot(page, 'sign-in-error');

    await page.locator('#password').fill(PASSWORDS['Priya Shah']);
    await page.locator('#signin-button').click();
    await page.locator('#sites').waitFor();
    assert.ok(await page.evaluate(() => document.activeElement?.tagName === 'H1'), 'focus moves to the page heading');
    const rows = page.locator('#sites tbody tr');
    assert.equal(await rows.count(), 4, 'head office and three branches');
    for (const ods of ['A1B2', 'VLAXL', 'VM2B3', 'VN4C5']) {
      assert.match(await page.locator(`.app-site-status[data-ods="${ods}"]`).innerText(), /Standards Not Met/);
    }
    assert.match(await rows.nth(1).innerText(), /0 of 42/);
    assert.equal(await page.locator('#sites progress').count(), 4);
    assert.match(await page.locator('#account-user').innerText(), /Priya Shah/);
    await screenshot(page, 'dashboard', { fullPage: true });
    assert.deepEqual(page.problems, []);
  });

  it('answers a shared item at head office, and the branch receives it', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/assessment/A1B2`);
    const item = page.locator(byId('item-1.1.1'));
    await item.waitFor();
    assert.match(await item.innerText(), /Shared by head office/);
    await page.locator(byId('answer-1.1.1')).fill('ZA123456');
    await page.locator(byId('comment-1.1.1')).fill('Renewed each March');
    await page.locator(byId('save-1.1.1')).click();
    await page.locator(byId('item-1.1.1-status'), { hasText: 'Saved 1.1.1' }).waitFor();
    assert.match(await page.locator(byId('item-1.1.1')).innerText(), /Completed/);
    assert.match(await page.locator(byId('item-1.1.1')).innerText(), /Answer last changed by Priya Shah/);

    // A yes/no shared item, with the radios.
    await page.locator(byId('answer-2.1.1')).check();
    await page.locator(byId('save-2.1.1')).click();
    await page.locator(byId('item-2.1.1-status'), { hasText: 'Saved 2.1.1' }).waitFor();

    // Nothing changed: nothing is sent.
    await page.locator(byId('save-2.1.1')).click();
    await page.locator(byId('item-2.1.1-status'), { hasText: 'Nothing to save' }).waitFor();

    // A number the type does not take is stopped with the error summary, before anything is sent.
    const numberItem = await page.evaluate(() => document.querySelector('.app-item input[inputmode="decimal"]')?.id || null);
    if (numberItem) {
      await page.locator(byId(numberItem)).fill('twelve');
      await page.locator(byId(numberItem.replace('answer-', 'save-'))).click();
      await page.locator('.nhsuk-error-summary', { hasText: 'must be a number' }).waitFor();
      await page.locator(byId(numberItem)).fill('');
    }

    await page.setViewportSize({ width: 1280, height: 2200 });
    await page.locator(byId('item-1.1.1')).scrollIntoViewIfNeeded();
    await page.evaluate(() => window.scrollTo(0, 0));
    await screenshot(page, 'assessment');
    await page.setViewportSize({ width: 1280, height: 900 });

    leeds.sync();
    const shown = leeds.must(['show', '1.1.1']);
    assert.equal(shown.answer.text, 'ZA123456');
    assert.equal(shown.last_changed.user, 'Priya Shah');
    assert.equal(leeds.must(['show', '2.1.1']).answer.text, 'yes');
    assert.deepEqual(page.problems, []);
  });

  it("shows a branch laptop's offline edit in head office's view once synced", { timeout: 120_000 }, async () => {
    leeds.must(['answer', '7.3.4', 'yes', '--comment', 'Restore tested in May']);
    leeds.must(['answer', '1.3.12', 'Staff sign the confidentiality code at induction']);
    leeds.sync();

    await visit(page, hq.url, `#/assessment/VLAXL`);
    const item = page.locator(byId('item-7.3.4'));
    await item.waitFor();
    assert.ok(await page.locator(byId('answer-7.3.4')).isChecked(), 'Yes is chosen');
    assert.equal(await page.locator(byId('comment-7.3.4')).inputValue(), 'Restore tested in May');
    assert.match(await item.innerText(), /Answer last changed by Sam Patel/);
    assert.match(await item.innerText(), /Completed/);
    assert.equal(await page.locator(byId('answer-1.3.12')).inputValue(), 'Staff sign the confidentiality code at induction');
    // Head office's shared answer is part of the branch's effective assessment, read-only here.
    assert.match(await page.locator(byId('item-1.1.1')).innerText(), /ZA123456/);

    // Filters work on the loaded data.
    await page.locator('#filter-completed').selectOption('yes');
    const visible = await page.locator('.app-item:visible').evaluateAll((items) => items.map((el) => el.dataset.item));
    assert.ok(visible.includes('7.3.4') && visible.includes('1.1.1') && !visible.includes('9.5.2'), visible.join(','));
    await page.locator('#clear-filters').click();
    assert.equal(await page.locator('.app-item:visible').count(), 42);

    await visit(page, hq.url, `#/dashboard`);
    await page.locator('#sites').waitFor();
    assert.match(await page.locator('#sites tbody tr').nth(1).innerText(), /4 of 42/);
  });

  it("plans an item for a branch and shows an item's history", { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/assessment/VLAXL/plan?item=9.5.2`);
    await page.locator(byId('plan-9.5.2')).waitFor();
    await page.locator(byId('action-9.5.2')).fill('Encrypt the two office laptops');
    await page.locator(byId('plan-owner-9.5.2')).fill('Ann Lee');
    await page.locator(byId('due-9.5.2-day')).fill('30');
    await page.locator(byId('due-9.5.2-month')).fill('13');
    await page.locator(byId('due-9.5.2-year')).fill('2022');
    await page.locator(byId('save-plan-9.5.2')).click();
    await page.locator('.nhsuk-error-summary', { hasText: 'must be a real date' }).waitFor();
    await page.locator(byId('due-9.5.2-month')).fill('9');
    await page.locator(byId('state-9.5.2')).selectOption('in_progress');
    await page.locator(byId('save-plan-9.5.2')).click();
    await page.locator(byId('plan-9.5.2-status'), { hasText: 'Saved the plan for 9.5.2' }).waitFor();
    assert.equal(await page.locator('.nhsuk-error-summary').count(), 0);

    leeds.sync();
    const line = leeds.must(['plan', 'list']).plan.find((entry) => entry.item === '9.5.2');
    assert.deepEqual([line.action, line.owner, line.due, line.state], ['Encrypt the two office laptops', 'Ann Lee', '2022-09-30', 'in_progress']);

    await visit(page, hq.url, `#/assessment/VLAXL/history/7.3.4`);
    const history = await page.locator('table').innerText();
    assert.match(history, /Sam Patel/);
    assert.match(history, /Restore tested in May/);
  });

  it('resolves a conflict made by two offline edits of the same branch field', { timeout: 120_000 }, async () => {
    leeds.sync();
    leedsSecond.sync();
    leeds.must(['answer', '7.3.2', 'yes']);
    leedsSecond.must(['answer', '7.3.2', 'no']);
    leeds.sync();
    leedsSecond.sync();

    await visit(page, hq.url, `#/conflicts`);
    const section = page.locator('.app-conflict[data-target="7.3.2"]');
    await section.waitFor();
    const cards = section.locator('.app-conflict__card');
    assert.equal(await cards.count(), 2);
    const texts = await cards.locator('.app-conflict__text').allInnerTexts();
    assert.deepEqual([...texts].sort(), ['No', 'Yes']);
    // One person's two laptops: the sentence counts his devices, not people (conflict.h).
    assert.match(await section.innerText(), /Two of Sam Patel's devices gave different answers to 7\.3\.2/);
    assert.match(await section.innerText(), /By Sam Patel/);
    assert.match(await section.innerText(), /Shown meanwhile/);
    await screenshot(page, 'conflicts');

    const keep = cards.filter({ has: page.locator('.app-conflict__text', { hasText: /^No$/ }) }).getByRole('button', { name: /Keep this one/ });
    await keep.click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Kept the value' }).waitFor();
    assert.equal(await page.locator('.app-conflict[data-target="7.3.2"]').count(), 0);

    const assessment = await apiFromPage(page, 'GET', '/api/assessment/VLAXL');
    const resolved = assessment.body.groups.flatMap((group) => group.items).find((entry) => entry.id === '7.3.2');
    assert.equal(resolved.answer.value, 'no');
    assert.equal(resolved.answer.conflict, false);
    leeds.sync();
    assert.equal(leeds.must(['conflicts']).count, 0);
    assert.equal(leeds.must(['show', '7.3.2']).answer.text, 'no');
    assert.deepEqual(page.problems, []);
  });

  it('downloads the assessment as an Excel workbook', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/downloads`);
    const { download, bytes } = await downloadFrom(page, '#download-VLAXL-xlsx');
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a zip file');
    assert.ok(bytes.includes(Buffer.from('xl/worksheets/sheet1.xml')), 'with a worksheet');
    assert.ok(bytes.includes(Buffer.from('xl/workbook.xml')));
    assert.match(download.suggestedFilename(), /\.xlsx$/);

    const csv = await page.request.get(`${hq.url}/api/export?scope=VLAXL&format=csv`);
    assert.equal(csv.status(), 200);
    assert.match(await csv.text(), /7\.3\.4/);
  });

  it('keeps a viewer read-only: no form controls, and a forced change is refused', { timeout: 120_000 }, async () => {
    const viewer = await newPage(browser);
    try {
      await signIn(viewer, hq.url, 'Val Viewer');
      assert.equal(await viewer.locator('.nhsuk-header__navigation-link', { hasText: 'People and devices' }).count(), 0);
      for (const scope of ['A1B2', 'VLAXL']) {
        await visit(viewer, hq.url, `#/assessment/${scope}`);
        await viewer.locator(byId('item-1.1.1')).waitFor();
        await viewer.locator('.nhsuk-inset-text', { hasText: 'You are a viewer' }).waitFor();
        const controls = await viewer.locator('#items input, #items textarea, #items select, #items button, #assertions input, #assertions textarea, #assertions button').evaluateAll(
          (elements) => elements.filter((el) => !el.disabled).map((el) => el.id || el.outerHTML.slice(0, 60)),
        );
        assert.deepEqual(controls, [], `no enabled controls in ${scope}`);
        assert.match(await viewer.locator(byId('item-1.1.1')).innerText(), /ZA123456/);
      }
      const forced = await apiFromPage(viewer, 'PUT', '/api/assessment/A1B2/items/1.1.1', { answer: 'ZB000000' });
      assert.equal(forced.status, 403);
      assert.equal(forced.body.error.code, 'forbidden');
      const withoutToken = await apiFromPage(viewer, 'PUT', '/api/assessment/A1B2/items/1.1.1', { answer: 'ZB000000' }, { csrf: false });
      assert.equal(withoutToken.status, 403);
      await visit(viewer, hq.url, `#/conflicts`);
      await viewer.locator('h1', { hasText: 'Conflicts' }).waitFor();
      assert.equal(await viewer.getByRole('button', { name: /Keep this one/ }).count(), 0);
      assert.deepEqual(viewer.problems, []);
    } finally {
      await viewer.context().close();
    }
    leeds.sync();
    assert.equal(leeds.must(['show', '1.1.1']).answer.text, 'ZA123456', 'nothing changed');
  });

  it('invites someone (the code shown once) and revokes them after a confirmation', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/people`);
    await page.locator('#users').waitFor();
    assert.match(await page.locator('#users').innerText(), /Sam Patel/);
    await page.locator('#invite-user').fill('Bo Chen');
    await page.getByLabel('Member', { exact: true }).check();
    await page.locator('#invite-branch').selectOption('VN4C5');
    await page.locator('#invite-button').click();
    const code = (await page.locator('#invite-code').innerText()).trim();
    assert.match(code, /^[0-9a-f]{8}-[0-9a-f]+-[0-9a-f]{16}$/);
    await screenshot(page, 'people', { fullPage: true });

    const hull = hq.enrolWithCode(code, path.join(root, 'hull'), 'Bo Chen laptop');
    assert.equal(hull.must(['status']).user, 'Bo Chen');

    await visit(page, hq.url, `#/dashboard`);
    await page.locator('#sites').waitFor();
    await visit(page, hq.url, `#/people`);
    await page.locator('#users').waitFor();
    assert.equal(await page.locator('#invite-code').count(), 0, 'the code is not shown again');
    assert.match(await page.locator('#users tr', { hasText: 'Bo Chen' }).innerText(), /Bo Chen laptop/);

    await page.locator('#revoke-Bo_Chen').click();
    await page.locator('h1', { hasText: 'Are you sure you want to revoke Bo Chen?' }).waitFor();
    await page.locator('#revoke-confirm').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Bo Chen is revoked' }).waitFor();
    assert.match(await page.locator('#users tr', { hasText: 'Bo Chen' }).innerText(), /Revoked/);
    assert.equal(hull.cli(['sync'], { timeout: 30_000 }).code, 3, 'a revoked device cannot sync');
    assert.deepEqual(page.problems, []);
  });
});
