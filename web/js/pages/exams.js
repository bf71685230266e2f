/* exams.js — "我的考试", the examinee's home: the notices addressed to me (通知公告,
 * notices.js), my practice progress and 错题 count (study.js's
 * card), then the exams assigned to me, with status, window, duration, the result when
 * visible, a prerequisite of practice answers and how far I am, mock exams (模拟考试) marked,
 * and the one action each status allows (start / continue / result). */
import {api, session} from '../api.js';
import {h, alertBox, pageTitle, fmtTime, fmtScore, clear, newId, timeRange, openModal} from '../dom.js';
import {go} from '../router.js';
import {studySummary} from './study.js';
import {noticesBlock} from './notices.js';

const STATUS = {
  upcoming: ['未开始', 'muted'],
  open: ['可参加', 'info'],
  in_progress: ['作答中', 'warn'],
  submitted: ['已交卷', 'success'],
  closed: ['已结束', 'muted'],
};

export function statusChip(status) {
  const s = STATUS[status] || [status, 'muted'];
  return h('span', {class: 'chip chip-' + s[1]}, s[0]);
}

export function resultLine(result) {
  if (!result) return null;
  return h('p', {class: 'exam-result'}, '成绩：',
    h('strong', null, fmtScore(result.score)), ' / ' + fmtScore(result.max_score) + ' 分 ',
    h('span', {class: 'chip ' + (result.passed ? 'chip-success' : 'chip-danger')}, result.passed ? '合格' : '不合格'));
}

export async function render(main) {
  const data = await api('GET', '/exams');
  const exams = Array.isArray(data) ? data : (data && (data.exams || data.rows)) || [];
  main.appendChild(pageTitle('我的考试', (session.user.name || '') + (session.user.org ? ' · ' + session.user.org : '')));
  const notices = await noticesBlock();
  if (notices) main.appendChild(notices);
  const summary = await studySummary();
  if (summary) main.appendChild(summary);
  if (!exams.length) {
    main.appendChild(h('section', {class: 'card empty'},
      h('p', null, '目前没有分配给您的考试。'),
      h('p', {class: 'muted'}, '考试由本单位考试管理员按人员类别统一安排。如您认为应当参加考试却看不到，请联系考试管理员。')));
    return;
  }
  const list = h('ul', {class: 'exam-list'});
  for (const ex of exams) list.appendChild(examCard(ex, main));
  main.appendChild(list);
}

function examCard(ex, main) {
  const titleId = newId('ex');
  const actions = h('div', {class: 'exam-actions'});
  const msg = h('div', {class: 'form-msg', 'aria-live': 'polite'});
  const req = ex.requires;
  const reqMissing = req && req.done < req.practice_answered;
  if (ex.status === 'open' && reqMissing) {
    actions.appendChild(h('a', {href: '#/practice', class: 'btn btn-primary', 'aria-describedby': titleId}, '去练习'));
  } else if (ex.status === 'open') {
    actions.appendChild(h('button', {type: 'button', class: 'btn btn-primary', 'aria-describedby': titleId,
      onclick: () => confirmStart(ex, msg)}, '开始考试'));
  } else if (ex.status === 'in_progress') {
    actions.appendChild(h('button', {type: 'button', class: 'btn btn-primary', 'aria-describedby': titleId,
      onclick: () => (ex.attempt_id ? go('#/exam/' + ex.attempt_id) : start(ex, msg))}, '继续作答'));
  } else if (ex.status === 'submitted' && ex.attempt_id) {
    actions.appendChild(h('a', {href: '#/result/' + ex.attempt_id, class: 'btn btn-secondary', 'aria-describedby': titleId}, '查看结果'));
  } else if (ex.status === 'closed' && ex.attempt_id) {
    actions.appendChild(h('a', {href: '#/result/' + ex.attempt_id, class: 'btn btn-secondary', 'aria-describedby': titleId}, '查看结果'));
  }
  let note = null;
  if (ex.status === 'upcoming') note = h('p', {class: 'muted'}, '考试将于 ' + fmtTime(ex.opens_at) + ' 开放。');
  if (ex.status === 'closed' && !ex.attempt_id) note = h('p', {class: 'muted'}, '考试已结束，您未参加本次考试。');
  if (ex.status === 'submitted' && !ex.result) note = h('p', {class: 'muted'}, '已交卷。成绩将按考试安排公布。');
  const reqLine = req ? prerequisite(req) : null;
  return h('li', {class: 'card exam-card', dataset: {code: ex.code}},
    h('div', {class: 'exam-card-head'},
      h('h2', {class: 'exam-title', id: titleId}, ex.title || ex.code),
      statusChip(ex.status), ex.retake ? h('span', {class: 'chip chip-warn'}, '补考') : null,
      ex.kind === 'mock' ? h('span', {class: 'chip chip-info'}, '模拟考试') : null),
    h('dl', {class: 'meta-list'},
      h('div', null, h('dt', null, '考试时间'), h('dd', null, timeRange(ex.opens_at, ex.closes_at))),
      h('div', null, h('dt', null, '答题时长'), h('dd', null, (ex.duration_minutes || '—') + ' 分钟')),
      ...paperFacts(ex).map(([k, v]) => h('div', null, h('dt', null, k), h('dd', null, v)))),
    reqLine, resultLine(ex.result), note, msg, actions);
}

/** The prerequisite of practice answers (SPEC §13) with a progress bar. */
function prerequisite(req) {
  const done = Math.min(req.done, req.practice_answered);
  const ok = req.done >= req.practice_answered;
  return h('div', {class: 'prereq', dataset: {done: String(req.done), needed: String(req.practice_answered)}},
    h('p', null, ok ? '考前练习已完成（' + req.done + ' / ' + req.practice_answered + ' 题）'
      : '参加本考试前需完成 ' + req.practice_answered + ' 道练习题，已完成 ' + req.done + ' 道。'),
    h('progress', {max: String(req.practice_answered), value: String(done),
      'aria-label': '考前练习进度：已完成 ' + req.done + ' / ' + req.practice_answered + ' 题'}));
}

/** [label, value] pairs: 题量, 满分, 合格线, 作答次数 (saying when the next attempt is a 补考). */
export function paperFacts(ex) {
  const out = [];
  if (ex.question_count != null) out.push(['题量', ex.question_count + ' 题']);
  if (ex.max_score != null) out.push(['满分', fmtScore(ex.max_score) + ' 分']);
  if (ex.pass_percent != null) {
    // passed iff score × 100 ≥ pass_percent × max_score, scores in halves (SPEC §5.6)
    out.push(['合格线', ex.max_score != null
      ? fmtScore(Math.ceil(ex.max_score * ex.pass_percent / 50) / 2) + ' 分（' + ex.pass_percent + '%）'
      : ex.pass_percent + '%']);
  }
  if (ex.attempts_allowed != null) {
    out.push(['作答次数', '已用 ' + (ex.attempts_used || 0) + ' 次，共 ' + ex.attempts_allowed + ' 次' +
      (ex.retake ? '（下一次为补考）' : '')]);
  }
  return out;
}

function confirmStart(ex, msg) {
  const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': 'start-title'},
    h('h2', {id: 'start-title'}, '开始考试'),
    h('p', null, '「' + (ex.title || ex.code) + '」'),
    h('ul', {class: 'plain-list'},
      ex.retake ? h('li', null, h('strong', null, '本次为补考。')) : null,
      ...paperFacts(ex).map(([k, v]) => h('li', null, k + '：' + v)),
      h('li', null, '答题时长 ' + (ex.duration_minutes || '—') + ' 分钟，开始后计时不会暂停，时间以服务器为准。'),
      h('li', null, '每道题的答案会自动保存；网络中断时答案暂存在本机，恢复后自动提交。'),
      h('li', null, '时间到时系统自动交卷。考试须在 ' + fmtTime(ex.closes_at) + ' 前完成。')),
    h('div', {class: 'dialog-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', value: 'cancel', onclick: () => dlg.close()}, '取消'),
      h('button', {type: 'button', class: 'btn btn-primary', onclick: () => {
        dlg.close();
        start(ex, msg);
      }}, '开始答题')));
  dlg.addEventListener('close', () => dlg.remove());
  document.body.appendChild(dlg);
  openModal(dlg);
}

async function start(ex, msg) {
  clear(msg);
  try {
    const a = await api('POST', '/exams/' + encodeURIComponent(ex.code) + '/attempts');
    go('#/exam/' + a.id);
  } catch (e) {
    if (e.status !== 401) msg.appendChild(alertBox('error', e.message));
  }
}
