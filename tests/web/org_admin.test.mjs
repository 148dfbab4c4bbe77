// Head office runs its organisation from the browser, against a real `dsptsync-server serve`: adding
// a branch (a wrong ODS code refused naming the field), renaming and removing it, editing the
// organisation profile and seeing it after a reload, downloading a backup of the server's database,
// and previewing the roll-forward to the next year.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot, PASSWORDS, downloadFrom,
} from './helpers.mjs';

const skip = missing();

describe('head office runs its organisation', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let browser;
  let page;
  let root;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    browser = await launchBrowser();
    page = await newPage(browser, { acceptDownloads: true });
    await signIn(page, hq.url, 'Priya Shah');
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    if (hq) await hq.stop();
    await cleanup();
  }, { timeout: 60_000 });

  it('adds a branch, refusing a wrong code by name, then renames and removes it', { timeout: 120_000 }, async () => {
    await page.locator('.nhsuk-header__navigation a', { hasText: 'Branches' }).first().waitFor({ state: 'attached' });
    await visit(page, hq.url, '#/branches');
    await page.locator('#ods').fill('A1B2');
    await page.locator('#name').fill('Selby');
    await page.locator('#add-branch').click();
    const summary = page.locator('.nhsuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /A1B2/);
    assert.equal(await page.locator('#ods-error').count(), 1, 'the code field shows the message');

    await page.locator('#ods').fill('vq7r8');
    await page.locator('#add-branch').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Added Selby (VQ7R8)' }).waitFor();
    assert.match(await page.locator('#branches').innerText(), /Selby\s+VQ7R8/);
    await screenshot(page, 'branches', { fullPage: true });

    await page.locator('#rename-VQ7R8').click();
    await page.locator('#rename-branch-form').waitFor();
    await page.locator('#name').fill('Selby and Tadcaster');
    await page.locator('#rename-branch').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'VQ7R8 is now called Selby and Tadcaster' }).waitFor();
    const listed = hq.must(['branch', 'list']).branches.find((branch) => branch.ods === 'VQ7R8');
    assert.equal(listed.name, 'Selby and Tadcaster');

    await page.locator('#remove-VQ7R8').click();
    await page.locator('#remove-confirm').waitFor();
    assert.match(await page.locator('#app-main').innerText(), /What removing a branch does/);
    await screenshot(page, 'branch-remove');
    await page.locator('#remove-confirm').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Removed Selby and Tadcaster' }).waitFor();
    assert.equal(await page.locator('#remove-VQ7R8').count(), 0);
    assert.equal(hq.must(['branch', 'list']).branches.length, 1);
    assert.deepEqual(page.problems, []);
  });

  it('edits the organisation profile and shows it after a reload', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/profile');
    await page.locator('#save-profile').click();
    await page.locator('.nhsuk-error-summary', { hasText: 'Nothing has changed' }).waitFor();

    await page.locator('#profile-role-caldicott-guardian').fill('Ann Lee');
    await page.locator('#profile-role-siro').fill('Raj Iyer');
    await page.locator('#profile-cyber-essentials-plus').check();
    await page.locator('#save-profile').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'organisation profile is saved' }).waitFor();

    await page.reload();
    await page.waitForFunction(() => document.getElementById('app-main')?.dataset.route === '#/profile');
    assert.equal(await page.locator('#profile-role-caldicott-guardian').inputValue(), 'Ann Lee');
    assert.equal(await page.locator('#profile-role-siro').inputValue(), 'Raj Iyer');
    assert.ok(await page.locator('#profile-cyber-essentials-plus').isChecked());
    await screenshot(page, 'organisation-profile', { fullPage: true });
    const profile = hq.must(['profile', 'show']).profile;
    assert.equal(profile['role.siro'], 'Raj Iyer');
    assert.equal(profile.cyber_essentials_plus, 'yes');
    assert.deepEqual(page.problems, []);
  });

  it('downloads a backup of the server\'s database', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/downloads');
    const { download, bytes } = await downloadFrom(page, '#download-backup');
    assert.match(download.suggestedFilename(), /^A1B2-backup-\d{4}-\d{2}-\d{2}\.db$/);
    assert.ok(bytes.length > 0);
    assert.equal(bytes.subarray(0, 16).toString('latin1'), 'SQLite format 3\0');
    assert.deepEqual(page.problems, []);
  });

  it('previews the roll-forward to the next year without changing it', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/question-sets');
    await page.locator('#rollforward-preview').click();
    await page.locator('#rollforward').waitFor();
    assert.match(await page.locator('#rollforward-heading').innerText(), /Moving from 2021-22 to 2023-24/);
    const scopes = await page.locator('#rollforward-scopes tbody tr').allInnerTexts();
    assert.equal(scopes.length, 2, 'head office and Leeds');
    assert.match(scopes.join('\n'), /VLAXL/);
    await screenshot(page, 'rollforward-preview', { fullPage: true });
    await page.locator('#rollforward-cancel').click();
    await page.locator('#rollforward').waitFor({ state: 'detached' });
    assert.equal(hq.must(['progress']).organisation.year, '2021-22', 'a preview changes nothing');
    assert.deepEqual(page.problems, []);
  });
});
