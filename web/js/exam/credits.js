/* exam/credits.js — the outage credit notice (故障补时, SPEC §12): when the server added time to
 * this attempt because it was not serving, the page says so above the questions. The timer
 * already counts to the server's (moved) deadline; this only explains why it moved. */
import {h, clear} from '../dom.js';

/** Seconds as the notice says them: "3 分钟", "45 秒", "2 分 10 秒". */
export function fmtCredit(seconds) {
  const m = Math.floor(seconds / 60);
  const s = seconds % 60;
  if (m && s) return m + ' 分 ' + s + ' 秒';
  return m ? m + ' 分钟' : s + ' 秒';
}

/** → {el, update(credits)}: hidden until the attempt carries an outage credit. */
export function createCreditNote() {
  const el = h('div', {class: 'alert alert-info credit-note', role: 'status', hidden: true});
  let shown = -1;
  return {
    el,
    update(credits) {
      const total = (credits || []).filter((c) => c.reason === 'outage')
        .reduce((sum, c) => sum + (c.seconds || 0), 0);
      if (total === shown) return;
      shown = total;
      el.hidden = total <= 0;
      clear(el);
      if (total > 0) el.appendChild(h('span', null, '因系统故障，考试时间已延长 ' + fmtCredit(total) + '。'));
    },
  };
}
