/* unit.js — 单位管理 (SPEC §12): what a unit administrator (and an administrator) does for the
 * staff of their scope: the exams, each exam's progress unit by unit with a drill-down to the
 * people (status and remaining time), and the staff page (search by name or login, filter by
 * unit, reset a password — shown once —, disable or enable an examinee). The server limits
 * every answer to the signed-in user's scope; this page only shows what it is given. */
import {api, session, hasRole, serverNow} from '../api.js';
import {h, clear, alertBox, pageTitle, field, tableWrap, dataTable, fmtTime, fmtScore, fmtDuration,
  fmtClock, ROLE_NAMES} from '../dom.js';

import {LIMITS} from '../limits.js';
import {attemptActions, renderAttemptDetail} from './attempt-actions.js';

const STATUS = {not_started: '未开始', in_progress: '答题中', submitted: '已交卷', exempt: '免考', voided: '已作废'};
/* rows of one page of the people list: the server's default (common/base/lx_limits.h) */
const PAGE_SIZE = LIMITS.people_page;
const enc = encodeURIComponent;

function scopeText() {
  const s = session.user && session.user.scope;
  return s ? '管理范围：' + s + '（含下级单位）' : '管理范围：全部单位';
}

export function unitTabs(active) {
  const items = [['#/unit', '考试进度', 'home'], ['#/unit/staff', '人员管理', 'staff'], ['#/hr', '统计报表', 'hr'],
    ['#/unit/notices', '通知公告', 'notices']];
  return h('nav', {class: 'subnav', 'aria-label': '单位管理'}, h('ul', null, items.map((i) =>
    h('li', null, h('a', {href: i[0], class: i[2] === active ? 'active' : null,
      'aria-current': i[2] === active ? 'page' : null}, i[1])))));
}

function listOf(data, key) {
  if (Array.isArray(data)) return data;
  return data && Array.isArray(data[key]) ? data[key] : [];
}

/* #/unit: the exams, each leading to its progress in the scope. */
export async function renderHome(main) {
  main.appendChild(pageTitle('单位管理', scopeText()));
  main.appendChild(unitTabs('home'));
  const card = h('section', {class: 'card', 'aria-labelledby': 'unit-exams-title'},
    h('h2', {class: 'card-title', id: 'unit-exams-title'}, '考试'));
  main.appendChild(card);
  try {
    const exams = listOf(await api('GET', '/admin/exams'), 'exams');
    card.appendChild(exams.length ? tableWrap('考试列表', dataTable(null, [
      {key: 'code', label: '考试编号', fmt: (v) => h('a', {href: '#/unit/exams/' + enc(v)}, v)},
      {key: 'title', label: '考试名称'},
      {key: 'opens_at', label: '考试时间', fmt: (v, r) => fmtTime(r.opens_at) + ' 至 ' + fmtTime(r.closes_at)},
      {key: 'duration_minutes', label: '时长', num: true, fmt: (v) => (v ? v + ' 分钟' : '—')},
    ], exams)) : h('p', {class: 'muted'}, '还没有考试。'));
  } catch (e) {
    if (e.status !== 401) card.appendChild(alertBox('error', e.message));
  }
}

function remaining(r) {
  if (r.status !== 'in_progress' || typeof r.remaining_seconds !== 'number') return '—';
  return fmtDuration(r.remaining_seconds * 1000);
}

/* #/unit/exams/{code}: counts over the scope, one row per unit, and the people of a unit. */
export async function renderExam(main, params, ctx) {
  const code = params[0];
  main.appendChild(pageTitle('考试进度：' + code, scopeText()));
  main.appendChild(unitTabs('home'));
  const msg = h('div', {'aria-live': 'polite'});
  const tiles = {};
  const tileBox = h('div', {class: 'stat-grid'});
  const names = {assigned: '应考人数', not_started: '未开始', in_progress: '答题中', submitted: '已交卷', exempt: '免考'};
  for (const k of Object.keys(names)) {
    tiles[k] = h('span', {class: 'stat-value', dataset: {key: k}}, '—');
    tileBox.appendChild(h('div', {class: 'stat stat-' + k}, h('span', {class: 'stat-label'}, names[k]), tiles[k]));
  }
  const updated = h('p', {class: 'muted monitor-updated'}, '');
  const unitsBox = h('div', {id: 'units-box'});
  const peopleTitle = h('h2', {class: 'card-title', id: 'people-title'}, '人员');
  const peopleBox = h('div', {id: 'people-box'});
  const pageInfo = h('p', {class: 'muted', id: 'people-page-info', 'aria-live': 'polite'}, '');
  const prevBtn = h('button', {type: 'button', class: 'btn btn-small btn-secondary', id: 'people-prev'}, '上一页');
  const nextBtn = h('button', {type: 'button', class: 'btn btn-small btn-secondary', id: 'people-next'}, '下一页');
  const pager = h('nav', {class: 'form-actions pager', 'aria-label': '人员列表分页', hidden: true}, prevBtn, ' ', nextBtn);
  const statusSel = h('select', {id: 'people-status'},
    h('option', {value: ''}, '全部'), Object.keys(STATUS).map((k) => h('option', {value: k}, STATUS[k])));
  const peopleCard = h('section', {class: 'card', 'aria-labelledby': 'people-title', hidden: true},
    h('div', {class: 'card-head'}, peopleTitle), field('状态', statusSel).wrap, peopleBox, pageInfo, pager);
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'unit-mon-title'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'unit-mon-title'}, '各单位进度'),
      h('span', {class: 'muted'}, '每 10 秒自动刷新')),
    tileBox, msg, unitsBox,
    h('div', {class: 'form-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => refresh()}, '立即刷新'),
      h('a', {href: '#/hr/' + enc(code), class: 'btn btn-secondary'}, '查看统计报表'),
      h('a', {href: '/api/v1/reports/' + enc(code) + '/results?format=xlsx', class: 'btn btn-secondary',
        id: 'download-results-xlsx', download: ''}, '下载本范围成绩（Excel）'),
      h('a', {href: '/api/v1/reports/' + enc(code) + '/results?format=csv', class: 'btn btn-secondary',
        id: 'download-results-csv', download: ''}, '下载本范围成绩（CSV）')),
    updated));
  main.appendChild(peopleCard);
  let openOrg = null;
  let offset = 0;

  /* One page of the people of the open unit (the server pages: limit/offset, total). */
  async function loadPeople() {
    if (!openOrg) return;
    const q = '?org=' + enc(openOrg) + (statusSel.value ? '&status=' + enc(statusSel.value) : '') +
      '&limit=' + PAGE_SIZE + '&offset=' + offset;
    const d = await api('GET', '/admin/exams/' + enc(code) + '/people' + q);
    const total = typeof d.total === 'number' ? d.total : d.rows.length;
    if (offset > 0 && offset >= total) { /* the list shrank under this page: back to the last one */
      offset = Math.max(0, Math.floor((total - 1) / PAGE_SIZE) * PAGE_SIZE);
      return loadPeople();
    }
    clear(peopleBox);
    peopleTitle.textContent = '人员：' + openOrg;
    pageInfo.textContent = total ? '第 ' + (offset + 1) + '–' + (offset + d.rows.length) + ' 人，共 ' + total + ' 人' : '';
    pager.hidden = total <= PAGE_SIZE;
    prevBtn.disabled = offset === 0;
    nextBtn.disabled = offset + d.rows.length >= total;
    peopleBox.appendChild(d.rows.length ? tableWrap('人员列表', dataTable(null, [
      {key: 'login', label: '工号'}, {key: 'name', label: '姓名'}, {key: 'org', label: '单位', wrap: true},
      {key: 'status', label: '状态', fmt: (v) => STATUS[v] || v},
      {key: 'remaining_seconds', label: '剩余时间', num: true, fmt: (v, r) => remaining(r)},
      {key: 'score', label: '成绩', num: true, fmt: (v) => fmtScore(v)},
      {key: 'last_seen', label: '最近活动', fmt: (v) => fmtTime(v)},
      /* per-person actions (延长时间, 强制交卷, 作废, 免考…), each asking for its reason */
      {key: 'login', label: '操作', fmt: (v, r) => attemptActions(r, {exam: code, onDone: refresh, detailBase: '#/unit/attempts/'})},
    ], d.rows, {compact: true})) : h('p', {class: 'muted'}, '没有符合条件的人员。'));
  }

  async function refresh() {
    try {
      const m = await api('GET', '/admin/exams/' + enc(code) + '/monitor?units=1');
      clear(msg);
      for (const k of Object.keys(tiles)) tiles[k].textContent = m[k] === undefined ? '—' : String(m[k]);
      clear(unitsBox);
      const units = Array.isArray(m.units) ? m.units : [];
      unitsBox.appendChild(units.length ? tableWrap('各单位进度', dataTable(null, [
        {key: 'org', label: '单位', wrap: true},
        {key: 'assigned', label: '应考', num: true}, {key: 'not_started', label: '未开始', num: true},
        {key: 'in_progress', label: '答题中', num: true}, {key: 'submitted', label: '已交卷', num: true},
        {key: 'exempt', label: '免考', num: true, fmt: (v) => (typeof v === 'number' ? String(v) : '—')},
        {key: 'org', label: '人员', fmt: (v) => h('button', {type: 'button', class: 'btn btn-small btn-secondary',
          'aria-label': '查看人员：' + v, onclick: () => openUnit(v)}, '查看人员')},
      ], units, {compact: true})) : h('p', {class: 'muted'}, '您的管理范围内没有参加这场考试的人员。'));
      updated.textContent = '更新于 ' + fmtClock(serverNow());
      await loadPeople();
    } catch (e) {
      if (e.status === 401) return;
      clear(msg);
      msg.appendChild(alertBox(e.offline ? 'warn' : 'error', e.message));
    }
  }

  async function openUnit(org) {
    openOrg = org;
    offset = 0;
    peopleCard.hidden = false;
    try {
      await loadPeople();
      peopleTitle.setAttribute('tabindex', '-1');
      peopleTitle.focus();
    } catch (e) {
      if (e.status !== 401) peopleBox.appendChild(alertBox('error', e.message));
    }
  }
  const reload = () => loadPeople().catch((e) => {
    clear(peopleBox);
    if (e.status !== 401) peopleBox.appendChild(alertBox('error', e.message));
  });
  statusSel.addEventListener('change', () => {
    offset = 0;
    reload();
  });
  prevBtn.addEventListener('click', () => {
    offset = Math.max(0, offset - PAGE_SIZE);
    reload();
  });
  nextBtn.addEventListener('click', () => {
    offset += PAGE_SIZE;
    reload();
  });

  await refresh();
  const timer = setInterval(() => {
    if (!document.hidden && ctx.isCurrent()) refresh();
  }, 10000);
  return () => clearInterval(timer);
}

/* #/unit/attempts/{id}: one attempt of a person in scope (answers, keys, credit, actions);
 * the server answers 404 (答卷不存在) for anyone outside the scope, shown as it comes. */
export function renderAttempt(main, params, ctx) {
  return renderAttemptDetail(main, params, ctx, {unit: true});
}

/* #/unit/staff: search, filter by unit, reset a password, disable/enable. */
export async function renderStaff(main) {
  main.appendChild(pageTitle('人员管理', scopeText()));
  main.appendChild(unitTabs('staff'));
  const q = h('input', {type: 'search', id: 'staff-q', maxlength: '64', autocomplete: 'off'});
  const orgSel = h('select', {id: 'staff-org'}, h('option', {value: ''}, '全部单位'));
  const out = h('div', {id: 'staff-out', 'aria-live': 'polite'});
  const notice = h('div', {id: 'staff-notice'});
  const form = h('form', {class: 'filters', role: 'search', 'aria-label': '查找人员'},
    field('姓名或工号', q).wrap, field('单位（含下级）', orgSel).wrap,
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, '查找')));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'staff-title'},
    h('h2', {class: 'card-title', id: 'staff-title'}, '查找人员'), form, notice, out));
  const isAdmin = hasRole('admin');
  let unitsKnown = false;

  async function search() {
    const params = [];
    if (q.value.trim()) params.push('q=' + enc(q.value.trim()));
    if (orgSel.value) params.push('org=' + enc(orgSel.value));
    const d = await api('GET', '/admin/users' + (params.length ? '?' + params.join('&') : ''));
    if (!unitsKnown) { /* the units of the first, unfiltered list fill the filter */
      unitsKnown = true;
      const orgs = Array.from(new Set(d.rows.map((r) => r.org))).sort();
      for (const o of orgs) orgSel.appendChild(h('option', {value: o}, o));
    }
    clear(out);
    if (!d.rows.length) {
      out.appendChild(h('p', {class: 'muted'}, '没有找到符合条件的人员。'));
      return;
    }
    out.appendChild(tableWrap('人员列表', dataTable(null, [
      {key: 'login', label: '工号'}, {key: 'name', label: '姓名'}, {key: 'org', label: '单位', wrap: true},
      {key: 'roles', label: '角色', fmt: (v) => (v || []).map((r) => ROLE_NAMES[r] || r).join('、')},
      {key: 'disabled', label: '状态', fmt: (v) => (v ? '已停用' : '正常')},
      {key: 'login', label: '操作', fmt: (v, r) => actions(r)},
    ], d.rows, {compact: true})));
    if (d.more) out.appendChild(h('p', {class: 'muted'}, '只显示前 ' + d.rows.length + ' 人，请输入姓名或工号缩小范围。'));
  }

  function actions(r) {
    const manageable = isAdmin || (r.roles.length === 1 && r.roles[0] === 'examinee');
    if (!manageable || (session.user && r.login === session.user.login)) return '—';
    const reset = h('button', {type: 'button', class: 'btn btn-small btn-secondary',
      'aria-label': '重置密码：' + r.name + '（' + r.login + '）'}, '重置密码');
    reset.addEventListener('click', () => act(r, 'password', reset));
    const toggle = h('button', {type: 'button', class: 'btn btn-small ' + (r.disabled ? 'btn-secondary' : 'btn-danger'),
      'aria-label': (r.disabled ? '启用：' : '停用：') + r.name + '（' + r.login + '）'}, r.disabled ? '启用' : '停用');
    toggle.addEventListener('click', () => act(r, r.disabled ? 'enable' : 'disable', toggle));
    return h('span', {class: 'row-actions'}, reset, ' ', toggle);
  }

  async function act(r, what, btn) {
    const ask = {password: '重置 ' + r.name + '（' + r.login + '）的密码？重置后其已登录的会话将失效，下次登录须修改密码。',
      disable: '停用 ' + r.name + '（' + r.login + '）的账号？停用后无法登录。', enable: '启用 ' + r.name + '（' + r.login + '）的账号？'};
    if (!window.confirm(ask[what])) return;
    btn.disabled = true;
    clear(notice);
    try {
      const res = await api('POST', '/admin/users/' + enc(r.login) + '/' + what, what === 'password' ? {body: {}} : {});
      if (what === 'password') {
        notice.appendChild(alertBox('warn', h('span', null, r.name + '（' + r.login + '）的新密码：'),
          h('strong', {class: 'new-password', id: 'new-password'}, res.password),
          h('span', null, '。此密码只显示这一次，请当面或通过安全渠道告知本人；首次登录须修改密码。')));
      } else {
        notice.appendChild(alertBox('success', r.name + '（' + r.login + '）' + (what === 'disable' ? '已停用。' : '已启用。')));
        await search();
      }
    } catch (e) {
      if (e.status !== 401) notice.appendChild(alertBox('error', e.message));
    } finally {
      btn.disabled = false;
    }
  }

  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    search().catch((e) => {
      clear(out);
      if (e.status !== 401) out.appendChild(alertBox('error', e.message));
    });
  });
  try {
    await search();
  } catch (e) {
    if (e.status !== 401) out.appendChild(alertBox('error', e.message));
  }
}
