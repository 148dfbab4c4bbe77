// The policy library in a real browser: head office uploads a PDF with the file upload (a refused
// file first, with the service's reason in the error summary), sees it listed with its review
// warning; a branch laptop's own web app (`dsptsync ui`) has it after sync and its member records
// having read it, offline; after the next sync head office counts the acknowledgement, and both
// dashboards warn of the review date. An evidence item linked to it shows the document, and the
// site's evidence pack downloaded from Downloads holds its file.

import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  missing, cleanup, tempDir, HeadOffice, launchBrowser, newPage, visit, signIn, screenshot, apiFromPage, byId, PASSWORDS,
  downloadFrom,
} from './helpers.mjs';

const skip = missing();
const DAY_MS = 24 * 60 * 60 * 1000;
const PDF = Buffer.from('%PDF-1.7\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');

describe('the policy library in the web app', { skip: skip || false, timeout: 600_000 }, () => {
  let hq;
  let leeds;
  let browser;
  let page;
  let root;
  let docId;

  before(async () => {
    root = tempDir();
    hq = new HeadOffice(path.join(root, 'hq'));
    hq.addBranch('VLAXL', 'Leeds');
    hq.addBranch('VM2B3', 'York');
    hq.addUser('Priya Shah', 'admin', PASSWORDS['Priya Shah']);
    await hq.start();
    leeds = hq.enrol('Sam Patel', 'member', 'VLAXL', path.join(root, 'leeds'));
    browser = await launchBrowser();
    page = await newPage(browser, { acceptDownloads: true });
    await signIn(page, hq.url, 'Priya Shah');
  }, { timeout: 180_000 });

  after(async () => {
    if (browser) await browser.close();
    await cleanup();
  }, { timeout: 60_000 });

  it('uploads a PDF with the file upload; a refused file is named in the error summary and nothing is kept', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, '#/library');
    assert.match(await page.locator('#no-documents').innerText(), /no documents/);
    await page.locator('#add-document').click();
    await page.locator('#document-form').waitFor();
    assert.equal(await page.locator('#file').getAttribute('type'), 'file');
    assert.equal(await page.locator('label[for="file"]').count(), 1);
    assert.match(await page.locator('#file-hint').innerText(), /25 MiB/);
    assert.match(await page.locator('#file-hint').innerText(), /PDF/);

    // No file chosen: caught before anything is sent.
    await page.locator('#save-document').click();
    let summary = page.locator('.nhsuk-error-summary');
    await summary.waitFor();
    assert.match(await summary.innerText(), /Choose the document’s file/);
    assert.equal(await summary.locator('a').getAttribute('href'), '#file');

    // A PDF named as a Word document: the service's own reason.
    const soon = new Date(Date.now() + 10 * DAY_MS).toISOString().slice(0, 10);
    await page.locator('#title').fill('Data protection policy');
    await page.locator('#kind').selectOption('policy');
    await page.locator('#owner').fill('Priya Shah');
    await page.locator('#reviewBy').fill(soon);
    await page.locator('#file').setInputFiles({ name: 'policy.docx', mimeType: 'application/pdf', buffer: PDF });
    await page.locator('#save-document').click();
    await page.waitForFunction(() => /docx/.test(document.querySelector('.nhsuk-error-summary')?.innerText || ''));
    summary = page.locator('.nhsuk-error-summary');
    assert.equal(await summary.locator('a').getAttribute('href'), '#file');
    const none = await apiFromPage(page, 'GET', '/api/documents');
    assert.deepEqual(none.body.documents, [], 'nothing was kept');

    await page.locator('#file').setInputFiles({ name: 'Data protection policy.pdf', mimeType: 'application/pdf', buffer: PDF });
    await page.locator('#save-document').click();
    await page.locator('.nhsuk-notification-banner--success', { hasText: 'Added Data protection policy' }).waitFor();
    docId = decodeURIComponent(new URL(page.url()).hash.split('/')[2]);
    assert.match(docId, /^DOC-[0-9A-F]{8}$/);
    assert.match(await page.locator('#download-1').innerText(), /Data protection policy\.pdf/);
    assert.match(await page.locator('#document-review-warning').innerText(), /Data protection policy \(owner Priya Shah\) is due for review/);
    await screenshot(page, 'library-document', { fullPage: true });

    // The download is an attachment of the stored type, the same bytes.
    const file = await page.evaluate(async (href) => {
      const response = await fetch(href);
      return { type: response.headers.get('content-type'), disposition: response.headers.get('content-disposition'),
        sniff: response.headers.get('x-content-type-options'), text: await response.text() };
    }, await page.locator('#download-1').getAttribute('href'));
    assert.equal(file.type, 'application/pdf');
    assert.equal(file.disposition, 'attachment; filename="Data protection policy.pdf"');
    assert.equal(file.sniff, 'nosniff');
    assert.equal(file.text, PDF.toString());

    await visit(page, hq.url, '#/library');
    const row = page.locator('#documents tbody tr');
    assert.equal(await row.count(), 1);
    assert.match(await row.innerText(), /Data protection policy[\s\S]*Policy[\s\S]*A1B2[\s\S]*Version 1/);
    assert.match(await page.locator(`.app-review-warning[data-document="${docId}"]`).innerText(), /Review due in 1\d days|Review due in 9 days/);
    assert.match(await page.locator(`.app-acknowledged[data-document="${docId}"]`).innerText(), /Not yet/i);
    assert.deepEqual(page.problems, []);
  });

  it("is read and acknowledged on the branch laptop's own web app after sync", { timeout: 180_000 }, async () => {
    leeds.sync();
    const ui = await leeds.startUi();
    const laptop = await newPage(browser);
    try {
      await laptop.goto(ui.url);
      await laptop.locator('#sync-state').waitFor();
      assert.match(await laptop.locator('#dashboard-review-warnings').innerText(), /Data protection policy/);
      await visit(laptop, ui.origin, '#/library');
      assert.match(await laptop.locator(`.app-acknowledged[data-document="${docId}"]`).innerText(), /Not yet/i);
      assert.equal(await laptop.locator('#add-document').count(), 1, 'a member adds the branch’s own documents');
      await laptop.locator(`#document-${docId}`).click();
      await laptop.locator('#acknowledge').waitFor();
      assert.match(await laptop.locator('#acknowledge').innerText(), /I have read and understood version 1/);
      assert.equal(await laptop.locator('#acknowledgements').count(), 0, 'the count is head office’s');
      await laptop.locator('#acknowledge').click();
      await laptop.locator('.nhsuk-notification-banner--success').waitFor();
      assert.match(await laptop.locator('#acknowledged').innerText(), /You have read and understood version 1/);
      await visit(laptop, ui.origin, '#/library');
      assert.match(await laptop.locator(`.app-acknowledged[data-document="${docId}"]`).innerText(), /Read/);
      assert.deepEqual(laptop.problems, []);
    } finally {
      await laptop.context().close();
      await leeds.stopUi();
    }
    leeds.sync();
  });

  it('counts the acknowledgement at head office and warns of the review on the dashboard', { timeout: 120_000 }, async () => {
    await visit(page, hq.url, `#/library/${docId}`);
    assert.match(await page.locator('#acknowledgement-count').innerText(), /^1 of \d+ people have read/);
    const leedsRow = page.locator('#acknowledgements-by-site tbody tr', { hasText: 'VLAXL' });
    assert.match(await leedsRow.innerText(), /Sam Patel/);
    const hqRow = page.locator('#acknowledgements-by-site tbody tr', { hasText: 'A1B2' });
    assert.match(await hqRow.innerText(), /Priya Shah/, 'Priya has not read it yet');
    await screenshot(page, 'library-acknowledgements', { fullPage: true });

    await visit(page, hq.url, '#/dashboard');
    assert.match(await page.locator('#dashboard-review-warnings').innerText(), /Data protection policy \(owner Priya Shah\)/);
    assert.equal(await page.locator('nav a[href="#/library"]').count() > 0, true, 'linked from the navigation');
    assert.deepEqual(page.problems, []);
  });

  it('shows the policy on the evidence item linked to it, and packs it for an inspector', { timeout: 120_000 }, async () => {
    const linked = await apiFromPage(page, 'PUT', '/api/assessment/A1B2/items/1.1.2',
      { answer: 'Data protection policy', location: `library:${docId}` });
    assert.equal(linked.status, 200, JSON.stringify(linked.body));
    await visit(page, hq.url, '#/assessment/A1B2?item=1.1.2');
    const documents = page.locator(byId('item-1.1.2-documents'));
    await documents.waitFor();
    assert.match(await documents.innerText(), /Data protection policy version 1, review by \d{4}-\d{2}-\d{2}/);
    assert.equal(await documents.locator('a').getAttribute('href'), `#/library/${docId}`);

    await visit(page, hq.url, '#/downloads');
    const { download, bytes } = await downloadFrom(page, '#download-A1B2-pack');
    assert.equal(bytes.subarray(0, 2).toString('latin1'), 'PK', 'a zip file');
    assert.ok(bytes.includes(Buffer.from('manifest.txt')), 'with its manifest');
    assert.ok(bytes.includes(Buffer.from(`documents/${docId}-v1-Data_protection_policy.pdf`)), 'with the linked policy');
    assert.match(download.suggestedFilename(), /^A1B2-.*evidence-pack\.zip$/);
    assert.deepEqual(page.problems, []);
  });
});
