// Answering and planning without losing work: leaving a page with answers not saved is warned of,
// a group's changes are saved in one go, each assertion sits right after its items, and the plan
// page plans many items at once. Real server, real browser.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, byId, apiFromPage, PASSWORDS,
} from './helpers.mjs';

const skip = missing();

function itemOf(assessment, id) {
  return assessment.groups.flatMap((group) => group.items).find((item) => item.id === id);
}

describe('answering and planning without losing work', { skip: skip || false, timeout: 300_000 }, () => {
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

  // Whether leaving the page now would be stopped to ask (the page's beforeunload handler).
  const wouldAskBeforeLeaving = () => page.evaluate(() => {
    const event = new Event('beforeunload', { cancelable: true });
    window.dispatchEvent(event);
    return event.defaultPrevented;
  });

  it('warns before leaving with an answer not saved, and says so on the next page of the app', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    assert.equal(await wouldAskBeforeLeaving(), false, 'nothing typed yet');
    await page.locator(byId('answer-1.1.1')).fill('ZA555555');
    assert.equal(await wouldAskBeforeLeaving(), true, 'an answer not saved');

    // Closing or reloading asks (the browser's question); the draft is still there after.
    const asked = page.leaveQuestions;
    await page.reload();
    await page.locator(byId('answer-1.1.1')).waitFor();
    assert.equal(page.leaveQuestions, asked + 1, 'the browser asked before reloading');
    assert.equal(await page.locator(byId('answer-1.1.1')).inputValue(), 'ZA555555');

    // Another page of the app: no question (the draft is kept), a notice instead.
    await page.locator('header a[href="#/dashboard"]').first().click();
    await page.locator('#sites').waitFor();
    const notice = page.locator('#unsaved-notice');
    assert.match(await notice.innerText(), /1 answer not saved yet on the .* assessment \(1\.1\.1\)/);
    await notice.locator('a').click();
    await page.locator(byId('item-1.1.1-heading')).waitFor();
    assert.equal(await page.locator(byId('answer-1.1.1')).inputValue(), 'ZA555555', 'back to save it');

    await page.locator(byId('save-1.1.1')).click();
    await page.locator(byId('item-1.1.1-status'), { hasText: 'Saved 1.1.1' }).waitFor();
    assert.equal(await wouldAskBeforeLeaving(), false, 'saved: nothing to warn of');
    await visit(page, hq.url, '#/dashboard');
    assert.equal(await page.locator('#unsaved-notice').count(), 0);
    assert.deepEqual(page.problems, []);
  });

  it('saves every changed item of a group in one go, and they survive a reload', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    await page.locator(byId('answer-1.1.5')).fill('Ann Lee, in her job description');
    await page.locator('input[name="answer-2.1.1"][value="yes"]').check();
    await page.locator(byId('comment-3.1.1')).fill('Analysis booked for March');

    const requests = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/api/assessment/A1B2/items')) requests.push(request.url());
    });
    await page.locator('#save-group-Staffing_and_roles').click();
    const status = page.locator('#group-Staffing_and_roles-status');
    await status.filter({ hasText: 'Saved 3 items' }).waitFor();
    assert.match(await status.innerText(), /Saved 3 items in Staffing and roles: 1\.1\.5, 2\.1\.1 and 3\.1\.1\./);
    assert.deepEqual(requests.map((url) => new URL(url).pathname), ['/api/assessment/A1B2/items'], 'one request');

    await page.reload();
    await page.locator(byId('answer-1.1.5')).waitFor();
    assert.equal(await page.locator(byId('answer-1.1.5')).inputValue(), 'Ann Lee, in her job description');
    assert.equal(await page.locator(byId('comment-3.1.1')).inputValue(), 'Analysis booked for March');
    assert.equal(await page.locator('.app-draft-notice').count(), 0, 'no drafts left');
    const stored = (await apiFromPage(page, 'GET', '/api/assessment/A1B2')).body;
    assert.equal(itemOf(stored, '2.1.1').answer.value, 'yes');

    // Nothing changed: said so, nothing sent.
    await page.locator('#save-group-Staffing_and_roles').click();
    await status.filter({ hasText: 'Nothing to save' }).waitFor();
    assert.deepEqual(page.problems, []);
  });

  it('saves none of a group when an item is at fault, and names each one', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    // Control characters are refused by the server, whatever the page lets through.
    await page.locator(byId('answer-1.3.12')).fill('Locked\u0007 bags');
    await page.locator(byId('answer-1.3.13')).fill('Key pads\u0001');
    await page.locator(byId('answer-7.2.1')).fill('Tested every year');
    await page.locator('#save-group-Data_security').click();
    const summary = page.locator('.nhsuk-error-summary');
    await summary.waitFor();
    const text = await summary.innerText();
    assert.match(text, /Nothing was saved: 2 items to put right/);
    assert.match(text, /1\.3\.12: /);
    assert.match(text, /1\.3\.13: /);
    assert.doesNotMatch(text, /7\.2\.1/);
    const stored = (await apiFromPage(page, 'GET', '/api/assessment/A1B2')).body;
    assert.equal(itemOf(stored, '7.2.1').answer, null, 'nothing saved');
    await summary.locator('a', { hasText: '1.3.13' }).click();
    assert.equal(await page.evaluate(() => document.activeElement.id), 'answer-1.3.13');
  });

  it('shows each assertion right after the last of its items, with its wording or its items', { timeout: 60_000 }, async () => {
    await visit(page, hq.url, '#/assessment/A1B2');
    const stored = (await apiFromPage(page, 'GET', '/api/assessment/A1B2')).body;
    const order = stored.groups.flatMap((group) => group.items);
    for (const assertion of stored.assertions) {
      const items = order.filter((item) => item.assertion === assertion.id).map((item) => item.id);
      const last = items[items.length - 1];
      const after = await page.evaluate((id) => {
        let next = document.getElementById(`item-${id}`).nextElementSibling;
        const ids = [];
        while (next && next.classList.contains('app-assertion')) { ids.push(next.dataset.assertion); next = next.nextElementSibling; }
        return ids;
      }, last);
      assert.ok(after.includes(assertion.id), `assertion ${assertion.id} follows ${last}`);
      const heading = await page.locator(byId(`assertion-${assertion.id}-heading`)).innerText();
      if (assertion.text) assert.ok(heading.includes(assertion.text), heading);
      else assert.ok(heading.includes(`evidence items ${items.length === 1 ? items[0] : items.slice(0, -1).join(', ')}`), heading);
    }
    assert.equal(await page.locator('#assertions .app-assertion').count(), 0, 'none left at the end');

    // The filters still reach the assertions where they are now.
    await page.locator('#filter-confirmed').selectOption('yes');
    assert.match(await page.locator('#filter-status').innerText(), /Showing 0 of \d+ items and 0 of \d+ assertions/);
    assert.equal(await page.locator(byId('assertion-1.1')).isVisible(), false);
    await page.locator('#clear-filters').click();
    assert.equal(await page.locator(byId('assertion-1.1')).isVisible(), true);
    assert.deepEqual(page.problems, []);
  });

  it('generates plan lines for missing items and sets one owner and a UK due date for several', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/assessment/VLAXL/plan');
    await page.locator('#generate-plan').click();
    await page.locator('.nhsuk-notification-banner', { hasText: 'Plan lines added for' }).waitFor();
    let leeds = (await apiFromPage(page, 'GET', '/api/assessment/VLAXL')).body;
    assert.match(itemOf(leeds, '1.3.2').plan.action, /^Provide the evidence for 1\.3\.2: /);
    assert.equal(itemOf(leeds, '1.1.1').plan, null, 'head office plans its shared items');

    await page.locator(byId('tick-1.3.2')).check();
    await page.locator(byId('tick-7.3.4')).check();
    await page.locator('#bulk-owner').fill('Ann Lee');
    await page.locator('#bulk-due').fill('31/01/2027');
    await page.locator('#set-ticked').click();
    await page.locator('.nhsuk-notification-banner', { hasText: 'Owner and due date set for 2 items' }).waitFor();
    leeds = (await apiFromPage(page, 'GET', '/api/assessment/VLAXL')).body;
    for (const id of ['1.3.2', '7.3.4']) {
      assert.equal(itemOf(leeds, id).plan.owner, 'Ann Lee', id);
      assert.equal(itemOf(leeds, id).plan.due, '2027-01-31', id);
    }
    assert.equal(await page.locator(byId('plan-owner-7.3.4')).inputValue(), 'Ann Lee');
    assert.equal(await page.locator(byId('due-7.3.4-year')).inputValue(), '2027');

    // A date that does not exist: said beside the field, nothing changed.
    await page.locator(byId('tick-1.3.2')).check();
    await page.locator('#bulk-due').fill('31/02/2027');
    await page.locator('#set-ticked').click();
    await page.locator('.nhsuk-error-summary', { hasText: 'not a real date' }).waitFor();
    leeds = (await apiFromPage(page, 'GET', '/api/assessment/VLAXL')).body;
    assert.equal(itemOf(leeds, '1.3.2').plan.due, '2027-01-31');
    assert.deepEqual(page.problems, []);
  });
});
