// timer.test.mjs — an exam that closes a few seconds after the examinee starts: the page
// counts down on the server's clock, warns at the last minute, and at zero lands on the
// submitted state by itself (no click), on a desktop and on a phone at the same time; the
// phone is offline across the deadline and lands there once its network is back.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {Env, demoExam, VIEWPORTS, rfc3339, waitFor} from './harness.mjs';
import {answerCurrent, openQuestion, remainingSeconds} from './exam-helpers.mjs';

const env = new Env('timer');
const CLOSES_IN = 30; // seconds after the exam is created

before(async () => {
  env.init();
  env.addUser('e4001', {name: '陈立新'});
  env.addUser('e4002', {name: '周敏', org: '珠晖区/区应急管理局', category: 'enforcement'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  await env.start({graceSeconds: 2});
});

after(async () => {
  await env.stop();
});

async function startExam(page) {
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').getByRole('button', {name: '开始考试'}).click();
  await page.getByRole('button', {name: '开始答题'}).click();
  await page.waitForURL(/#\/exam\/\d+$/);
  await page.locator('.question-card').waitFor();
  await page.waitForFunction(() => /\d\d:\d\d/.test(document.querySelector('.timer-value').textContent));
  return /#\/exam\/(\d+)$/.exec(page.url())[1];
}

test('countdown, last-minute warning and auto-submit at zero', async () => {
  const closes = new Date(Date.now() + CLOSES_IN * 1000);
  env.createExam(demoExam('quick', {title: '限时测验（计时验证）', closes_at: rfc3339(closes), duration_minutes: 30}));
  const desk = await env.browserContext({viewport: VIEWPORTS.desktop});
  const phone = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const p1 = await env.newPage(desk);
  // the phone's offline answer reaches the server after the deadline, on purpose: 409
  const p2 = await env.newPage(phone, {allowHttp: ['409 PUT /api/v1/attempts/']});
  await Promise.all([env.login(p1, 'e4001'), env.login(p2, 'e4002')]);
  const [id1, id2] = await Promise.all([startExam(p1), startExam(p2)]);

  // The deadline is the exam's close, not start + 30 minutes.
  const left = await remainingSeconds(p1);
  const expected = (closes.getTime() - Date.now()) / 1000;
  assert.ok(left <= CLOSES_IN && Math.abs(left - expected) <= 2, `countdown ${left}s, expected ~${expected}s`);
  await p1.locator('.time-warning', {hasText: '1 分钟'}).waitFor();
  assert.ok(await p1.locator('.timer.timer-danger').count(), 'the timer turns red in the last minute');
  await answerCurrent(p1, 1);
  await answerCurrent(p2, 1);
  await p1.locator('.save-state', {hasText: '已保存'}).waitFor();
  await env.shot(p1, 'desktop-01-countdown');
  await env.shot(p2, 'phone-01-countdown');

  // The countdown moves.
  const a = await remainingSeconds(p1);
  await p1.waitForTimeout(2100);
  const b = await remainingSeconds(p1);
  assert.ok(a - b >= 1 && a - b <= 3, `countdown went from ${a} to ${b}`);

  // No click: the desktop lands on the submitted state after the deadline. The phone loses
  // its network 5 s before the deadline and gets it back only after the server has closed the
  // attempt (deadline + grace + its 5 s sweep): it lands there too, once the network is back.
  const wait = (closes.getTime() - Date.now()) + 20000;
  const phoneOffline = (async () => {
    await p2.waitForTimeout(Math.max(0, closes.getTime() - Date.now() - 5000));
    await phone.setOffline(true);
    await openQuestion(p2, 2);
    await answerCurrent(p2, 2);
    await p2.locator('.save-state', {hasText: '离线，答案已暂存'}).waitFor();
    await p2.waitForTimeout(Math.max(0, closes.getTime() + 2000 + 7000 - Date.now()));
    await p2.getByText(/网络中断，正在等待网络恢复后交卷|正在重试交卷/).waitFor();
    await env.shot(p2, 'phone-02-offline-at-deadline', {fullPage: false});
    await phone.setOffline(false);
    await p2.waitForURL(new RegExp(`#/result/${id2}$`), {timeout: 20000});
  })();
  await Promise.all([p1.waitForURL(new RegExp(`#/result/${id1}$`), {timeout: wait}), phoneOffline]);
  assert.ok(Date.now() >= closes.getTime() - 1000, 'not submitted before the deadline');
  await p1.getByRole('heading', {name: '已交卷'}).waitFor();
  await p2.getByRole('heading', {name: '已交卷'}).waitFor();
  const api = await env.apiAs('e4001');
  const at = await waitFor(async () => {
    const x = await api.get(`/attempts/${id1}`);
    return x.status === 'submitted' && x;
  }, {what: 'attempt submitted on the server'});
  assert.equal(at.answers['1'] !== undefined, true, 'the answer given before the deadline counts');
  await api.dispose();
  const api2 = await env.apiAs('e4002');
  const at2 = await api2.get(`/attempts/${id2}`);
  assert.equal(at2.status, 'submitted');
  assert.equal(at2.answers['2'], undefined, 'an answer that could not reach the server before deadline + grace does not count');
  await api2.dispose();
  await env.shot(p1, 'desktop-02-auto-submitted');
  await env.shot(p2, 'phone-03-auto-submitted');
  assert.deepEqual(p1.problems, []);
  assert.deepEqual(p2.problems, []);
  await desk.close();
  await phone.close();
});
