/* exam/savestate.js — the save indicator in the sticky bar (已保存, 保存中…, 离线…) and the
 * visually hidden live region that announces only a change a screen-reader user must know
 * about — the network dropped or returned, saving failed and is being retried, or succeeded
 * again — not every save. It reflects the SaveQueue's state and passes each state on to
 * onState; it saves nothing. */
import {h} from '../dom.js';

const SAVE_TEXT = {
  saved: '已保存',
  saving: '保存中…',
  offline: '离线，答案已暂存',
  retry: '保存失败，正在重试…',
  closed: '考试已结束',
};

/** → {el, live, start() → unsubscribe}: el for the bar, live for <main>. */
export function createSaveState(queue, onState) {
  const el = h('div', {class: 'save-state', id: 'save-state'});
  const live = h('div', {class: 'sr-only', role: 'status', 'aria-live': 'polite'});
  let wasOffline = false;
  let wasFailing = false;

  function render(st) {
    if (st === 'offline' && !wasOffline) live.textContent = '网络已断开，答案暂存在本机，网络恢复后自动提交。';
    if (st === 'offline') wasOffline = true;
    if (st === 'retry' && !wasFailing && !wasOffline) live.textContent = '答案保存失败，正在自动重试，请勿关闭页面。';
    if (st === 'retry') wasFailing = true;
    if (st === 'saved' && wasOffline) {
      wasOffline = false;
      wasFailing = false;
      live.textContent = '网络已恢复，答案已全部保存。';
    } else if (st === 'saved' && wasFailing) {
      wasFailing = false;
      live.textContent = '答案已全部保存。';
    }
    el.className = 'save-state save-' + st;
    el.textContent = SAVE_TEXT[st] || st;
    onState(st);
  }

  return {
    el,
    live,
    start() {
      const unsubscribe = queue.subscribe(render);
      render(queue.state());
      return unsubscribe;
    },
  };
}
