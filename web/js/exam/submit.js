/* exam/submit.js — handing the paper in: the confirmation dialog (unanswered and flagged
 * questions, a warning while offline), the busy modal, draining the SaveQueue before POST
 * /submit, retrying an automatic submit until the network returns, and finishing (forget the
 * local state, on to the result page). It does not decide when time is up (exam/timer.js). */
import {api} from '../api.js';
import {h, clear, alertBox, toast, openModal} from '../dom.js';
import {go} from '../router.js';

const DRAIN_AUTO_MS = 15000;   // wait for unsent answers before an automatic submit…
const DRAIN_MANUAL_MS = 10000; // …and before one the examinee asked for
const RETRY_MS = 3000;
const JUMP_LIST_MAX = 40;      // unanswered positions listed in the dialog
const WAITING_OFFLINE = '考试时间已到。网络中断，正在等待网络恢复后交卷……已保存的答案不会丢失，请勿关闭页面。';

/** "您还有 N 道题未作答" and the jump links, flagged questions, the offline warning. */
function dialogBody(state, offline, jump) {
  const missing = state.unanswered();
  const flagged = state.flagged();
  const links = (list) => list.map((p, i) => [i ? '、' : '', jump(p)]);
  return h('div', {id: 'submit-desc'},
    missing.length
      ? h('p', {class: 'submit-missing'}, '您还有 ', h('strong', null, String(missing.length)), ' 道题未作答。')
      : h('p', {class: 'submit-complete'}, '全部 ' + state.questions.length + ' 道题均已作答。'),
    missing.length ? h('p', {class: 'jump-list'}, '未答题号：', links(missing.slice(0, JUMP_LIST_MAX)),
      missing.length > JUMP_LIST_MAX ? ' ……' : '') : null,
    flagged.length ? h('p', {class: 'jump-list'}, '已标记题号：', links(flagged)) : null,
    offline ? alertBox('warn', '当前网络中断，部分答案尚暂存在本机。请等网络恢复、显示“已保存”后再交卷。') : null,
    h('p', null, '交卷后不能再修改答案。'));
}

/** The modal shown while submitting: show(text) opens or updates it, hide() removes it. */
function busyModal() {
  let dlg = null;
  return {
    isOpen: () => dlg !== null,
    show(text) {
      if (!dlg) {
        dlg = h('dialog', {class: 'dialog dialog-busy', 'aria-label': '交卷', 'aria-live': 'assertive'});
        dlg.addEventListener('cancel', (ev) => ev.preventDefault());
        document.body.appendChild(dlg);
        openModal(dlg);
      }
      clear(dlg);
      dlg.appendChild(h('div', {class: 'spinner', 'aria-hidden': 'true'}));
      dlg.appendChild(h('p', null, text));
    },
    hide() {
      if (dlg) {
        dlg.close();
        dlg.remove();
        dlg = null;
      }
    },
  };
}

/** The confirmation dialog; show(p) jumps to question p, confirm() submits. While the network
 *  is down 确认交卷 is disabled (answers still on this computer would otherwise wait on a
 *  submit that cannot reach the server); it comes back by itself when the queue is online. */
function confirmDialog(state, queue, show, confirm) {
  const offline = queue.state() === 'offline';
  const jump = (p) => h('button', {type: 'button', class: 'btn-link', onclick: () => {
    dlg.close();
    show(p, true);
  }}, String(p));
  const ok = h('button', {type: 'button', class: 'btn btn-danger', onclick: () => {
    dlg.close();
    confirm();
  }}, '确认交卷');
  const dlg = h('dialog', {class: 'dialog', 'aria-labelledby': 'submit-title', 'aria-describedby': 'submit-desc'},
    h('h2', {id: 'submit-title'}, '确认交卷'),
    dialogBody(state, offline, jump),
    h('div', {class: 'dialog-actions'},
      h('button', {type: 'button', class: 'btn btn-secondary', 'data-autofocus': '', onclick: () => dlg.close()}, '返回检查'),
      ok));
  const sync = (st) => {
    ok.disabled = st === 'offline';
    ok.title = ok.disabled ? '网络恢复、答案全部保存后才能交卷' : '';
  };
  sync(queue.state());
  const unsubscribe = queue.subscribe((st) => sync(st));
  dlg.addEventListener('close', () => {
    unsubscribe();
    dlg.remove();
  });
  document.body.appendChild(dlg);
  openModal(dlg);
}

/** {state, queue, ctx (the router's), show(pos, focus), onFinish()} → the submit controls. */
export function createSubmitter({state, queue, ctx, show, onFinish}) {
  const attemptId = state.attempt.id;
  let submitting = false;
  const busy = busyModal();

  function openDialog() {
    if (submitting || state.finished) return;
    confirmDialog(state, queue, show, () => submit(false));
  }

  /* A manual submit gives up (and says why); an automatic one retries until it gets through. */
  function giveUp(message) {
    busy.hide();
    submitting = false;
    toast(message, 'error', 8000);
  }

  /** POST /submit: true once done (or the server already closed the attempt), false to stop. */
  async function post(auto) {
    for (;;) {
      try {
        await api('POST', '/attempts/' + encodeURIComponent(attemptId) + '/submit');
        return true;
      } catch (e) {
        if (e.status === 401) return false;
        if (e.status === 409 || e.status === 404) return true; // already closed: the result page tells
        if (!auto) {
          giveUp(e.message);
          return false;
        }
        busy.show('考试时间已到。' + (e.offline ? '网络中断，' : '') + '正在重试交卷……您的已保存答案不会丢失。');
        await new Promise((r) => setTimeout(r, RETRY_MS));
        if (!ctx.isCurrent()) return false;
      }
    }
  }

  async function submit(auto) {
    if (submitting || state.finished) return;
    submitting = true;
    busy.show(auto ? (queue.state() === 'offline' ? WAITING_OFFLINE : '考试时间到，正在自动交卷……') : '正在交卷……');
    const st = await queue.drain(auto ? DRAIN_AUTO_MS : DRAIN_MANUAL_MS);
    if (st === 'timeout' && !auto) {
      giveUp('网络中断，答案尚未全部保存。请等待网络恢复、显示“已保存”后再交卷。');
      return;
    }
    if (await post(auto)) finish(auto);
  }

  function finish(auto) {
    if (state.finished) return;
    state.finished = true;
    if (auto) {
      try {
        sessionStorage.setItem('lawexam.autosubmitted', String(attemptId));
      } catch (e) {
        /* ignore */
      }
    }
    onFinish();
    queue.dispose();
    state.forget();
    busy.hide();
    go('#/result/' + encodeURIComponent(attemptId));
  }

  return {
    openDialog,
    submit,
    /** The server closed the attempt (deadline + grace passed, or submitted elsewhere). */
    closedByServer: () => finish(true),
    /** Every SaveQueue state: keeps the busy modal honest while offline, finishes on 'closed'. */
    saveStateChanged(st) {
      if (submitting && busy.isOpen() && st === 'offline') busy.show(WAITING_OFFLINE);
      if (st === 'closed' && !state.finished) finish(true);
    },
    dispose: () => busy.hide(),
  };
}
