// bank-text.test.mjs — questions as departments write them (SPEC §4.5, issue 19) on the
// admin's banks page: pasted text using every kind of rule (a title line, headings 一、单选题 /
// 【多选题】 / 三、判断题, options one and several to a line, a key on an 答案： line, in the
// stem's brackets, and √ × for judges) is previewed — counts per type, each question with its
// options and key, the reader's notes — then imported, and the stored bank is checked through
// the API and the export; a broken paste lists its errors by line (第 N 行, the server's
// bank.txt:N) with a button that selects the line, and imports nothing; the Word template
// (bank-template.docx) is previewed by paragraph and imported.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {Env, VIEWPORTS, SOURCE_DIR} from './harness.mjs';

const env = new Env('bank-text');
let api;

const GOOD = [
  '2026年度学法考法题库（行政法）',
  '一、单选题',
  '1. 行政机关实施行政处罚，应当遵循（　）原则。',
  'A. 公正、公开',
  'B．效率优先',
  'C、从重从快',
  'D) 内部处理',
  '答案：A',
  '解析：行政处罚法第五条。',
  '依据：《中华人民共和国行政处罚法》第五条',
  '编号：XZ-001',
  '2、我国的根本大法是（ A ）。',
  'A. 宪法  B. 刑法  C. 民法典  D. 立法法',
  '【多选题】',
  '3．下列属于公民基本权利的有（ A C D ）。',
  'A）选举权  B）征税权',
  'C）受教育权　D）劳动权',
  '三、判断题',
  '（4）法律面前人人平等。（ √ ）',
  '5. 行政机关可以不经听证作出吊销许可证件的决定。（ × ）',
].join('\n');

// line 2: no key; line 7: an option list that skips B
const BROKEN = ['一、单选题', '1. 没有答案（　）', 'A. 甲', 'B. 乙', '2. 跳字母', 'A. 甲', 'C. 丙', '答案：A'].join('\n');

before(async () => {
  env.init();
  env.addUser('admin1', {name: '王管理', org: '珠晖区/区司法局', roles: 'admin'});
  await env.start();
  api = await env.apiAs('admin1');
});

after(async () => {
  if (api) await api.dispose();
  await env.stop();
});

async function bank(code) {
  return (await api.get('/admin/banks')).banks.find((b) => b.code === code);
}

function exported(code) {
  return JSON.parse(env.admin(['bank', 'export', code]).stdout).questions;
}

async function openBanks(page) {
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  await page.locator('.subnav').getByRole('link', {name: '题库'}).click();
  await page.waitForURL(/#\/admin\/banks$/);
  await page.getByRole('heading', {name: '上传题库'}).waitFor();
}

async function fillBank(page, code, title, subject) {
  await page.getByLabel('题库代码').fill(code);
  await page.getByLabel('题库名称').fill(title);
  await page.getByLabel('科目').fill(subject);
}

const counts = async (page) => Object.fromEntries(await Promise.all(['total', 'single', 'multiple', 'judge'].map(async (k) =>
  [k, await page.locator(`.preview.ok .type-counts [data-key="${k}"] dd`).innerText()])));
const q = (page, id) => page.locator(`.reading-q[data-id="${id}"]`);

test('pasted text: preview what was recognised, then import', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await openBanks(page);
  // the file picker lists the text and Word formats
  assert.equal(await page.locator('#bank-file').getAttribute('accept'), '.csv,.xlsx,.json,.txt,.docx,.doc');
  assert.equal(await page.locator('#bank-file-label').innerText(), '文件（.csv / .xlsx / .json / .txt / .docx）');
  await page.getByRole('radio', {name: '粘贴文本'}).check();
  assert.equal(await page.locator('#bank-file-label').isVisible(), false, 'the file picker hides while pasting');
  await page.getByRole('textbox', {name: '粘贴文本'}).fill(GOOD);
  await fillBank(page, 'xingzheng', '行政法（粘贴）', 'admin-law');
  await env.shot(page, 'desktop-00-paste-box', {fullPage: false});
  await page.getByRole('button', {name: '预览（不导入）'}).click();
  await page.locator('.preview.ok .reading-list').waitFor();
  assert.deepEqual(await counts(page), {total: '5 题', single: '2 题', multiple: '1 题', judge: '2 题'});
  assert.equal(await page.locator('.preview.ok [data-key="added"] dd').innerText(), '5');
  // focus moves to the result
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '预览：识别结果');
  // each question with its type, options and key
  assert.deepEqual(await page.locator('.reading-q').evaluateAll((els) => els.map((e) => [e.dataset.id, e.dataset.type])), [
    ['XZ-001', 'single'], ['xingzheng-2', 'single'], ['xingzheng-3', 'multiple'], ['xingzheng-4', 'judge'], ['xingzheng-5', 'judge']]);
  assert.equal(await q(page, 'XZ-001').locator('.rq-answer').innerText(), 'A');
  assert.deepEqual(await q(page, 'XZ-001').locator('.rq-options li').allTextContents(),
    ['A. 公正、公开（答案）', 'B. 效率优先', 'C. 从重从快', 'D. 内部处理']);
  // options several to a line; the key from the stem's brackets, which are emptied
  assert.equal(await q(page, 'xingzheng-2').locator('.rq-stem').innerText(), '我国的根本大法是（　）。');
  assert.equal(await q(page, 'xingzheng-2').locator('.rq-options li').count(), 4);
  assert.equal(await q(page, 'xingzheng-2').locator('.rq-answer').innerText(), 'A');
  assert.equal(await q(page, 'xingzheng-3').locator('.rq-answer').innerText(), 'ACD');
  assert.equal(await q(page, 'xingzheng-3').locator('.rq-options li.is-key').count(), 3);
  assert.equal(await q(page, 'xingzheng-3').locator('.rq-where').innerText(), '第 15 行');
  // judges with √ and ×
  assert.equal(await q(page, 'xingzheng-4').locator('.rq-answer').innerText(), '正确（√）');
  assert.equal(await q(page, 'xingzheng-5').locator('.rq-answer').innerText(), '错误（×）');
  assert.equal(await q(page, 'xingzheng-4').locator('.rq-options').count(), 0);
  // the reader's notes: the title line skipped, ids made from the numbers
  const notes = (await page.locator('.reading-notes li').allInnerTexts()).join('\n');
  assert.match(notes, /第 1 行：.*第一道题之前/);
  assert.match(notes, /编号按题号生成：xingzheng-2 … xingzheng-5/);
  assert.equal(await bank('xingzheng'), undefined, 'the preview imports nothing');
  await env.shot(page, 'desktop-01a-paste-preview-window', {fullPage: false});
  await env.shot(page, 'desktop-01b-paste-preview');

  // a changed text must be previewed again
  await page.getByRole('textbox', {name: '粘贴文本'}).press('End');
  await page.getByRole('textbox', {name: '粘贴文本'}).press('Space');
  assert.equal(await page.getByRole('button', {name: '确认导入'}).isVisible(), false, 'editing the text hides 确认导入');
  await page.getByRole('button', {name: '预览（不导入）'}).click();
  await page.locator('.preview.ok .reading-list').waitFor();

  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('题库“xingzheng”已导入').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '导入结果');
  await page.locator('table', {hasText: 'xingzheng'}).waitFor();
  await env.shot(page, 'desktop-02-paste-imported');

  // the bank's questions are there, with the keys the preview showed
  const b = await bank('xingzheng');
  assert.equal(b.active, 5);
  assert.deepEqual(b.by_type, {single: 2, multiple: 1, judge: 2});
  const again = await api.raw('POST', '/admin/banks?format=txt&dry_run=1&bank=xingzheng', {data: Buffer.from(GOOD, 'utf8')});
  assert.equal(again.status(), 200);
  const a = await again.json();
  assert.deepEqual([a.added, a.updated, a.unchanged], [0, 0, 5], 'the same text again changes nothing');
  const qs = exported('xingzheng');
  assert.deepEqual(qs.map((x) => [x.id, x.type, x.answer]), [['XZ-001', 'single', 'A'], ['xingzheng-2', 'single', 'A'],
    ['xingzheng-3', 'multiple', 'ACD'], ['xingzheng-4', 'judge', 'T'], ['xingzheng-5', 'judge', 'F']]);
  assert.equal(qs[1].stem, '我国的根本大法是（　）。');
  assert.deepEqual(qs[2].options, ['选举权', '征税权', '受教育权', '劳动权']);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a broken paste lists its errors by line and imports nothing', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx, {allowHttp: ['422 POST /api/v1/admin/banks']}); // on purpose
  await openBanks(page);
  await page.getByRole('radio', {name: '粘贴文本'}).check();
  await page.getByRole('textbox', {name: '粘贴文本'}).fill(BROKEN);
  await fillBank(page, 'broken', '有错的题', 'test');
  await page.getByRole('button', {name: '预览（不导入）'}).click();
  await page.locator('.preview.bad table').waitFor();
  assert.equal(await page.evaluate(() => document.activeElement.textContent), '检查结果：有错误');
  const rows = await page.locator('.preview.bad tbody tr').evaluateAll((trs) => trs.map((tr) =>
    [tr.querySelector('[data-col="where"]').textContent, tr.querySelector('[data-col="message"]').textContent]));
  assert.equal(rows.length, 2);
  assert.equal(rows[0][0], '第 2 行');
  assert.match(rows[0][1], /缺少答案.*原文：“1\. 没有答案（　）”/);
  assert.equal(rows[1][0], '第 7 行');
  assert.match(rows[1][1], /跳过了字母 B/);
  assert.match(await page.locator('.preview.bad .alert').innerText(), /共 2 处错误/);
  assert.equal(await page.getByRole('button', {name: '确认导入'}).isVisible(), false);
  // 定位 selects the line in the text box
  await page.getByRole('button', {name: '在文本框中定位第 7 行'}).click();
  const sel = await page.locator('#bank-text').evaluate((t) => [document.activeElement === t, t.value.slice(t.selectionStart, t.selectionEnd)]);
  assert.deepEqual(sel, [true, 'C. 丙']);
  // the API says the same, as FILE:LINE
  const r = await api.raw('POST', '/admin/banks?format=txt&dry_run=1&bank=broken&title=t&subject=s', {data: Buffer.from(BROKEN, 'utf8')});
  assert.equal(r.status(), 422);
  assert.deepEqual((await r.json()).error.details.map((d) => d.where), ['bank.txt:2', 'bank.txt:7']);
  assert.equal(await bank('broken'), undefined, 'nothing imported');
  await env.shot(page, 'desktop-03-paste-errors');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a Word document: preview by paragraph, then import', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await openBanks(page);
  await page.locator('#bank-file').setInputFiles(join(SOURCE_DIR, 'question-bank', 'templates', 'bank-template.docx'));
  await fillBank(page, 'tpl-word', '宪法（Word 模板）', 'constitution');
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.ok .reading-list').waitFor();
  assert.deepEqual(await counts(page), {total: '5 题', single: '2 题', multiple: '1 题', judge: '2 题'});
  assert.equal(await q(page, 'TPL-T001').locator('.rq-answer').innerText(), 'A');
  assert.equal(await q(page, 'tpl-word-3').locator('.rq-answer').innerText(), 'ABC');
  assert.equal(await q(page, 'tpl-word-4').locator('.rq-answer').innerText(), '错误（×）');
  assert.match(await q(page, 'TPL-T001').locator('.rq-where').innerText(), /^第 \d+ 段$/);
  assert.match((await page.locator('.reading-notes li').allInnerTexts()).join('\n'), /第 \d+ 段：.*编号按题号生成/);
  assert.equal(await bank('tpl-word'), undefined, 'the preview imports nothing');
  await env.shot(page, 'desktop-04-docx-preview');
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('题库“tpl-word”已导入').waitFor();
  const b = await bank('tpl-word');
  assert.equal(b.active, 5);
  assert.deepEqual(b.by_type, {single: 2, multiple: 1, judge: 2});
  assert.deepEqual(exported('tpl-word').map((x) => x.answer), ['A', 'A', 'ABC', 'F', 'T']);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('pasted text over 1 MiB goes in parts; 确认导入 names the upload of the preview', async () => {
  const n = 4000;
  const big = '三、判断题\n' + Array.from({length: n}, (_, i) =>
    `${i + 1}. 第 ${i + 1} 题：${'依法行政是政府工作的基本准则'.repeat(6)}。（ ${i % 2 ? '×' : '√'} ）`).join('\n');
  assert.ok(Buffer.byteLength(big) > 1 << 20, 'over 1 MiB');
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  const parts = [];
  const imports = [];
  page.on('request', (r) => {
    const u = new URL(r.url());
    if (u.pathname === '/api/v1/admin/uploads' && r.method() === 'POST') parts.push(u.searchParams.get('offset') || 'start');
    if (u.pathname === '/api/v1/admin/banks' && r.method() === 'POST') imports.push([u.searchParams.get('dry_run'), u.searchParams.get('upload')]);
  });
  await openBanks(page);
  await page.getByRole('radio', {name: '粘贴文本'}).check();
  await page.locator('#bank-text').evaluate((t, v) => {
    t.value = v;
    t.dispatchEvent(new Event('input', {bubbles: true}));
  }, big);
  await fillBank(page, 'big-paste', '大段粘贴', 'admin-law');
  await page.getByRole('button', {name: '预览（不导入）'}).click();
  await page.locator('.preview.ok .reading-list').waitFor({timeout: 30000});
  assert.deepEqual(await counts(page), {total: n + ' 题', single: '0 题', multiple: '0 题', judge: n + ' 题'});
  assert.equal(await page.locator('.reading-q').count(), 200);
  assert.match(await page.getByRole('heading', {name: /逐题核对/}).innerText(), /仅显示前 200 题，共 4000 题/);
  assert.deepEqual(parts, ['start', String(1 << 20)]);
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('题库“big-paste”已导入').waitFor({timeout: 30000});
  assert.equal(parts.length, 2, 'the text was not sent again');
  assert.equal(imports.length, 2);
  assert.deepEqual(imports.map((x) => x[0]), ['1', null]);
  assert.ok(imports[0][1] && imports[1][1] === imports[0][1], 'the import names the upload of the preview');
  assert.equal((await bank('big-paste')).active, n);
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('pasting on a phone', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await openBanks(page);
  await page.getByRole('radio', {name: '粘贴文本'}).check();
  await page.getByRole('textbox', {name: '粘贴文本'}).fill(GOOD.replace('编号：XZ-001', '编号：XZ-101'));
  await fillBank(page, 'xingzheng-phone', '行政法（手机）', 'admin-law');
  await page.getByRole('button', {name: '预览（不导入）'}).click();
  await page.locator('.preview.ok .reading-list').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await env.shot(page, 'phone-01-paste-preview');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
