/* exam/credits.js — the credit notice (SPEC §12): when the server added time to this attempt
 * because it was not serving (故障补时, reason outage) or an administrator extended it (延长时间,
 * reason extend), the page says so above the questions. The timer already counts to the
 * server's (moved) deadline; this only explains why it moved. */
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
  let shown = '';
  return {
    el,
    update(credits) {
      const sum = (reason) => (credits || []).filter((c) => c.reason === reason)
        .reduce((s, c) => s + (c.seconds || 0), 0);
      const outage = sum('outage');
      const extend = sum('extend'); /* an administrator's extension (延长时间, SPEC §12) */
      if (outage + '/' + extend === shown) return;
      shown = outage + '/' + extend;
      el.hidden = outage <= 0 && extend <= 0;
      clear(el);
      if (outage > 0) el.appendChild(h('span', null, '因系统故障，考试时间已延长 ' + fmtCredit(outage) + '。'));
      if (extend > 0) el.appendChild(h('span', null, '考试管理员已为您延长考试时间 ' + fmtCredit(extend) + '。'));
    },
  };
}
