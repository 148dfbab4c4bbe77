// A single site: a store made with `dsptsync init`, never enrolled with a head office. Its web app
// (`dsptsync ui`) says nothing about head office, branches or syncing.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { missing, cleanup, tempDir, launchBrowser, newPage, visit, byId, Store } from './helpers.mjs';

const skip = missing();

describe('single site web app (dsptsync init, then dsptsync ui)', { skip: skip || false, timeout: 300_000 }, () => {
  let store;
  let browser;
  let page;
  let ui;

  before(async () => {
    store = new Store(path.join(tempDir(), 'care-home'));
    store.must(['init', '--ods', 'VLAXL', '--name', 'Rose Court Care', '--year', '2025-26', '--user', 'Ann Lee']);
    ui = await store.startUi();
    browser = await launchBrowser();
    page = await newPage(browser);
    await page.goto(ui.url);
    await page.locator('#progress-heading').waitFor();
  }, { timeout: 120_000 });

  after(async () => {
    if (browser) await browser.close();
    if (store) await store.stopUi();
    await cleanup();
  }, { timeout: 60_000 });

  it('the dashboard has no sync with head office and no shared items', { timeout: 60_000 }, async () => {
    const text = await page.locator('main').innerText();
    assert.match(text, /Rose Court Care/);
    assert.equal(await page.locator('#sync-state').count(), 0, 'no sync section');
    assert.doesNotMatch(text, /head office/i);
    assert.doesNotMatch(text, /\bbranch\b/i);
  });

  it('the assessment names no branch and no head office', { timeout: 60_000 }, async () => {
    await visit(page, ui.origin, '#/assessment/VLAXL');
    await page.locator(byId('item-1.1.1')).waitFor();
    assert.doesNotMatch(await page.locator('h1').innerText(), /branch|head office/i);
    assert.equal(await page.locator('#filter-sharing').count(), 0, 'no "Answered by" filter');
    const item = await page.locator(byId('item-1.1.1')).innerText();
    assert.doesNotMatch(item, /\bBranch\b|Head office/);
  });
});
