// Nothing typed is lost: an answer typed and not saved comes back after moving to another page, a
// reload and an idle sign-out (the session ended on the server), until it is saved; signing out on
// purpose forgets it. Real server, real browser.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, byId, apiFromPage, PASSWORDS,
} from './helpers.mjs';

const skip = missing();

describe('drafts of unsaved answers', { skip: skip || false, timeout: 300_000 }, () => {
  let hq;
  let browser;
  let page;

  before(async () => {
    const root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    browser = await launchBrowser();
    page = await newPage(browser);
    await signIn(page, hq.url, 'Priya Shah');
  }, { timeout: 120_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  const answer = () => page.locator(byId('answer-1.1.1'));
  const notice = () => page.locator(byId('draft-1.1.1'));

  async function signInAgain() {
    await page.locator('#user').fill('Priya Shah');
    await page.locator('#password').fill(PASSWORDS['Priya Shah']);
    await page.locator('#signin-button').click();
  }

  it('keeps what was typed through another page, a reload and an idle sign-out, until it is saved', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    await answer().fill('ZA999999');
    assert.equal(await notice().count(), 0);

    await visit(page, hq.url, '#/dashboard');
    await visit(page, hq.url, '#/assessment/A1B2');
    assert.equal(await answer().inputValue(), 'ZA999999', 'back after another page');
    assert.match(await notice().innerText(), /Not saved yet/);

    await page.reload();
    await answer().waitFor();
    assert.equal(await answer().inputValue(), 'ZA999999', 'back after a reload');

    // The session ends on the server (as the idle sign-out does); the next request finds it gone.
    await page.evaluate(async () => {
      const session = await (await fetch('/api/session')).json();
      await fetch('/api/session', { method: 'DELETE', headers: { 'X-CSRF-Token': session.csrf } });
    });
    await page.goto(`${hq.url}/#/dashboard`);
    await page.locator('#signin-button').waitFor();
    await signInAgain();
    await page.locator('#sites').waitFor();
    await visit(page, hq.url, '#/assessment/A1B2');
    assert.equal(await answer().inputValue(), 'ZA999999', 'back after signing in again');

    // Nothing of it reached the server before Save.
    const stored = await apiFromPage(page, 'GET', '/api/assessment/A1B2');
    const item = stored.body.groups.flatMap((group) => group.items).find((entry) => entry.id === '1.1.1');
    assert.equal(item.answer, null, 'not saved yet');

    await page.locator(byId('save-1.1.1')).click();
    await page.locator(byId('item-1.1.1-status'), { hasText: 'Saved 1.1.1' }).waitFor();
    await page.reload();
    await answer().waitFor();
    assert.equal(await answer().inputValue(), 'ZA999999', 'saved');
    assert.equal(await notice().count(), 0, 'no draft once saved');
    assert.deepEqual(page.problems, []);
  });

  it('signing out on purpose forgets what was not saved', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    await answer().fill('ZA000001');
    await page.locator('.nhsuk-header__account-button').click();
    await page.locator('#signin-button').waitFor();
    await signInAgain();
    await page.locator('#sites').waitFor();
    await visit(page, hq.url, '#/assessment/A1B2');
    assert.equal(await answer().inputValue(), 'ZA999999', 'the saved answer, not the forgotten draft');
    assert.equal(await notice().count(), 0);
  });
});
