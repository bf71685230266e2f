/* result.js — after the exam: the submitted state with the score when the exam's policy shows
 * it, and the review page (keys, explanations, legal bases) when the policy allows. */
import {api, downloadFile} from '../api.js';
import {h, alertBox, pageTitle, fmtScore, fmtTime, TYPE_NAMES} from '../dom.js';
import {go} from '../router.js';

export async function renderResult(main, params, ctx) {
  const id = params[0];
  const a = await api('GET', '/attempts/' + encodeURIComponent(id));
  if (ctx && !ctx.isCurrent()) return; /* another page was asked for while this one loaded */
  if (a.status === 'in_progress') {
    go('#/exam/' + encodeURIComponent(id));
    return;
  }
  const r = a.result;
  let auto = false;
  try {
    auto = sessionStorage.getItem('lawexam.autosubmitted') === String(a.id);
  } catch (e) {
    /* ignore */
  }
  const card = h('section', {class: 'card result-card', 'aria-labelledby': 'result-title'});
  card.appendChild(h('div', {class: 'result-status'},
    h('div', {class: 'result-icon', 'aria-hidden': 'true'}, '✓'),
    h('div', null,
      h('h1', {class: 'page-title', id: 'result-title', tabindex: '-1'}, '已交卷'),
      h('p', {class: 'page-sub'}, a.exam_title || a.exam_code))));
  if (auto) card.appendChild(alertBox('info', '考试时间已到，系统已按时自动交卷。时间到之前保存的答案均已计入。'));
  if (r) {
    card.appendChild(h('div', {class: 'score-box ' + (r.passed ? 'pass' : 'fail')},
      h('div', {class: 'score-main'},
        h('span', {class: 'score-label'}, '成绩'),
        h('span', {class: 'score-value'}, fmtScore(r.score)),
        h('span', {class: 'score-max'}, '/ ' + fmtScore(r.max_score) + ' 分')),
      h('div', {class: 'score-verdict'}, r.passed ? '合格' : '不合格')));
  } else {
    card.appendChild(alertBox('info', '您的答卷已提交。本次考试的成绩将按考试安排统一公布，届时可在“我的考试”中查看。'));
  }
  const meta = h('dl', {class: 'meta-list'});
  if (a.started_at) meta.appendChild(h('div', null, h('dt', null, '开始时间'), h('dd', null, fmtTime(a.started_at))));
  if (a.submitted_at) meta.appendChild(h('div', null, h('dt', null, '交卷时间'), h('dd', null, fmtTime(a.submitted_at))));
  if (a.questions) meta.appendChild(h('div', null, h('dt', null, '题目数量'), h('dd', null, a.questions.length + ' 题')));
  if (meta.childNodes.length) card.appendChild(meta);
  if (a.receipt) {
    /* 回执: the code the server signed over this attempt's final answers and time; an
     * administrator checks it with `lawexam-admin receipt verify`. */
    card.appendChild(h('div', {class: 'receipt-box', 'data-receipt': a.receipt},
      h('div', {class: 'receipt-label'}, '交卷回执'),
      h('div', {class: 'receipt-code'}, a.receipt),
      h('p', {class: 'muted receipt-note'},
        '回执由系统根据您的答卷与交卷时间生成，请妥善保存。如对成绩有异议，可凭回执请管理员核验答卷是否被改动。'),
      h('button', {type: 'button', class: 'btn btn-secondary no-print', onclick: () => window.print()}, '打印回执')));
  }
  card.appendChild(h('div', {class: 'form-actions'},
    a.review_available ? h('a', {href: '#/review/' + encodeURIComponent(id), class: 'btn btn-primary'}, '查看答题解析') : null,
    h('a', {href: '#/exams', class: 'btn btn-secondary'}, '返回我的考试')));
  if (r && r.passed) card.appendChild(certificateBox(id));
  if (!a.review_available) card.appendChild(h('p', {class: 'muted'}, '答案与解析按考试安排开放查看。'));
  main.appendChild(card);
}

/* 下载合格证明: shown when the score is visible and passed; the server decides (it gives the
 * person's best passed attempt's certificate, or 409 not_passed with the reason in Chinese). */
function certificateBox(id) {
  const msg = h('div', {class: 'cert-message', 'aria-live': 'polite'});
  const btn = h('button', {type: 'button', class: 'btn btn-success', id: 'download-certificate'}, '下载合格证明');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    msg.replaceChildren();
    try {
      await downloadFile('GET', '/attempts/' + encodeURIComponent(id) + '/certificate.pdf', '合格证明.pdf');
      msg.appendChild(h('p', {class: 'muted'}, '合格证明（PDF）已开始下载。'));
    } catch (e) {
      msg.appendChild(alertBox(e.status === 409 ? 'info' : 'error', e.message || '合格证明下载失败，请稍后重试。'));
    } finally {
      btn.disabled = false;
    }
  });
  return h('div', {class: 'cert-download'}, h('p', {class: 'form-actions'}, btn), msg);
}

/* The review response is read tolerantly: per question the key may be `answer` or `key`,
 * the examinee's response `response` (or the attempt's `answers` map), the verdict
 * `correct` and the points earned `earned`/`score`. */
export async function renderReview(main, params, ctx) {
  const id = params[0];
  let rv;
  try {
    rv = await api('GET', '/attempts/' + encodeURIComponent(id) + '/review');
  } catch (e) {
    if (ctx && !ctx.isCurrent()) return;
    if (e.status === 403) {
      main.appendChild(h('section', {class: 'card'}, pageTitle('答题解析暂未开放'),
        alertBox('info', e.message || '本次考试的答案与解析尚未开放查看。'),
        h('p', null, h('a', {href: '#/result/' + encodeURIComponent(id), class: 'btn btn-secondary'}, '返回'))));
      return;
    }
    throw e;
  }
  if (ctx && !ctx.isCurrent()) return; /* a second render of this route (hashchange) draws it */
  const questions = rv.questions || [];
  const given = rv.answers || {};
  const result = rv.result || null;
  main.appendChild(pageTitle('答题解析', (rv.exam_title || rv.exam_code || '') +
    (result ? ' · 成绩 ' + fmtScore(result.score) + ' / ' + fmtScore(result.max_score) + ' 分' : '')));
  let right = 0;
  const list = h('ol', {class: 'review-list'});
  for (const q of questions) {
    const key = q.answer !== undefined ? q.answer : (q.key !== undefined ? q.key : '');
    const resp = q.response !== undefined && q.response !== null ? q.response : (given[String(q.position)] || '');
    const correct = typeof q.correct === 'boolean' ? q.correct : resp === key;
    if (correct) right++;
    const earned = q.earned !== undefined ? q.earned : q.score;
    const opts = q.type === 'judge' && !(q.options && q.options.length)
      ? [{key: 'T', text: '正确'}, {key: 'F', text: '错误'}] : (q.options || []);
    const optList = h('ul', {class: 'review-options'});
    for (const o of opts) {
      const isKey = key.indexOf(o.key) >= 0;
      const chosen = resp.indexOf(o.key) >= 0;
      optList.appendChild(h('li', {class: 'review-option' + (isKey ? ' is-key' : '') + (chosen ? ' is-chosen' : '')},
        q.type === 'judge' ? null : h('span', {class: 'option-key'}, o.key + '.'),
        h('span', {class: 'option-text'}, o.text),
        isKey ? h('span', {class: 'tag tag-key'}, '正确答案') : null,
        chosen ? h('span', {class: 'tag tag-chosen'}, '您的选择') : null));
    }
    const show = (k) => (q.type === 'judge' ? k.replace('T', '正确').replace('F', '错误') : k);
    list.appendChild(h('li', {class: 'card review-item ' + (correct ? 'ok' : 'wrong')},
      h('div', {class: 'q-head'},
        h('span', {class: 'q-no'}, '第 ' + q.position + ' 题'),
        h('span', {class: 'chip chip-info'}, TYPE_NAMES[q.type] || q.type),
        q.points !== undefined ? h('span', {class: 'q-points'}, fmtScore(q.points) + ' 分') : null,
        h('span', {class: 'chip ' + (correct ? 'chip-success' : (earned > 0 ? 'chip-info' : 'chip-danger'))},
          correct ? '回答正确' : (earned > 0 ? '部分得分（少选）' : (resp ? '回答错误' : '未作答'))),
        earned !== undefined && earned !== null ? h('span', {class: 'q-points'}, '得 ' + fmtScore(earned) + ' 分') : null),
      h('p', {class: 'q-stem'}, q.stem),
      optList,
      h('dl', {class: 'review-meta'},
        h('div', null, h('dt', null, '正确答案'), h('dd', null, show(key) || '—')),
        h('div', null, h('dt', null, '您的答案'), h('dd', null, resp ? show(resp) : '未作答')),
        q.explanation ? h('div', null, h('dt', null, '解析'), h('dd', null, q.explanation)) : null,
        q.basis ? h('div', null, h('dt', null, '依据'), h('dd', null, q.law
          ? h('a', {href: '#/laws/' + encodeURIComponent(q.law.code) + '/' + encodeURIComponent(q.law.ref),
            class: 'basis-link', title: '阅读法条原文'}, q.basis)
          : q.basis)) : null)));
  }
  main.appendChild(h('p', {class: 'muted'}, '共 ' + questions.length + ' 题，答对 ' + right + ' 题。'));
  main.appendChild(list);
  main.appendChild(h('p', null, h('a', {href: '#/result/' + encodeURIComponent(id), class: 'btn btn-secondary'}, '返回成绩页')));
}
