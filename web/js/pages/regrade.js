/* regrade.js — central grading (集中阅卷, SPEC §5.7 and §12) in the browser: the item
 * analysis of an exam with its suspect keys flagged (negative discrimination; a distractor
 * chosen by more of the upper group than the key), each leading to the regrade page for that
 * question; the regrade page fixes the key (PUT …/answer), shows the dry run (every changed
 * score and pass/fail flip, nothing saved) and applies it on confirmation. */
import {api} from '../api.js';
import {h, clear, alertBox, pageTitle, field, fmtRate, fmtScore, tableWrap, dataTable, toast, TYPE_NAMES} from '../dom.js';

const FLAG_NAMES = {
  negative_discrimination: '区分度为负（高分组答对的比低分组少）',
  distractor_beats_key: '高分组选某干扰项的人数多于选标准答案的',
};

function hashQuery() {
  const q = location.hash.split('?')[1] || '';
  return new URLSearchParams(q);
}

function examLinks(code, active) {
  const base = '#/admin/exams/' + encodeURIComponent(code);
  const items = [[base, '考试与监控', 'exam'], [base + '/items', '试题分析', 'items'], [base + '/regrade', '重新评分', 'regrade']];
  return h('nav', {class: 'subnav', 'aria-label': '考试'}, h('ul', null, items.map((i) =>
    h('li', null, h('a', {href: i[0], class: i[2] === active ? 'active' : null, 'aria-current': i[2] === active ? 'page' : null}, i[1])))));
}

function regradeLink(code, it) {
  const q = new URLSearchParams({bank: it.bank, qid: it.qid});
  if (it.suspect_option) q.set('answer', it.suspect_option);
  return '#/admin/exams/' + encodeURIComponent(code) + '/regrade?' + q.toString();
}

/** #/admin/exams/{code}/items: the item analysis with suspect keys. */
export async function renderItems(main, params, ctx) {
  const code = params[0];
  main.appendChild(pageTitle('试题分析', '考试编号：' + code));
  main.appendChild(examLinks(code, 'items'));
  let rep;
  try {
    rep = await api('GET', '/reports/' + encodeURIComponent(code) + '/items');
  } catch (e) {
    if (ctx && !ctx.isCurrent()) return null;
    main.appendChild(h('section', {class: 'card'}, alertBox('error', e.message)));
    return null;
  }
  if (ctx && !ctx.isCurrent()) return null;
  const items = rep.items || [];
  const suspects = items.filter((it) => it.suspect_key);
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'sus-title'},
    h('h2', {class: 'card-title', id: 'sus-title'}, '疑似答案错误的试题（' + suspects.length + '）'),
    suspects.length ? h('ul', {class: 'suspects'}, suspects.map((it) => h('li', {class: 'suspect', dataset: {qid: it.qid}},
      h('p', null, h('span', {class: 'chip chip-danger'}, '疑似答案错误'), ' ', it.bank + ' / ' + it.qid + '（第 ' + it.version + ' 版，' + (TYPE_NAMES[it.type] || it.type) + '）'),
      h('p', null, it.stem),
      h('p', null, '标准答案：' + it.answer + (it.suspect_option ? '；高分组更多选择：' + it.suspect_option : '')),
      h('ul', null, (it.flags || []).map((f) => h('li', null, FLAG_NAMES[f] || f))),
      h('a', {class: 'btn btn-primary', href: regradeLink(code, it)}, '复核答案并试算重新评分：' + it.qid)))) :
      h('p', {class: 'muted'}, '未发现疑似答案错误的试题。')));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'items-title'},
    h('h2', {class: 'card-title', id: 'items-title'}, '全部试题（已交卷 ' + rep.attempts + ' 份）'),
    tableWrap('全部试题', dataTable(null, [
      {key: 'qid', label: '题号'},
      {key: 'type', label: '题型', fmt: (v) => TYPE_NAMES[v] || v},
      {key: 'stem', label: '题干', wrap: true},
      {key: 'answer', label: '答案'},
      {key: 'drawn', label: '抽中', num: true},
      {key: 'facility', label: '正确率', num: true, fmt: (v) => fmtRate(v)},
      {key: 'discrimination', label: '区分度', num: true, fmt: (v) => (v === null || v === undefined ? '—' : v.toFixed(2))},
      {key: 'options', label: '各选项（高分组）', fmt: (v) => (v || []).map((o) => o.key + ' ' + o.count + '（' + o.upper_count + '）').join('  ')},
      {key: 'suspect_key', label: '提示', fmt: (v, r) => (v ? h('a', {href: regradeLink(code, r)}, '疑似答案错误') : '—')},
    ], items, {rowClass: (r) => (r.suspect_key ? 'row-warn' : null)}))));
  return null;
}

/** #/admin/exams/{code}/regrade[?bank=&qid=&answer=]: fix a key, dry run, apply. */
export async function renderRegrade(main, params) {
  const code = params[0];
  const q = hashQuery();
  main.appendChild(pageTitle('重新评分（集中阅卷）', '考试编号：' + code));
  main.appendChild(examLinks(code, 'regrade'));

  const bank = field('题库编号', h('input', {type: 'text', name: 'bank', value: q.get('bank') || '', required: true}));
  const qid = field('题号', h('input', {type: 'text', name: 'qid', value: q.get('qid') || '', required: true}));
  const answer = field('正确答案', h('input', {type: 'text', name: 'answer', value: q.get('answer') || '', required: true,
    autocomplete: 'off'}), '选项字母，如 B、ACD；判断题填 T（正确）或 F（错误）。改的是本题当前版本的答案，题干和选项不变。');
  const keyMsg = h('div', {'aria-live': 'polite'});
  const keyForm = h('form', {onsubmit: async (ev) => {
    ev.preventDefault();
    clear(keyMsg);
    try {
      const r = await api('PUT', '/admin/banks/' + encodeURIComponent(bank.input.value.trim()) + '/questions/' +
        encodeURIComponent(qid.input.value.trim()) + '/answer', {body: {answer: answer.input.value.trim()}});
      keyMsg.appendChild(alertBox('success', r.changed ? '答案已由 ' + r.old + ' 改为 ' + r.answer + '。请试算重新评分。' : '答案未变（仍为 ' + r.answer + '）。'));
    } catch (e) {
      if (e.status !== 401) keyMsg.appendChild(alertBox('error', e.message));
    }
  }}, bank.wrap, qid.wrap, answer.wrap, keyMsg,
  h('div', {class: 'form-actions'}, h('button', {type: 'submit', class: 'btn btn-primary'}, '保存答案')));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'key-title'},
    h('h2', {class: 'card-title', id: 'key-title'}, '第一步：修正标准答案'), keyForm));

  const out = h('div', {'aria-live': 'polite'});
  const applyBtn = h('button', {type: 'button', class: 'btn btn-danger', disabled: true, onclick: () => regrade(false)}, '确认应用重新评分');
  const dryBtn = h('button', {type: 'button', class: 'btn btn-primary', onclick: () => regrade(true)}, '试算（不保存）');
  async function regrade(dry) {
    clear(out);
    let r;
    try {
      r = await api('POST', '/admin/exams/' + encodeURIComponent(code) + '/regrade' + (dry ? '?dry_run=1' : ''));
    } catch (e) {
      if (e.status !== 401) out.appendChild(alertBox('error', e.message));
      return;
    }
    const changes = r.changes || [];
    out.appendChild(alertBox(dry ? 'info' : 'success', (dry ? '试算结果（尚未保存）：' : '已应用：') + changes.length +
      ' 人成绩变化，其中 ' + changes.filter((c) => c.flip).length + ' 人合格状态改变。'));
    if (changes.length) {
      out.appendChild(tableWrap('成绩变化', dataTable(dry ? '试算：成绩变化' : '已应用：成绩变化', [
        {key: 'login', label: '工号'},
        {key: 'attempt_id', label: '答卷', fmt: (v) => h('a', {href: '#/admin/attempts/' + v}, String(v))},
        {key: 'old', label: '原成绩', num: true, fmt: (v) => fmtScore(v)},
        {key: 'new', label: '新成绩', num: true, fmt: (v) => fmtScore(v)},
        {key: 'flip', label: '合格状态', fmt: (v, c) => (v ? (c.new_passed ? '不合格 → 合格' : '合格 → 不合格') : '不变')},
      ], changes, {compact: true})));
    }
    applyBtn.disabled = !dry || changes.length === 0;
    if (!dry) toast('重新评分已应用', 'success');
  }
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'rg-title'},
    h('h2', {class: 'card-title', id: 'rg-title'}, '第二步：试算并应用重新评分'),
    h('p', null, '按各题当前的标准答案重新评阅本场考试所有已交答卷。先试算，核对成绩变化后再应用。'),
    h('div', {class: 'form-actions'}, dryBtn, applyBtn), out));
  return null;
}
