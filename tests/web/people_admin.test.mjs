// Head office manages its people from the browser, against a real `dsptsync-server serve`: an
// administrator adds a colleague and gets a one-time link, the colleague opens it in a browser of
// their own, sets a password and signs in; a role is changed after a confirmation page; a password
// is reset with a new link, the new password works, and a link never works twice.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot,
} from './helpers.mjs';

const skip = missing();

const NIA_PASSWORD = 'nia sets her own words';
const NIA_NEW_PASSWORD = 'a fresh start for nia';

describe('people admin in the web app', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let browser;
  let admin;
  let root;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addUser('Priya Shah', 'admin', 'correct horse battery staple');
    await hq.start();
    browser = await launchBrowser();
    admin = await newPage(browser);
    await signIn(admin, hq.url, 'Priya Shah');
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  // The link shown once on the page, read before it is gone.
  async function shownLink(page) {
    await page.locator('#password-link').waitFor();
    return (await page.locator('#password-link').innerText()).trim();
  }

  // Opens a link in a browser of its own (no session, nothing shared with the administrator's).
  async function setPasswordWith(link, password) {
    const page = await newPage(browser);
    await page.goto(link);
    await page.locator('h1', { hasText: 'Set your password' }).waitFor();
    await page.locator('#new-password').fill(password);
    await page.locator('#new-password-again').fill(password);
    await page.locator('#set-password-button').click();
    return page;
  }

  async function signInAs(name, password) {
    const page = await newPage(browser);
    await page.goto(`${hq.url}/`);
    await page.locator('#user').fill(name);
    await page.locator('#password').fill(password);
    await page.locator('#signin-button').click();
    return page;
  }

  it('adds a colleague whose one-time link sets their password, then they sign in', { timeout: 120_000 }, async () => {
    await visit(admin, hq.url, '#/people');
    await admin.locator('#add-user-link').click();
    await admin.locator('h1', { hasText: 'Add a head office user' }).waitFor();
    await admin.locator('#add-user-button').click();
    const summary = admin.locator('.nhsuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /Enter their full name/);
    assert.match(await summary.innerText(), /Choose a role/);

    await admin.locator('#add-user-name').fill('Nia Newcomer');
    await admin.getByLabel('Member', { exact: true }).check();
    await admin.locator('#add-user-button').click();
    const link = await shownLink(admin);
    assert.match(link, new RegExp(`^${hq.url}/#/set-password/[0-9a-f]{64}$`));
    await screenshot(admin, 'people-add-link', { fullPage: true });

    const nia = await setPasswordWith(link, NIA_PASSWORD);
    await nia.locator('.nhsuk-notification-banner--success', { hasText: 'Your password is set' }).waitFor();
    await screenshot(nia, 'set-password-done');
    await nia.locator('#set-password-signin').click();
    await nia.locator('#user').fill('Nia Newcomer');
    await nia.locator('#password').fill(NIA_PASSWORD);
    await nia.locator('#signin-button').click();
    await nia.locator('#sites').waitFor();
    assert.match(await nia.locator('#account-user').innerText(), /Nia Newcomer, member at head office/);
    assert.deepEqual(nia.problems, []);

    // The same link again, in yet another browser: refused, with the way out.
    const again = await setPasswordWith(link, 'someone else tries this');
    await again.locator('.nhsuk-error-summary', { hasText: 'not valid' }).waitFor();
    assert.match(await again.locator('.nhsuk-error-summary').innerText(), /Ask your head office administrator for a new link/);
  });

  it('changes a role after a confirmation page', { timeout: 120_000 }, async () => {
    await visit(admin, hq.url, '#/people');
    await admin.locator('#role-Nia_Newcomer').click();
    await admin.locator('h1', { hasText: 'Change the role of Nia Newcomer' }).waitFor();
    assert.equal(await admin.locator('#role-choice-2').isChecked(), true, 'her role now is chosen');
    await screenshot(admin, 'people-change-role');
    await admin.getByLabel('Viewer', { exact: true }).check();
    await admin.locator('#role-confirm').click();
    await admin.locator('.nhsuk-notification-banner--success', { hasText: 'Nia Newcomer is now viewer (was member)' }).waitFor();
    assert.match(await admin.locator('#users tr', { hasText: 'Nia Newcomer' }).innerText(), /viewer/);
    assert.equal(await admin.locator('#role-Priya_Shah').count(), 0, 'no one changes their own role');
    assert.equal(hq.must(['user', 'list']).users.find((user) => user.name === 'Nia Newcomer').role, 'viewer');
  });

  it('resets a password: the old one works until the new link is used, then only the new one', { timeout: 120_000 }, async () => {
    await visit(admin, hq.url, '#/people');
    await admin.locator('#reset-Nia_Newcomer').click();
    await admin.locator('h1', { hasText: 'Reset the password of Nia Newcomer?' }).waitFor();
    await admin.locator('#reset-confirm').click();
    const link = await shownLink(admin);
    await screenshot(admin, 'people-reset-link', { fullPage: true });
    await visit(admin, hq.url, '#/people');
    await visit(admin, hq.url, '#/people/reset/Nia%20Newcomer');
    assert.equal(await admin.locator('#password-link').count(), 0, 'the link is not shown again');

    const before = await signInAs('Nia Newcomer', NIA_PASSWORD);
    await before.locator('#sites').waitFor();

    const page = await setPasswordWith(link, NIA_NEW_PASSWORD);
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Your password is set' }).waitFor();

    const old = await signInAs('Nia Newcomer', NIA_PASSWORD);
    await old.locator('.nhsuk-error-summary').waitFor();
    const fresh = await signInAs('Nia Newcomer', NIA_NEW_PASSWORD);
    await fresh.locator('#sites').waitFor();
    assert.match(await fresh.locator('#account-user').innerText(), /viewer at head office/);

    const twice = await setPasswordWith(link, 'one more time please');
    await twice.locator('.nhsuk-error-summary', { hasText: 'not valid' }).waitFor();
    assert.deepEqual(admin.problems, []);
  });
});
