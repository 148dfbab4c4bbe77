// DSPT sync: the single-page app. Boots the NHS design system's components, knows the session,
// draws the header and routes by the URL's hash (#/dashboard, #/assessment/VLAXL, ...).

import { initAll } from '/vendor/nhsuk-frontend.min.js';
import { get, del, setCsrf, onSignedOut, ApiError } from './api.js';
import { h, replace, clear, siteLabel } from './dom.js';
import { errorSummary, notificationBanner, pageHeading, insetText, breadcrumb, setFieldError } from './nhs.js';
import * as signin from './pages/signin.js';
import * as dashboard from './pages/dashboard.js';
import * as assessment from './pages/assessment.js';
import * as plan from './pages/plan.js';
import * as history from './pages/history.js';
import * as conflicts from './pages/conflicts.js';
import * as publish from './pages/publish.js';
import * as nhsPublication from './pages/nhs-publication.js';
import * as toolkitCopy from './pages/toolkit-copy.js';
import * as downloads from './pages/downloads.js';
import * as people from './pages/people.js';
import * as setPassword from './pages/set-password.js';
import * as questionSets from './pages/question-sets.js';
import * as incidents from './pages/incidents.js';
import * as library from './pages/library.js';
import * as branches from './pages/branches.js';
import * as organisationProfile from './pages/organisation-profile.js';
import { setDraftOwner, discardAllDrafts, takeLeftNotice } from './drafts.js';

// The markup nhsuk-frontend's own page template adds with an inline script (not allowed by the
// Content-Security-Policy): ES modules run only where the design system's JavaScript is supported.
document.body.classList.add('js-enabled', 'nhsuk-frontend-supported');

export const state = {
  session: null,   // GET /api/session, when signed in
  mode: null,      // "hq" or "branch"
  signedOutMessage: null,
  returnTo: null,  // the page to go back to after signing in again
};

const headerSlot = document.getElementById('app-header');
const beforeSlot = document.getElementById('app-before');
const mainSlot = document.getElementById('app-main');

// Initialises the design system's components in part of the page (each element once).
export function initComponents(scope) {
  initAll({ scope, onError: () => {} });
}

let baseTitle = 'DSPT sync';
function setTitle(title, hasError = false) {
  baseTitle = title ? `${title} - DSPT sync` : 'DSPT sync';
  document.title = hasError ? `Error: ${baseTitle}` : baseTitle;
}

// The error summary at the top of the page, focused (the NHS pattern). errors: [{text, href}] or
// an ApiError / message.
export function showErrors(errors, title) {
  const list = Array.isArray(errors) ? errors : [errorItem(errors)];
  clearMessages();
  const summary = errorSummary(list, title);
  mainSlot.prepend(summary);
  document.title = `Error: ${baseTitle}`;
  initComponents(summary.parentElement);
  summary.focus();
  return summary;
}

// A form's errors: the summary at the top, and each message beside its control too.
// errors: [{text, control}], control an element of the form or null (the summary alone).
export function showFormErrors(errors) {
  return showErrors(errors.map((error) => (error.control
    ? { text: error.text, href: `#${setFieldError(error.control, error.text)}` }
    : { text: error.text })));
}

function errorItem(error) {
  if (error instanceof ApiError) {
    const href = error.field ? `#${error.field}` : null;
    return { text: error.message, href: href && document.getElementById(error.field) ? href : null };
  }
  if (error && error.text) return error;
  return { text: String(error && error.message ? error.message : error) };
}

export function showSuccess(heading, ...body) {
  clearMessages();
  const banner = notificationBanner({ success: true, heading, body });
  mainSlot.prepend(banner);
  document.title = baseTitle;
  initComponents(mainSlot);
  banner.setAttribute('tabindex', '-1');
  banner.focus();
  return banner;
}

export function clearMessages() {
  mainSlot.querySelectorAll(':scope > .nhsuk-error-summary, :scope > .nhsuk-notification-banner').forEach((el) => el.remove());
  document.title = baseTitle;
}

// ---------------------------------------------------------------------------------------------
// The header

function navigationItems(session) {
  if (!session) return [];
  const items = [{ href: '#/dashboard', text: 'Dashboard', match: /^\/(dashboard)?$/ }];
  if (session.mode === 'branch') {
    const scope = session.branch || session.site?.ods || session.organisation?.hq;
    items.push({ href: `#/assessment/${encodeURIComponent(scope)}`, text: 'Assessment', match: /^\/assessment\/[^/]+$/ });
    items.push({ href: `#/assessment/${encodeURIComponent(scope)}/plan`, text: 'Improvement plan', match: /^\/assessment\/[^/]+\/plan$/ });
  }
  if (session.mode === 'hq' && session.organisation?.hq) {
    const hq = session.organisation.hq;
    items.push({ href: `#/assessment/${encodeURIComponent(hq)}`, text: 'Head office assessment', match: new RegExp(`^/assessment/${hq}(/.*)?$`) });
  }
  items.push({ href: '#/conflicts', text: 'Conflicts', match: /^\/conflicts/ });
  items.push({ href: '#/incidents', text: 'Incidents', match: /^\/incidents/ });
  items.push({ href: '#/library', text: 'Policy library', match: /^\/library/ });
  if (session.mode === 'hq') {
    items.push({ href: '#/publish', text: 'Sign off', match: /^\/publish/ });
    items.push({ href: '#/publications', text: 'Sign-offs', match: /^\/publications/ });
  }
  items.push({ href: '#/downloads', text: 'Downloads', match: /^\/downloads/ });
  if (session.mode === 'hq' && !session.branch) {
    items.push({ href: '#/question-sets', text: 'Question sets', match: /^\/question-sets/ });
  }
  if (session.mode === 'hq' && session.role === 'admin') {
    items.push({ href: '#/people', text: 'People and devices', match: /^\/people/ });
  }
  if (session.mode === 'hq' && session.role === 'admin' && !session.branch) {
    items.push({ href: '#/branches', text: 'Branches', match: /^\/branches/ });
    items.push({ href: '#/profile', text: 'Organisation profile', match: /^\/profile/ });
  }
  return items;
}

function roleText(session) {
  const where = session.branch ? siteLabel(session.site?.name, session.branch) : 'head office';
  return `${session.role} at ${where}`;
}

function renderHeader() {
  const session = state.session;
  const items = navigationItems(session);
  const header = h('header', { class: 'nhsuk-header', 'data-module': 'nhsuk-header', role: 'banner' },
    h('div', { class: 'nhsuk-header__container nhsuk-width-container' },
      h('div', { class: 'nhsuk-header__service' },
        h('a', { class: 'nhsuk-header__service-logo', href: session ? '#/dashboard' : '#/signin', 'aria-label': 'DSPT sync homepage' },
          h('span', { class: 'nhsuk-header__service-name', text: 'DSPT sync' }))),
      session ? h('nav', { class: 'nhsuk-header__account', 'aria-label': 'Account' },
        h('ul', { class: 'nhsuk-header__account-list' },
          h('li', { class: 'nhsuk-header__account-item', id: 'account-user', text: `${session.user}, ${roleText(session)}` }),
          session.mode === 'branch' && session.site ? h('li', { class: 'nhsuk-header__account-item', text: 'Working on this computer' }) : null,
          h('li', { class: 'nhsuk-header__account-item' },
            h('form', { class: 'nhsuk-header__account-form', method: 'post', action: '/', novalidate: true, on: { submit: signOut } },
              h('button', { class: 'nhsuk-header__account-button', type: 'submit', text: 'Sign out' })))))
        : null),
    items.length ? h('nav', { class: 'nhsuk-header__navigation', 'aria-label': 'Menu' },
      h('div', { class: 'nhsuk-header__navigation-container nhsuk-width-container' },
        h('ul', { class: 'nhsuk-header__navigation-list' },
          items.map((item) => h('li', { class: 'nhsuk-header__navigation-item', dataset: { match: item.match.source } },
            h('a', { class: 'nhsuk-header__navigation-link', href: item.href, text: item.text }))),
          h('li', { class: 'nhsuk-header__menu', hidden: true },
            h('button', { class: 'nhsuk-header__menu-toggle nhsuk-header__navigation-link', id: 'toggle-menu', 'aria-expanded': 'false', type: 'button' },
              h('span', { class: 'nhsuk-u-visually-hidden', text: 'Browse ' }), 'More')))))
      : null);
  replace(headerSlot, header);
  initComponents(headerSlot);
}

function markCurrentNavigation(path) {
  headerSlot.querySelectorAll('.nhsuk-header__navigation-item[data-match]').forEach((item) => {
    const current = new RegExp(item.dataset.match).test(path);
    item.classList.toggle('nhsuk-header__navigation-item--current', current);
    const link = item.querySelector('a');
    if (!link) return;
    if (current) link.setAttribute('aria-current', 'page'); else link.removeAttribute('aria-current');
    const text = link.textContent;
    replace(link, current ? h('strong', { class: 'nhsuk-header__navigation-item-current-fallback', text }) : text);
  });
}

async function signOut(event) {
  event.preventDefault();
  try {
    await del('/api/session');
  } catch {
    // Signed out already, or the server is gone: either way the page forgets the session.
  }
  setSession(null);
  discardAllDrafts();  // on purpose: nothing typed stays behind on this computer
  state.signedOutMessage = 'You have signed out.';
  navigate('#/signin');
}

export function setSession(session) {
  state.session = session;
  if (session) setDraftOwner(session.user);
  if (session) state.mode = session.mode;
  setCsrf(session ? session.csrf : null);
  renderHeader();
}

onSignedOut(() => {
  if (!state.session) return;
  state.returnTo = location.hash && !location.hash.startsWith('#/signin') ? location.hash : null;
  setSession(null);
  state.signedOutMessage = 'Your session has ended. Sign in again to carry on.';
  navigate('#/signin');
});

// ---------------------------------------------------------------------------------------------
// Routing

const routes = [
  [/^\/signin$/, signin.render, { public: true }],
  [/^\/(dashboard)?$/, dashboard.render],
  [/^\/assessment\/([^/]+)$/, assessment.render],
  [/^\/assessment\/([^/]+)\/plan$/, plan.render],
  [/^\/assessment\/([^/]+)\/toolkit$/, toolkitCopy.render],
  [/^\/assessment\/([^/]+)\/history\/([^/]+)$/, history.render],
  [/^\/conflicts$/, conflicts.render],
  [/^\/publish$/, publish.renderChoose],
  [/^\/publish\/preview$/, publish.renderPreview],
  [/^\/publications$/, publish.renderList],
  [/^\/publications\/nhs\/new$/, nhsPublication.renderRecord],
  [/^\/publications\/([^/]+)$/, publish.renderPublication],
  [/^\/downloads$/, downloads.render],
  [/^\/people$/, people.render],
  [/^\/people\/revoke\/([^/]+)$/, people.renderRevoke],
  [/^\/people\/add$/, people.renderAdd],
  [/^\/people\/role\/([^/]+)$/, people.renderRole],
  [/^\/people\/reset\/([^/]+)$/, people.renderReset],
  [/^\/set-password\/([^/]+)$/, setPassword.render, { public: true }],
  [/^\/question-sets$/, questionSets.render],
  [/^\/incidents$/, incidents.render],
  [/^\/incidents\/new$/, incidents.renderNew],
  [/^\/incidents\/([^/]+)$/, incidents.renderIncident],
  [/^\/incidents\/([^/]+)\/edit$/, incidents.renderEdit],
  [/^\/library$/, library.render],
  [/^\/library\/new$/, library.renderNew],
  [/^\/library\/([^/]+)$/, library.renderDocument],
  [/^\/library\/([^/]+)\/version$/, library.renderVersion],
  [/^\/branches$/, branches.render],
  [/^\/branches\/([^/]+)\/rename$/, branches.renderRename],
  [/^\/branches\/([^/]+)\/remove$/, branches.renderRemove],
  [/^\/profile$/, organisationProfile.render],
];

export function navigate(hash, { replaceState = false } = {}) {
  if (location.hash === hash) {
    route();
  } else if (replaceState) {
    history_replace(hash);
    route();
  } else {
    location.hash = hash;
  }
}

function history_replace(hash) {
  window.history.replaceState(null, '', hash);
}

function parseHash() {
  const raw = location.hash.startsWith('#') ? location.hash.slice(1) : location.hash;
  const [pathPart, queryPart = ''] = raw.split('?');
  const path = pathPart || '/';
  const query = new URLSearchParams(queryPart);
  return { path, query };
}

let renderCount = 0;
let firstRender = true;

async function route() {
  const raw = location.hash;
  // Links inside a page (#maincontent, an error summary's #field) are not pages.
  if (raw && !raw.startsWith('#/')) return;
  const { path, query } = parseHash();
  const ticket = ++renderCount;
  const found = routes.find(([pattern]) => pattern.test(path));
  markCurrentNavigation(path);

  if (!found) {
    show(ticket, { title: 'Page not found', body: [pageHeading('Page not found'), h('p', {}, 'Check the address, or go to the ', h('a', { href: '#/dashboard', text: 'dashboard' }), '.')] });
    return;
  }
  const [pattern, render, options = {}] = found;
  if (!options.public && !state.session) {
    state.returnTo = raw || null;
    if (raw !== '#/signin') history_replace('#/signin');
    markCurrentNavigation('/signin');
    const page = await signin.render({ params: [], query: new URLSearchParams(), state, navigate });
    show(ticket, page, '#/signin');
    return;
  }
  const params = pattern.exec(path).slice(1).map((part) => (part === undefined ? part : decodeURIComponent(part)));
  mainSlot.setAttribute('aria-busy', 'true');
  let page;
  try {
    page = await render({ params, query, state, navigate });
  } catch (error) {
    if (ticket !== renderCount) return;
    if (error instanceof ApiError && error.status === 401) return;  // onSignedOut took over
    page = errorPage(error);
  }
  if (ticket !== renderCount || !page) return;
  show(ticket, page, raw);
}

function errorPage(error) {
  const api = error instanceof ApiError;
  const title = api && error.status === 404 ? 'Not found'
    : api && error.status === 403 ? 'You cannot see this page'
      : 'Sorry, there is a problem';
  if (!api) console.error(error);
  return {
    title,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body: [
      pageHeading(title),
      insetText(h('p', { text: api ? error.message : 'The page could not be shown. Try again; if it keeps happening, tell your administrator.' })),
      h('p', {}, h('a', { href: location.hash || '#/dashboard', on: { click: (event) => { event.preventDefault(); route(); } }, text: 'Try again' })),
    ],
  };
}

// Puts a page in place: {title, breadcrumb, body: [nodes], errors: [...], focus: element}.
// `data-route` on the main element says which page is shown (scripts and tests wait for it).
function show(ticket, page, raw = location.hash) {
  if (ticket !== renderCount) return;
  setTitle(page.title);
  replace(beforeSlot, page.breadcrumb || null);
  replace(mainSlot, page.body);
  mainSlot.removeAttribute('aria-busy');
  mainSlot.dataset.route = raw || '#/';
  initComponents(beforeSlot);
  initComponents(mainSlot);
  if (page.after) page.after();
  const leftUnsaved = takeLeftNotice();  // answers not saved on the page just left
  if (leftUnsaved) mainSlot.prepend(leftUnsaved);
  if (page.errors && page.errors.length) {
    showErrors(page.errors);
  } else if (page.success) {
    showSuccess(page.success);
  } else if (!firstRender || page.focus) {
    const target = page.focus || mainSlot.querySelector('h1');
    if (target) {
      if (!target.hasAttribute('tabindex')) target.setAttribute('tabindex', '-1');
      target.focus();
    }
    window.scrollTo(0, 0);
  }
  firstRender = false;
}

// Re-renders the current page (after a change that affects all of it).
export function refresh() {
  return route();
}

async function boot() {
  try {
    const session = await get('/api/session', { quiet401: true });
    state.mode = session.mode;
    setSession(session);
  } catch (error) {
    if (error instanceof ApiError && error.status === 401) {
      state.mode = (error.body && error.body.mode) || 'hq';
      setSession(null);
    } else {
      setSession(null);
      clear(mainSlot);
      show(++renderCount, errorPage(error));
      return;
    }
  }
  window.addEventListener('hashchange', route);
  if (!location.hash || location.hash === '#') history_replace(state.session ? '#/dashboard' : '#/signin');
  route();
}

boot();
