// keyboard.test.mjs — a whole exam with the keyboard alone (page.keyboard: Tab, Shift+Tab,
// Enter, Space, arrows; no mouse, no element.click()): log in, start the exam from its dialog,
// answer every question (radio groups by arrow keys, checkboxes by Space), move with 下一题 and
// with the answer card (答题卡, reached by Tab and by Shift+Tab), flag one, open the submit
// dialog (focus stays inside it, Escape gives focus back to the button that opened it), confirm.
// Every element that takes focus on the way must show a focus ring. The test imports its own
// small bank, so it knows every key: the score on the result page must be what the answers it
// chose are worth (some right, some wrong, one multiple-choice only partly right).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS, PASSWORD, waitFor} from './harness.mjs';
import {waitSaved} from './exam-helpers.mjs';

const env = new Env('keyboard');

/* The bank: 4 single (2 points), 3 multiple (4 points, all or nothing), 3 judge (1 point). */
const BANK = {
  format: 'lawexam-bank/1',
  bank: {code: 'kbd', title: '键盘测试题库', subject: 'kbd'},
  questions: [
    {id: 'K-S1', type: 'single', stem: '键盘题一：行政处罚的设定机关是？', options: ['法律、法规和规章', '任何机关', '村委会', '企业'], answer: 'A'},
    {id: 'K-S2', type: 'single', stem: '键盘题二：我国的根本大法是？', options: ['民法典', '宪法', '刑法', '行政诉讼法'], answer: 'B'},
    {id: 'K-S3', type: 'single', stem: '键盘题三：全国人民代表大会每届任期几年？', options: ['三年', '四年', '五年', '六年'], answer: 'C'},
    {id: 'K-S4', type: 'single', stem: '键盘题四：国家的一切权力属于谁？', options: ['政府', '法院', '军队', '人民'], answer: 'D'},
    {id: 'K-M1', type: 'multiple', stem: '键盘题五：下列属于公民基本权利的有？', options: ['选举权', '征税权', '受教育权', '立法权'], answer: 'AC'},
    {id: 'K-M2', type: 'multiple', stem: '键盘题六：下列属于民事主体的有？', options: ['自然人', '法人', '非法人组织', '动物'], answer: 'ABC'},
    {id: 'K-M3', type: 'multiple', stem: '键盘题七：行政复议的原则包括？', options: ['合法', '公正', '保密一切', '及时'], answer: 'ABD'},
    {id: 'K-J1', type: 'judge', stem: '键盘题八：法律面前人人平等。', answer: 'T'},
    {id: 'K-J2', type: 'judge', stem: '键盘题九：行政机关可以随意设定罚款。', answer: 'F'},
    {id: 'K-J3', type: 'judge', stem: '键盘题十：宪法是国家的根本法。', answer: 'T'},
  ],
};
const POINTS = {single: 2, multiple: 4, judge: 1};

before(async () => {
  env.init();
  env.addUser('k0001', {name: '键盘考生', org: '珠晖区/区司法局/普法股'});
  const file = join(env.dir, 'kbd.json');
  writeFileSync(file, JSON.stringify(BANK, null, 2));
  env.importBank(file);
  env.createExam({code: 'kbd', title: '键盘操作考试', papers: [{
    categories: ['leader', 'enforcement', 'general'],
    sections: [
      {title: '单选', bank: 'kbd', type: 'single', count: 4, points: POINTS.single},
      {title: '多选', bank: 'kbd', type: 'multiple', count: 3, points: POINTS.multiple},
      {title: '判断', bank: 'kbd', type: 'judge', count: 3, points: POINTS.judge},
    ],
  }]});
  await env.start();
});

after(async () => {
  await env.stop();
});

/** What has focus now, and whether it shows a focus indicator (an outline of 2 px or more or a
 *  box shadow on it, or on the option label or file button that draws the ring for it). */
async function focusInfo(page) {
  return page.evaluate(() => {
    const el = document.activeElement;
    if (!el || el === document.body) return {what: 'body', ring: false, inDialog: false};
    const ringOn = (e) => {
      if (!e) return false;
      const s = getComputedStyle(e);
      return (s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2) || (s.boxShadow && s.boxShadow !== 'none');
    };
    const what = el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') + (el.className ? '.' + String(el.className).split(' ').join('.') : '') +
      ' "' + (el.getAttribute('aria-label') || el.textContent || el.value || '').trim().slice(0, 30) + '"';
    return {what, ring: ringOn(el) || ringOn(el.closest('label.option')), inDialog: !!el.closest('dialog[open]')};
  });
}

/** Presses Tab (Shift+Tab with shift) until the focused element matches `selector`; every stop
 *  on the way must show a focus ring (a miss is a page problem). Returns the number of presses. */
async function tabTo(page, selector, {shift = false, max = 60} = {}) {
  for (let n = 1; n <= max; n++) {
    await page.keyboard.press(shift ? 'Shift+Tab' : 'Tab');
    const f = await focusInfo(page);
    if (!f.ring) page.problems.push(`no visible focus on ${f.what}`);
    if (await page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector)) return n;
  }
  throw new Error(`${shift ? 'Shift+Tab' : 'Tab'} never reached ${selector} in ${max} presses (last: ${(await focusInfo(page)).what})`);
}

async function focusedMatches(page, selector) {
  return page.evaluate((sel) => !!document.activeElement && document.activeElement.matches(sel), selector);
}

/** The question on screen: position, type, stem, and the displayed option texts in order. */
async function readCard(page) {
  return page.locator('.question-card').evaluate((el) => ({
    pos: Number(el.dataset.pos),
    type: el.dataset.type,
    stem: el.querySelector('.q-stem').textContent,
    options: Array.from(el.querySelectorAll('label.option .option-text')).map((s) => s.textContent),
    keys: Array.from(el.querySelectorAll('.option-input')).map((i) => i.value),
  }));
}

/** The displayed keys that are right for the card (options are shuffled on each paper). */
function rightKeys(card) {
  const q = BANK.questions.find((x) => x.stem === card.stem);
  assert.ok(q, `question on screen is from the test bank: ${card.stem}`);
  if (q.type === 'judge') return q.answer;
  const rightTexts = [...q.answer].map((letter) => q.options[letter.charCodeAt(0) - 65]);
  return card.keys.filter((k, i) => rightTexts.includes(card.options[i])).sort().join('');
}

/** Answers the card with `response` (its displayed keys) by keyboard, starting with focus on
 *  the stem: radios by Tab then arrows, checkboxes by Tab and Space. */
async function answerByKeys(page, card, response) {
  await page.keyboard.press('Tab'); // into the options: the first one (none is checked yet)
  assert.ok(await focusedMatches(page, `.question-card[data-pos="${card.pos}"] .option-input[value="${card.keys[0]}"]`),
    `Tab from the stem lands on the first option of question ${card.pos}`);
  if (card.type === 'multiple') {
    for (let i = 0; i < card.keys.length; i++) {
      if (i) await page.keyboard.press('Tab');
      if (response.includes(card.keys[i])) await page.keyboard.press('Space');
    }
  } else {
    const idx = card.keys.indexOf(response);
    if (idx === 0) await page.keyboard.press('Space');
    for (let i = 0; i < idx; i++) await page.keyboard.press(i % 2 ? 'ArrowRight' : 'ArrowDown');
  }
  await waitFor(() => page.locator('.question-card .option-input:checked').evaluateAll(
    (els) => els.map((e) => e.value).sort().join('')).then((r) => r === response), {what: `question ${card.pos} shows ${response}`});
}

test('a whole exam with the keyboard alone, scored as the chosen answers are worth', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);

  // Log in: the 工号 field has focus when the page opens.
  await page.goto('/#/login');
  await page.waitForFunction(() => document.activeElement && document.activeElement.id === 'login');
  await page.keyboard.type('k0001');
  await page.keyboard.press('Tab');
  assert.ok(await focusedMatches(page, '#password'), 'Tab from 工号 goes to 密码');
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').waitFor();

  // My exams: Tab to 开始考试, Enter; the dialog takes focus; Tab to 开始答题, Enter.
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('h1'));
  await tabTo(page, '.exam-card .btn-primary');
  await page.keyboard.press('Enter');
  await page.getByRole('dialog', {name: '开始考试'}).waitFor();
  assert.ok((await focusInfo(page)).inDialog, 'the start dialog takes focus');
  await tabTo(page, 'dialog[open] .btn-primary');
  await page.keyboard.press('Enter');
  await page.waitForURL(/#\/exam\/\d+$/);
  const attemptId = /#\/exam\/(\d+)$/.exec(page.url())[1];
  await page.locator('.question-card').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('.q-stem'));

  const total = await page.locator('.nav-q').count();
  assert.equal(total, 10);
  // What to answer: right, except single #3 (wrong), multiple #2 (one key short) and judge #3 (wrong).
  const plan = {single: ['right', 'right', 'wrong', 'right'], multiple: ['right', 'short', 'right'], judge: ['right', 'right', 'wrong']};
  const seen = {single: 0, multiple: 0, judge: 0};
  let expected = 0;
  let maxScore = 0;
  const chosen = {};
  for (let pos = 1; pos <= total; pos++) {
    await page.waitForFunction((p) => document.activeElement && document.activeElement.matches(`.question-card[data-pos="${p}"] .q-stem`), pos);
    const card = await readCard(page);
    assert.equal(card.pos, pos);
    const right = rightKeys(card);
    const how = plan[card.type][seen[card.type]++];
    let response = right;
    if (how === 'wrong') response = card.type === 'judge' ? (right === 'T' ? 'F' : 'T') : card.keys.find((k) => k !== right);
    if (how === 'short') response = right.slice(0, -1);
    await answerByKeys(page, card, response);
    chosen[pos] = response;
    maxScore += POINTS[card.type];
    if (response === right) expected += POINTS[card.type];
    await page.locator(`.nav-q[data-pos="${pos}"].answered`).waitFor();

    if (pos === 3) {
      // flag it: Tab to ☆ 标记, Space
      await tabTo(page, '.question-card .btn-flag');
      await page.keyboard.press('Space');
      await page.locator('.nav-q[data-pos="3"].flagged').waitFor();
    }
    if (pos === total) break;
    if (pos % 3 === 1) {
      // 下一题
      await tabTo(page, '.q-actions .btn-primary');
      await page.keyboard.press('Enter');
    } else if (pos % 3 === 2) {
      // the answer card: Tab to the next question's button, Enter
      await tabTo(page, `.nav-q[data-pos="${pos + 1}"]`);
      await page.keyboard.press('Enter');
    } else {
      // the answer card from the other side: past the button, back with Shift+Tab
      await tabTo(page, `.nav-q[data-pos="${Math.min(total, pos + 2)}"]`);
      if (pos + 2 <= total) await tabTo(page, `.nav-q[data-pos="${pos + 1}"]`, {shift: true});
      await page.keyboard.press('Enter');
    }
  }
  await waitSaved(page);
  assert.equal(await page.locator('.nav-q.answered').count(), total);

  // The submit dialog: focus inside, kept inside by Tab and Shift+Tab; Escape returns it.
  await tabTo(page, '.navigator .btn-block');
  await page.keyboard.press('Enter');
  const dlg = page.getByRole('dialog', {name: '确认交卷'});
  await dlg.waitFor();
  assert.match(await dlg.locator('.submit-complete').innerText(), /全部 10 道题均已作答/);
  for (const key of ['Tab', 'Tab', 'Tab', 'Tab', 'Shift+Tab', 'Shift+Tab', 'Shift+Tab']) {
    await page.keyboard.press(key);
    const f = await focusInfo(page);
    assert.ok(f.inDialog, `${key} keeps focus in the submit dialog (focus on ${f.what})`);
    if (!f.ring) page.problems.push(`no visible focus on ${f.what} in the submit dialog`);
  }
  await page.keyboard.press('Escape');
  await dlg.waitFor({state: 'detached'});
  assert.ok(await focusedMatches(page, '.navigator .btn-block'), `closing the dialog returns focus to 交卷 (focus on ${(await focusInfo(page)).what})`);
  await page.keyboard.press('Enter');
  await dlg.waitFor();
  await tabTo(page, 'dialog[open] .btn-danger');
  await page.keyboard.press('Enter');

  // The result: the score the chosen answers are worth.
  await page.waitForURL(new RegExp(`#/result/${attemptId}$`));
  await page.getByRole('heading', {name: '已交卷'}).waitFor();
  const shown = Number(await page.locator('.score-value').innerText());
  const api = await env.apiAs('k0001');
  const done = await api.get(`/attempts/${attemptId}`);
  for (const [pos, r] of Object.entries(chosen)) assert.equal(done.answers[pos], r, `answer ${pos} as typed`);
  assert.equal(done.result.max_score, maxScore);
  assert.equal(done.result.score, expected, `server score ${done.result.score}, the chosen answers are worth ${expected}`);
  assert.equal(shown, expected, 'the page shows the score');
  console.log(`keyboard exam: ${expected} / ${maxScore} points, as the chosen answers are worth`);
  await api.dispose();
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('跳到主要内容: the first stop of the page, shown when focused, moves focus into <main>', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'k0001');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card').waitFor();
  await page.waitForFunction(() => document.activeElement && document.activeElement.matches('h1'));
  // back to the top: the skip link is the first control of the document
  await tabTo(page, '#skip-link', {shift: true, max: 12});
  const first = await page.evaluate(() => {
    const all = Array.from(document.querySelectorAll('a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])'));
    return all.find((el) => el.getClientRects().length > 0 || el.id === 'skip-link').id;
  });
  assert.equal(first, 'skip-link');
  const box = await page.locator('#skip-link').boundingBox();
  assert.ok(box && box.y >= 0, `the focused skip link is on screen (y ${box && box.y})`);
  await page.keyboard.press('Enter');
  assert.ok(await focusedMatches(page, '#main'), 'Enter on the skip link focuses <main>');
  await page.keyboard.press('Tab');
  assert.ok(await page.evaluate(() => document.getElementById('main').contains(document.activeElement)),
    'the next Tab stays in <main>');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
