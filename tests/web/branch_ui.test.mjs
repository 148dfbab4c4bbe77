// A branch laptop's web app (`dsptsync ui`) with head office out of reach: the one-time sign-in
// link, answering an item offline, the edit waiting to sync, "Sync now" failing clearly, then
// syncing once head office is back.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, screenshot, byId, PASSWORDS, stopProcess,
} from './helpers.mjs';

const skip = missing();

describe('branch laptop web app (dsptsync ui)', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let leeds;
  let browser;
  let page;
  let ui;
  let port;
  let root;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    port = hq.port;
    leeds = hq.enrol('Sam Patel', 'admin', 'VLAXL', path.join(root, 'leeds'));
    hq.must(['answer', '1.1.1', 'ZA123456']);
    leeds.sync();
    await hq.stop();  // head office is out of reach from now on
    ui = await leeds.startUi();
    browser = await launchBrowser();
    page = await newPage(browser);
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('signs in with the one-time link, which works once', { timeout: 60_000 }, async () => {
    assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/signin\?token=[0-9A-Za-z_-]+$/);
    await page.goto(ui.url);
    await page.locator('#sync-state').waitFor();
    assert.match(await page.locator('#account-user').innerText(), /Sam Patel/);
    // The laptop's own site (its name where the store knows it; an enrolled store may know only the code).
    assert.match(await page.locator('h1').innerText(), /VLAXL/);
    assert.equal(await page.locator('#sync-waiting').getAttribute('data-waiting'), '0');

    const stranger = await newPage(browser);
    try {
      // The link has been used: it signs nobody in again.
      await stranger.goto(ui.url);
      assert.match(await stranger.locator('h1').innerText(), /used|expired/i);
      // Without a session the app says how to sign in on a laptop: there is no password form.
      await stranger.goto(`${ui.origin}/`);
      await stranger.locator('h1', { hasText: 'Open the link dsptsync ui printed' }).waitFor();
      assert.equal(await stranger.locator('#user').count(), 0, 'no password form on a laptop');
      const session = await stranger.request.get(`${ui.origin}/api/session`);
      assert.equal(session.status(), 401);
    } finally {
      await stranger.context().close();
    }
  });

  it('answers an item offline; the change waits to sync, and Sync now says head office is out of reach', { timeout: 120_000 }, async () => {
    await visit(page, ui.origin, `#/assessment/VLAXL`);
    await page.locator(byId('item-7.3.4')).waitFor();
    // A shared item is head office's: read-only here, with the way to override.
    const shared = page.locator(byId('item-1.1.1'));
    assert.match(await shared.innerText(), /Shared by head office/);
    assert.match(await shared.innerText(), /ZA123456/);
    assert.equal(await shared.locator('form.app-item__form').count(), 0);
    assert.match(await shared.innerText(), /practice differs/);

    await page.locator(byId('answer-7.3.4')).check();
    await page.locator(byId('comment-7.3.4')).fill('Restore tested in May');
    await page.locator(byId('save-7.3.4')).click();
    await page.locator(byId('item-7.3.4-status'), { hasText: 'Saved 7.3.4' }).waitFor();
    await page.setViewportSize({ width: 1280, height: 1400 });
    await page.locator(byId('item-7.3.4')).scrollIntoViewIfNeeded();
    await screenshot(page, 'branch-ui-assessment');
    await page.setViewportSize({ width: 1280, height: 900 });

    // An assertion confirmed with its owner, as the branch's administrator.
    await page.locator(byId('owner-7.3')).fill('Sam Patel');
    await page.locator(byId('confirm-7.3')).check();
    await page.locator(byId('save-assertion-7.3')).click();
    // Items of 7.3 are still unanswered: asked once, naming them, before anything is recorded.
    const asked = page.locator(byId('assertion-7.3-unanswered'));
    await asked.waitFor();
    assert.match(await asked.innerText(), /7\.3\.\d[\s\S]*not answered yet/);
    assert.doesNotMatch(await asked.innerText(), /\b7\.3\.4\b/, '7.3.4 is answered');
    assert.match(await page.locator(byId('assertion-7.3')).innerText(), /Not confirmed/);
    await page.locator(byId('save-assertion-7.3'), { hasText: 'Confirm anyway' }).click();
    await page.locator(byId('assertion-7.3-status'), { hasText: 'Assertion 7.3 confirmed' }).waitFor();
    assert.match(await page.locator(byId('assertion-7.3')).innerText(), /By Sam Patel/);

    // The branch's practice differs from head office's shared answer: an override, then its own answer.
    await page.locator(byId('item-1.1.1')).locator('summary', { hasText: 'practice differs' }).click();
    await page.locator(byId('override-reason-1.1.1')).fill('Leeds is registered separately');
    await page.locator(byId('override-1.1.1')).click();
    await page.locator(byId('item-1.1.1-status'), { hasText: 'Override of 1.1.1 recorded' }).waitFor();
    assert.match(await page.locator(byId('item-1.1.1')).innerText(), /Overridden: Leeds is registered separately/);
    await page.locator(byId('answer-1.1.1')).fill('ZB999999');
    await page.locator(byId('save-1.1.1')).click();
    await page.locator(byId('item-1.1.1-status'), { hasText: 'Saved 1.1.1' }).waitFor();

    await visit(page, ui.origin, `#/dashboard`);
    await page.locator('#sync-state').waitFor();
    const waiting = Number(await page.locator('#sync-waiting').getAttribute('data-waiting'));
    assert.ok(waiting >= 2, `the answer and the comment wait to go up (${waiting})`);
    assert.match(await page.locator('#sync-waiting').innerText(), /change/);

    await page.locator('#sync-now').click();
    const summary = page.locator('.nhsuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /did not finish/);
    assert.ok(await page.evaluate(() => document.activeElement?.classList.contains('nhsuk-error-summary')));
    assert.equal(Number(await page.locator('#sync-waiting').getAttribute('data-waiting')), waiting, 'nothing is lost');
    await screenshot(page, 'branch-ui');
    assert.deepEqual(page.problems, []);
  });

  it('syncs once head office is back', { timeout: 120_000 }, async () => {
    await hq.start(port);
    await page.locator('#sync-now').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Synced' }).waitFor();
    assert.equal(await page.locator('#sync-waiting').getAttribute('data-waiting'), '0');

    const out = path.join(tempDir(), 'leeds.json');
    hq.must(['export', '--branch', 'VLAXL', '--format', 'json', '--out', out]);
    const row = JSON.parse(fs.readFileSync(out, 'utf8')).items.find((entry) => entry.id === '7.3.4');
    assert.equal(row.answer, 'yes');
    assert.equal(row.changed_by, 'Sam Patel');
    const overridden = JSON.parse(fs.readFileSync(out, 'utf8')).items.find((entry) => entry.id === '1.1.1');
    assert.equal(overridden.answer, 'ZB999999', "the branch's own answer, after its override");
    const overrides = hq.must(['overrides', '--branch', 'VLAXL']).overrides;
    assert.deepEqual(overrides.map((entry) => [entry.item, entry.reason, entry.by]), [['1.1.1', 'Leeds is registered separately', 'Sam Patel']]);

    const code = await new Promise((resolve) => {
      leeds.ui.child.once('exit', (exitCode) => resolve(exitCode));
      stopProcess(leeds.ui.child);
    });
    assert.equal(code, 0, 'dsptsync ui stops cleanly on SIGTERM');
    leeds.ui = null;
  });
});
