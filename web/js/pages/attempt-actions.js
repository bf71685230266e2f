/* attempt-actions.js — the administrator's actions on one person in one exam (SPEC §12):
 * extend the time (延长时间), force a submission (强制交卷), void an attempt (作废), exempt
 * (免考) or take it back, grant a retake (补考); each asks for a reason in a dialog first.
 * attemptActions(row, opts) draws the buttons for one person row (the monitor's people list
 * uses it); personLookup(code) is the card on the exam page that finds a person by 工号;
 * renderAttemptDetail is #/admin/attempts/{id}: the attempt with answers, keys and credit. */
import {api} from '../api.js';
import {h, clear, alertBox, pageTitle, field, fmtTime, fmtScore, tableWrap, dataTable, toast, newId, TYPE_NAMES} from '../dom.js';

export const STATUS_NAMES = {
  not_started: '未参加', in_progress: '作答中', submitted: '已交卷', exempt: '免考', voided: '已作废',
};
const REASON_NAMES = {submit: '考生交卷', timeout: '到时自动交卷', forced: '强制交卷'};
const REASON_MAX = 500;

/* A modal dialog asking for a reason (and minutes for an extension). Resolves to
 * {reason, minutes} or null when cancelled. */
function askReason(title, desc, withMinutes) {
  return new Promise((resolve) => {
    const titleId = newId('dlg-title');
    const err = h('div', {'aria-live': 'assertive'});
    const minutes = withMinutes ? field('延长分钟数（1–600）',
      h('input', {type: 'number', min: '1', max: '600', step: '1', value: '10', required: true, name: 'minutes'})) : null;
    const reason = field('原因（必填，最多 ' + REASON_MAX + ' 字，记入操作日志）',
      h('input', {type: 'text', maxlength: String(REASON_MAX), required: true, name: 'reason', autocomplete: 'off'}));
    const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': titleId});
    const done = (v) => {
      dlg.close();
      dlg.remove();
      resolve(v);
    };
    const ok = h('button', {type: 'submit', class: 'btn btn-primary'}, '确定');
    const form = h('form', {method: 'dialog', novalidate: true, onsubmit: (ev) => {
      ev.preventDefault();
      clear(err);
      const text = reason.input.value.trim();
      const m = withMinutes ? Number(minutes.input.value) : 0;
      if (withMinutes && !(Number.isInteger(m) && m >= 1 && m <= 600)) {
        err.appendChild(alertBox('error', '延长分钟数须为 1–600 的整数。'));
        minutes.input.focus();
        return;
      }
      if (!text) {
        err.appendChild(alertBox('error', '请填写原因。'));
        reason.input.focus();
        return;
      }
      done({reason: text, minutes: m});
    }},
    h('h2', {id: titleId}, title), desc ? h('p', null, desc) : null,
    minutes ? minutes.wrap : null, reason.wrap, err,
    h('div', {class: 'dialog-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => done(null)}, '取消'), ok));
    dlg.appendChild(form);
    dlg.addEventListener('cancel', (ev) => {
      ev.preventDefault();
      done(null);
    });
    document.body.appendChild(dlg);
    dlg.showModal();
    (minutes ? minutes.input : reason.input).focus();
  });
}

async function run(label, fn, onDone) {
  try {
    await fn();
    toast(label + '：已完成', 'success');
    if (onDone) await onDone();
  } catch (e) {
    if (e.status === 401) return;
    toast(label + '失败：' + e.message, 'error', 8000);
  }
}

/**
 * The action buttons for one person row of an exam: row = {login, name, status, attempt_id}
 * (status as the people list gives it: not_started, in_progress, submitted, exempt, voided);
 * opts = {exam: code, onDone: async () => redraw, detailBase: '#/unit/attempts/' (default
 * '#/admin/attempts/')}. Returns an element (a labelled group).
 */
export function attemptActions(row, opts) {
  const code = opts.exam;
  const who = (row.name ? row.name + '（' + row.login + '）' : row.login);
  const id = row.attempt_id;
  const onDone = opts.onDone;
  const btn = (text, cls, fn) => h('button', {type: 'button', class: 'btn btn-small ' + cls,
    'aria-label': text + '：' + who, onclick: fn}, text);
  const items = [];
  if (id && row.status === 'in_progress') {
    items.push(btn('延长时间', 'btn-secondary', async () => {
      const v = await askReason('为 ' + who + ' 延长答题时间', '截止时间顺延，可超过考试关闭时间；考生页面在下次保存时看到新的截止时间。', true);
      if (v) await run('延长时间', () => api('POST', '/admin/attempts/' + id + '/extend', {body: {minutes: v.minutes, reason: v.reason}}), onDone);
    }));
    items.push(btn('强制交卷', 'btn-secondary', async () => {
      const v = await askReason('强制 ' + who + ' 交卷', '按已保存的答案立即评分交卷。', false);
      if (v) await run('强制交卷', () => api('POST', '/admin/attempts/' + id + '/force-submit', {body: {reason: v.reason}}), onDone);
    }));
  }
  if (id && (row.status === 'in_progress' || row.status === 'submitted')) {
    items.push(btn('作废', 'btn-danger', async () => {
      const v = await askReason('作废 ' + who + ' 的答卷', '作废的答卷不计成绩，也不占用考试次数。', false);
      if (v) await run('作废', () => api('POST', '/admin/attempts/' + id + '/void', {body: {reason: v.reason}}), onDone);
    }));
  }
  if (row.status === 'exempt') {
    items.push(btn('取消免考', 'btn-secondary', () => run('取消免考',
      () => api('DELETE', '/admin/exams/' + encodeURIComponent(code) + '/exemptions/' + encodeURIComponent(row.login)), onDone)));
  } else {
    items.push(btn('免考', 'btn-secondary', async () => {
      const v = await askReason('批准 ' + who + ' 免考', '免考人员不计入应考人数，也不能参加本次考试。', false);
      if (v) await run('免考', () => api('POST', '/admin/exams/' + encodeURIComponent(code) + '/exemptions', {body: {login: row.login, reason: v.reason}}), onDone);
    }));
  }
  if (row.status === 'submitted') {
    items.push(btn('补考', 'btn-secondary', () => run('补考',
      () => api('POST', '/admin/exams/' + encodeURIComponent(code) + '/retakes', {body: {login: row.login}}), onDone)));
  }
  if (id) items.push(h('a', {class: 'btn btn-small btn-secondary', href: (opts.detailBase || '#/admin/attempts/') + id, 'aria-label': '答卷详情：' + who}, '答卷详情'));
  return h('div', {class: 'form-actions attempt-actions', role: 'group', 'aria-label': '对 ' + who + ' 的操作'}, items);
}

/** The card on an exam's page: find a person by 工号, see their attempts, act on them. */
export function personLookup(code) {
  const input = h('input', {type: 'text', name: 'login', autocomplete: 'off', required: true});
  const f = field('工号', input, '输入考生工号，查看其答卷并进行延时、强制交卷、作废、免考或补考操作。');
  const out = h('div', {'aria-live': 'polite'});
  async function show() {
    const login = input.value.trim();
    clear(out);
    if (!login) {
      out.appendChild(alertBox('error', '请输入工号。'));
      return;
    }
    let p;
    try {
      p = await api('GET', '/admin/exams/' + encodeURIComponent(code) + '/attempts?login=' + encodeURIComponent(login));
    } catch (e) {
      if (e.status !== 401) out.appendChild(alertBox('error', e.message));
      return;
    }
    clear(out);
    const redraw = () => show();
    const head = h('p', null, h('strong', null, p.name + '（' + p.login + '）'), ' ', p.org,
      p.exempt ? h('span', {class: 'chip chip-warn'}, '免考') : null,
      '　可考次数 ' + p.attempts_allowed + (p.retakes ? '（含补考 ' + p.retakes + ' 次）' : ''));
    out.appendChild(head);
    const live = p.attempts.filter((a) => a.status === 'in_progress' || a.status === 'submitted');
    const last = live.length ? live[live.length - 1] : null;
    const row = {login: p.login, name: p.name, status: p.exempt ? 'exempt' : last ? last.status : 'not_started',
      attempt_id: last ? last.attempt_id : null};
    out.appendChild(attemptActions(row, {exam: code, onDone: redraw}));
    if (p.attempts.length) {
      out.appendChild(tableWrap('答卷', dataTable('答卷', [
        {key: 'attempt_no', label: '第几次', num: true},
        {key: 'status', label: '状态', fmt: (v) => STATUS_NAMES[v] || v},
        {key: 'started_at', label: '开始时间', fmt: (v) => fmtTime(v, true)},
        {key: 'deadline', label: '截止时间', fmt: (v) => fmtTime(v, true)},
        {key: 'result', label: '成绩', num: true, fmt: (v) => (v ? fmtScore(v.score) : '—')},
        {key: 'attempt_id', label: '详情', fmt: (v) => h('a', {href: '#/admin/attempts/' + v}, '查看')},
      ], p.attempts, {compact: true})));
    }
  }
  const form = h('form', {class: 'inline-form', onsubmit: (ev) => {
    ev.preventDefault();
    show();
  }}, f.wrap, h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, '查找')));
  return h('section', {class: 'card', 'aria-labelledby': 'person-title'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'person-title'}, '考生操作')), form, out);
}

/** #/admin/attempts/{id}: the attempt with the person's answers, the keys and the credit
 *  (as #/unit/attempts/{id} with how.unit: the links lead back to the 单位管理 pages). */
export async function renderAttemptDetail(main, params, ctx, how = {}) {
  const id = params[0];
  const examHref = (c) => (how.unit ? '#/unit/exams/' : '#/admin/exams/') + encodeURIComponent(c);
  const detailBase = how.unit ? '#/unit/attempts/' : '#/admin/attempts/';
  let a;
  try {
    a = await api('GET', '/admin/attempts/' + encodeURIComponent(id));
    if (ctx && !ctx.isCurrent()) return null; /* a newer navigation drew the page meanwhile */
  } catch (e) {
    if (ctx && !ctx.isCurrent()) return null;
    main.appendChild(pageTitle('答卷详情'));
    main.appendChild(h('section', {class: 'card'}, alertBox('error', e.message)));
    return null;
  }
  main.appendChild(pageTitle('答卷详情：' + a.name + '（' + a.login + '）', a.exam_title + ' · 第 ' + a.attempt_no + ' 次作答'));
  const redraw = async () => {
    clear(main);
    await renderAttemptDetail(main, params, null, how);
  };
  const facts = [
    ['单位', a.org], ['状态', STATUS_NAMES[a.status] || a.status],
    ['开始时间', fmtTime(a.started_at, true)], ['截止时间', fmtTime(a.deadline, true)],
    ['交卷时间', a.submitted_at ? fmtTime(a.submitted_at, true) : '—'],
    ['交卷方式', REASON_NAMES[a.submit_reason] || a.submit_reason || '—'],
    ['成绩', a.result ? fmtScore(a.result.score) + ' / ' + fmtScore(a.result.max_score) + (a.result.passed ? '（合格）' : '（不合格）') : '—'],
  ];
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'att-facts'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'att-facts'}, '概况'),
      h('a', {class: 'btn btn-secondary', href: examHref(a.exam_code)}, '返回考试')),
    h('table', {class: 'kv-table'}, h('tbody', null, facts.map(([k, v]) => h('tr', null, h('th', {scope: 'row'}, k), h('td', null, v))))),
    a.credits.length ? h('p', null, '补时记录：' + a.credits.map((c) => (c.reason === 'outage' ? '故障补时 ' : '延长 ') + Math.round(c.seconds / 60) + ' 分钟（' + fmtTime(c.at, true) + '）').join('；')) : null,
    attemptActions({login: a.login, name: a.name, status: a.status, attempt_id: a.id}, {exam: a.exam_code, onDone: redraw, detailBase})));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'att-qs'},
    h('h2', {class: 'card-title', id: 'att-qs'}, '逐题作答与得分'),
    tableWrap('逐题作答与得分', dataTable(null, [
      {key: 'position', label: '题号', num: true},
      {key: 'type', label: '题型', fmt: (v) => TYPE_NAMES[v] || v},
      {key: 'stem', label: '题干', wrap: true},
      {key: 'response', label: '考生作答', fmt: (v) => v || '未作答'},
      {key: 'answer', label: '标准答案'},
      {key: 'points', label: '分值', num: true, fmt: (v) => fmtScore(v)},
      {key: 'credit', label: '得分', num: true, fmt: (v) => fmtScore(v)},
    ], a.questions, {rowClass: (r) => (r.credit < r.points ? 'row-wrong' : null)}))));
  return null;
}
