// paper.test.mjs — the printed papers from the pages (SPEC §14, issue 17): an examinee who
// passed downloads the certificate (合格证明) from the result page, one who failed sees no
// button; the HR page links the score sheet and the certificates of the unit on screen
// (org=); an administrator imports a roster and downloads the new people's login slips
// (POST /api/v1/admin/slips) next to the initial passwords. Each PDF is read with pdftotext.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {spawnSync} from 'node:child_process';
import {writeFileSync, readFileSync} from 'node:fs';
import {join} from 'node:path';
import {Env, VIEWPORTS, SCREENSHOT_DIR} from './harness.mjs';

const env = new Env('paper');
const EXAM = 'paper-exam';
const TITLE = '2026年度学法考法（证书测试）';

/** Page 1 of a PDF as SCREENSHOT_DIR/paper/<name>-1.png (pdftoppm), to be looked at. */
function pdfPng(file, name) {
  spawnSync('pdftoppm', ['-png', '-r', '60', '-f', '1', '-l', '1', file, join(SCREENSHOT_DIR, 'paper', name)]);
}

function pdfText(file) {
  const r = spawnSync('pdftotext', ['-enc', 'UTF-8', '-raw', file, '-'], {encoding: 'utf8'});
  if (r.status !== 0) throw new Error(`pdftotext ${file}: ${r.status} ${r.stderr}`);
  return r.stdout;
}

/** Clicks what starts a download; returns the saved file's path and suggested name. */
async function download(page, click) {
  const [dl] = await Promise.all([page.waitForEvent('download'), click()]);
  const file = join(env.dir, 'dl-' + Date.now() + '-' + dl.suggestedFilename().replace(/[^\w.-]/g, '_'));
  await dl.saveAs(file);
  return {file, name: dl.suggestedFilename()};
}

/** Starts, answers every question with `response`, and submits through the API. */
async function takeExam(login, response) {
  const api = await env.apiAs(login);
  const r = await api.raw('POST', `/exams/${EXAM}/attempts`);
  assert.equal(r.status(), 201, await r.text());
  const att = await r.json();
  const a = await api.get(`/attempts/${att.id}`);
  const answers = a.questions.map((q, i) => ({position: q.position, response, seq: i + 1}));
  let s = await api.raw('PUT', `/attempts/${att.id}/answers`, {data: {answers}});
  assert.equal(s.status(), 200, await s.text());
  s = await api.raw('POST', `/attempts/${att.id}/submit`);
  assert.equal(s.status(), 200, await s.text());
  const done = await api.get(`/attempts/${att.id}`);
  await api.dispose();
  return done;
}

before(async () => {
  env.init();
  const bank = {
    format: 'lawexam-bank/1',
    bank: {code: 'paper-bank', title: '证书测试题库', subject: 'constitution'},
    questions: Array.from({length: 5}, (_, i) => ({
      id: `PB-${i + 1}`, type: 'judge', stem: `第 ${i + 1} 题：宪法是国家的根本法。这一说法是正确的。（${i + 1}）`,
      answer: 'T', explanation: '宪法序言。', basis: '《中华人民共和国宪法》序言', difficulty: 1, tags: ['总纲'],
    })),
  };
  const bankFile = join(env.dir, 'paper-bank.json');
  writeFileSync(bankFile, JSON.stringify(bank));
  env.importBank(bankFile);
  env.addUser('p3001', {name: '欧阳𠮷䶮', org: '珠晖区/区司法局/普法股'});
  env.addUser('p3002', {name: '钱不过', org: '珠晖区/区财政局'});
  env.addUser('hr1', {name: '人事甲', roles: 'hr'});
  env.addUser('adm1', {name: '管理员甲', roles: 'admin'});
  env.createExam({code: EXAM, title: TITLE, papers: [{categories: ['leader', 'enforcement', 'general'],
    sections: [{title: '宪法', bank: 'paper-bank', type: 'judge', count: 5, points: 2}]}]});
  await env.start();
});

after(async () => {
  await env.stop();
});

test('an examinee who passed downloads the certificate from the result page', async () => {
  const done = await takeExam('p3001', 'T');
  assert.equal(done.result.passed, true);
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'p3001');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card', {hasText: TITLE}).waitFor(); // "my exams" drawn before we move on
  await page.goto(`/#/result/${done.id}`);
  await page.getByRole('heading', {name: '已交卷'}).waitFor();
  const btn = page.getByRole('button', {name: '下载合格证明'});
  await btn.waitFor();
  // A 409 (say the attempt was regraded below the pass mark since the page was drawn): the
  // server's message is shown. Played once by the browser, then the real server answers.
  page.allowHttp('409 GET /api/v1/attempts/');
  await page.route('**/certificate.pdf', (route) => route.fulfill({status: 409, contentType: 'application/json',
    body: JSON.stringify({error: {code: 'not_passed', message: '这场考试没有合格成绩，没有合格证明'}})}), {times: 1});
  await btn.click();
  await page.locator('.cert-message').getByText('这场考试没有合格成绩，没有合格证明').waitFor();
  await env.shot(page, 'desktop-00-result-certificate-409', {fullPage: false});
  const {file, name} = await download(page, () => btn.click());
  assert.equal(name, `合格证明-${EXAM}.pdf`);
  assert.equal(readFileSync(file).subarray(0, 5).toString(), '%PDF-');
  const text = pdfText(file);
  assert.match(text, /合格证明/);
  assert.match(text, /欧阳𠮷䶮/);
  assert.match(text, new RegExp(`成绩 ${done.result.score} 分（满分 ${done.result.max_score} 分）`));
  assert.match(text, /证书编号\s+[A-Z2-7]{16}/);
  await page.getByText('合格证明（PDF）已开始下载').waitFor();
  await env.shot(page, 'desktop-01-result-certificate');
  pdfPng(file, 'pdf-certificate');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('an examinee who failed has no certificate button', async () => {
  const done = await takeExam('p3002', 'F');
  assert.equal(done.result.passed, false);
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'p3002');
  await page.waitForURL(/#\/exams$/);
  await page.locator('.exam-card', {hasText: TITLE}).waitFor(); // "my exams" drawn before we move on
  await page.goto(`/#/result/${done.id}`);
  await page.locator('.score-verdict', {hasText: '不合格'}).waitFor();
  assert.equal(await page.getByRole('button', {name: '下载合格证明'}).count(), 0);
  await env.shot(page, 'phone-02-result-failed');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the HR page links the score sheet and the certificates of the unit shown', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'hr1');
  await page.goto(`/#/hr/${EXAM}`);
  const links = page.locator('#paper-downloads');
  await links.getByRole('link', {name: '成绩汇总表（PDF）'}).waitFor();
  // The page's own pass-rate report must be done first: one report at a time per user, so a PDF
  // asked for while it runs is refused (429 report_in_progress) and chromium cancels the download.
  await page.locator('#rates-table').waitFor();
  const href = async (name) => links.getByRole('link', {name}).getAttribute('href');
  assert.equal(await href('成绩汇总表（PDF）'), `/api/v1/reports/${EXAM}/sheet.pdf?`);
  await page.locator('#f-unit').selectOption('珠晖区/区司法局');
  await waitHref(page, '成绩汇总表（PDF）', /org=/);
  const org = new URLSearchParams('org=' + encodeURIComponent('珠晖区/区司法局')).toString();
  assert.equal(await href('成绩汇总表（PDF）'), `/api/v1/reports/${EXAM}/sheet.pdf?${org}`);
  assert.equal(await href('合格证明（PDF）'), `/api/v1/reports/${EXAM}/certificates.pdf?${org}`);
  // The certificates of that unit: p3001 only.
  const {file} = await download(page, () => links.getByRole('link', {name: '合格证明（PDF）'}).click());
  const text = pdfText(file);
  assert.match(text, /欧阳𠮷䶮/);
  assert.doesNotMatch(text, /钱不过/);
  await env.shot(page, 'desktop-03-hr-paper-links', {fullPage: false});
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

async function waitHref(page, name, re) {
  await page.waitForFunction(([n, src]) => {
    const a = [...document.querySelectorAll('#paper-downloads a')].find((x) => x.textContent === n);
    return a && new RegExp(src).test(a.getAttribute('href'));
  }, [name, re.source]);
}

test('an administrator imports a roster and downloads the login slips', async () => {
  const csv = join(env.dir, 'new-staff.csv');
  writeFileSync(csv, '工号,姓名,单位,类别\r\nn7001,孙𠮷,珠晖区/区司法局/普法股,general\r\n' +
    'n7002,李䶮,珠晖区/区财政局,general\r\nn7003,周五,珠晖区/某某街道办事处/综合治理办公室/法治宣传教育工作领导小组办公室,general\r\n');
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  await env.login(page, 'adm1');
  await page.goto('/#/admin/staff');
  await page.locator('#staff-file').setInputFiles(csv);
  await page.getByRole('button', {name: '检查文件（不导入）'}).click();
  await page.locator('.preview.ok').waitFor();
  await page.getByRole('button', {name: '确认导入'}).click();
  await page.getByText('人员名单已导入').waitFor();
  const pw = await download(page, () => page.getByRole('link', {name: '下载初始密码（CSV）'}).click());
  const first = Object.fromEntries(readFileSync(pw.file, 'utf8').replace(/^\ufeff/, '').trim().split(/\r?\n/).slice(1)
    .map((l) => l.split(',').slice(0, 2)));
  assert.deepEqual(Object.keys(first).sort(), ['n7001', 'n7002', 'n7003']);
  const btn = page.getByRole('button', {name: '下载登录凭条（PDF）'});
  const {file, name} = await download(page, () => btn.click());
  assert.equal(name, '登录凭条.pdf');
  const text = pdfText(file);
  assert.equal(text.split('登录凭条').length - 1, 3);
  let at = 0;
  for (const login of ['n7001', 'n7002', 'n7003']) { // in roster order, each with its own password
    const i = text.indexOf(login, at);
    assert.ok(i >= 0, `slip of ${login}`);
    const j = text.indexOf(first[login], i);
    assert.ok(j > i && j - i < 300, `password of ${login} on its slip`);
    at = j;
  }
  assert.match(text, /孙𠮷/);
  assert.match(text, /李䶮/);
  assert.ok(text.includes(env.base + '/'), 'the URL the browser used');
  await env.shot(page, 'desktop-04-staff-slips');
  pdfPng(file, 'pdf-slips');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
