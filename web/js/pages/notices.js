/* notices.js — 通知公告 (SPEC §12): the block on the examinee's home page (the notices the
 * server says are addressed to me now) and the management page of administrators and unit
 * administrators (#/admin/notices, #/unit/notices): the notices of their scope with a delete
 * button, and a form to post one to a unit (and its sub-units), a staff category and a time
 * window. Who may post where is the server's rule; this page shows its Chinese messages. */
import {api, session, serverNow} from '../api.js';
import {LIMITS} from '../limits.js';
import {h, clear, alertBox, pageTitle, field, tableWrap, dataTable, timeRange, newId, openModal, toast,
  CATEGORY_NAMES} from '../dom.js';
import {adminTabs} from './admin.js';
import {unitTabs} from './unit.js';

const STATUS = {upcoming: ['未开始', 'muted'], active: ['展示中', 'success'], expired: ['已结束', 'muted']};
const CST_MS = 8 * 3600 * 1000;

/** The 通知公告 block of the examinee's home page, or null when nothing is addressed to me. */
export async function noticesBlock() {
  let list;
  try {
    list = (await api('GET', '/notices')).notices || [];
  } catch (e) {
    return null; // the exams below matter more; a failure here is not worth a banner
  }
  if (!list.length) return null;
  const titleId = newId('notices');
  return h('section', {class: 'card notices', 'aria-labelledby': titleId},
    h('h2', {class: 'card-title', id: titleId}, '通知公告'),
    h('ul', {class: 'notice-list'}, list.map((n) => h('li', {class: 'notice', dataset: {id: String(n.id)}},
      h('h3', {class: 'notice-title'}, n.title),
      h('p', {class: 'notice-meta muted'}, '发布范围：' + audience(n) + ' · 有效期：', timeRange(n.from, n.until)),
      h('div', {class: 'notice-body'}, n.body.split(/\r?\n/).map((line) => h('p', null, line)))))));
}

function audience(n) {
  const unit = n.org ? n.org + '（含下级单位）' : '全体单位';
  const cat = n.category ? (n.category_name || CATEGORY_NAMES[n.category] || n.category) : '所有人员类别';
  return unit + '，' + cat;
}

/** A datetime-local value ("2026-12-01T08:00") for ms, in Beijing time. */
function localValue(ms) {
  return new Date(ms + CST_MS).toISOString().slice(0, 16);
}

/** "2026-12-01T08:00" (Beijing time, as typed) → "2026-12-01T08:00:00+08:00"; '' when empty. */
function rfc3339(value) {
  if (!value) return '';
  return (value.length === 16 ? value + ':00' : value) + '+08:00';
}

export function renderAdmin(main) {
  return render(main, adminTabs('notices'));
}

export function renderUnit(main) {
  return render(main, unitTabs('notices'));
}

async function render(main, tabs) {
  const scope = session.user && session.user.scope;
  main.appendChild(pageTitle('通知公告', scope ? '管理范围：' + scope + '（含下级单位）' : '发布到全部或部分单位、人员类别的通知，考生在“我的考试”页面看到。'));
  main.appendChild(tabs);
  const listBox = h('div', {id: 'notice-admin-list'});
  const listMsg = h('div', {'aria-live': 'polite'});
  main.appendChild(postForm(scope, () => refresh()));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'notice-list-title'},
    h('h2', {class: 'card-title', id: 'notice-list-title'}, '已发布的通知'), listMsg, listBox));

  async function refresh() {
    clear(listMsg);
    try {
      const data = await api('GET', '/admin/notices');
      clear(listBox);
      const rows = data.notices || [];
      if (!rows.length) {
        listBox.appendChild(h('p', {class: 'muted'}, '还没有通知。'));
        return;
      }
      listBox.appendChild(tableWrap('通知列表', dataTable(null, [
        {key: 'title', label: '标题', wrap: true},
        {key: 'org', label: '发布范围', wrap: true, fmt: (v, r) => audience(r)},
        {key: 'from', label: '有效期', fmt: (v, r) => timeRange(r.from, r.until)},
        {key: 'status', label: '状态', fmt: (v) => {
          const s = STATUS[v] || [v, 'muted'];
          return h('span', {class: 'chip chip-' + s[1]}, s[0]);
        }},
        {key: 'author', label: '发布人'},
        {key: 'id', label: '操作', fmt: (v, r) => h('button', {type: 'button', class: 'btn btn-secondary btn-small',
          'aria-label': '删除通知：' + r.title, onclick: () => confirmDelete(r, listMsg, refresh)}, '删除')},
      ], rows)));
      if (data.more) listBox.appendChild(h('p', {class: 'muted'}, '只列出最新的 ' + rows.length + ' 条。'));
    } catch (e) {
      if (e.status !== 401) listMsg.appendChild(alertBox('error', e.message));
    }
  }
  await refresh();
}

function postForm(scope, done) {
  const now = serverNow();
  const title = h('input', {type: 'text', id: 'notice-title', maxlength: String(LIMITS.notice_title_max), required: true,
    autocomplete: 'off'});
  const body = h('textarea', {id: 'notice-body', class: 'paste-text notice-text', rows: '6',
    maxlength: String(LIMITS.notice_body_max), required: true});
  const org = h('input', {type: 'text', id: 'notice-org', value: scope || '', required: !!scope, autocomplete: 'off'});
  const cat = h('select', {id: 'notice-category'}, h('option', {value: ''}, '所有人员类别'),
    Object.keys(CATEGORY_NAMES).map((k) => h('option', {value: k}, CATEGORY_NAMES[k])));
  const from = h('input', {type: 'datetime-local', id: 'notice-from', class: 'datetime', value: localValue(now), required: true});
  const until = h('input', {type: 'datetime-local', id: 'notice-until', class: 'datetime',
    value: localValue(now + 7 * 24 * 3600 * 1000), required: true});
  const msg = h('div', {class: 'form-msg', 'aria-live': 'polite'});
  const orgField = field('发布单位', org, scope ? '您管理范围内的单位路径，如 ' + scope + '；通知发给该单位及其下级单位的人员。'
    : '单位路径，如 珠晖区/区司法局；通知发给该单位及其下级单位的人员。不填则发给全体人员。');
  if (!scope) orgField.wrap.classList.add('optional');
  const form = h('form', {class: 'form', novalidate: true},
    field('标题', title, '不超过 ' + LIMITS.notice_title_max + ' 个字').wrap,
    field('正文', body, '不超过 ' + LIMITS.notice_body_max + ' 个字').wrap,
    h('div', {class: 'field-row'}, orgField.wrap, field('人员类别', cat).wrap),
    h('div', {class: 'field-row'}, field('开始时间（北京时间）', from).wrap, field('结束时间（北京时间）', until).wrap),
    msg,
    h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, '发布通知')));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    const doc = {title: title.value, body: body.value, from: rfc3339(from.value), until: rfc3339(until.value)};
    if (org.value.trim()) doc.org = org.value.trim();
    if (cat.value) doc.category = cat.value;
    try {
      const n = await api('POST', '/admin/notices', {body: doc});
      msg.appendChild(alertBox('success', '已发布：' + n.title));
      title.value = '';
      body.value = '';
      done();
    } catch (e) {
      if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
    }
  });
  return h('section', {class: 'card', 'aria-labelledby': 'notice-form-title'},
    h('h2', {class: 'card-title', id: 'notice-form-title'}, '发布通知'), form);
}

function confirmDelete(n, msg, done) {
  const titleId = newId('del');
  const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': titleId},
    h('h2', {id: titleId}, '删除通知？'),
    h('p', null, '「' + n.title + '」删除后考生将不再看到。'),
    h('div', {class: 'dialog-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', 'data-autofocus': '', onclick: () => dlg.close()}, '取消'),
      h('button', {type: 'button', class: 'btn btn-danger', onclick: async () => {
        dlg.close();
        clear(msg);
        try {
          await api('DELETE', '/admin/notices/' + n.id);
          toast('已删除：' + n.title, 'success');
          done();
        } catch (e) {
          if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
        }
      }}, '删除')));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  openModal(dlg);
}
