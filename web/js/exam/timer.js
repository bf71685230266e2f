/* exam/timer.js — the countdown in the sticky bar: time left until the attempt's deadline on
 * the server's clock (serverNow, never the PC's clock), re-asked from the server after a sleep,
 * a clock change, every few minutes and when the tab comes back; the warnings at 5 and 1
 * minutes. It does not submit: at zero it asks the server once more (the deadline may have
 * moved: outage credit, SPEC §12), then calls onZero at every tick from zero on, and onClosed
 * when the server says the attempt is no longer in progress; the caller decides what that
 * means. onAttempt(a) sees every attempt the timer fetched (the credit notice uses it). */
import {api, serverNow} from '../api.js';
import {h, clear, fmtDuration} from '../dom.js';

const TICK_MS = 250;
const RESYNC_MS = 5 * 60 * 1000;
const JUMP_MS = 3000;         // wall clock and monotonic clock disagree by more: slept or changed
const WARN_MS = 5 * 60 * 1000;
const DANGER_MS = 60 * 1000;

function showWarning(warning, text) {
  warning.hidden = false;
  clear(warning);
  warning.appendChild(h('span', null, text));
  warning.appendChild(h('button', {type: 'button', class: 'btn-link warning-close', onclick: () => {
    warning.hidden = true;
  }}, '知道了'));
}

/** {attemptId, deadline (RFC 3339), onZero(), onClosed(), onAttempt(a)} → {el, warning, start, tick, stop}. */
export function createTimer({attemptId, deadline, onZero, onClosed, onAttempt}) {
  const value = h('span', {class: 'timer-value'}, '--:--');
  const el = h('div', {class: 'timer', role: 'timer', 'aria-label': '剩余时间'},
    h('span', {class: 'timer-label'}, '剩余时间'), value);
  const warning = h('div', {class: 'time-warning', role: 'alert', hidden: true});
  let end = Date.parse(deadline);
  let warned5 = false;
  let warned1 = false;
  let lastWall = 0;
  let lastPerf = 0;
  let lastSync = 0;
  let interval = null;
  let zero = 'no';              // 'no' | 'checking' (asked the server at zero) | 'yes'

  async function resync() {
    lastSync = performance.now();
    try {
      const a = await api('GET', '/attempts/' + encodeURIComponent(attemptId));
      end = Date.parse(a.deadline);
      if (onAttempt) onAttempt(a);
      if (a.status !== 'in_progress') onClosed();
    } catch (e) {
      /* offline: keep counting on the monotonic clock */
    }
  }

  function warn(remaining) {
    if (!warned5 && remaining <= WARN_MS && remaining > DANGER_MS) {
      warned5 = true;
      showWarning(warning, '距离考试结束还有 5 分钟，请检查未答题目。时间到时系统将自动交卷。');
    }
    if (!warned1 && remaining <= DANGER_MS && remaining > 0) {
      warned1 = true;
      warned5 = true;
      showWarning(warning, '距离考试结束还有 1 分钟！时间到时系统将自动交卷。');
    }
  }

  function tick() {
    const wall = Date.now();
    const perf = performance.now();
    // The PC slept or its clock was changed: ask the server what time it is.
    if (Math.abs((wall - lastWall) - (perf - lastPerf)) > JUMP_MS || perf - lastSync > RESYNC_MS) resync();
    lastWall = wall;
    lastPerf = perf;
    const remaining = end - serverNow();
    value.textContent = fmtDuration(remaining);
    el.classList.toggle('timer-warn', remaining <= WARN_MS && remaining > DANGER_MS);
    el.classList.toggle('timer-danger', remaining <= DANGER_MS);
    warn(remaining);
    if (remaining > 0) {
      zero = 'no';
    } else if (zero === 'no') {
      // the deadline may have moved while the page was counting (outage credit): ask first
      zero = 'checking';
      resync().finally(() => {
        zero = 'yes';
      });
    } else if (zero === 'yes') {
      onZero();
    }
  }

  const onVisible = () => {
    if (!document.hidden) resync();
  };

  return {
    el,
    warning,
    tick,
    start() {
      lastWall = Date.now();
      lastPerf = performance.now();
      lastSync = performance.now();
      interval = setInterval(tick, TICK_MS);
      document.addEventListener('visibilitychange', onVisible);
    },
    /** The deadline a save reply carried: when it moved (an administrator's extension), fetch
     *  the attempt (new deadline and credits) at once instead of at the next periodic sync. */
    noteDeadline(d) {
      const t = Date.parse(d);
      if (!isNaN(t) && t !== end) resync();
    },
    stop() {
      clearInterval(interval);
      document.removeEventListener('visibilitychange', onVisible);
    },
  };
}
