/* exam/answercard.js — the answer card (答题卡): one button per question grouped by section,
 * showing answered, flagged and current; the summary line, the progress text of the sticky bar
 * and the bar's 答题卡 button that jumps here. It redraws from the attempt state and moves
 * between questions through show(); it changes no answer. */
import {h, TYPE_NAMES} from '../dom.js';

const CN_NUM = '一二三四五六七八九十';

/** The paper's sections as runs of consecutive questions with the same section title and the
 *  same type: an exam may give one law three sections (单选, 多选, 判断) under one title. */
export function sectionRuns(questions) {
  const runs = [];
  for (const q of questions) {
    const last = runs[runs.length - 1];
    if (last && last.section === q.section && last.type === q.type) last.questions.push(q);
    else runs.push({section: q.section, type: q.type, questions: [q]});
  }
  return runs;
}

/** Fills grid with a titled group of buttons per section; returns position → button. */
function buildSections(questions, grid, show) {
  const buttons = new Map();
  sectionRuns(questions).forEach((run, i) => {
    const sectionNo = i + 1;
    const typeName = TYPE_NAMES[run.type] || '';
    const box = h('div', {class: 'nav-grid', role: 'group'});
    const title = (CN_NUM[sectionNo - 1] || String(sectionNo)) + '、' + (run.section || typeName) +
      '（' + typeName + '，共 ' + run.questions.length + ' 题）';
    const titleEl = h('h3', {class: 'nav-section-title'}, title);
    titleEl.id = 'navsec-' + sectionNo;
    box.setAttribute('aria-labelledby', titleEl.id);
    grid.appendChild(titleEl);
    grid.appendChild(box);
    for (const q of run.questions) {
      const b = h('button', {type: 'button', class: 'nav-q', dataset: {pos: q.position},
        onclick: () => show(q.position, true)}, String(q.position));
      buttons.set(q.position, b);
      box.appendChild(b);
    }
  });
  return buttons;
}

function legend() {
  return h('ul', {class: 'nav-legend', 'aria-label': '图例'},
    h('li', null, h('span', {class: 'legend-box answered', 'aria-hidden': 'true'}), '已答'),
    h('li', null, h('span', {class: 'legend-box', 'aria-hidden': 'true'}), '未答'),
    h('li', null, h('span', {class: 'legend-box flagged', 'aria-hidden': 'true'}), '已标记'),
    h('li', null, h('span', {class: 'legend-box current', 'aria-hidden': 'true'}), '当前题'));
}

/** The bar's 答题卡 button: scrolls to the card and focuses the current question's button. */
function cardButton() {
  return h('button', {type: 'button', class: 'btn btn-secondary btn-card', 'aria-controls': 'navigator',
    onclick: () => {
      const nav = document.getElementById('navigator');
      nav.scrollIntoView({block: 'start'});
      const btn = nav.querySelector('.nav-q[aria-current]') || nav.querySelector('.nav-q');
      if (btn) btn.focus({preventScroll: true});
    }}, '答题卡');
}

/** → {el (the <aside>), progress (for the bar), button (for the bar)}. */
export function createAnswerCard(state, {show, openSubmit}) {
  const grid = h('div', {class: 'nav-sections'});
  const summary = h('p', {class: 'nav-summary'});
  const progress = h('span', {class: 'progress-text'});
  const el = h('aside', {class: 'card navigator', id: 'navigator', 'aria-labelledby': 'nav-title'},
    h('h2', {id: 'nav-title', class: 'nav-title'}, '答题卡'),
    summary, grid, legend(),
    h('button', {type: 'button', class: 'btn btn-primary btn-block', onclick: () => openSubmit()}, '交卷'));
  const buttons = buildSections(state.questions, grid, show);

  function update() {
    let answered = 0;
    for (const q of state.questions) {
      const b = buttons.get(q.position);
      const a = state.isAnswered(q.position);
      const f = state.isFlagged(q.position);
      if (a) answered++;
      b.classList.toggle('answered', a);
      b.classList.toggle('flagged', f);
      if (q.position === state.current()) b.setAttribute('aria-current', 'step');
      else b.removeAttribute('aria-current');
      b.setAttribute('aria-label', '第 ' + q.position + ' 题，' + (a ? '已作答' : '未作答') + (f ? '，已标记' : ''));
    }
    const total = state.questions.length;
    const flags = state.flagCount();
    summary.textContent = '已答 ' + answered + ' / ' + total + ' 题' + (flags ? '，标记 ' + flags + ' 题' : '');
    progress.textContent = '已答 ' + answered + '/' + total;
  }
  state.subscribe(update);
  return {el, progress, button: cardButton()};
}
