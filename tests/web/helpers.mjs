// Shared pieces of the browser tests: the real `dsptsync-server` and `dsptsync` programs (paths from
// DSPTSYNC_SERVER and DSPTSYNC_CLIENT), run on 127.0.0.1 only, in temporary folders, every process
// bounded in time and stopped at the end (also when a test fails); and Debian's Chromium driven by
// playwright-core.

import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createRequire } from 'node:module';

const here = path.dirname(fileURLToPath(import.meta.url));
export const repoRoot = path.resolve(here, '..', '..');
const require = createRequire(path.join(repoRoot, 'web', 'package.json'));

export const SERVER = process.env.DSPTSYNC_SERVER || '';
export const CLIENT = process.env.DSPTSYNC_CLIENT || '';
export const CHROMIUM = process.env.DSPTSYNC_CHROMIUM || '/usr/bin/chromium';
export const SCREENSHOTS = process.env.DSPTSYNC_SCREENSHOTS === '1';
export const screenshotDir = path.join(repoRoot, 'docs', 'screenshots');

// Why the suite cannot run here, or null (the suites are then skipped). With
// DSPTSYNC_REQUIRE_BROWSER=1 (as ctest runs them) a missing piece is an error instead.
export function missing() {
  const reason = missingPiece();
  if (reason && process.env.DSPTSYNC_REQUIRE_BROWSER === '1') throw new Error(`the browser tests cannot run: ${reason}`);
  return reason;
}

function missingPiece() {
  if (!SERVER || !fs.existsSync(SERVER)) return 'set DSPTSYNC_SERVER to build/server/dsptsync-server';
  if (!CLIENT || !fs.existsSync(CLIENT)) return 'set DSPTSYNC_CLIENT to build/client/dsptsync';
  if (!fs.existsSync(CHROMIUM)) return `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
  try {
    require.resolve('playwright-core');
  } catch {
    return 'playwright-core is not installed (npm ci --prefix web)';
  }
  return null;
}

export const PASSWORDS = {
  'Priya Shah': 'correct horse battery staple',
  'Val Viewer': 'viewer reads only 42',
};

// ------------------------------------------------------------------------------------------------
// Temporary folders and processes, all cleaned up by cleanup()

const temporary = [];
const children = new Set();

export function tempDir(prefix = 'dsptsync-web-') {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  temporary.push(dir);
  return dir;
}

function killAll(signal) {
  for (const child of children) {
    try {
      child.kill(signal);
    } catch {
      // already gone
    }
  }
}

process.on('exit', () => killAll('SIGKILL'));

export async function cleanup() {
  for (const child of [...children]) await stopProcess(child);
  for (const dir of temporary.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
}

// Stops a process started here: SIGTERM, then SIGKILL after `graceMs`.
export function stopProcess(child, graceMs = 10_000) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      children.delete(child);
      resolve();
      return;
    }
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      children.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// Runs a command to completion (bounded by `timeout` ms); returns {code, stdout, stderr, json}.
export function run(program, args, { env = {}, input, timeout = 60_000 } = {}) {
  const result = spawnSync(program, args, {
    env: { ...process.env, ...env },
    input,
    timeout,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.error) throw new Error(`${path.basename(program)} ${args.join(' ')}: ${result.error.message}`);
  let json = null;
  try {
    json = JSON.parse(result.stdout);
  } catch {
    json = null;
  }
  return { code: result.status, stdout: result.stdout, stderr: result.stderr, json };
}

function check(result, what) {
  if (result.code !== 0) throw new Error(`${what} failed (${result.code}): ${result.stderr || result.stdout}`);
  return result;
}

// Starts a long-running program and waits for its first line on standard output that parses as
// JSON (bounded by `timeout`); returns {child, first, stderr()}.
export function startProcess(program, args, { env = {}, timeout = 20_000, what = path.basename(program) } = {}) {
  const child = spawn(program, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  let stderr = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk) => {
    stderr += chunk;
    if (stderr.length > 1_000_000) stderr = stderr.slice(-500_000);
  });
  child.once('exit', () => children.delete(child));
  return new Promise((resolve, reject) => {
    const lines = readline.createInterface({ input: child.stdout });
    let buffered = '';
    const timer = setTimeout(() => {
      stopProcess(child);
      reject(new Error(`${what} did not report within ${timeout} ms; stderr: ${stderr.slice(-2000)}`));
    }, timeout);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${what} exited (${code ?? signal}) before reporting; stdout: ${buffered}; stderr: ${stderr.slice(-2000)}`));
    });
    lines.on('line', (line) => {
      buffered += `${line}\n`;
      let parsed = null;
      try {
        parsed = JSON.parse(buffered);
      } catch {
        try {
          parsed = JSON.parse(line);
        } catch {
          parsed = null;
        }
      }
      if (parsed === null) return;
      clearTimeout(timer);
      lines.removeAllListeners('line');
      child.stdout.resume();
      resolve({ child, first: parsed, stderr: () => stderr });
    });
  });
}

export async function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

// ------------------------------------------------------------------------------------------------
// Head office and branch laptops, through the real command lines

export class HeadOffice {
  constructor(dir, { name = 'Acme Care Group', ods = 'A1B2', year = '2021-22' } = {}) {
    this.dir = dir;
    this.ods = ods;
    this.name = name;
    this.year = year;
    this.server = null;
    check(this.cli(['init', '--ods', ods, '--name', name, '--year', year]), 'dsptsync-server init');
  }

  // dsptsync-server --json --data DIR ARGS..., acting as `as` for head office's own edits.
  cli(args, { as = 'Priya Shah', env = {}, input, timeout } = {}) {
    return run(SERVER, ['--json', '--data', this.dir, ...args], { env: { DSPTSYNC_SERVER_USER: as, ...env }, input, timeout });
  }

  must(args, options) {
    return check(this.cli(args, options), `dsptsync-server ${args.join(' ')}`).json;
  }

  addBranch(ods, name) {
    return this.must(['branch', 'add', ods, '--name', name]);
  }

  addUser(name, role, password) {
    this.must(['user', 'add', name, '--role', role]);
    if (password) this.must(['user', 'passwd', name], { env: { DSPTSYNC_PASSWORD: password } });
  }

  async start(port = 0) {
    const started = await startProcess(SERVER, ['--json', '--data', this.dir, 'serve', '--listen', `127.0.0.1:${port}`], { what: 'dsptsync-server serve' });
    this.server = started;
    this.port = started.first.listening.port;
    this.url = `http://127.0.0.1:${this.port}`;
    this.wsUrl = `ws://127.0.0.1:${this.port}`;
    return this;
  }

  async stop() {
    if (this.server) await stopProcess(this.server.child);
    this.server = null;
  }

  invite(user, role, branch) {
    const args = ['invite', '--role', role, '--user', user];
    if (branch) args.push('--branch', branch); else args.push('--hq');
    return this.must(args).code;
  }

  // Enrols a new branch laptop store for `user` and returns it.
  enrol(user, role, branch, folder) {
    return this.enrolWithCode(this.invite(user, role, branch), folder, `${user} laptop`);
  }

  enrolWithCode(code, folder, deviceName) {
    const store = new Store(folder);
    check(store.cli(['enrol', this.wsUrl, code, '--device-name', deviceName]), 'dsptsync enrol');
    return store;
  }
}

export class Store {
  constructor(dir) {
    this.dir = dir;
  }

  cli(args, { env = {}, timeout } = {}) {
    return run(CLIENT, ['--json', '--store', this.dir, ...args], { env, timeout });
  }

  must(args, options) {
    return check(this.cli(args, options), `dsptsync ${args.join(' ')}`).json;
  }

  sync() {
    return this.must(['sync'], { timeout: 30_000 });
  }

  items() {
    return this.must(['items']).items;
  }

  async startUi() {
    const port = await freePort();
    const started = await startProcess(CLIENT, ['--json', '--store', this.dir, 'ui', '--port', String(port), '--no-open'], { what: 'dsptsync ui' });
    this.ui = started;
    const url = started.first.url || (typeof started.first === 'string' ? started.first : '');
    return { url, port, origin: new URL(url).origin };
  }

  async stopUi() {
    if (this.ui) await stopProcess(this.ui.child);
    this.ui = null;
  }
}

// A value the item's type accepts, so that the item counts as provided.
export function valueFor(item) {
  switch (item.type) {
    case 'yes_no': return 'yes';
    case 'date': return '2021-09-01';
    case 'number': return '12';
    default: return 'In place and reviewed';
  }
}

// ------------------------------------------------------------------------------------------------
// The browser

export async function launchBrowser() {
  const { chromium } = require('playwright-core');
  // A fresh profile each launch: playwright makes a new temporary user data dir and removes it.
  return chromium.launch({
    executablePath: CHROMIUM,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    timeout: 30_000,
  });
}

// A new page in a fresh context, collecting the page's script errors (CSP reports included).
export async function newPage(browser, { acceptDownloads = false } = {}) {
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, acceptDownloads });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  page.problems = [];
  // A page left with answers not saved asks first (beforeunload): the tests leave anyway and count
  // the questions; any other dialog is dismissed, as Playwright does without a listener.
  page.leaveQuestions = 0;
  page.on('dialog', (dialog) => {
    if (dialog.type() !== 'beforeunload') return dialog.dismiss();
    page.leaveQuestions += 1;
    return dialog.accept();
  });
  page.on('pageerror', (error) => page.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() !== 'error') return;
    const text = message.text();
    // Expected answers of the API (a wrong password, a refused edit) show up as failed loads.
    if (/Failed to load resource: the server responded with a status of (400|401|403|409|422|429|502)/.test(text)) return;
    page.problems.push(text);
  });
  return page;
}

export async function screenshot(page, name, { fullPage = false } = {}) {
  if (!SCREENSHOTS) return;
  fs.mkdirSync(screenshotDir, { recursive: true });
  await page.mouse.move(0, 0);  // no hover styles from the last click
  await page.screenshot({ path: path.join(screenshotDir, `${name}.png`), fullPage, animations: 'disabled' });
}

// Opens a page of the app and waits until the app has drawn it (it marks the main element with
// the route it shows), so that a later check never reads the page before.
export async function visit(page, baseUrl, hash) {
  await page.goto(`${baseUrl}/${hash}`);
  await page.waitForFunction((route) => document.getElementById('app-main')?.dataset.route === route, hash);
}

export async function signIn(page, baseUrl, user) {
  await page.goto(`${baseUrl}/`);
  await page.locator('#user').fill(user);
  await page.locator('#password').fill(PASSWORDS[user]);
  await page.locator('#signin-button').click();
  await page.locator('#sites').waitFor();
}

// Clicks what starts a download (`selector`) once it is there and waits for the file: the download
// (its suggested name) and its bytes. The page needs newPage's acceptDownloads.
export async function downloadFrom(page, selector) {
  const link = page.locator(selector);
  await link.waitFor();
  const [download] = await Promise.all([page.waitForEvent('download'), link.click()]);
  return { download, bytes: fs.readFileSync(await download.path()) };
}

// The `id` of an element whose id holds dots (item ids): a CSS attribute selector.
export function byId(id) {
  return `[id="${id}"]`;
}

// Calls the API from inside the page, as the app does (same origin, the session's CSRF token).
export function apiFromPage(page, method, apiPath, body, { csrf = true } = {}) {
  return page.evaluate(async ({ method: m, apiPath: p, body: b, csrf: withCsrf }) => {
    const session = await (await fetch('/api/session')).json();
    const headers = { 'Content-Type': 'application/json' };
    if (withCsrf) headers['X-CSRF-Token'] = session.csrf;
    const response = await fetch(p, { method: m, headers, body: b === undefined ? undefined : JSON.stringify(b) });
    let data = null;
    try {
      data = await response.json();
    } catch {
      data = null;
    }
    return { status: response.status, body: data };
  }, { method, apiPath, body, csrf });
}
