// admin.test.mjs — the exam administrator's uploads: a question bank CSV with a bad row
// (the preview names the row and the problem, nothing is imported), then a good one that
// imports; a roster with an unknown category, then a good one; an exam definition whose
// section cannot be filled, then a good one, created and watched on the live monitor; a bank
// over 1 MiB, which the page sends in parts (one part fails on the network and is retried).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {statSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, demoExam, VIEWPORTS, rfc3339, waitFor} from './harness.mjs';

const env = new Env('admin');
let api;
const files = {};

const LIMIT_BODY = 1 << 20; // LX_BODY_MAX: larger files go in parts

const BANK_HEADER = '编号,题型,题干,选项A,选项B,选项C,选项D,答案,解析,依据';
const BANK_ROWS = [
  'T-001,单选,行政机关实施行政处罚，应当遵循（ ）原则。,公正、公开,效率优先,从重从快,内部处理,A,行政处罚法第五条。,《中华人民共和国行政处罚法》第五条',
  'T-002,单选,"宪法规定，国家尊重和保障（ ）。",人权,特权,物权,债权,E,宪法第三十三条。,《中华人民共和国宪法》第三十三条',
  'T-003,判断,法律面前人人平等。,,,,,对,宪法第三十三条。,《中华人民共和国宪法》第三十三条',
  'T-004,多选,下列属于公民基本权利的有（ ）。,选举权,受教育权,劳动权,征税权,ABC,宪法第二章。,《中华人民共和国宪法》第二章',
];

before(async () => {
  env.init();
  env.addUser('admin1', {name: '王管理', org: '珠晖区/区司法局', roles: 'admin'});
  env.addUser('e5001', {name: '考生甲', org: '珠晖区/区司法局/普法股'});
  env.addUser('e5002', {name: '考生乙', org: '珠晖区/区财政局', category: 'leader'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  const w = (name, text) => {
    files[name] = join(env.dir, name);
    writeFileSync(files[name], text);
  };
  w('bad-bank.csv', '\ufeff' + [BANK_HEADER, ...BANK_ROWS].join('\r\n') + '\r\n');
  w('good-bank.csv', '\ufeff' + [BANK_HEADER, ...BANK_ROWS.map((r) => r.replace(',E,', ',A,'))].join('\r\n') + '\r\n');
  w('bad-staff.csv', '工号,姓名,单位,类别\r\ns6001,赵一,珠晖区/区司法局/普法股,general\r\ns6002,钱二,珠晖区/区财政局,未知类别\r\n');
  w('good-staff.csv', '工号,姓名,单位,类别\r\ns6001,赵一,珠晖区/区司法局/普法股,general\r\ns6002,钱二,珠晖区/区财政局,领导干部\r\n');
  const exam = demoExam('annual-2026', {title: '2026年度学法考法（管理员创建）', format: 'lawexam-exam/1',
    opens_at: rfc3339(new Date(Date.now() - 600000)), closes_at: rfc3339(new Date(Date.now() + 7200000)),
    duration_minutes: 60, pass_percent: 60, max_attempts: 1, multiple_scoring: 'partial', results: 'after_close', review: 'never'});
  w('good-exam.json', JSON.stringify(exam, null, 2));
  const bad = JSON.parse(JSON.stringify(exam));
  bad.papers[0].sections[0].count = 999;
  w('bad-exam.json', JSON.stringify(bad, null, 2));
  const bigRows = [];
  for (let i = 0; i < 1200; i++) {
    bigRows.push(`B-${String(i).padStart(4, '0')},单选,大题库第 ${i} 题：${'民法典'.repeat(140)},甲,乙,丙,丁,${'ABCD'[i % 4]},,`);
  }
  w('big-bank.csv', '\ufeff' + [BANK_HEADER, ...bigRows].join('\r\n') + '\r\n');
  await env.start();
  api = await env.apiAs('admin1');
});

after(async () => {
  if (api) await api.dispose();
  await env.stop();
});

async function bankCodes() {
  return (await api.get('/admin/banks')).banks.map((b) => b.code);
}

test('bank, roster and exam uploads with dry-run previews (desktop)', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx, {allowHttp: ['422 POST /api/v1/admin/banks', '422 POST /api/v1/admin/staff',
    '422 POST /api/v1/admin/exams']}); // the bad files, on purpose
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  await page.getByRole('heading', {name: '考试管理'}).waitFor();
  await env.shot(page, 'desktop-01-overview');

  // --- bank: the bad file ---
  await page.locator('.subnav').getByRole('link', {name: '题库'}).click();
  await page.waitForURL(/#\/admin\/banks$/);
  await page.locator('#bank-file').setInputFiles(files['bad-bank.csv']);
  await page.getByLabel('题库代码').fill('test-bank');
  await page.getByLabel('题库名称').fill('测试题库');
  await page.getByLabel('科目').fill('test');
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  const errTable = page.locator('.preview.bad table');
  await errTable.waitFor();
  // The server's own answer to the same dry run: every detail is on the page.
  const r = await api.raw('POST', '/admin/banks?format=csv&dry_run=1&bank=test-bank&title=t&subject=test',
    {data: Buffer.from('\ufeff' + [BANK_HEADER, ...BANK_ROWS].join('\r\n') + '\r\n')});
  assert.equal(r.status(), 422);
  const details = (await r.json()).error.details;
  assert.ok(details.length >= 1);
  const tableText = await errTable.innerText();
  for (const d of details) assert.ok(tableText.includes(d.message), `message shown: ${d.message}`);
  assert.match(tableText, /第 3 行/, 'the bad row (header = row 1) is named');
  assert.match(await page.locator('.preview.bad .alert-error').innerText(), /未导入/);
  assert.equal(await page.getByRole('button', {name: '确认导入'}).isVisible(), false, 'no import button after a failed check');
  assert.ok(!(await bankCodes()).includes('test-bank'), 'nothing imported');
  await env.shot(page, 'desktop-02-bank-errors');

  // --- bank: the good file ---
  await page.locator('#bank-file').setInputFiles(files['good-bank.csv']);
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.ok').waitFor();
  assert.equal(await page.locator('.preview.ok [data-key="added"] dd').innerText(), '4');
  assert.ok(!(await bankCodes()).includes('test-bank'), 'the dry run imports nothing');
  await env.shot(page, 'desktop-03-bank-preview');
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('题库“test-bank”已导入').waitFor();
  const banks = (await api.get('/admin/banks')).banks;
  const tb = banks.find((b) => b.code === 'test-bank');
  assert.ok(tb, 'imported');
  assert.equal(tb.active, 4);
  await page.locator('table', {hasText: 'test-bank'}).waitFor();
  await env.shot(page, 'desktop-04-bank-imported');

  // --- roster ---
  await page.locator('.subnav').getByRole('link', {name: '人员名单'}).click();
  await page.locator('#staff-file').setInputFiles(files['bad-staff.csv']);
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.bad').getByText('第 3 行').waitFor();
  await page.locator('.preview.bad').getByText('未知类别').first().waitFor();
  await env.shot(page, 'desktop-05-staff-errors');
  await page.locator('#staff-file').setInputFiles(files['good-staff.csv']);
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.ok').waitFor();
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('人员名单已导入').waitFor();
  // New staff without a password: the page offers their initial passwords once.
  await page.getByRole('link', {name: '下载初始密码（CSV）'}).waitFor();
  await env.shot(page, 'desktop-06-staff-imported');

  // --- exam definition ---
  await page.locator('.subnav').getByRole('link', {name: '考试'}).click();
  await page.waitForURL(/#\/admin\/exams$/);
  await page.locator('#examdef-file').setInputFiles(files['bad-exam.json']);
  await page.getByRole('button', {name: '检查文件（不创建）'}).click();
  await page.locator('.preview.bad').getByText('宪法').first().waitFor();
  await page.locator('.preview.bad').getByText('第 1 套试卷 · 第 1 部分').waitFor();
  assert.match(await page.locator('.preview.bad .alert-error').innerText(), /考试未创建/);
  await env.shot(page, 'desktop-07-exam-errors');
  await page.locator('#examdef-file').setInputFiles(files['good-exam.json']);
  await page.getByRole('button', {name: '检查文件（不创建）'}).click();
  await page.locator('.preview.ok').waitFor();
  await page.getByRole('button', {name: '确认创建考试'}).click();
  await page.getByRole('link', {name: '查看考试和实时进度'}).click();
  await page.waitForURL(/#\/admin\/exams\/annual-2026$/);

  // --- live monitor: the tiles equal the API's, and follow a start ---
  const mon = await api.get('/admin/exams/annual-2026/monitor');
  await page.locator('.stat-value[data-key="assigned"]', {hasText: String(mon.assigned)}).waitFor();
  assert.equal(await page.locator('.stat-value[data-key="not_started"]').innerText(), String(mon.not_started));
  const examinee = await env.apiAs('e5001');
  const st = await examinee.raw('POST', '/exams/annual-2026/attempts');
  assert.ok(st.ok(), `start: ${st.status()}`);
  await examinee.dispose();
  await page.locator('.stat-value[data-key="in_progress"]', {hasText: String(mon.in_progress + 1)}).waitFor({timeout: 12000});
  await env.shot(page, 'desktop-08-monitor');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('admin pages on a phone', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx, {allowHttp: ['422 POST /api/v1/admin/banks']}); // the bad bank, on purpose
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  await env.shot(page, 'phone-01-overview');
  await page.goto('/#/admin/banks');
  await page.locator('#bank-file').setInputFiles(files['bad-bank.csv']);
  await page.getByLabel('题库代码').fill('test-bank2');
  await page.getByLabel('题库名称').fill('测试题库二');
  await page.getByLabel('科目').fill('test');
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.bad table').waitFor();
  await env.shot(page, 'phone-02-bank-errors');
  await page.goto('/#/admin/exams/annual-2026');
  await page.locator('.stat-value[data-key="assigned"]').filter({hasText: /\d/}).waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.ok(overflow <= 0, `page is ${overflow}px wider than the phone`);
  await env.shot(page, 'phone-03-monitor');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('a bank over 1 MiB goes in parts; a part lost on the network is sent again', async () => {
  const size = statSync(files['big-bank.csv']).size;
  assert.ok(size > LIMIT_BODY, `the file is over 1 MiB: ${size}`);
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'admin1');
  await page.waitForURL(/#\/admin$/);
  const parts = [];
  let aborted = 0;
  await page.route((url) => url.pathname === '/api/v1/admin/uploads', async (route) => {
    const u = new URL(route.request().url());
    parts.push(u.searchParams.get('offset') || 'start');
    // the first continuation part is lost once: the page must send it again
    if (u.searchParams.has('upload') && !aborted) {
      aborted++;
      await route.abort('connectionreset');
      return;
    }
    await route.continue();
  });
  await page.locator('.subnav').getByRole('link', {name: '题库'}).click();
  await page.waitForURL(/#\/admin\/banks$/);
  await page.locator('#bank-file').setInputFiles(files['big-bank.csv']);
  await page.getByLabel('题库代码').fill('big-bank');
  await page.getByLabel('题库名称').fill('大题库');
  await page.getByLabel('科目').fill('civil');
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.ok').waitFor({timeout: 30000});
  assert.equal(await page.locator('.preview.ok [data-key="added"] dd').innerText(), '1200');
  assert.equal(aborted, 1);
  assert.deepEqual(parts, ['start', String(LIMIT_BODY), String(LIMIT_BODY)], 'start, the lost part, the same part again');
  assert.ok(!(await bankCodes()).includes('big-bank'), 'the dry run imports nothing');
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('题库“big-bank”已导入').waitFor({timeout: 30000});
  assert.equal(parts.length, 3, 'the import named the upload of the dry run: the file was not sent again');
  const tb = (await api.get('/admin/banks')).banks.find((b) => b.code === 'big-bank');
  assert.ok(tb, 'imported');
  assert.equal(tb.active, 1200);
  await env.shot(page, 'desktop-09-big-bank-imported');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
