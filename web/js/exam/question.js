/* exam/question.js — the question area: one question at a time, its options as radio buttons
 * or checkboxes, clearing the answer, flagging, and the previous/next buttons. Answers and
 * flags go into the attempt state (exam/state.js); this module neither saves nor submits (the
 * last question's button calls openSubmit). */
import {h, clear, fmtScore, TYPE_NAMES} from '../dom.js';

const JUDGE_OPTIONS = [{key: 'T', text: '正确'}, {key: 'F', text: '错误'}];

function hintOf(type) {
  return type === 'multiple' ? '多选题：请选择所有正确选项，可选两项或以上。'
    : type === 'judge' ? '判断题：请判断下列说法是否正确。' : '单选题：请选择一个最符合题意的选项。';
}

/** The options of q as inputs in labels, and the button that clears the answer. */
function answerInputs(state, q) {
  const type = q.type;
  const opts = type === 'judge' && !(q.options && q.options.length) ? JUDGE_OPTIONS : (q.options || []);
  const cur = state.responseOf(q.position);
  const inputs = [];
  const list = h('div', {class: 'options' + (type === 'judge' ? ' options-judge' : '')});
  for (const o of opts) {
    const input = h('input', {
      type: type === 'multiple' ? 'checkbox' : 'radio', name: 'q' + q.position, value: o.key,
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
    state.setAnswer(q.position, keys.join(''));
    clearBtn.hidden = keys.length === 0;
  });
  const clearBtn = h('button', {type: 'button', class: 'btn-link', hidden: !cur, onclick: () => {
    for (const i of inputs) {
      i.checked = false;
      i.parentNode.classList.remove('selected');
    }
    state.setAnswer(q.position, '');
    clearBtn.hidden = true;
    if (inputs[0]) inputs[0].focus();
  }}, '清除本题答案');
  return {list, clearBtn};
}

function flagButton(state, q) {
  const label = (on) => (on ? '★ 已标记' : '☆ 标记');
  const flagged = state.isFlagged(q.position);
  const btn = h('button', {type: 'button', class: 'btn btn-secondary btn-flag' + (flagged ? ' on' : ''),
    'aria-pressed': flagged ? 'true' : 'false', onclick: () => {
      const on = state.toggleFlag(q.position);
      btn.setAttribute('aria-pressed', on ? 'true' : 'false');
      btn.classList.toggle('on', on);
      btn.textContent = label(on);
    }}, label(flagged));
  return btn;
}

function questionHead(q, total) {
  return h('div', {class: 'q-head'},
    h('span', {class: 'q-no'}, '第 ' + q.position + ' 题'),
    h('span', {class: 'q-of'}, '共 ' + total + ' 题'),
    h('span', {class: 'chip chip-info'}, TYPE_NAMES[q.type] || q.type),
    q.points !== undefined ? h('span', {class: 'q-points'}, fmtScore(q.points) + ' 分') : null,
    q.section ? h('span', {class: 'q-section'}, q.section) : null);
}

/** The card of question q: head, stem and options, clear, previous/flag/next. */
function questionCard(state, q, show, openSubmit) {
  const questions = state.questions;
  const idx = questions.indexOf(q);
  const prev = questions[idx - 1];
  const next = questions[idx + 1];
  const {list, clearBtn} = answerInputs(state, q);
  return h('article', {class: 'card question-card', dataset: {pos: q.position, type: q.type}},
    questionHead(q, questions.length),
    h('fieldset', {class: 'q-fieldset', 'aria-describedby': 'hint-' + q.position},
      h('legend', {class: 'q-stem', id: 'stem-' + q.position, tabindex: '-1'}, q.stem),
      h('p', {class: 'q-hint', id: 'hint-' + q.position}, hintOf(q.type)),
      list),
    h('div', {class: 'q-tools'}, clearBtn),
    h('div', {class: 'q-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', disabled: !prev, onclick: () => prev && show(prev.position, true)}, '上一题'),
      flagButton(state, q),
      next ? h('button', {type: 'button', class: 'btn btn-primary', onclick: () => show(next.position, true)}, '下一题')
        : h('button', {type: 'button', class: 'btn btn-primary', onclick: () => openSubmit()}, '检查并交卷')));
}

/** → {el, show(pos, focusStem)}: the <section> of the current question and how to change it. */
export function createQuestionArea(state, {openSubmit}) {
  const el = h('section', {class: 'question-area', 'aria-label': '试题'});
  function show(pos, focusStem) {
    if (!state.has(pos)) return;
    state.setCurrent(pos);
    clear(el);
    el.appendChild(questionCard(state, state.question(pos), show, openSubmit));
    if (focusStem) {
      const legend = el.querySelector('.q-stem');
      if (legend) legend.focus({preventScroll: true});
      el.scrollIntoView({block: 'start'});
    }
  }
  return {el, show};
}
