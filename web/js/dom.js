/* dom.js — small DOM builders and formatters shared by every page. Elements are built with
 * DOM APIs only (never innerHTML with data, never style attributes: the CSP forbids inline
 * styles, and text from the server is always inserted as text). */

/** h('div', {class: 'x', onclick: fn}, child, ...) → HTMLElement. */
export function h(tag, attrs, ...children) {
  const el = document.createElement(tag);
  setAttrs(el, attrs);
  append(el, children);
  return el;
}

/** SVG element with the same calling convention as h(). */
export function s(tag, attrs, ...children) {
  const el = document.createElementNS('http://www.w3.org/2000/svg', tag);
  if (attrs) {
    for (const k of Object.keys(attrs)) {
      const v = attrs[k];
      if (v === null || v === undefined || v === false) continue;
      if (k === 'class') el.setAttribute('class', v);
      else el.setAttribute(k, String(v));
    }
  }
  append(el, children);
  return el;
}

function setAttrs(el, attrs) {
  if (!attrs) return;
  for (const k of Object.keys(attrs)) {
    const v = attrs[k];
    if (v === null || v === undefined || v === false) continue;
    if (k === 'style') throw new Error('inline styles are not allowed (CSP)');
    if (k === 'class') el.className = Array.isArray(v) ? v.filter(Boolean).join(' ') : v;
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k.slice(0, 2) === 'on' && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'value' || k === 'checked' || k === 'selected' || k === 'indeterminate') el[k] = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
}

export function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
  return el;
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

let uid = 0;
export function newId(prefix) {
  uid += 1;
  return (prefix || 'id') + '-' + uid;
}

/** A labelled form field: returns {wrap, input}. */
export function field(label, input, hint) {
  if (!input.id) input.id = newId('f');
  const hintEl = hint ? h('p', {class: 'field-hint', id: input.id + '-hint'}, hint) : null;
  if (hintEl) input.setAttribute('aria-describedby', hintEl.id);
  const wrap = h('div', {class: 'field'}, h('label', {for: input.id}, label), input, hintEl);
  return {wrap, input};
}

/** A visible alert box; role=alert for errors so screen readers announce it. */
export function alertBox(kind, ...content) {
  return h('div', {class: 'alert alert-' + kind, role: kind === 'error' ? 'alert' : 'status'}, ...content);
}

/* ---------- formatting ---------- */

/* Times are shown in China Standard Time (UTC+8, no daylight saving) whatever offset the
 * server used and whatever time zone the PC is set to: every exam and deadline is in Beijing
 * time, and an office PC with a wrong zone must not show a wrong window. */
const CST_MS = 8 * 3600 * 1000;

/** RFC 3339 → "2026-12-01 08:00" in Beijing time. */
export function fmtTime(str, withSeconds) {
  if (!str) return '—';
  const t = Date.parse(str);
  if (isNaN(t)) return String(str);
  const d = new Date(t + CST_MS);
  const p = (n) => (n < 10 ? '0' : '') + n;
  return d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + ' ' +
    p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + (withSeconds ? ':' + p(d.getUTCSeconds()) : '');
}

/** An exam window as "start 至 end", each half kept on one line. */
export function timeRange(a, b) {
  const span = document.createElement('span');
  const x = document.createElement('span');
  x.className = 'nowrap';
  x.textContent = fmtTime(a);
  const y = document.createElement('span');
  y.className = 'nowrap';
  y.textContent = fmtTime(b);
  span.append(x, ' 至 ', y);
  return span;
}

/** Milliseconds since the epoch → "08:00:05" in Beijing time. */
export function fmtClock(ms) {
  const d = new Date(ms + CST_MS);
  const p = (n) => (n < 10 ? '0' : '') + n;
  return p(d.getUTCHours()) + ':' + p(d.getUTCMinutes()) + ':' + p(d.getUTCSeconds());
}

/** Fraction 0–1 → "85.0%"; null → "—". */
export function fmtRate(x) {
  if (x === null || x === undefined || typeof x !== 'number' || isNaN(x)) return '—';
  return (x * 100).toFixed(1) + '%';
}

/** Score (may be a half) → "38.5" / "40"; null → "—". */
export function fmtScore(x) {
  if (x === null || x === undefined || typeof x !== 'number' || isNaN(x)) return '—';
  const r = Math.round(x * 10) / 10;
  return Number.isInteger(r) ? String(r) : r.toFixed(1);
}

/** Milliseconds → "01:02:03" or "02:03". */
export function fmtDuration(ms) {
  let t = Math.max(0, Math.ceil(ms / 1000));
  const hh = Math.floor(t / 3600);
  t -= hh * 3600;
  const mm = Math.floor(t / 60);
  const ss = t - mm * 60;
  const p = (n) => (n < 10 ? '0' : '') + n;
  return (hh > 0 ? p(hh) + ':' : '') + p(mm) + ':' + p(ss);
}

/** A mean score → "38.50" (two decimals, as the CSV/XLSX reports write it); null → "—". */
export function fmtAvg(x) {
  if (x === null || x === undefined || typeof x !== 'number' || isNaN(x)) return '—';
  return x.toFixed(2);
}

export function fmtBytes(n) {
  if (n < 1024) return n + ' B';
  if (n < 1024 * 1024) return (n / 1024).toFixed(1) + ' KB';
  return (n / 1024 / 1024).toFixed(1) + ' MB';
}

export const TYPE_NAMES = {single: '单选题', multiple: '多选题', judge: '判断题'};

export const CATEGORY_NAMES = {leader: '领导干部', enforcement: '行政执法人员', general: '一般工作人员'};

export const ROLE_NAMES = {examinee: '考生', admin: '考试管理员', hr: '人事统计', unit_admin: '单位管理员'};

/** A toast message (also announced by screen readers through the live region). */
export function toast(message, kind, ms) {
  const region = document.getElementById('toasts');
  if (!region) return;
  const t = h('div', {class: 'toast toast-' + (kind || 'info')}, message);
  region.appendChild(t);
  setTimeout(() => {
    t.classList.add('toast-out');
    setTimeout(() => t.remove(), 400);
  }, ms || 5000);
}

/** A page heading that receives focus after navigation. */
export function pageTitle(text, sub) {
  return h('div', {class: 'page-head'},
    h('h1', {tabindex: '-1', class: 'page-title'}, text),
    sub ? h('p', {class: 'page-sub'}, sub) : null);
}

/** A scrollable, keyboard-focusable wrapper for wide tables on phones. */
export function tableWrap(label, table) {
  return h('div', {class: 'table-wrap', tabindex: '0', role: 'region', 'aria-label': label}, table);
}

/** Builds a <table> from column specs [{key,label,num,fmt}] and row objects. */
export function dataTable(caption, columns, rows, opts) {
  const o = opts || {};
  const thead = h('thead', null, h('tr', null, columns.map((c) =>
    h('th', {scope: 'col', class: c.num ? 'num' : null}, c.label))));
  const tbody = h('tbody', null, rows.map((r) => h('tr', o.rowClass ? {class: o.rowClass(r)} : null,
    columns.map((c, i) => {
      const v = c.fmt ? c.fmt(r[c.key], r) : (r[c.key] === null || r[c.key] === undefined ? '—' : r[c.key]);
      const attrs = {class: c.num ? 'num' : c.wrap ? 'wrap' : null, dataset: {col: c.key}};
      return i === 0 && o.rowHeaders ? h('th', Object.assign({scope: 'row'}, attrs), v) : h('td', attrs, v);
    }))));
  const tfoot = o.footer ? h('tfoot', null, h('tr', null, columns.map((c, i) => {
    const r = o.footer;
    const v = i === 0 ? (o.footerLabel || '合计') : (c.fmt ? c.fmt(r[c.key], r) : (r[c.key] === null || r[c.key] === undefined ? '—' : r[c.key]));
    return i === 0 ? h('th', {scope: 'row'}, v) : h('td', {class: c.num ? 'num' : null, dataset: {col: c.key}}, v);
  }))) : null;
  return h('table', {class: 'data-table' + (o.compact ? ' compact' : '')},
    caption ? h('caption', null, caption) : null, thead, tbody, tfoot);
}

/* ---------- modal dialogs ---------- */

const FOCUSABLE = 'a[href], button:not([disabled]), input:not([disabled]):not([type="hidden"]), select:not([disabled]), ' +
  'textarea:not([disabled]), [tabindex]:not([tabindex="-1"])';

function focusables(root) {
  return Array.from(root.querySelectorAll(FOCUSABLE)).filter((el) => !el.closest('[hidden]') && el.getClientRects().length > 0);
}

/** Shows dlg (a <dialog> already in the document) as a modal the keyboard can use: focus goes
 *  to its [data-autofocus] element (else its first control, else the dialog itself), Tab and
 *  Shift+Tab cycle inside it (a modal <dialog> alone lets Tab leave for the browser's own UI),
 *  and when it closes focus returns to what had it before, unless the dialog's action has
 *  already put focus somewhere else (a jump to a question, the next page's heading). */
export function openModal(dlg) {
  const opener = document.activeElement;
  dlg.addEventListener('keydown', (ev) => {
    if (ev.key !== 'Tab' || ev.altKey || ev.ctrlKey || ev.metaKey) return;
    const list = focusables(dlg);
    if (!list.length) {
      ev.preventDefault();
      dlg.focus();
      return;
    }
    const first = list[0];
    const last = list[list.length - 1];
    const at = document.activeElement;
    if (ev.shiftKey && (at === first || at === dlg || !dlg.contains(at))) {
      ev.preventDefault();
      last.focus();
    } else if (!ev.shiftKey && (at === last || !dlg.contains(at))) {
      ev.preventDefault();
      first.focus();
    }
  });
  dlg.addEventListener('close', () => {
    const at = document.activeElement;
    const lost = !at || at === document.body || dlg.contains(at);
    if (lost && opener && opener !== document.body && opener.isConnected && typeof opener.focus === 'function') {
      opener.focus({preventScroll: true});
    }
  });
  if (!dlg.hasAttribute('tabindex')) dlg.setAttribute('tabindex', '-1');
  dlg.showModal();
  const target = dlg.querySelector('[data-autofocus]') || focusables(dlg)[0] || dlg;
  target.focus();
}
