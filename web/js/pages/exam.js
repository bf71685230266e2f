/* exam.js — the exam page: countdown on the server's clock, question navigator, answer
 * inputs, autosave through the SaveQueue, warnings at 5 and 1 minutes, auto-submit at zero,
 * and the submit dialog. What the examinee sees after a reload is rebuilt from the server's
 * attempt plus whatever this browser still has queued (which is newer). */
import {api, session, serverNow} from '../api.js';
import {h, clear, alertBox, fmtDuration, fmtScore, toast, TYPE_NAMES} from '../dom.js';
import {getQueue} from '../savequeue.js';
import {go} from '../router.js';

const SAVE_TEXT = {
  saved: '已保存',
  saving: '保存中…',
  offline: '离线，答案已暂存',
  retry: '保存失败，正在重试…',
  closed: '考试已结束',
};

const JUDGE_OPTIONS = [{key: 'T', text: '正确'}, {key: 'F', text: '错误'}];
const RESYNC_MS = 5 * 60 * 1000;

function store(kind, id, value) {
  const key = 'lawexam.' + kind + '.' + session.user.login + '.' + id;
  try {
    if (value === undefined) return window.localStorage.getItem(key);
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch (e) {
    /* storage unavailable: flags and position are conveniences only */
  }
  return null;
}

export async function render(main, params, ctx) {
  const id = params[0];
  const attempt = await api('GET', '/attempts/' + encodeURIComponent(id));
  if (attempt.status !== 'in_progress') {
    go('#/result/' + encodeURIComponent(id));
    return null;
  }
  document.body.classList.add('exam-mode');
  const queue = getQueue(session.user.login, attempt.id);
  queue.setStarted(attempt.started_at);

  const questions = (attempt.questions || []).slice().sort((a, b) => a.position - b.position);
  const byPos = new Map(questions.map((q) => [q.position, q]));
  const answers = {};
  const server = attempt.answers || {};
  for (const k of Object.keys(server)) answers[k] = server[k];
  const queued = queue.responses();
  for (const k of Object.keys(queued)) answers[k] = queued[k]; // unsent local changes are newer
  let flags = new Set();
  try {
    flags = new Set(JSON.parse(store('flags', attempt.id) || '[]'));
  } catch (e) {
    flags = new Set();
  }
  let deadline = Date.parse(attempt.deadline);
  let current = parseInt(store('pos', attempt.id) || '', 10);
  if (!byPos.has(current)) current = questions.length ? questions[0].position : 1;

  let submitting = false;
  let finished = false;
  let busy = null; // the modal shown while submitting
  let warned5 = false;
  let warned1 = false;

  /* ---------- sticky bar ---------- */
  const timerValue = h('span', {class: 'timer-value'}, '--:--');
  const timer = h('div', {class: 'timer', role: 'timer', 'aria-label': '剩余时间'},
    h('span', {class: 'timer-label'}, '剩余时间'), timerValue);
  // The save state changes on every click: shown, but announced only when the network drops
  // or comes back (through the visually hidden live region), not at every save.
  const saveState = h('div', {class: 'save-state', id: 'save-state'});
  const live = h('div', {class: 'sr-only', role: 'status', 'aria-live': 'polite'});
  const progressText = h('span', {class: 'progress-text'});
  const submitBtn = h('button', {type: 'button', class: 'btn btn-primary btn-submit', onclick: () => openSubmitDialog()}, '交卷');
  const cardBtn = h('button', {type: 'button', class: 'btn btn-secondary btn-card', 'aria-controls': 'navigator',
    onclick: () => {
      const nav = document.getElementById('navigator');
      nav.scrollIntoView({block: 'start'});
      const btn = nav.querySelector('.nav-q[aria-current]') || nav.querySelector('.nav-q');
      if (btn) btn.focus({preventScroll: true});
    }}, '答题卡');
  const warning = h('div', {class: 'time-warning', role: 'alert', hidden: true});
  const bar = h('div', {class: 'exam-bar'},
    h('div', {class: 'exam-bar-inner'},
      h('div', {class: 'exam-bar-title'}, h('span', {class: 'exam-name'}, attempt.exam_title || attempt.exam_code), progressText),
      h('div', {class: 'exam-bar-status'}, timer, saveState),
      h('div', {class: 'exam-bar-actions'}, cardBtn, submitBtn)),
    warning);

  /* ---------- question card and navigator ---------- */
  const qArea = h('section', {class: 'question-area', 'aria-label': '试题'});
  const navGrid = h('div', {class: 'nav-sections'});
  const navSummary = h('p', {class: 'nav-summary'});
  const navigator = h('aside', {class: 'card navigator', id: 'navigator', 'aria-labelledby': 'nav-title'},
    h('h2', {id: 'nav-title', class: 'nav-title'}, '答题卡'),
    navSummary, navGrid,
    h('ul', {class: 'nav-legend', 'aria-label': '图例'},
      h('li', null, h('span', {class: 'legend-box answered', 'aria-hidden': 'true'}), '已答'),
      h('li', null, h('span', {class: 'legend-box', 'aria-hidden': 'true'}), '未答'),
      h('li', null, h('span', {class: 'legend-box flagged', 'aria-hidden': 'true'}), '已标记'),
      h('li', null, h('span', {class: 'legend-box current', 'aria-hidden': 'true'}), '当前题')),
    h('button', {type: 'button', class: 'btn btn-primary btn-block', onclick: () => openSubmitDialog()}, '交卷'));

  main.appendChild(bar);
  main.appendChild(live);
  main.appendChild(h('div', {class: 'exam-layout'}, qArea, navigator));

  const navButtons = new Map();
  let lastSection = null;
  let sectionBox = null;
  let sectionNo = 0;
  const CN_NUM = '一二三四五六七八九十';
  for (const q of questions) {
    if (q.section !== lastSection || !sectionBox) {
      lastSection = q.section;
      sectionNo++;
      const count = questions.filter((x) => x.section === q.section).length;
      sectionBox = h('div', {class: 'nav-grid', role: 'group'});
      const title = (CN_NUM[sectionNo - 1] || String(sectionNo)) + '、' + (q.section || TYPE_NAMES[q.type] || '') +
        '（' + (TYPE_NAMES[q.type] || '') + '，共 ' + count + ' 题）';
      const titleEl = h('h3', {class: 'nav-section-title'}, title);
      titleEl.id = 'navsec-' + sectionNo;
      sectionBox.setAttribute('aria-labelledby', titleEl.id);
      navGrid.appendChild(titleEl);
      navGrid.appendChild(sectionBox);
    }
    const b = h('button', {type: 'button', class: 'nav-q', dataset: {pos: q.position}, onclick: () => show(q.position, true)},
      String(q.position));
    navButtons.set(q.position, b);
    sectionBox.appendChild(b);
  }

  function isAnswered(pos) {
    return !!answers[String(pos)];
  }

  function updateNav() {
    let answered = 0;
    for (const q of questions) {
      const b = navButtons.get(q.position);
      const a = isAnswered(q.position);
      const f = flags.has(q.position);
      if (a) answered++;
      b.classList.toggle('answered', a);
      b.classList.toggle('flagged', f);
      if (q.position === current) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
      b.setAttribute('aria-label', '第 ' + q.position + ' 题，' + (a ? '已作答' : '未作答') + (f ? '，已标记' : ''));
    }
    const total = questions.length;
    navSummary.textContent = '已答 ' + answered + ' / ' + total + ' 题' + (flags.size ? '，标记 ' + flags.size + ' 题' : '');
    progressText.textContent = '已答 ' + answered + '/' + total;
  }

  function responseOf(pos) {
    return answers[String(pos)] || '';
  }

  function setAnswer(pos, response) {
    if (finished) return;
    if (response) answers[String(pos)] = response;
    else delete answers[String(pos)];
    queue.put(pos, response);
    updateNav();
  }

  function show(pos, focusStem) {
    if (!byPos.has(pos)) return;
    current = pos;
    store('pos', attempt.id, String(pos));
    clear(qArea);
    qArea.appendChild(questionCard(byPos.get(pos)));
    updateNav();
    if (focusStem) {
      const legend = qArea.querySelector('.q-stem');
      if (legend) legend.focus({preventScroll: true});
      qArea.scrollIntoView({block: 'start'});
    }
  }

  function questionCard(q) {
    const idx = questions.indexOf(q);
    const type = q.type;
    const opts = type === 'judge' && !(q.options && q.options.length) ? JUDGE_OPTIONS : (q.options || []);
    const cur = responseOf(q.position);
    const name = 'q' + q.position;
    const stemId = 'stem-' + q.position;
    const inputs = [];
    const list = h('div', {class: 'options' + (type === 'judge' ? ' options-judge' : '')});
    for (const o of opts) {
      const input = h('input', {
        type: type === 'multiple' ? 'checkbox' : 'radio', name, value: o.key,
        checked: cur.indexOf(o.key) >= 0, class: 'option-input',
      });
      inputs.push(input);
      list.appendChild(h('label', {class: 'option' + (cur.indexOf(o.key) >= 0 ? ' selected' : '')},
        input,
        type === 'judge' ? null : h('span', {class: 'option-key'}, o.key + '.'),
        h('span', {class: 'option-text'}, o.text)));
    }
    list.addEventListener('change', () => {
      const keys = inputs.filter((i) => i.checked).map((i) => i.value).sort();
      for (const i of inputs) i.parentNode.classList.toggle('selected', i.checked);
      setAnswer(q.position, keys.join(''));
      clearBtn.hidden = keys.length === 0;
    });
    const clearBtn = h('button', {type: 'button', class: 'btn-link', hidden: !cur, onclick: () => {
      for (const i of inputs) {
        i.checked = false;
        i.parentNode.classList.remove('selected');
      }
      setAnswer(q.position, '');
      clearBtn.hidden = true;
      if (inputs[0]) inputs[0].focus();
    }}, '清除本题答案');
    const flagged = flags.has(q.position);
    const flagBtn = h('button', {type: 'button', class: 'btn btn-secondary btn-flag' + (flagged ? ' on' : ''),
      'aria-pressed': flagged ? 'true' : 'false', onclick: () => {
        if (flags.has(q.position)) flags.delete(q.position);
        else flags.add(q.position);
        const on = flags.has(q.position);
        flagBtn.setAttribute('aria-pressed', on ? 'true' : 'false');
        flagBtn.classList.toggle('on', on);
        flagBtn.textContent = on ? '★ 已标记' : '☆ 标记';
        store('flags', attempt.id, JSON.stringify(Array.from(flags)));
        updateNav();
      }}, flagged ? '★ 已标记' : '☆ 标记');
    const prev = questions[idx - 1];
    const next = questions[idx + 1];
    const hint = type === 'multiple' ? '多选题：请选择所有正确选项，可选两项或以上。'
      : type === 'judge' ? '判断题：请判断下列说法是否正确。' : '单选题：请选择一个最符合题意的选项。';
    return h('article', {class: 'card question-card', dataset: {pos: q.position, type}},
      h('div', {class: 'q-head'},
        h('span', {class: 'q-no'}, '第 ' + q.position + ' 题'),
        h('span', {class: 'q-of'}, '共 ' + questions.length + ' 题'),
        h('span', {class: 'chip chip-info'}, TYPE_NAMES[type] || type),
        q.points !== undefined ? h('span', {class: 'q-points'}, fmtScore(q.points) + ' 分') : null,
        q.section ? h('span', {class: 'q-section'}, q.section) : null),
      h('fieldset', {class: 'q-fieldset', 'aria-describedby': 'hint-' + q.position},
        h('legend', {class: 'q-stem', id: stemId, tabindex: '-1'}, q.stem),
        h('p', {class: 'q-hint', id: 'hint-' + q.position}, hint),
        list),
      h('div', {class: 'q-tools'}, clearBtn),
      h('div', {class: 'q-actions'},
        h('button', {type: 'button', class: 'btn btn-secondary', disabled: !prev, onclick: () => prev && show(prev.position, true)}, '上一题'),
        flagBtn,
        next ? h('button', {type: 'button', class: 'btn btn-primary', onclick: () => show(next.position, true)}, '下一题')
          : h('button', {type: 'button', class: 'btn btn-primary', onclick: () => openSubmitDialog()}, '检查并交卷')));
  }

  /* ---------- save state ---------- */
  let wasOffline = false;
  function renderSaveState(st) {
    if (st === 'offline' && !wasOffline) live.textContent = '网络已断开，答案暂存在本机，网络恢复后自动提交。';
    if (st === 'offline') wasOffline = true;
    if (st === 'saved' && wasOffline) {
      wasOffline = false;
      live.textContent = '网络已恢复，答案已全部保存。';
    }
    if (submitting && busy && st === 'offline') showBusy('考试时间已到。网络中断，正在等待网络恢复后交卷……已保存的答案不会丢失，请勿关闭页面。');
    saveState.className = 'save-state save-' + st;
    saveState.textContent = SAVE_TEXT[st] || st;
    if (st === 'closed' && !finished) onClosedByServer();
  }
  const unsubscribe = queue.subscribe(renderSaveState);
  renderSaveState(queue.state());
  if (queue.size()) queue.flush();

  /* ---------- countdown ---------- */
  let lastWall = Date.now();
  let lastPerf = performance.now();
  let lastSync = performance.now();
  function tick() {
    const wall = Date.now();
    const perf = performance.now();
    // The PC slept or its clock was changed: ask the server what time it is.
    if (Math.abs((wall - lastWall) - (perf - lastPerf)) > 3000 || perf - lastSync > RESYNC_MS) resync();
    lastWall = wall;
    lastPerf = perf;
    const remaining = deadline - serverNow();
    timerValue.textContent = fmtDuration(remaining);
    timer.classList.toggle('timer-warn', remaining <= 5 * 60 * 1000 && remaining > 60 * 1000);
    timer.classList.toggle('timer-danger', remaining <= 60 * 1000);
    if (!warned5 && remaining <= 5 * 60 * 1000 && remaining > 60 * 1000) {
      warned5 = true;
      showWarning('距离考试结束还有 5 分钟，请检查未答题目。时间到时系统将自动交卷。');
    }
    if (!warned1 && remaining <= 60 * 1000 && remaining > 0) {
      warned1 = true;
      warned5 = true;
      showWarning('距离考试结束还有 1 分钟！时间到时系统将自动交卷。');
    }
    if (remaining <= 0 && !submitting && !finished) submit(true);
  }
  async function resync() {
    lastSync = performance.now();
    try {
      const a = await api('GET', '/attempts/' + encodeURIComponent(attempt.id));
      deadline = Date.parse(a.deadline);
      if (a.status !== 'in_progress' && !finished) onClosedByServer();
    } catch (e) {
      /* offline: keep counting on the monotonic clock */
    }
  }
  function showWarning(text) {
    warning.hidden = false;
    clear(warning);
    warning.appendChild(h('span', null, text));
    warning.appendChild(h('button', {type: 'button', class: 'btn-link warning-close', onclick: () => {
      warning.hidden = true;
    }}, '知道了'));
  }
  const interval = setInterval(tick, 250);
  const onVisible = () => {
    if (!document.hidden) resync();
  };
  document.addEventListener('visibilitychange', onVisible);

  /* ---------- submit ---------- */
  function unansweredList() {
    return questions.filter((q) => !isAnswered(q.position)).map((q) => q.position);
  }

  function openSubmitDialog() {
    if (submitting || finished) return;
    const missing = unansweredList();
    const flaggedList = Array.from(flags).filter((p) => byPos.has(p)).sort((a, b) => a - b);
    const offline = queue.state() === 'offline';
    const jump = (p) => h('button', {type: 'button', class: 'btn-link', onclick: () => {
      dlg.close();
      show(p, true);
    }}, String(p));
    const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': 'submit-title', 'aria-describedby': 'submit-desc'},
      h('h2', {id: 'submit-title'}, '确认交卷'),
      h('div', {id: 'submit-desc'},
        missing.length
          ? h('p', {class: 'submit-missing'}, '您还有 ', h('strong', null, String(missing.length)), ' 道题未作答。')
          : h('p', {class: 'submit-complete'}, '全部 ' + questions.length + ' 道题均已作答。'),
        missing.length ? h('p', {class: 'jump-list'}, '未答题号：', missing.slice(0, 40).map((p, i) => [i ? '、' : '', jump(p)]),
          missing.length > 40 ? ' ……' : '') : null,
        flaggedList.length ? h('p', {class: 'jump-list'}, '已标记题号：', flaggedList.map((p, i) => [i ? '、' : '', jump(p)])) : null,
        offline ? alertBox('warn', '当前网络中断，部分答案尚暂存在本机。请等网络恢复、显示“已保存”后再交卷。') : null,
        h('p', null, '交卷后不能再修改答案。')),
      h('div', {class: 'dialog-actions'},
        h('button', {type: 'button', class: 'btn btn-secondary', 'data-autofocus': '', onclick: () => dlg.close()}, '返回检查'),
        h('button', {type: 'button', class: 'btn btn-danger', onclick: () => {
          dlg.close();
          submit(false);
        }}, '确认交卷')));
    dlg.addEventListener('close', () => dlg.remove());
    document.body.appendChild(dlg);
    dlg.showModal();
    dlg.querySelector('[data-autofocus]').focus();
  }

  function showBusy(text) {
    if (!busy) {
      busy = h('dialog', {class: 'dialog dialog-busy', 'aria-live': 'assertive'});
      busy.addEventListener('cancel', (ev) => ev.preventDefault());
      document.body.appendChild(busy);
      busy.showModal();
    }
    clear(busy);
    busy.appendChild(h('div', {class: 'spinner', 'aria-hidden': 'true'}));
    busy.appendChild(h('p', null, text));
  }
  function hideBusy() {
    if (busy) {
      busy.close();
      busy.remove();
      busy = null;
    }
  }

  async function submit(auto) {
    if (submitting || finished) return;
    submitting = true;
    showBusy(auto ? (queue.state() === 'offline'
      ? '考试时间已到。网络中断，正在等待网络恢复后交卷……已保存的答案不会丢失，请勿关闭页面。'
      : '考试时间到，正在自动交卷……') : '正在交卷……');
    const st = await queue.drain(auto ? 15000 : 10000);
    if (st === 'timeout' && !auto) {
      hideBusy();
      submitting = false;
      toast('网络中断，答案尚未全部保存。请等待网络恢复、显示“已保存”后再交卷。', 'error', 8000);
      return;
    }
    for (let tries = 0; ; tries++) {
      try {
        await api('POST', '/attempts/' + encodeURIComponent(attempt.id) + '/submit');
        break;
      } catch (e) {
        if (e.status === 401) return;
        if (e.status === 409 || e.status === 404) break; // already closed: the result page tells
        if (!auto) {
          hideBusy();
          submitting = false;
          toast(e.message, 'error', 8000);
          return;
        }
        showBusy('考试时间已到。' + (e.offline ? '网络中断，' : '') + '正在重试交卷……您的已保存答案不会丢失。');
        await new Promise((r) => setTimeout(r, 3000));
        if (!ctx.isCurrent()) return;
      }
    }
    finish(auto);
  }

  function onClosedByServer() {
    if (finished) return;
    finish(true);
  }

  function finish(auto) {
    if (finished) return;
    finished = true;
    if (auto) {
      try {
        sessionStorage.setItem('lawexam.autosubmitted', String(attempt.id));
      } catch (e) {
        /* ignore */
      }
    }
    clearInterval(interval);
    queue.dispose();
    store('flags', attempt.id, null);
    store('pos', attempt.id, null);
    hideBusy();
    go('#/result/' + encodeURIComponent(attempt.id));
  }

  show(current, false);
  tick();
  // Focus the stem so keyboard users start in the question.
  const first = qArea.querySelector('.q-stem');
  if (first) first.setAttribute('data-autofocus', '');

  return () => {
    clearInterval(interval);
    unsubscribe();
    document.removeEventListener('visibilitychange', onVisible);
    hideBusy();
    document.body.classList.remove('exam-mode');
  };
}
