/* hr.js — the HR officer's pages: pick an exam; pass rates by unit (at a chosen depth) and by
 * category as a table and a bar chart; the per-person results with filters; CSV and XLSX
 * downloads (the server's own files, with Content-Disposition). The table shows exactly the
 * numbers of the JSON API, formatted (rates as 85.0%). The results downloads carry the
 * filters shown (status, unit, pass: the API's status=, org=, passed=), so the file holds
 * the people on screen; the name/工号 search narrows the screen only. */
import {api, hasRole} from '../api.js';
import {h, clear, alertBox, pageTitle, field, fmtRate, fmtScore, fmtAvg, fmtTime, tableWrap, dataTable, CATEGORY_NAMES} from '../dom.js';
import {barChart} from '../chart.js';
import {go} from '../router.js';
import {LIMITS} from '../limits.js';

const RECENT_KEY = 'lawexam.hr.recent';
const STATUS_NAMES = {not_started: '未参加', in_progress: '进行中', submitted: '已交卷', exempt: '免考'};
const PAGE = 200;

function recent() {
  try {
    const r = JSON.parse(window.localStorage.getItem(RECENT_KEY) || '[]');
    return Array.isArray(r) ? r.filter((x) => typeof x === 'string').slice(0, 8) : [];
  } catch (e) {
    return [];
  }
}

function remember(code) {
  const r = [code].concat(recent().filter((c) => c !== code)).slice(0, 8);
  try {
    window.localStorage.setItem(RECENT_KEY, JSON.stringify(r));
  } catch (e) {
    /* ignore */
  }
}

/* GET /reports lists the exams for HR officers and administrators. Should it fail (403 for a
 * user with neither role), the officer types the exam code instead (recent codes offered). */
let listForbidden = false;
async function examList() {
  if (listForbidden && !hasRole('admin')) return null;
  try {
    const d = await api('GET', '/reports');
    return Array.isArray(d) ? d : (d && (d.exams || d.rows)) || [];
  } catch (e) {
    if (e.status === 403) listForbidden = true;
    return null;
  }
}

export async function renderPicker(main) {
  main.appendChild(pageTitle('统计报表', '选择考试，查看参考率、合格率和个人成绩，并导出 CSV 或 Excel。'));
  const exams = await examList();
  if (exams && exams.length) {
    const list = h('ul', {class: 'exam-list'});
    for (const ex of exams) {
      list.appendChild(h('li', {class: 'card exam-card'},
        h('div', {class: 'exam-card-head'}, h('h2', {class: 'exam-title'}, ex.title || ex.code)),
        h('p', {class: 'muted'}, '考试编号 ' + ex.code + ' · ' + fmtTime(ex.opens_at) + ' 至 ' + fmtTime(ex.closes_at)),
        h('div', {class: 'exam-actions'}, h('a', {href: '#/hr/' + encodeURIComponent(ex.code), class: 'btn btn-primary'}, '查看报表'))));
    }
    main.appendChild(list);
  }
  const code = h('input', {type: 'text', id: 'hr-code', autocomplete: 'off', spellcheck: 'false', required: true,
    maxlength: String(LIMITS.exam_code_max), list: 'hr-recent', 'data-autofocus': exams && exams.length ? null : ''});
  const dl = h('datalist', {id: 'hr-recent'}, recent().map((c) => h('option', {value: c})));
  const msg = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'form inline-form', novalidate: true},
    field('考试编号', code, '由考试管理员提供，例如 2026-annual').wrap, dl,
    h('button', {type: 'submit', class: 'btn btn-primary'}, '查看报表'), msg);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    clear(msg);
    const v = code.value.trim();
    if (!v) {
      msg.appendChild(alertBox('error', '请输入考试编号。'));
      code.focus();
      return;
    }
    go('#/hr/' + encodeURIComponent(v));
  });
  const rec = recent();
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'pick-title'},
    h('h2', {class: 'card-title', id: 'pick-title'}, exams && exams.length ? '按编号查找考试' : '选择考试'),
    form,
    rec.length ? h('div', {class: 'recent'}, h('h3', {class: 'sub-title'}, '最近查看'),
      h('ul', {class: 'link-list'}, rec.map((c) => h('li', null, h('a', {href: '#/hr/' + encodeURIComponent(c)}, c))))) : null));
}

function reportUrl(code, kind, q) {
  const p = new URLSearchParams(q);
  return '/api/v1/reports/' + encodeURIComponent(code) + '/' + kind + '?' + p.toString();
}

function downloads(code, kind, q, what) {
  return h('div', {class: 'downloads'},
    h('a', {class: 'btn btn-secondary btn-download', href: reportUrl(code, kind, Object.assign({}, q, {format: 'csv'})),
      download: '', dataset: {format: 'csv', kind}}, '下载 CSV'),
    h('a', {class: 'btn btn-secondary btn-download', href: reportUrl(code, kind, Object.assign({}, q, {format: 'xlsx'})),
      download: '', dataset: {format: 'xlsx', kind}}, '下载 Excel'),
    what ? h('span', {class: 'muted'}, what) : null);
}

/* The printed papers (SPEC §14) of the unit on screen (org=; none: every unit): the score
 * sheet and the certificates of everyone who passed. Status and pass filters do not apply. */
function paperLinks(code, org) {
  const q = org ? {org} : {};
  const url = (kind) => reportUrl(code, kind, q);
  return h('div', {class: 'downloads', id: 'paper-downloads'},
    h('a', {class: 'btn btn-secondary btn-download', href: url('sheet.pdf'), download: '', dataset: {kind: 'sheet'}},
      '成绩汇总表（PDF）'),
    h('a', {class: 'btn btn-secondary btn-download', href: url('certificates.pdf'), download: '',
      dataset: {kind: 'certificates'}}, '合格证明（PDF）'),
    h('span', {class: 'muted'}, org ? '单位：' + org + '（含下级）' : '全部单位'));
}

/** GET a report, waiting while the server is still building another report of mine
 *  (429 report_in_progress: one report at a time per user, e.g. an Excel download). */
async function getReport(path) {
  for (let tries = 1; ; tries++) {
    try {
      return await api('GET', path);
    } catch (e) {
      if (e.status !== 429 || e.code !== 'report_in_progress' || tries >= 20) throw e;
      await new Promise((r) => setTimeout(r, Math.min(5, Number(e.retryAfter) || 1) * 1000));
    }
  }
}

export async function renderReport(main, params, ctx) {
  const code = params[0];
  // Results first: they tell the unit tree (for the depth selector and the unit filter).
  let results;
  try {
    results = await getReport(reportUrl(code, 'results', {format: 'json'}).replace('/api/v1', ''));
  } catch (e) {
    if (e.status === 404) {
      main.appendChild(pageTitle('统计报表'));
      main.appendChild(h('section', {class: 'card'}, alertBox('error', e.message || ('没有编号为“' + code + '”的考试。')),
        h('p', null, h('a', {href: '#/hr', class: 'btn btn-secondary'}, '重新选择考试'))));
      return null;
    }
    throw e;
  }
  remember(code);
  const rows = results.rows || [];
  let title = results.title || code;
  if (!results.title) {
    const exams = await examList();
    const ex = exams && exams.filter((x) => x.code === code)[0];
    if (ex && ex.title) title = ex.title;
  }
  main.appendChild(pageTitle(title, '考试编号 ' + code + ' · 数据以每位考生的最好成绩计算'));
  main.appendChild(h('p', {class: 'back-link'}, h('a', {href: '#/hr'}, '‹ 选择其他考试')));

  let maxDepth = 1;
  const units = new Set();
  for (const r of rows) {
    const segs = String(r.org || '').split('/').filter(Boolean);
    maxDepth = Math.max(maxDepth, segs.length);
    for (let i = 1; i <= segs.length; i++) units.add(segs.slice(0, i).join('/'));
  }
  const catNames = Object.assign({}, CATEGORY_NAMES);
  for (const r of rows) if (r.category && r.category_name) catNames[r.category] = r.category_name;
  const cleanups = [];

  /* ---------- pass rates ---------- */
  const byOrg = h('button', {type: 'button', class: 'seg-btn', 'aria-pressed': 'true'}, '按单位');
  const byCat = h('button', {type: 'button', class: 'seg-btn', 'aria-pressed': 'false'}, '按人员类别');
  const depthSel = h('select', {id: 'depth'},
    Array.from({length: maxDepth}, (_, i) => h('option', {value: String(i + 1)}, '第 ' + (i + 1) + ' 级' + (i === 0 ? '（最上级单位）' : ''))),
    h('option', {value: ''}, '完整单位（不汇总）'));
  depthSel.value = maxDepth >= 2 ? '2' : '1';
  const depthField = field('汇总到', depthSel, '单位按“/”分级，选择汇总的层级');
  const rateOut = h('div', {class: 'rate-out', 'aria-live': 'polite'});
  const rateDl = h('div');
  let by = 'org';
  const rateCard = h('section', {class: 'card', 'aria-labelledby': 'rates-title'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'rates-title'}, '参考率与合格率'),
      h('div', {class: 'seg', role: 'group', 'aria-label': '统计方式'}, byOrg, byCat)),
    h('div', {class: 'toolbar'}, depthField.wrap, rateDl),
    rateOut);
  main.appendChild(rateCard);

  async function loadRates() {
    clear(rateOut);
    rateOut.appendChild(h('p', {class: 'muted'}, '正在加载……'));
    const q = {by};
    if (by === 'org' && depthSel.value) q.depth = depthSel.value;
    depthField.wrap.hidden = by !== 'org';
    clear(rateDl);
    rateDl.appendChild(downloads(code, 'pass-rates', q));
    let data;
    try {
      data = await getReport(reportUrl(code, 'pass-rates', Object.assign({format: 'json'}, q)).replace('/api/v1', ''));
    } catch (e) {
      clear(rateOut);
      if (e.status !== 401) rateOut.appendChild(alertBox('error', e.message));
      return;
    }
    if (!ctx.isCurrent()) return;
    clear(rateOut);
    while (cleanups.length) cleanups.pop()();
    const rr = data.rows || [];
    if (by === 'category') for (const r of rr) if (r.group_name) catNames[r.group] = r.group_name;
    const groupLabel = by === 'org' ? '单位' : '人员类别';
    const name = (r) => (by === 'category' ? r.group_name || catNames[r.group] || r.group : r.group);
    const table = dataTable(null, [
      {key: 'group', label: groupLabel, fmt: (v, r) => name(r)},
      {key: 'assigned', label: '应考人数', num: true},
      {key: 'took', label: '实考人数', num: true},
      {key: 'not_taken', label: '未参考', num: true},
      {key: 'passed', label: '合格人数', num: true},
      {key: 'failed', label: '不合格', num: true},
      {key: 'participation_rate', label: '参考率', num: true, fmt: fmtRate},
      {key: 'pass_rate', label: '合格率', num: true, fmt: fmtRate},
      {key: 'avg_score', label: '平均分', num: true, fmt: fmtAvg},
      {key: 'exempt', label: '免考人数', num: true},
    ], rr, {rowHeaders: true, footer: data.total || null, footerLabel: '合计'});
    table.id = 'rates-table';
    if (!rr.length) {
      rateOut.appendChild(h('p', {class: 'muted'}, '没有数据。'));
      return;
    }
    const chartBox = h('div', {class: 'chart-box'});
    const chartWrap = h('figure', {class: 'chart'},
      h('figcaption', null, (by === 'org' ? '各单位' : '各类别') + '参考率与合格率'), chartBox);
    rateOut.appendChild(tableWrap('参考率与合格率表', table));
    rateOut.appendChild(chartWrap);
    cleanups.push(barChart(chartBox, {
      title: (by === 'org' ? '各单位' : '各人员类别') + '参考率与合格率柱状图',
      tail: by === 'org',
      series: [{name: '参考率', cls: 'series-a'}, {name: '合格率', cls: 'series-b'}],
      rows: rr.map((r) => ({label: name(r), full: name(r), values: [r.participation_rate, r.pass_rate]})),
    }));
  }
  function setBy(v) {
    by = v;
    byOrg.setAttribute('aria-pressed', v === 'org' ? 'true' : 'false');
    byCat.setAttribute('aria-pressed', v === 'category' ? 'true' : 'false');
    loadRates();
  }
  byOrg.addEventListener('click', () => setBy('org'));
  byCat.addEventListener('click', () => setBy('category'));
  depthSel.addEventListener('change', loadRates);

  /* ---------- per-person results ---------- */
  const statusSel = h('select', {id: 'f-status'},
    h('option', {value: ''}, '全部'), Object.keys(STATUS_NAMES).map((k) => h('option', {value: k}, STATUS_NAMES[k])));
  const passSel = h('select', {id: 'f-pass'}, h('option', {value: ''}, '全部'), h('option', {value: 'yes'}, '合格'),
    h('option', {value: 'no'}, '不合格'));
  const unitSel = h('select', {id: 'f-unit'}, h('option', {value: ''}, '全部单位'),
    Array.from(units).sort().map((u) => {
      const depth = u.split('/').length;
      return h('option', {value: u}, '\u3000'.repeat(depth - 1) + u.split('/').pop());
    }));
  const search = h('input', {type: 'search', id: 'f-search', placeholder: '姓名或工号', autocomplete: 'off'});
  const resOut = h('div');
  const countText = h('p', {class: 'result-count', 'aria-live': 'polite'});
  const resDl = h('div', {id: 'results-downloads'});
  const resCard = h('section', {class: 'card', 'aria-labelledby': 'res-title'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'res-title'}, '个人成绩'), resDl),
    h('div', {class: 'filters'},
      field('状态', statusSel).wrap, field('单位（含下级）', unitSel).wrap, field('是否合格', passSel).wrap,
      field('查找', search).wrap),
    countText, resOut);
  main.appendChild(resCard);
  let shown = PAGE;

  function filtered() {
    const st = statusSel.value;
    const unit = unitSel.value;
    const pass = passSel.value;
    const q = search.value.trim();
    return rows.filter((r) => {
      if (st && r.status !== st) return false;
      if (unit && r.org !== unit && String(r.org || '').indexOf(unit + '/') !== 0) return false;
      if (pass === 'yes' && r.passed !== true) return false;
      if (pass === 'no' && r.passed !== false) return false;
      if (q && String(r.name || '').indexOf(q) < 0 && String(r.login || '').indexOf(q) < 0) return false;
      return true;
    });
  }
  /* The download links follow the status, unit and pass filters (the search box is not sent). */
  function filterQuery() {
    const q = {};
    if (statusSel.value) q.status = statusSel.value;
    if (unitSel.value) q.org = unitSel.value;
    if (passSel.value) q.passed = passSel.value === 'yes' ? '1' : '0';
    return q;
  }
  function renderDownloads() {
    const q = filterQuery();
    clear(resDl);
    resDl.appendChild(downloads(code, 'results', q, Object.keys(q).length ? '按当前筛选导出' : null));
    resDl.appendChild(paperLinks(code, unitSel.value));
  }
  function renderResults() {
    renderDownloads();
    const list = filtered();
    clear(resOut);
    countText.textContent = '共 ' + list.length + ' 人' + (list.length !== rows.length ? '（全部 ' + rows.length + ' 人）' : '');
    if (!list.length) {
      resOut.appendChild(h('p', {class: 'muted'}, '没有符合条件的人员。'));
      return;
    }
    const table = dataTable(null, [
      {key: 'login', label: '工号'},
      {key: 'name', label: '姓名'},
      {key: 'org', label: '单位'},
      {key: 'category', label: '类别', fmt: (v) => catNames[v] || v || '—'},
      {key: 'status', label: '状态', fmt: (v) => h('span', {class: 'chip chip-' + (v === 'submitted' ? 'success' : v === 'in_progress' ? 'warn' : 'muted')}, STATUS_NAMES[v] || v)},
      {key: 'score', label: '成绩', num: true, fmt: fmtScore},
      {key: 'passed', label: '是否合格', fmt: (v) => (v === true ? '合格' : v === false ? h('span', {class: 'text-danger'}, '不合格') : '—')},
      {key: 'submitted_at', label: '交卷时间', fmt: (v) => (v ? fmtTime(v) : '—')},
    ], list.slice(0, shown), {compact: true});
    table.id = 'results-table';
    resOut.appendChild(tableWrap('个人成绩表', table));
    if (list.length > shown) {
      resOut.appendChild(h('p', null, h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => {
        shown += PAGE;
        renderResults();
      }}, '显示更多（还有 ' + (list.length - shown) + ' 人）')));
    }
  }
  for (const el of [statusSel, unitSel, passSel]) el.addEventListener('change', () => {
    shown = PAGE;
    renderResults();
  });
  search.addEventListener('input', () => {
    shown = PAGE;
    renderResults();
  });
  renderResults();
  await loadRates();
  return () => {
    while (cleanups.length) cleanups.pop()();
  };
}
