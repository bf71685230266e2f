/* study.js — the examinee's study pages (学法, SPEC §13): 练习 (choose a bank, a mode and a
 * number of questions; then one question per screen with immediate feedback: right or wrong,
 * the key, the explanation and the legal basis), the 错题本 (my mistakes, practised again in
 * "mistakes" mode: two right answers in a row take a question out), and 学习记录 (my practice
 * and reading figures). Also studySummary(), the card the examinee's home page shows. Phone
 * first: one column, option rows and buttons at least 44 px high. */
import {api} from '../api.js';
import {h, clear, alertBox, pageTitle, field, fmtRate, tableWrap, dataTable, newId, TYPE_NAMES} from '../dom.js';
import {go} from '../router.js';
import {LIMITS} from '../limits.js';

const MODE_NAMES = {random: '随机练习', sequential: '顺序练习', mistakes: '错题练习'};

function hintOf(type) {
  return type === 'multiple' ? '多选题：请选择所有正确选项，然后点“提交答案”。'
    : type === 'judge' ? '判断题：请判断下列说法是否正确，然后点“提交答案”。' : '单选题：请选择一个最符合题意的选项，然后点“提交答案”。';
}

function minutes(seconds) {
  const m = Math.round((seconds || 0) / 30) / 2;
  return (Number.isInteger(m) ? String(m) : m.toFixed(1)) + ' 分钟';
}

/** The study card of the examinee's home page: practice progress and the 错题 count. */
export async function studySummary() {
  let st;
  try {
    st = await api('GET', '/me/study');
  } catch (e) {
    return null;
  }
  const rate = st.practice_answered ? fmtRate(st.practice_correct / st.practice_answered) : '—';
  return h('section', {class: 'card study-summary', 'aria-labelledby': 'study-sum-title', id: 'study-summary'},
    h('h2', {class: 'card-title', id: 'study-sum-title'}, '学法练习'),
    h('dl', {class: 'stat-grid'},
      h('div', {class: 'stat'}, h('dt', null, '已练习'), h('dd', {dataset: {stat: 'answered'}}, st.practice_answered + ' 题')),
      h('div', {class: 'stat'}, h('dt', null, '正确率'), h('dd', {dataset: {stat: 'rate'}}, rate)),
      h('div', {class: 'stat'}, h('dt', null, '错题'), h('dd', {dataset: {stat: 'mistakes'}}, st.mistakes + ' 道'))),
    h('div', {class: 'exam-actions'},
      h('a', {href: '#/practice', class: 'btn btn-primary'}, '开始练习'),
      h('a', {href: '#/mistakes', class: 'btn btn-secondary'}, '错题本（' + st.mistakes + '）'),
      h('a', {href: '#/study', class: 'btn btn-secondary'}, '学习记录')));
}

/* ---------- 练习: choose ---------- */

export async function renderPractice(main) {
  main.appendChild(pageTitle('学法练习', '每题作答后立即显示正确答案、解析和法律依据。'));
  const data = await api('GET', '/practice/banks');
  const banks = (data && data.banks) || [];
  if (!banks.length) {
    main.appendChild(h('section', {class: 'card empty'}, h('p', null, '目前没有可练习的题库。')));
    return;
  }
  const bankSel = h('select', {id: 'p-bank', required: true},
    banks.map((b) => h('option', {value: b.code}, (b.title || b.code) + '（' + b.questions + ' 题）')));
  const modeSel = h('select', {id: 'p-mode'},
    Object.keys(MODE_NAMES).map((k) => h('option', {value: k}, MODE_NAMES[k])));
  const count = h('input', {type: 'number', id: 'p-count', min: '1', max: String(LIMITS.practice_count_max),
    value: '10', inputmode: 'numeric', required: true});
  const msg = h('div', {'aria-live': 'polite'});
  const form = h('form', {class: 'form', novalidate: true},
    field('题库', bankSel).wrap,
    field('练习方式', modeSel, '顺序练习从未练过的题开始；错题练习只出错题本中的题').wrap,
    field('题量', count, '1 至 ' + LIMITS.practice_count_max + ' 题').wrap,
    msg,
    h('button', {type: 'submit', class: 'btn btn-primary btn-block'}, '开始练习'));
  form.addEventListener('submit', async (ev) => {
    ev.preventDefault();
    clear(msg);
    const n = Number(count.value);
    if (!Number.isInteger(n) || n < 1 || n > LIMITS.practice_count_max) {
      msg.appendChild(alertBox('error', '题量应为 1 至 ' + LIMITS.practice_count_max + ' 之间的整数。'));
      count.focus();
      return;
    }
    try {
      const set = await api('POST', '/practice', {body: {bank: bankSel.value, count: n, mode: modeSel.value}});
      sets.set(set.id, set);
      go('#/practice/' + set.id);
    } catch (e) {
      if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
    }
  });
  main.appendChild(h('section', {class: 'card', 'aria-label': '练习设置'}, form));
}

/* The set just made, so its page need not fetch it again (one entry). */
const sets = new Map();

/* ---------- 练习: one question per screen ---------- */

export async function renderPracticeSet(main, params) {
  const id = Number(params[0]);
  let set = sets.get(id);
  sets.clear();
  if (!set) set = await api('GET', '/practice/' + encodeURIComponent(params[0]));
  const qs = set.questions || [];
  const results = new Map(); // position → feedback
  main.appendChild(pageTitle(MODE_NAMES[set.mode] || '学法练习', '共 ' + qs.length + ' 题'));
  const area = h('div', {class: 'practice-area'});
  main.appendChild(area);
  let idx = 0;

  function show(i) {
    idx = i;
    clear(area);
    if (i >= qs.length) {
      area.appendChild(summary());
      return;
    }
    area.appendChild(questionCard(qs[i]));
    const stem = area.querySelector('.q-stem');
    if (stem) stem.focus();
  }

  function summary() {
    const right = Array.from(results.values()).filter((r) => r.correct).length;
    return h('section', {class: 'card', id: 'practice-done', 'aria-labelledby': 'done-title'},
      h('h2', {class: 'card-title', id: 'done-title', tabindex: '-1'}, '本组练习完成'),
      h('p', {class: 'practice-score'}, '答对 ', h('strong', null, String(right)), ' / ' + results.size + ' 题'),
      h('div', {class: 'exam-actions'},
        h('a', {href: '#/practice', class: 'btn btn-primary'}, '再练一组'),
        h('a', {href: '#/mistakes', class: 'btn btn-secondary'}, '查看错题本'),
        h('a', {href: '#/exams', class: 'btn btn-secondary'}, '返回首页')));
  }

  function questionCard(q) {
    const type = q.type;
    const inputs = [];
    const legendId = newId('stem');
    const list = h('div', {class: 'options' + (type === 'judge' ? ' options-judge' : '')});
    for (const o of q.options || []) {
      const input = h('input', {type: type === 'multiple' ? 'checkbox' : 'radio', name: 'pq' + q.position,
        value: o.key, class: 'option-input'});
      inputs.push(input);
      list.appendChild(h('label', {class: 'option', dataset: {key: o.key}}, input,
        type === 'judge' ? null : h('span', {class: 'option-key'}, o.key + '.'),
        h('span', {class: 'option-text'}, o.text)));
    }
    const feedback = h('div', {class: 'feedback', 'aria-live': 'polite'});
    const submit = h('button', {type: 'button', class: 'btn btn-primary', disabled: true}, '提交答案');
    const next = h('button', {type: 'button', class: 'btn btn-primary', hidden: true,
      onclick: () => show(idx + 1)}, idx + 1 < qs.length ? '下一题' : '查看结果');
    const chosen = () => inputs.filter((i) => i.checked).map((i) => i.value).sort().join('');
    list.addEventListener('change', () => {
      for (const i of inputs) i.parentNode.classList.toggle('selected', i.checked);
      // an explicit 提交答案 for every type: arrow keys move a radio choice (and fire change)
      submit.disabled = !chosen();
    });
    async function send() {
      const response = chosen();
      if (!response || submit.dataset.busy) return;
      submit.dataset.busy = '1';
      submit.disabled = true;
      clear(feedback);
      let fb;
      try {
        fb = await api('PUT', '/practice/' + id + '/answers/' + q.position, {body: {response}});
      } catch (e) {
        delete submit.dataset.busy;
        submit.disabled = false;
        if (e.status !== 401) feedback.appendChild(alertBox('error', e.message));
        return;
      }
      results.set(q.position, fb);
      for (const i of inputs) i.disabled = true;
      for (const lab of list.querySelectorAll('.option')) {
        const k = lab.dataset.key;
        if (fb.answer.indexOf(k) >= 0) lab.classList.add('is-key');
        else if (fb.response.indexOf(k) >= 0) lab.classList.add('is-wrong');
      }
      feedback.appendChild(feedbackBox(q, fb));
      submit.hidden = true;
      next.hidden = false;
      next.focus();
    }
    submit.addEventListener('click', send);
    return h('article', {class: 'card question-card practice-card', dataset: {pos: q.position, type}},
      h('div', {class: 'q-head'},
        h('span', {class: 'q-no'}, '第 ' + (idx + 1) + ' 题'),
        h('span', {class: 'q-of'}, '共 ' + qs.length + ' 题'),
        h('span', {class: 'chip chip-info'}, TYPE_NAMES[type] || type)),
      h('fieldset', {class: 'q-fieldset', 'aria-describedby': legendId + '-hint'},
        h('legend', {class: 'q-stem', id: legendId, tabindex: '-1'}, q.stem),
        h('p', {class: 'q-hint', id: legendId + '-hint'}, hintOf(type)),
        list),
      feedback,
      h('div', {class: 'q-actions'}, submit, next));
  }

  show(0);
}

function keyText(q, keys) {
  if (q.type === 'judge') return keys === 'T' ? '正确' : keys === 'F' ? '错误' : keys;
  return keys;
}

function feedbackBox(q, fb) {
  return h('div', {class: 'alert ' + (fb.correct ? 'alert-success' : 'alert-error') + ' feedback-box',
    role: 'status', dataset: {correct: fb.correct ? '1' : '0'}},
    h('p', {class: 'feedback-verdict'}, h('strong', null, fb.correct ? '回答正确' : '回答错误'),
      fb.correct ? '' : '，您的答案：' + keyText(q, fb.response)),
    h('p', null, '正确答案：', h('strong', {class: 'feedback-key'}, keyText(q, fb.answer))),
    fb.explanation ? h('p', null, '解析：' + fb.explanation) : null,
    fb.basis ? h('p', {class: 'feedback-basis'}, '依据：' + fb.basis,
      fb.law && fb.law.code ? [' ', h('a', {href: '#/laws/' + encodeURIComponent(fb.law.code) + '/' +
        encodeURIComponent(fb.law.ref || String(fb.law.no)), class: 'law-link'}, '查看法条')] : null) : null);
}

/* ---------- 错题本 ---------- */

export async function renderMistakes(main) {
  main.appendChild(pageTitle('错题本', '练习或考试（可查看答案后）答错的题会进入错题本；在练习中连续答对两次即移出。'));
  const data = await api('GET', '/me/mistakes');
  const rows = (data && data.rows) || [];
  if (!rows.length) {
    main.appendChild(h('section', {class: 'card empty', id: 'mistakes-empty'}, h('p', null, '错题本是空的。'),
      h('p', null, h('a', {href: '#/practice', class: 'btn btn-primary'}, '去练习'))));
    return;
  }
  const byBank = new Map();
  for (const r of rows) byBank.set(r.bank, (byBank.get(r.bank) || 0) + 1);
  const msg = h('div', {'aria-live': 'polite'});
  const actions = h('div', {class: 'exam-actions'});
  for (const [bank, n] of byBank) {
    actions.appendChild(h('button', {type: 'button', class: 'btn btn-primary', dataset: {bank},
      onclick: async () => {
        clear(msg);
        try {
          const set = await api('POST', '/practice', {body: {bank, count: Math.min(n, LIMITS.practice_count_max), mode: 'mistakes'}});
          sets.set(set.id, set);
          go('#/practice/' + set.id);
        } catch (e) {
          if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
        }
      }}, '练习错题（' + bank + '，' + n + ' 道）'));
  }
  main.appendChild(h('section', {class: 'card'}, h('p', null, '共 ', h('strong', {id: 'mistakes-count'}, String(rows.length)), ' 道错题。'),
    actions, msg));
  const list = h('ol', {class: 'mistake-list', id: 'mistake-list'});
  for (const r of rows) {
    const opts = (r.options || []).map((o) => h('li', {class: 'mistake-opt' + (r.last_response.indexOf(o.key) >= 0 ? ' was-chosen' : '')},
      (r.type === 'judge' ? '' : o.key + '. ') + o.text,
      r.last_response.indexOf(o.key) >= 0 ? h('span', {class: 'chip chip-danger'}, '上次选择') : null));
    list.appendChild(h('li', {class: 'card mistake-card', dataset: {qid: r.question_id, bank: r.bank}},
      h('div', {class: 'q-head'}, h('span', {class: 'chip chip-info'}, TYPE_NAMES[r.type] || r.type),
        h('span', null, '答错 ' + r.wrong_count + ' 次'),
        r.right_in_row ? h('span', {class: 'chip chip-success'}, '已连续答对 ' + r.right_in_row + ' 次') : null,
        r.last_response === '' ? h('span', {class: 'chip chip-danger mistake-blank'}, '上次未作答') : null),
      h('p', {class: 'mistake-stem'}, r.stem),
      h('ul', {class: 'plain-list'}, opts)));
  }
  main.appendChild(list);
}

/* ---------- 学习记录 ---------- */

export async function renderStudy(main) {
  main.appendChild(pageTitle('学习记录'));
  const st = await api('GET', '/me/study');
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'st-title'},
    h('h2', {class: 'card-title', id: 'st-title'}, '合计'),
    h('dl', {class: 'stat-grid'},
      h('div', {class: 'stat'}, h('dt', null, '练习题数'), h('dd', {id: 'st-answered'}, String(st.practice_answered))),
      h('div', {class: 'stat'}, h('dt', null, '答对'), h('dd', {id: 'st-correct'}, String(st.practice_correct))),
      h('div', {class: 'stat'}, h('dt', null, '正确率'), h('dd', null,
        st.practice_answered ? fmtRate(st.practice_correct / st.practice_answered) : '—')),
      h('div', {class: 'stat'}, h('dt', null, '阅读法律'), h('dd', {id: 'st-reading'}, minutes(st.reading_seconds))),
      h('div', {class: 'stat'}, h('dt', null, '错题'), h('dd', null, st.mistakes + ' 道')))));
  const rows = (st.by_bank || []).map((b) => Object.assign({rate: b.answered ? b.correct / b.answered : null}, b));
  if (rows.length) {
    main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'st-banks'},
      h('h2', {class: 'card-title', id: 'st-banks'}, '按题库'),
      tableWrap('按题库的练习记录', dataTable(null, [
        {key: 'title', label: '题库', fmt: (v, r) => v || r.bank},
        {key: 'answered', label: '练习题数', num: true},
        {key: 'correct', label: '答对', num: true},
        {key: 'rate', label: '正确率', num: true, fmt: fmtRate},
      ], rows, {rowHeaders: true}))));
  }
  main.appendChild(h('p', null, h('a', {href: '#/practice', class: 'btn btn-primary'}, '开始练习')));
}
