// One assessment (head office's own or a branch's effective one): the status it would publish at,
// every item by topic group with its answer, comment, provenance and who changed it, overrides,
// sharing (head office), assertions; filters as in the toolkit, applied to the loaded data.

import { get, put, enc, ApiError } from '../api.js';
import {
  h, replace, formatTime, formatDate, plural, idPart, siteLabel, jumpLink as domJumpLink,
} from '../dom.js';
import {
  pageHeading, breadcrumb, statusTag, tag, summaryList, progress, details, insetText, warningCallout,
  textInput, textarea, radios, select, dateInput, readDateInput, singleCheckbox, button, setFieldError, clearFieldErrors,
} from '../nhs.js';
import { showErrors, clearMessages, initComponents } from '../app.js';
import { keepDraft, discardDraft, draftsUnder, leaveNotice } from '../drafts.js';

const filtersByScope = new Map();

const TYPE_NAMES = { yes_no: 'Yes or no', date: 'Date', number: 'Number', document: 'Document', text: 'Text' };
const PLAN_STATES = { open: 'Open', in_progress: 'In progress', done: 'Done' };

// The library documents linked to an item (its answer's first): title, current version and review
// date, each a link to the document's page.
function linkedDocuments(item) {
  const documents = item.documents || [];
  if (!documents.length) return null;
  return h('div', { class: 'app-item__documents', id: `item-${item.id}-documents` },
    h('h4', { class: 'nhsuk-heading-xs', text: 'From the policy library' }),
    h('ul', { class: 'nhsuk-list' }, documents.map((doc) => h('li', { dataset: { document: doc.id } },
      h('a', { href: `#/library/${enc(doc.id)}` }, doc.title),
      h('span', { class: 'app-secondary', text: ` version ${doc.version}${doc.reviewBy ? `, review by ${doc.reviewBy}` : ''}` })))));
}

export async function render({ params, query, state }) {
  const scope = params[0];
  const data = await get(`/api/assessment/${enc(scope)}`);
  const page = new AssessmentPage(scope, data, state.session);
  const body = page.build();
  guardUnsaved(page);
  const focusItem = query.get('item');
  const view = query.get('view');
  return {
    title: `${siteLabel(data.name, data.scope)} assessment`,
    breadcrumb: breadcrumb([{ text: 'Dashboard', href: '#/dashboard' }], { text: 'Dashboard', href: '#/dashboard' }),
    body,
    after: () => {
      const target = focusItem ? document.getElementById(`item-${focusItem}-heading`)
        : view === 'overrides' ? document.getElementById('overrides-heading') : null;
      if (target) setTimeout(() => { target.scrollIntoView(); target.focus(); }, 0);
    },
  };
}

// A link to an item or section of this page; a target hidden by the filters is shown first.
function jumpLink(text, targetId) {
  return domJumpLink(text, targetId, { reveal: (target) => resetFiltersFor(target) });
}

let resetFiltersFor = () => {};

// Answers typed and not saved when leaving. Closing the tab, reloading or leaving the app asks
// first (the browser's own question): a closed tab takes its drafts with it. Moving to another page
// of the app does not ask: the drafts stay in this tab and come back with the page, so a question
// would only get in the way of someone checking the plan or a policy mid-answer. The next page says
// instead how many answers are not saved yet, with a link back to them, so nobody thinks the
// toolkit has them.
let unsavedGuard = null;

function guardUnsaved(page) {
  if (unsavedGuard) unsavedGuard.remove();
  const prefix = page.draftPrefix();
  const pagePath = location.hash.split('?')[0];
  const onBeforeUnload = (event) => {
    if (!draftsUnder(prefix).length) return;
    event.preventDefault();
    event.returnValue = '';
  };
  const onHashChange = () => {
    if (!location.hash.startsWith('#/')) return;  // a link within the page, not another page
    remove();
    if (location.hash.split('?')[0] === pagePath) return;  // this page again: it guards itself
    const unsaved = draftsUnder(prefix);
    if (unsaved.length) leaveNotice(page.unsavedNotice(unsaved));
  };
  const remove = () => {
    window.removeEventListener('beforeunload', onBeforeUnload);
    window.removeEventListener('hashchange', onHashChange);
    unsavedGuard = null;
  };
  window.addEventListener('beforeunload', onBeforeUnload);
  window.addEventListener('hashchange', onHashChange);
  unsavedGuard = { remove };
}

function listText(ids) {
  return ids.length === 1 ? ids[0] : `${ids.slice(0, -1).join(', ')} and ${ids[ids.length - 1]}`;
}

function valueText(value, type) {
  if (value === null || value === undefined || value === '') return '';
  if (type === 'yes_no') return value === 'yes' ? 'Yes' : value === 'no' ? 'No' : value;
  if (type === 'date') return formatDate(value);
  return value;
}

function whoWhen(record) {
  if (!record) return '';
  const parts = [];
  if (record.by) parts.push(record.by);
  const when = formatTime(record.at, record.atText);
  if (when) parts.push(when);
  return parts.join(', ');
}

class AssessmentPage {
  constructor(scope, data, session) {
    this.scope = scope;
    this.data = data;
    this.session = session;
    this.filters = filtersByScope.get(scope) || { mandatory: '', completed: '', confirmed: '', owner: '', group: '', sharing: '' };
    filtersByScope.set(scope, this.filters);
    resetFiltersFor = () => this.resetFilters();
  }

  // A store made with `dsptsync init`: no head office, no branches, no sharing to speak of.
  get singleSite() {
    return Boolean(this.session.organisation?.singleSite);
  }

  // What kind of assessment this is, for its heading ('' for a single site).
  kindText() {
    if (this.singleSite) return '';
    return this.data.kind === 'branch' ? ', branch' : ', head office';
  }

  get readOnly() {
    return this.session.role === 'viewer';
  }

  assertionsById() {
    return new Map((this.data.assertions || []).map((assertion) => [assertion.id, assertion]));
  }

  allItems() {
    return (this.data.groups || []).flatMap((group) => group.items.map((item) => ({ ...item, group: group.name })));
  }

  build() {
    const data = this.data;
    this.summarySlot = h('div', { id: 'assessment-summary' }, this.summary());
    this.filterStatus = h('p', { class: 'app-filter-status', role: 'status', id: 'filter-status' });
    this.itemsSlot = h('div', { id: 'items' }, this.groups());
    this.assertionsSlot = h('div', { id: 'assertions' }, this.assertionsWithoutItems());
    const body = [
      pageHeading(`${siteLabel(data.name, data.scope)}`, `${data.year} assessment${this.kindText()}`),
      this.readOnly || !data.canEdit
        ? insetText(h('p', { text: this.readOnly ? 'You are a viewer: you can read this assessment but not change it.' : 'You can read this assessment but not change it.' }))
        : null,
      this.summarySlot,
      h('ul', { class: 'nhsuk-list app-inline-list' },
        h('li', {}, h('a', { href: `#/assessment/${enc(this.scope)}/plan`, text: 'Improvement plan' })),
        h('li', {}, h('a', { href: `#/conflicts?scope=${enc(this.scope)}`, text: 'Conflicts' })),
        h('li', {}, h('a', { href: `/api/export?scope=${enc(this.scope)}&format=xlsx`, text: 'Download (Excel)' })),
        h('li', {}, h('a', { href: `#/assessment/${enc(this.scope)}/toolkit`, id: 'toolkit-copy-link', text: 'Copy into the NHS toolkit' }))),
      this.filterForm(),
      this.filterStatus,
      this.itemsSlot,
      this.assertionsSlot,
      questionSetSection(data.questionSet, data.year),
    ];
    this.applyFilters();
    return body;
  }

  // -------------------------------------------------------------------------------------------
  // The status and what blocks the next level

  summary() {
    const evaluation = this.data.evaluation || {};
    const items = this.allItems();
    const overrides = items.filter((item) => item.override);
    const toReview = items.filter((item) => item.review);
    const problems = evaluation.problems || [];
    const warnings = evaluation.warnings || [];
    return h('section', { 'aria-labelledby': 'status-heading', class: 'app-section' },
      h('h2', { class: 'nhsuk-heading-m', id: 'status-heading', text: 'Status' }),
      summaryList([
        { key: 'Would publish now', value: h('span', { id: 'assessment-status' }, statusTag(evaluation.status, evaluation.statusName)) },
        evaluation.publicStatus ? { key: 'As the NHS toolkit would write it', value: evaluation.publicStatus } : null,
        { key: 'Mandatory items provided', value: progress(evaluation.mandatory?.provided ?? 0, evaluation.mandatory?.total ?? 0) },
        { key: 'Assertions confirmed', value: `${evaluation.assertions?.confirmed ?? 0} of ${evaluation.assertions?.total ?? 0}` },
        { key: 'Open conflicts', value: evaluation.conflicts ? h('a', { href: `#/conflicts?scope=${enc(this.scope)}`, text: String(evaluation.conflicts) }) : '0' },
        { key: 'Overrides', value: overrides.length ? jumpLink(String(overrides.length), 'overrides-heading') : '0' },
        toReview.length ? { key: 'Answers to review', value: h('span', { id: 'answers-to-review' }, toReview.map((item, index) => [index ? ', ' : '', jumpLink(item.id, `item-${item.id}-heading`)])) } : null,
      ]),
      warnings.length ? warningCallout('Take note', h('ul', {}, warnings.map((warning) => h('li', { text: warning })))) : null,
      problems.length ? details(`What blocks ${levelName(evaluation.nextLevel)} (${problems.length})`,
        h('ul', { class: 'app-problems' }, problems.map((problem) => h('li', {},
          this.problemTarget(problem.item) ? jumpLink(problem.message, this.problemTarget(problem.item)) : problem.message,
          null))))
        : null,
      overrides.length ? h('section', { 'aria-labelledby': 'overrides-heading', id: 'overrides' },
        h('h3', { class: 'nhsuk-heading-s', id: 'overrides-heading', tabindex: '-1', text: 'Overrides of shared answers' }),
        h('ul', { class: 'nhsuk-list' }, overrides.map((item) => h('li', {},
          jumpLink(item.id, `item-${item.id}-heading`), `: ${item.override.reason}`,
          h('span', { class: 'app-secondary', text: ` (${whoWhen(item.override)})` }))))) : null);
  }

  problemTarget(id) {
    if (!id) return null;
    if (this.findItem(id)) return `item-${id}-heading`;
    if (this.assertionsById().has(id)) return `assertion-${id}-heading`;
    return null;
  }

  // -------------------------------------------------------------------------------------------
  // Filters, as the toolkit's, on the loaded data

  filterForm() {
    const items = this.allItems();
    const owners = [...new Set([...(this.data.owners || []), ...(this.data.assertions || []).map((assertion) => assertion.owner).filter(Boolean)])].sort();
    const groups = (this.data.groups || []).map((group) => group.name);
    const choice = (id, labelText, options) => {
      const element = select({ id: `filter-${id}`, label: labelText, labelClass: 'nhsuk-label--s', value: this.filters[id], options });
      element.classList.add('app-filter');
      element.querySelector('select').addEventListener('change', (event) => {
        this.filters[id] = event.target.value;
        this.applyFilters();
      });
      return element;
    };
    const form = h('form', { class: 'app-filters', id: 'filters', novalidate: true, 'aria-labelledby': 'filters-heading', action: '/', method: 'get' },
      h('h2', { class: 'nhsuk-heading-s', id: 'filters-heading', text: 'Filter' }),
      h('div', { class: 'app-filters__row' },
        choice('mandatory', 'Mandatory', [{ value: '', text: 'All items' }, { value: 'yes', text: 'Mandatory' }, { value: 'no', text: 'Not mandatory' }]),
        choice('completed', 'Completed', [{ value: '', text: 'All items' }, { value: 'yes', text: 'Completed' }, { value: 'no', text: 'Not completed' }]),
        choice('confirmed', 'Assertion confirmed', [{ value: '', text: 'All' }, { value: 'yes', text: 'Confirmed' }, { value: 'no', text: 'Not confirmed' }]),
        choice('owner', 'Owner', [{ value: '', text: 'Anyone' }, { value: '-', text: 'No owner' }, ...owners.map((owner) => ({ value: owner, text: owner }))]),
        choice('group', 'Group', [{ value: '', text: 'All groups' }, ...groups.map((group) => ({ value: group, text: group }))]),
        this.singleSite ? null : choice('sharing', 'Answered by', [{ value: '', text: 'Anyone' }, { value: 'shared', text: 'Head office (shared)' }, { value: 'branch', text: this.data.kind === 'branch' ? 'This branch' : 'Each branch' }])),
      button('Clear filters', { variant: 'secondary', small: true, type: 'button', id: 'clear-filters', on: () => this.resetFilters(true) }));
    form.addEventListener('submit', (event) => event.preventDefault());
    this.totalItems = items.length;
    return form;
  }

  resetFilters(focusStatus = false) {
    for (const key of Object.keys(this.filters)) this.filters[key] = '';
    document.querySelectorAll('.app-filters select').forEach((control) => { control.value = ''; });
    this.applyFilters();
    if (focusStatus) this.filterStatus.focus?.();
  }

  itemMatches(item, assertion) {
    const f = this.filters;
    if (f.mandatory && (f.mandatory === 'yes') !== Boolean(item.mandatory)) return false;
    if (f.completed && (f.completed === 'yes') !== Boolean(item.completed)) return false;
    if (f.confirmed && (f.confirmed === 'yes') !== Boolean(assertion && assertion.confirmed)) return false;
    if (f.owner) {
      const owner = assertion && assertion.owner ? assertion.owner : '';
      if (f.owner === '-' ? owner !== '' : owner !== f.owner) return false;
    }
    if (f.group && item.group !== f.group) return false;
    if (f.sharing && f.sharing !== (isShared(item) ? 'shared' : 'branch')) return false;
    return true;
  }

  assertionMatches(assertion) {
    const f = this.filters;
    if (f.confirmed && (f.confirmed === 'yes') !== Boolean(assertion.confirmed)) return false;
    if (f.owner) {
      const owner = assertion.owner || '';
      if (f.owner === '-' ? owner !== '' : owner !== f.owner) return false;
    }
    const items = this.allItems().filter((item) => item.assertion === assertion.id);
    if ((f.mandatory || f.completed || f.group || f.sharing) && !items.some((item) => this.itemMatches(item, assertion))) return false;
    return true;
  }

  applyFilters() {
    const assertions = this.assertionsById();
    let shownItems = 0;
    let totalItems = 0;
    let shownAssertions = 0;
    const assertionSections = [...this.itemsSlot.querySelectorAll('.app-assertion'), ...this.assertionsSlot.querySelectorAll('.app-assertion')];
    for (const section of assertionSections) {
      const assertion = assertions.get(section.dataset.assertion);
      const visible = Boolean(assertion) && this.assertionMatches(assertion);
      section.hidden = !visible;
      if (visible) shownAssertions += 1;
    }
    for (const groupSection of this.itemsSlot.querySelectorAll('.app-group')) {
      let shownInGroup = 0;
      for (const section of groupSection.querySelectorAll('.app-item')) {
        const item = this.findItem(section.dataset.item);
        totalItems += 1;
        const visible = Boolean(item) && this.itemMatches(item, assertions.get(item.assertion));
        section.hidden = !visible;
        if (visible) { shownInGroup += 1; shownItems += 1; }
      }
      const assertionShown = [...groupSection.querySelectorAll('.app-assertion')].some((section) => !section.hidden);
      groupSection.hidden = shownInGroup === 0 && !assertionShown;
    }
    const filtered = Object.values(this.filters).some(Boolean);
    this.filterStatus.textContent = filtered
      ? `Showing ${shownItems} of ${plural(totalItems, 'item')} and ${shownAssertions} of ${plural(assertionSections.length, 'assertion')}.`
      : `Showing all ${plural(totalItems, 'item')} and ${plural(assertionSections.length, 'assertion')}.`;
    const none = this.itemsSlot.querySelector('#no-matches');
    if (none) none.hidden = shownItems !== 0;
  }

  findItem(id) {
    return this.allItems().find((item) => item.id === id);
  }

  // -------------------------------------------------------------------------------------------
  // Items

  groups() {
    const after = this.assertionsAfterItems();
    return [
      h('p', { id: 'no-matches', hidden: true, text: 'No items match these filters.' }),
      h('p', { class: 'app-secondary', text: 'Each assertion follows the last of its evidence items. Confirming an assertion says the evidence entered for it is correct. Every assertion must be confirmed to publish.' }),
      h('datalist', { id: 'owner-names' }, this.ownerNames().map((owner) => h('option', { value: owner }))),
      (this.data.groups || []).map((group) => h('section', { class: 'app-group', 'aria-labelledby': `group-${idPart(group.name)}` },
        h('h2', { class: 'nhsuk-heading-l app-group__heading', id: `group-${idPart(group.name)}`, text: group.name }),
        group.items.map((item) => [
          this.itemSection({ ...item, group: group.name }),
          (after.get(item.id) || []).map((assertion) => this.assertionBlock(assertion)),
        ]),
        this.groupSave(group))),
    ];
  }

  // Each assertion with the item it follows: the last of its items in the page's order.
  assertionsAfterItems() {
    const lastItem = new Map();
    for (const item of this.allItems()) lastItem.set(item.assertion, item.id);
    const after = new Map();
    for (const assertion of this.data.assertions || []) {
      const itemId = lastItem.get(assertion.id);
      if (!itemId) continue;
      if (!after.has(itemId)) after.set(itemId, []);
      after.get(itemId).push(assertion);
    }
    return after;
  }

  ownerNames() {
    const assertions = this.data.assertions || [];
    return [...new Set([...(this.data.owners || []), ...assertions.map((assertion) => assertion.owner).filter(Boolean)])].sort();
  }

  // One Save for every changed answer and comment of the group, in one request.
  groupSave(group) {
    const canEdit = !this.readOnly && this.data.canEdit !== false && group.items.some((item) => item.editable);
    if (!canEdit) return null;
    const slug = idPart(group.name);
    return h('div', { class: 'app-group__save' },
      h('button', {
        class: 'nhsuk-button', 'data-module': 'nhsuk-button', type: 'button', id: `save-group-${slug}`,
        on: { click: () => this.saveGroup(group.name, slug) },
      }, 'Save all changes in this group', h('span', { class: 'nhsuk-u-visually-hidden', text: ` (${group.name})` })),
      h('p', { class: 'app-item__status', id: `group-${slug}-status`, role: 'status', tabindex: '-1' }));
  }

  draftPrefix() {
    return `${this.scope}/${this.data.year}/`;
  }

  // Shown on the next page when this one is left with answers not saved (guardUnsaved).
  unsavedNotice(itemIds) {
    const count = itemIds.length;
    return insetText(h('p', { id: 'unsaved-notice', role: 'status' },
      h('strong', { text: `${plural(count, 'answer')} not saved yet` }),
      ` on the ${siteLabel(this.data.name, this.data.scope)} assessment (${listText(itemIds)}). ${count === 1 ? 'It is' : 'They are'} kept in this browser tab until saved: `,
      h('a', { href: `#/assessment/${enc(this.scope)}?item=${enc(itemIds[0])}`, text: 'go back to save them' }), '.'));
  }

  itemSection(item, statusText = '') {
    const id = item.id;
    const canEdit = !this.readOnly && this.data.canEdit !== false && item.editable;
    const section = h('section', { class: ['app-item', item.completed ? 'app-item--completed' : ''], id: `item-${id}`, 'aria-labelledby': `item-${id}-heading`, dataset: { item: id } },
      h('h3', { class: 'nhsuk-heading-s app-item__heading', id: `item-${id}-heading`, tabindex: '-1' },
        h('span', { class: 'app-item__id', text: id }), ' ', item.question),
      this.itemTags(item),
      item.guidance ? details('Guidance', h('p', { class: 'app-pre-line', text: item.guidance })) : null,
      conflictNotice(item, this.scope),
      this.sharedNotice(item),
      reviewNotice(item),
      incidentsNotice(item, this.scope),
      canEdit ? this.answerForm(item) : this.readOnlyValues(item),
      linkedDocuments(item),
      this.lastChanged(item),
      this.planSummary(item),
      this.overrideControls(item),
      this.sharingControls(item),
      h('ul', { class: 'nhsuk-list app-inline-list app-item__links' },
        !item.completed || item.plan ? h('li', {}, h('a', { href: `#/assessment/${enc(this.scope)}/plan?item=${enc(id)}` },
          'Improvement plan', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` }))) : null,
        h('li', {}, h('a', { href: `#/assessment/${enc(this.scope)}/history/${enc(id)}` },
          'History', h('span', { class: 'nhsuk-u-visually-hidden', text: ` of ${id}` })))),
      h('p', { class: 'app-item__status', id: `item-${id}-status`, role: 'status', tabindex: '-1', text: statusText }));
    return section;
  }

  // Who answers an item that is not shared: nobody to tell apart on a single site.
  ownerTag() {
    if (this.singleSite) return null;
    return tag(this.data.kind === 'branch' ? 'Branch' : 'Head office', 'aqua-green');
  }

  itemTags(item) {
    const tags = [
      item.mandatory ? tag('Mandatory', 'blue') : tag('Not mandatory', 'grey'),
      item.completed ? tag('Completed', 'green') : tag('Not completed', 'white'),
      isShared(item) ? tag('Shared by head office', 'purple') : this.ownerTag(),
      item.override ? tag('Overridden', 'orange') : null,
      inConflict(item) ? tag('Conflict', 'red') : null,
      item.review ? tag('Answer to review', 'yellow') : null,
      h('span', { class: 'app-secondary', text: TYPE_NAMES[item.type] || item.type }),
    ];
    return h('ul', { class: 'app-tags', 'aria-label': `About ${item.id}` }, tags.filter(Boolean).map((t) => h('li', {}, t)));
  }

  sharedNotice(item) {
    if (this.data.kind !== 'branch' || !item.shared || item.override) return null;
    return insetText(h('p', { text: 'Head office answers this item for every branch. To answer it for this branch, record an override with the reason your practice differs.' }));
  }

  readOnlyValues(item) {
    const answer = item.answer;
    return summaryList([
      { key: 'Answer', value: answer && answer.value !== null && answer.value !== '' ? valueText(answer.value, item.type) : '', empty: 'Not answered' },
      item.type === 'document' ? { key: 'Where it is kept', value: answer && answer.location ? answer.location : '' } : null,
      { key: 'Comment', value: item.comment && item.comment.value ? h('span', { class: 'app-pre-line', text: item.comment.value }) : '', empty: 'None' },
    ], { classes: 'app-values' });
  }

  answerForm(item) {
    const id = item.id;
    const answerId = `answer-${id}`;
    const current = item.answer ? item.answer.value ?? '' : '';
    let control;
    switch (item.type) {
      case 'yes_no':
        control = radios({
          idPrefix: answerId, legend: h('span', {}, 'Answer', h('span', { class: 'nhsuk-u-visually-hidden', text: ` to ${id}` })),
          inline: true, value: current, items: [{ value: 'yes', text: 'Yes' }, { value: 'no', text: 'No' }],
        });
        break;
      case 'date':
        control = dateInput({ idPrefix: answerId, legend: h('span', {}, 'Date', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` })), value: current });
        break;
      case 'number':
        control = textInput({ id: answerId, label: h('span', {}, 'Number', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` })), labelClass: 'nhsuk-label--s', value: current, width: 10, inputmode: 'decimal', hint: 'Digits only, for example 12 or 95.5' });
        break;
      case 'document':
        control = h('div', {},
          textInput({ id: answerId, label: h('span', {}, 'Document name', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${id}` })), labelClass: 'nhsuk-label--s', value: current }),
          textInput({ id: `location-${id}`, label: 'Where it is kept (optional)', hint: 'A folder path or a link', value: item.answer?.location || '', spellcheck: 'false' }));
        break;
      default:
        control = textarea({ id: answerId, label: h('span', {}, 'Answer', h('span', { class: 'nhsuk-u-visually-hidden', text: ` to ${id}` })), labelClass: 'nhsuk-label--s', value: current, rows: 3 });
    }
    const form = h('form', { class: 'app-item__form', novalidate: true, action: '/', method: 'post', id: `form-${id}` },
      control,
      textarea({ id: `comment-${id}`, label: h('span', {}, 'Comment (optional)', h('span', { class: 'nhsuk-u-visually-hidden', text: ` on ${id}` })), value: item.comment?.value || '', rows: 2 }),
      h('button', { class: 'nhsuk-button nhsuk-button--secondary app-save', 'data-module': 'nhsuk-button', type: 'submit', id: `save-${id}` },
        'Save', h('span', { class: 'nhsuk-u-visually-hidden', text: ` ${id}` })));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      this.saveItem(item, form);
    });
    // What was typed and not saved comes back after a reload, another page or an idle sign-out.
    keepDraft(form, this.draftKey(id), () => form.prepend(h('p', { class: 'app-draft-notice', id: `draft-${id}` },
      tag('Not saved yet', 'orange'), ' What you typed before is back. Save it to keep it.')));
    return form;
  }

  draftKey(itemId) {
    return `${this.scope}/${this.data.year}/${itemId}`;
  }

  lastChanged(item) {
    const rows = [];
    if (item.answer && (item.answer.by || item.answer.at)) {
      rows.push(h('span', {}, `Answer last changed by ${whoWhen(item.answer)}`,
        item.answer.device ? h('span', { class: 'app-secondary', text: ` (device ${String(item.answer.device).slice(0, 8)})` }) : null,
        item.answer.merged ? h('span', { class: 'app-secondary', text: ' (merged from edits made at the same time)' }) : null));
    }
    if (item.comment && (item.comment.by || item.comment.at)) rows.push(`Comment last changed by ${whoWhen(item.comment)}`);
    if (!rows.length) return h('p', { class: 'app-meta', text: 'Not changed yet.' });
    return h('p', { class: 'app-meta' }, rows.map((row, index) => [index ? h('br') : null, row]));
  }

  planSummary(item) {
    if (!item.plan || !(item.plan.action || item.plan.owner || item.plan.due || item.plan.state)) return null;
    const plan = item.plan;
    return h('p', { class: 'app-meta' }, h('strong', { text: 'Improvement plan: ' }),
      [plan.action || 'No action yet', plan.owner ? `, owner ${plan.owner}` : '', plan.due ? `, due ${formatDate(plan.due)}` : '',
        plan.state ? ` (${PLAN_STATES[plan.state] || plan.state})` : ''].join(''));
  }

  overrideControls(item) {
    if (this.data.kind !== 'branch') return null;
    const sharedByHq = item.sharing === 'shared' || item.shared || item.override;
    if (!sharedByHq) return null;
    const may = this.data.canOverride && !this.readOnly;
    if (item.override) {
      const block = h('div', { class: 'app-override' },
        h('p', {}, h('strong', { text: 'Overridden: ' }), item.override.reason,
          h('span', { class: 'app-secondary', text: ` (${whoWhen(item.override)})` })));
      if (may) {
        block.append(button('Withdraw the override', {
          variant: 'secondary', small: true, type: 'button', id: `withdraw-override-${item.id}`,
          on: () => this.saveOverride(item, '', block),
        }));
      }
      return block;
    }
    if (!may) return null;
    const reasonId = `override-reason-${item.id}`;
    const form = h('form', { novalidate: true, action: '/', method: 'post', class: 'app-override-form' },
      textarea({ id: reasonId, label: 'Why does this branch answer it itself?', hint: 'For example, this branch follows the council’s policy', rows: 2 }),
      button('Record the override', { variant: 'secondary', small: true, id: `override-${item.id}` }));
    form.addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = form.querySelector('textarea').value.trim();
      clearFieldErrors(form);
      if (!reason) {
        const field = setFieldError(form.querySelector('textarea'), 'Enter the reason this branch answers the item itself');
        showErrors([{ text: 'Enter the reason this branch answers the item itself', href: `#${field}` }]);
        return;
      }
      this.saveOverride(item, reason, form);
    });
    return details(h('span', {}, 'This branch’s practice differs', h('span', { class: 'nhsuk-u-visually-hidden', text: ` (${item.id})` })), form);
  }

  sharingControls(item) {
    if (!this.data.canShare || this.readOnly || this.data.kind === 'branch') return null;
    const current = item.sharing || (item.shared ? 'shared' : 'branch');
    const form = h('form', { novalidate: true, action: '/', method: 'post', class: 'app-sharing-form' },
      radios({
        idPrefix: `sharing-${item.id}`, legend: h('span', {}, 'Who answers it', h('span', { class: 'nhsuk-u-visually-hidden', text: ` (${item.id})` })),
        inline: true, small: true, value: current,
        items: [{ value: 'shared', text: 'Head office, for every branch' }, { value: 'branch', text: 'Each branch' }],
      }),
      button('Save who answers it', { variant: 'secondary', small: true, id: `save-sharing-${item.id}` }));
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const chosen = form.querySelector('input[type=radio]:checked')?.value;
      if (!chosen || chosen === current) {
        this.setStatus(item.id, 'Nothing to save: who answers it has not changed.');
        return;
      }
      await this.send(item, `/api/assessment/${enc(this.scope)}/items/${enc(item.id)}/sharing`, { sharing: chosen }, form,
        chosen === 'shared' ? `Head office now answers ${item.id} for every branch.` : `Each branch now answers ${item.id}.`);
    });
    return form;
  }

  // -------------------------------------------------------------------------------------------
  // Saving

  async saveItem(item, form) {
    clearMessages();
    const id = item.id;
    const { body, errors } = this.readItemChange(item, form);
    if (errors.length) {
      showErrors(errors);
      return;
    }
    if (!Object.keys(body).length) {
      this.setStatus(id, `Nothing to save: ${id} has not changed.`, true);
      return;
    }
    await this.send(item, `/api/assessment/${enc(this.scope)}/items/${enc(id)}`, body, form, `Saved ${id}.`,
      () => discardDraft(this.draftKey(id)));
  }

  // What the item's form changes ({answer, location, comment} as the API takes them), and what is
  // wrong in it (each control marked).
  readItemChange(item, form) {
    clearFieldErrors(form);
    const id = item.id;
    const errors = [];
    const body = {};
    const currentAnswer = item.answer ? item.answer.value ?? '' : '';
    const currentLocation = item.answer ? item.answer.location ?? '' : '';
    const currentComment = item.comment ? item.comment.value ?? '' : '';
    const fail = (control, text) => errors.push({ text, href: `#${setFieldError(control, text)}` });

    let answer = currentAnswer;
    let location = currentLocation;
    switch (item.type) {
      case 'yes_no': {
        const checked = form.querySelector(`input[name="answer-${CSS.escape(id)}"]:checked`);
        answer = checked ? checked.value : currentAnswer;
        break;
      }
      case 'date': {
        const read = readDateInput(form, `answer-${id}`, `The date for ${id}`);
        if (read.error) fail(form.querySelector(`[id="answer-${id}-day"]`), read.error);
        else answer = read.empty ? '' : read.iso;
        break;
      }
      case 'number': {
        const control = form.querySelector(`[id="answer-${id}"]`);
        answer = control.value.trim();
        if (answer && !/^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(answer)) fail(control, `The answer to ${id} must be a number, like 12 or 95.5`);
        break;
      }
      case 'document': {
        const nameControl = form.querySelector(`[id="answer-${id}"]`);
        answer = nameControl.value.trim();
        location = form.querySelector(`[id="location-${id}"]`).value.trim();
        if (!answer && location) fail(nameControl, `Enter the name of the document for ${id}`);
        break;
      }
      default:
        answer = form.querySelector(`[id="answer-${id}"]`).value.trim();
    }
    const comment = form.querySelector(`[id="comment-${id}"]`).value.trim();
    if (item.type === 'document') {
      if (answer !== currentAnswer || (answer && location !== currentLocation)) {
        body.answer = answer;
        if (answer) body.location = location;
      }
    } else if (answer !== currentAnswer) {
      body.answer = answer;
    }
    if (comment !== currentComment) body.comment = comment;
    return { body, errors };
  }

  // Every changed item of a group in one request (PUT .../items): all saved, or none and each item
  // at fault named in one error summary.
  async saveGroup(groupName, slug) {
    clearMessages();
    const group = (this.data.groups || []).find((candidate) => candidate.name === groupName);
    const status = document.getElementById(`group-${slug}-status`);
    const saveButton = document.getElementById(`save-group-${slug}`);
    if (!group || !status) return;
    const changed = [];
    const errors = [];
    for (const item of group.items) {
      const form = document.getElementById(`form-${item.id}`);
      if (!form || !item.editable) continue;
      const read = this.readItemChange(item, form);
      errors.push(...read.errors);
      if (Object.keys(read.body).length) changed.push({ id: item.id, form, body: read.body });
    }
    if (errors.length) {
      showErrors(errors);
      return;
    }
    if (!changed.length) {
      status.textContent = `Nothing to save: no answer or comment in ${groupName} has changed.`;
      status.focus();
      return;
    }
    saveButton.disabled = true;
    try {
      await put(`/api/assessment/${enc(this.scope)}/items`, { items: changed.map(({ id, body }) => ({ item: id, ...body })) });
    } catch (error) {
      saveButton.disabled = false;
      if (error instanceof ApiError && error.status === 401) return;
      showErrors(this.itemFaults(error, changed), error.body?.errors?.length ? `Nothing was saved: ${plural(error.body.errors.length, 'item')} to put right` : undefined);
      return;
    }
    changed.forEach(({ id }) => discardDraft(this.draftKey(id)));
    saveButton.disabled = false;
    if (!(await this.refresh())) return;
    for (const { id } of changed) {
      const fresh = this.findItem(id);
      const old = document.getElementById(`item-${id}`);
      if (!fresh || !old) continue;
      const section = this.itemSection(fresh);
      old.replaceWith(section);
      initComponents(section);
    }
    this.redrawAssertions();
    this.applyFilters();
    const ids = changed.map(({ id }) => id);
    status.textContent = `Saved ${plural(ids.length, 'item')} in ${groupName}: ${listText(ids)}.`;
    status.focus();
  }

  // The error summary's lines for a refused group save: one per item at fault, each linked to its
  // control (marked) or its heading.
  itemFaults(error, changed) {
    const faults = error.body?.errors;
    if (!Array.isArray(faults) || !faults.length) return [{ text: error.message, href: `#${changed[0].form.querySelector('input:not([type=hidden]), textarea').id}` }];
    return faults.map((fault) => {
      const form = changed.find(({ id }) => id === fault.item)?.form;
      const control = form && fault.field
        ? form.querySelector(`[id="${fault.field}-${CSS.escape(fault.item)}-day"]`) || form.querySelector(`[id="${fault.field}-${CSS.escape(fault.item)}"]`)
        : null;
      const text = `${fault.item}: ${fault.message}`;
      return { text, href: `#${control ? setFieldError(control, text) : `item-${fault.item}-heading`}` };
    });
  }

  async saveOverride(item, reason, container) {
    await this.send(item, `/api/assessment/${enc(this.scope)}/items/${enc(item.id)}/override`, { reason }, container,
      reason ? `Override of ${item.id} recorded: this branch answers it itself now.` : `Override of ${item.id} withdrawn: head office's answer applies again.`);
  }

  // Sends one change, then reloads the assessment and redraws the item and the status; `onSaved`
  // runs once the server has it (before the redraw).
  async send(item, path, body, container, successText, onSaved) {
    const submit = container.querySelectorAll('button');
    submit.forEach((b) => { b.disabled = true; });
    try {
      await put(path, body);
    } catch (error) {
      submit.forEach((b) => { b.disabled = false; });
      if (error instanceof ApiError && error.status === 401) return;
      const fieldControl = error.field
        ? container.querySelector(`[id="${error.field}-${CSS.escape(item.id)}-day"]`) || container.querySelector(`input[id="${error.field}-${CSS.escape(item.id)}"], textarea[id="${error.field}-${CSS.escape(item.id)}"]`)
        : null;
      const target = fieldControl || container.querySelector('input:not([type=hidden]), textarea, select, button');
      const href = target && target.id ? `#${fieldControl ? setFieldError(fieldControl, error.message) : target.id}` : null;
      showErrors([{ text: error.message, href }]);
      return;
    }
    if (onSaved) onSaved();
    await this.reload(item.id, successText);
  }

  // Reads the assessment again and redraws its summary; false when that failed (the error is shown).
  async refresh() {
    try {
      this.data = await get(`/api/assessment/${enc(this.scope)}`);
    } catch (error) {
      if (error.status !== 401) showErrors(error);
      return false;
    }
    replace(this.summarySlot, this.summary());
    initComponents(this.summarySlot);
    return true;
  }

  async reload(itemId, statusText) {
    if (!(await this.refresh())) return;
    if (itemId) {
      const fresh = this.findItem(itemId);
      const old = document.getElementById(`item-${itemId}`);
      if (fresh && old) {
        const section = this.itemSection(fresh, statusText);
        old.replaceWith(section);
        initComponents(section);
      }
    }
    this.redrawAssertions();
    this.applyFilters();
    if (itemId) {
      const status = document.getElementById(`item-${itemId}-status`);
      if (status) status.focus();
    }
  }

  setStatus(id, text, focus = true) {
    const status = document.getElementById(`item-${id}-status`) || document.getElementById(`assertion-${id}-status`);
    if (!status) return;
    status.textContent = text;
    if (focus) status.focus();
  }

  // -------------------------------------------------------------------------------------------
  // Assertions

  // Assertions with no item on the page (a question set that lists none for them), after the items.
  assertionsWithoutItems() {
    const withItems = new Set(this.allItems().map((item) => item.assertion));
    const assertions = (this.data.assertions || []).filter((assertion) => !withItems.has(assertion.id));
    if (!assertions.length) return null;
    return h('section', { 'aria-labelledby': 'assertions-heading', class: 'app-section' },
      h('h2', { class: 'nhsuk-heading-l', id: 'assertions-heading', text: 'Assertions without evidence items' }),
      assertions.map((assertion) => this.assertionBlock(assertion)));
  }

  // Every assertion drawn again from the data just read (what is unanswered, who confirmed).
  redrawAssertions() {
    for (const assertion of this.data.assertions || []) {
      const old = document.getElementById(`assertion-${assertion.id}`);
      if (!old) continue;
      const fresh = this.assertionBlock(assertion);
      old.replaceWith(fresh);
      initComponents(fresh);
    }
  }

  assertionBlock(assertion, statusText = '') {
    const id = assertion.id;
    const itemIds = this.allItems().filter((item) => item.assertion === id).map((item) => item.id);
    const editable = !this.readOnly && assertion.editable && this.data.canEdit !== false;
    const canConfirm = editable && this.data.canConfirm;
    const section = h('section', { class: 'app-assertion', id: `assertion-${id}`, 'aria-labelledby': `assertion-${id}-heading`, dataset: { assertion: id } },
      h('h3', { class: 'nhsuk-heading-s', id: `assertion-${id}-heading`, tabindex: '-1' },
        h('span', { class: 'app-item__id', text: `Assertion ${id}` }), ' ',
        // Shipped sets may lack an assertion's wording: its items say what it covers instead.
        assertion.text || `(wording not in this question set) on evidence items ${listText(itemIds)}`),
      h('p', { class: 'app-secondary', text: `Standard ${assertion.standard}${assertion.standardName ? `: ${assertion.standardName}` : ''}` }),
      itemIds.length ? h('p', { class: 'app-assertion__items' }, 'Its evidence items: ',
        itemIds.map((itemId, index) => [index ? ', ' : '', jumpLink(itemId, `item-${itemId}-heading`)])) : null,
      h('ul', { class: 'app-tags', 'aria-label': `About assertion ${id}` },
        h('li', {}, assertion.confirmed ? tag('Confirmed', 'green') : tag('Not confirmed', 'white')),
        assertion.shared ? h('li', {}, tag(this.data.kind === 'branch' ? 'Head office confirms it' : 'Confirmed for every branch', 'purple')) : null),
      summaryList([
        { key: 'Confirmed', value: assertion.confirmed ? `By ${whoWhen(assertion.confirmed)}` : '', empty: 'Not confirmed' },
        editable ? null : { key: 'Owner', value: assertion.owner || '', empty: 'No owner' },
      ], { classes: 'app-values' }));
    if (editable) {
      const form = h('form', { novalidate: true, action: '/', method: 'post', class: 'app-assertion__form', id: `assertion-form-${id}` },
        textInput({ id: `owner-${id}`, label: h('span', {}, 'Owner', h('span', { class: 'nhsuk-u-visually-hidden', text: ` of assertion ${id}` })), value: assertion.owner || '', width: 20, list: 'owner-names' }),
        canConfirm
          ? singleCheckbox({ id: `confirm-${id}`, checked: Boolean(assertion.confirmed), text: h('span', {}, 'I confirm that the evidence entered for this assertion is correct', h('span', { class: 'nhsuk-u-visually-hidden', text: ` (${id})` })) })
          : h('p', { class: 'app-secondary', text: assertion.shared && this.data.kind === 'branch' ? 'Head office confirms this assertion for every branch.' : 'Only administrators confirm assertions.' }),
        h('button', { class: 'nhsuk-button nhsuk-button--secondary app-save', 'data-module': 'nhsuk-button', type: 'submit', id: `save-assertion-${id}` },
          'Save', h('span', { class: 'nhsuk-u-visually-hidden', text: ` assertion ${id}` })));
      form.addEventListener('submit', (event) => {
        event.preventDefault();
        this.saveAssertion(assertion, form);
      });
      section.append(form);
    }
    section.append(h('p', { class: 'app-item__status', id: `assertion-${id}-status`, role: 'status', tabindex: '-1', text: statusText }));
    return section;
  }

  async saveAssertion(assertion, form) {
    clearMessages();
    const body = {};
    const owner = form.querySelector(`[id="owner-${assertion.id}"]`).value.trim();
    if (owner !== (assertion.owner || '')) body.owner = owner;
    const checkbox = form.querySelector(`[id="confirm-${assertion.id}"]`);
    if (checkbox && checkbox.checked !== Boolean(assertion.confirmed)) body.confirmed = checkbox.checked;
    if (!Object.keys(body).length) {
      this.setStatus(assertion.id, `Nothing to save: assertion ${assertion.id} has not changed.`);
      return;
    }
    // Confirming vouches for the evidence: with items of it unanswered, ask once before confirming.
    const unanswered = assertion.unanswered || [];
    if (body.confirmed === true && unanswered.length && form.dataset.askedUnanswered !== 'yes') {
      form.dataset.askedUnanswered = 'yes';
      const list = unanswered.length === 1 ? unanswered[0] : `${unanswered.slice(0, -1).join(', ')} and ${unanswered[unanswered.length - 1]}`;
      const warning = warningCallout('Items not answered yet',
        h('p', { text: `${list} ${unanswered.length === 1 ? 'is' : 'are'} not answered yet. Confirming says the evidence entered for assertion ${assertion.id} is correct.` }),
        h('p', {}, ...unanswered.map((item, index) => [index ? ', ' : '', jumpLink(`Answer ${item}`, `item-${item}-heading`)]).flat()),
        h('p', { text: 'Save again to confirm anyway.' }));
      warning.id = `assertion-${assertion.id}-unanswered`;
      warning.setAttribute('tabindex', '-1');
      form.querySelector('button').before(warning);
      form.querySelector('button').firstChild.textContent = 'Confirm anyway';
      warning.focus();
      return;
    }
    form.querySelectorAll('button').forEach((b) => { b.disabled = true; });
    try {
      await put(`/api/assessment/${enc(this.scope)}/assertions/${enc(assertion.id)}`, body);
    } catch (error) {
      form.querySelectorAll('button').forEach((b) => { b.disabled = false; });
      if (error.status === 401) return;
      showErrors([{ text: error.message, href: `#${checkbox && body.confirmed !== undefined ? checkbox.id : `owner-${assertion.id}`}` }]);
      return;
    }
    if (!(await this.refresh())) return;
    const fresh = this.assertionsById().get(assertion.id);
    const old = document.getElementById(`assertion-${assertion.id}`);
    const text = body.confirmed === true ? `Assertion ${assertion.id} confirmed.` : body.confirmed === false ? `Confirmation of ${assertion.id} withdrawn.` : `Saved assertion ${assertion.id}.`;
    if (fresh && old) {
      const section = this.assertionBlock(fresh, text);
      old.replaceWith(section);
      initComponents(section);
    }
    this.applyFilters();
    document.getElementById(`assertion-${assertion.id}-status`)?.focus();
  }
}

// An answer given before the official list changed its item's answer type: kept, to be given again.
function reviewNotice(item) {
  if (!item.review) return null;
  const from = TYPE_NAMES[item.review.from] || item.review.from;
  const to = TYPE_NAMES[item.review.to] || item.review.to;
  return warningCallout('Review this answer',
    h('p', { text: `The official list changed this item’s answer from “${from}” to “${to}” on ${formatTime(item.review.at, item.review.atText)}. The answer given before is kept below; give the answer again as ${to.toLowerCase()} so that it counts.` }));
}

// Which question set the assessment is answered against and where it came from, so that nobody
// wonders whether it is this year's official list.
function questionSetSection(set, year) {
  const rows = set ? [
    { key: 'Year and version', value: `${set.year}, version ${set.version}` },
    { key: 'Items', value: `${set.items ?? '?'} items, ${set.assertions ?? '?'} assertions` },
    { key: 'Where it came from', value: h('span', { id: 'question-set-origin', text: set.origin }) },
    { key: 'Signed by', value: set.signed_by_fingerprint ? `head office’s key ${set.signed_by_fingerprint}` : '', empty: 'Not signed (the set shipped with dsptsync, on this computer only)' },
    { key: 'Content hash', value: h('code', { class: 'app-hash', text: String(set.hash).slice(0, 16) }) },
  ] : [{ key: 'Year', value: `${year}, the set shipped with dsptsync` }];
  return h('section', { class: 'app-section app-question-set', id: 'question-set', 'aria-labelledby': 'question-set-heading' },
    h('h2', { class: 'nhsuk-heading-s', id: 'question-set-heading', text: 'Question set' }),
    summaryList(rows, { noBorder: true, classes: 'nhsuk-body-s' }));
}

function isShared(item) {
  return Boolean(item.shared) || (item.sharing === 'shared' && !item.override);
}

function inConflict(item) {
  return Boolean((item.answer && item.answer.conflict) || (item.comment && item.comment.conflict));
}

function conflictNotice(item, scope) {
  if (!inConflict(item)) return null;
  return warningCallout('Conflicting edits',
    h('p', {}, 'People changed this item at the same time. ', h('a', { href: `#/conflicts?scope=${enc(scope)}`, text: 'Choose which value to keep' }),
      ' — until then it blocks publishing.'));
}

// The site's incidents of the year that bear on the item (the questions about breaches ask about
// them): how many, how many still open, how many reported to the ICO.
function incidentsNotice(item, scope) {
  const tally = item.incidents;
  if (!tally) return null;
  const link = h('a', { href: `#/incidents?scope=${enc(scope)}` }, 'See the incidents', h('span', { class: 'nhsuk-u-visually-hidden', text: ` for ${item.id}` }));
  return insetText(h('p', { class: 'app-item__incidents', id: `item-${item.id}-incidents`, dataset: { count: String(tally.count), open: String(tally.open), reported: String(tally.reported) } },
    tally.count
      ? `Incidents this year: ${tally.count} (${tally.open} open, ${tally.reported} reported to the ICO). `
      : 'No incidents recorded this year. ',
    tally.count ? link : null));
}

function levelName(level) {
  return { approaching: 'Approaching Standards', met: 'Standards Met', exceeded: 'Standards Exceeded' }[level] || 'the next level';
}
