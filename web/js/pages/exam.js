/* exam.js — the exam page, composed of the components in js/exam/: attempt state, countdown
 * on the server's clock, save indicator, question area, answer card and handing in (automatic
 * at zero). Answers go through the SaveQueue. After a reload the page is rebuilt from the
 * server's attempt plus whatever this browser still has queued (which is newer). */
import {api, session} from '../api.js';
import {h} from '../dom.js';
import {getQueue} from '../savequeue.js';
import {go} from '../router.js';
import {createState} from '../exam/state.js';
import {createTimer} from '../exam/timer.js';
import {createSaveState} from '../exam/savestate.js';
import {createQuestionArea} from '../exam/question.js';
import {createAnswerCard} from '../exam/answercard.js';
import {createSubmitter} from '../exam/submit.js';
import {createCreditNote} from '../exam/credits.js';

/** The sticky bar: title (the page's h1) and progress, time left and save state, answer card and 交卷. */
function examBar(attempt, {timer, save, card, openSubmit}) {
  const submitBtn = h('button', {type: 'button', class: 'btn btn-primary btn-submit', onclick: () => openSubmit()}, '交卷');
  return h('div', {class: 'exam-bar'},
    h('div', {class: 'exam-bar-inner'},
      h('div', {class: 'exam-bar-title'}, h('h1', {class: 'exam-name'}, attempt.exam_title || attempt.exam_code), card.progress),
      h('div', {class: 'exam-bar-status'}, timer.el, save.el),
      h('div', {class: 'exam-bar-actions'}, card.button, submitBtn)),
    timer.warning);
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
  const state = createState(attempt, queue, session.user.login);

  // The components call each other only from events, after all of them exist.
  let submitter = null;
  const openSubmit = () => submitter.openDialog();
  const area = createQuestionArea(state, {openSubmit});
  const card = createAnswerCard(state, {show: area.show, openSubmit});
  const credit = createCreditNote();
  credit.update(attempt.credits);
  const timer = createTimer({attemptId: attempt.id, deadline: attempt.deadline,
    onZero: () => submitter.submit(true), onClosed: () => submitter.closedByServer(),
    onAttempt: (a) => credit.update(a.credits)});
  submitter = createSubmitter({state, queue, ctx, show: area.show, onFinish: () => timer.stop()});
  const save = createSaveState(queue, (st) => submitter.saveStateChanged(st));

  main.appendChild(examBar(attempt, {timer, save, card, openSubmit}));
  main.appendChild(save.live);
  main.appendChild(credit.el);
  main.appendChild(h('div', {class: 'exam-layout'}, area.el, card.el));

  const unsubscribe = save.start();
  const unsubscribeDeadline = queue.subscribe((st, q) => {
    if (q.deadline) timer.noteDeadline(q.deadline);
  });
  if (queue.size()) queue.flush();
  timer.start();
  area.show(state.current(), false);
  timer.tick();
  // Focus the stem so keyboard users start in the question.
  const first = area.el.querySelector('.q-stem');
  if (first) first.setAttribute('data-autofocus', '');

  return () => {
    timer.stop();
    unsubscribe();
    unsubscribeDeadline();
    submitter.dispose();
    document.body.classList.remove('exam-mode');
  };
}
