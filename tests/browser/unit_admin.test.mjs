// unit_admin.test.mjs — a unit administrator (单位管理员, SPEC §12) signs in and sees only the
// units of their scope: the exam's progress per unit, the drill-down to the people with status
// and remaining time, the staff page (search, reset a password shown once), and the results
// file of their scope, which holds only their people. Their day on a second exam, all through
// the pages: extend one person's time, force another's submission, exempt a third (免考), the
// figures (应考人数, 免考) and the results file after it, and a person outside the scope asked
// for by URL (a Chinese "not found", no data).
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {readFileSync, writeFileSync} from 'node:fs';
import {join} from 'node:path';
import {inflateRawSync} from 'node:zlib';
import {Env, demoExam, VIEWPORTS, PASSWORD} from './harness.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('unit_admin');
const EXAM = 'unit-2026';
const DAY = 'day-2026';     // the unit administrator's day (the second test)
const ELSEWHERE = 'czj-2026'; // an exam for 区财政局 only: not in the unit administrator's list
const attemptOf = {};       // "login exam" → attempt id
const SCOPE = '珠晖区/区司法局';
const MINE = [
  ['u001', '陈明', SCOPE],
  ['u002', '林芳', SCOPE + '/普法股'],
  ['u003', '黄强', SCOPE + '/普法股'],
];
/* 200 more examinees in a third unit of the scope, added by the second test: with the three of
 * MINE the drill-down of the scope has 203 people, two pages of 200 (LX_PEOPLE_PAGE). */
const ARCHIVE = SCOPE + '/档案室';
const EXTRA = Array.from({length: 200}, (_, i) => `d${String(i + 1).padStart(4, '0')}`);
const OTHERS = [
  ['x001', '赵外', '珠晖区/区财政局'],
  ['x002', '钱外', '珠晖区/区司法局局'], // a unit whose path only starts with the scope's
];

async function start(login, submit, exam = EXAM) {
  const c = await env.apiAs(login);
  const r = await c.raw('POST', `/exams/${exam}/attempts`);
  assert.ok(r.ok(), `start ${login}: ${r.status()}`);
  const a = await r.json();
  attemptOf[`${login} ${exam}`] = a.id;
  if (submit) assert.ok((await c.raw('POST', `/attempts/${a.id}/submit`)).ok());
  await c.dispose();
}

before(async () => {
  env.admin(['init', '--argon2-t', '1', '--argon2-m', '1024']); // cheap hashes for the 200 of the roster
  for (const [login, name, org] of MINE.concat(OTHERS)) env.addUser(login, {name, org});
  env.addUser('ua1', {name: '司法局管理员', org: SCOPE, roles: 'unit_admin'});
  for (const b of ['constitution.json', 'civil-code.json', 'party-regulations.json']) env.importBank(b);
  env.createExam(demoExam(EXAM, {title: '2026年度学法考法（单位管理）'}));
  env.createExam(demoExam(DAY, {title: '2026年度学法考法（单位管理员的一天）'}));
  env.createExam(demoExam(ELSEWHERE, {title: '财政局专场', org_scope: ['珠晖区/区财政局']}));
  await env.start();
  await start('u001', false); // in progress
  await start('u002', true);  // submitted
  await start('x001', false); // outside the scope
  await start('u001', false, DAY); // to be given more time
  await start('u002', false, DAY); // to be handed in by the unit administrator
  await start('x001', false, DAY); // outside the scope
});

after(async () => {
  await env.stop();
});

test('unit administrator: only the scope, drill-down, password reset, results file', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  page.on('dialog', (d) => d.accept());
  await env.login(page, 'ua1');
  await page.waitForURL(/#\/unit$/);
  const nav = page.locator('#mainnav');
  await nav.getByRole('link', {name: '单位管理'}).waitFor();
  await nav.getByRole('link', {name: '统计报表'}).waitFor();
  assert.equal(await nav.getByRole('link', {name: '考试管理'}).count(), 0, 'no whole-system administration');
  await page.getByText('管理范围：' + SCOPE).waitFor();
  await env.shot(page, 'desktop-01-home');

  // The exam: per-unit progress over the scope only.
  await page.getByRole('link', {name: EXAM}).click();
  await page.waitForURL(new RegExp(`#/unit/exams/${EXAM}$`));
  await page.locator('#units-box table').waitFor();
  const units = await page.locator('#units-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).slice(0, 5).map((c) => c.textContent.trim())));
  assert.deepEqual(units, [[SCOPE, '1', '0', '1', '0'], [SCOPE + '/普法股', '2', '1', '0', '1']]);
  assert.equal(await page.locator('.stat-value[data-key="assigned"]').textContent(), '3');
  const text = await page.locator('main').textContent();
  for (const [, name, org] of OTHERS) {
    assert.ok(!text.includes(name) && !text.includes(org), `${name} / ${org} shown to a unit administrator`);
  }
  await env.shot(page, 'desktop-02-units');

  // Drill down: the people of the scope's own unit, u001 in progress with time left.
  await page.getByRole('button', {name: `查看人员：${SCOPE}`, exact: true}).click();
  await page.locator('#people-box table').waitFor();
  const people = await page.locator('#people-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).map((c) => c.textContent.trim())));
  assert.deepEqual(people.map((r) => r[0]), ['u001', 'u002', 'u003'], 'the unit and its sub-unit');
  assert.equal(people[0][3], '答题中');
  assert.match(people[0][4], /^(\d\d:)?\d\d:\d\d$/, 'remaining time of the attempt in progress');
  assert.equal(people[1][3], '已交卷');
  await page.getByLabel('状态').selectOption({label: '未开始'});
  await page.waitForFunction(() => document.querySelectorAll('#people-box tbody tr').length === 1);
  assert.equal(await page.locator('#people-box tbody tr td').first().textContent(), 'u003');
  await env.shot(page, 'desktop-03-people');

  // The results file of the scope: only their people.
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#download-results-csv').click()]);
  const csv = readFileSync(await dl.path()).toString('utf8');
  assert.ok(csv.startsWith('\ufeff'), 'CSV with a BOM');
  const logins = csv.replace(/^\ufeff/, '').trim().split(/\r\n/).slice(1).map((l) => l.split(',')[0]);
  assert.deepEqual(logins.sort(), MINE.map((m) => m[0]).sort());

  // The staff page: search by name, reset a password (shown once), then it works.
  await page.locator('.subnav').getByRole('link', {name: '人员管理'}).click();
  await page.waitForURL(/#\/unit\/staff$/);
  await page.locator('#staff-out table').waitFor();
  const listed = await page.locator('#staff-out tbody tr td:first-child').allTextContents();
  assert.deepEqual(listed.sort(), ['u001', 'u002', 'u003', 'ua1'].sort());
  await page.getByLabel('姓名或工号').fill('黄强');
  await page.getByRole('button', {name: '查找'}).click();
  await page.waitForFunction(() => document.querySelectorAll('#staff-out tbody tr').length === 1);
  await page.getByRole('button', {name: '重置密码：黄强（u003）'}).click();
  const pw = (await page.locator('#new-password').textContent()).trim();
  assert.ok(pw.length >= 8, 'a generated password is shown');
  await env.shot(page, 'desktop-04-staff-reset');
  const c = await env.apiAs('u003', pw);
  const me = await c.get('/me');
  assert.equal(me.user.must_change_password, true);
  await c.dispose();
  await assert.rejects(env.apiAs('u003', PASSWORD), /401/, 'the old password no longer works');

  // The reports entry of the navigation: the HR report over the scope only.
  await nav.getByRole('link', {name: '统计报表'}).click();
  await page.waitForURL(/#\/hr$/);
  await page.getByLabel('考试编号').fill(EXAM);
  await page.getByRole('button', {name: '查看报表'}).click();
  await page.waitForURL(new RegExp(`#/hr/${EXAM}$`));
  await page.locator('#results-table tbody tr').first().waitFor();
  await page.waitForFunction(() => document.querySelectorAll('#results-table tbody tr').length >= 3);
  const reported = await page.locator('#results-table tbody tr').evaluateAll((rows) =>
    rows.map((r) => r.cells[0].textContent.trim()));
  assert.deepEqual(reported.sort(), MINE.map((m) => m[0]).sort(), 'the report holds the scope only');
  await env.shot(page, 'desktop-05-report');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

/* A screenshot at 1366×768 and at 390×844 of the same state (the page resized in between):
 * the window with `focus` scrolled into view (the people list is 200 rows long), or the
 * whole page without it. */
async function shots(page, name, focus) {
  for (const [size, viewport] of [['desktop', VIEWPORTS.desktop], ['phone', VIEWPORTS.phone]]) {
    await page.setViewportSize(viewport);
    await page.waitForTimeout(250);
    if (focus) await focus.first().scrollIntoViewIfNeeded();
    await env.shot(page, `day-${size}-${name}`, {fullPage: !focus});
  }
  await page.setViewportSize(VIEWPORTS.desktop);
}

/* The files of a ZIP archive (an XLSX): name → Buffer, stored or deflated entries. */
function unzip(buf) {
  const eocd = buf.lastIndexOf(Buffer.from([0x50, 0x4b, 0x05, 0x06]));
  assert.ok(eocd >= 0, 'a ZIP archive');
  const files = new Map();
  let off = buf.readUInt32LE(eocd + 16);
  for (let i = buf.readUInt16LE(eocd + 10); i > 0; i--) {
    const method = buf.readUInt16LE(off + 10);
    const size = buf.readUInt32LE(off + 20);
    const nlen = buf.readUInt16LE(off + 28);
    const skip = nlen + buf.readUInt16LE(off + 30) + buf.readUInt16LE(off + 32);
    const local = buf.readUInt32LE(off + 42);
    const name = buf.toString('utf8', off + 46, off + 46 + nlen);
    const start = local + 30 + buf.readUInt16LE(local + 26) + buf.readUInt16LE(local + 28);
    const data = buf.subarray(start, start + size);
    files.set(name, method === 0 ? data : inflateRawSync(data));
    off += 46 + skip;
  }
  return files;
}

const unxml = (t) => t.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&apos;/g, "'")
  .replace(/&amp;/g, '&');

/* The first sheet of an XLSX as rows of cell texts (shared, inline and plain values). */
function xlsxRows(buf) {
  const files = unzip(buf);
  const sst = files.has('xl/sharedStrings.xml')
    ? [...files.get('xl/sharedStrings.xml').toString('utf8').matchAll(/<si>(.*?)<\/si>/gs)]
      .map((m) => unxml([...m[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')))
    : [];
  const sheet = files.get('xl/worksheets/sheet1.xml').toString('utf8');
  return [...sheet.matchAll(/<row[^>]*>(.*?)<\/row>/gs)].map((row) => {
    const out = [];
    for (const c of row[1].matchAll(/<c ([^>]*?)(?:\/>|>(.*?)<\/c>)/gs)) {
      const col = /r="([A-Z]+)\d+"/.exec(c[1])[1].split('').reduce((n, ch) => n * 26 + ch.charCodeAt(0) - 64, 0) - 1;
      const type = (/t="(\w+)"/.exec(c[1]) || [])[1];
      const v = /<v>(.*?)<\/v>/s.exec(c[2] || '');
      const is = /<is>(.*?)<\/is>/s.exec(c[2] || '');
      out[col] = type === 's' ? sst[Number(v[1])] : type === 'inlineStr' && is
        ? unxml([...is[1].matchAll(/<t[^>]*>(.*?)<\/t>/gs)].map((t) => t[1]).join('')) : v ? unxml(v[1]) : '';
    }
    return Array.from(out, (x) => x ?? '');
  });
}

/* A per-person action from the people list: its button, the reason dialog, 确定, the toast. */
async function act(page, label, who, {minutes, reason, shot}) {
  await page.getByRole('button', {name: `${label}：${who}`, exact: true}).click();
  const dlg = page.locator('dialog.dialog[open]');
  await dlg.waitFor();
  if (minutes !== undefined) await dlg.getByLabel('延长分钟数（1–600）').fill(String(minutes));
  await dlg.getByRole('textbox', {name: /原因/}).fill(reason);
  if (shot) await shots(page, shot, dlg);
  await dlg.getByRole('button', {name: '确定'}).click();
  await page.getByText(`${label}：已完成`).first().waitFor();
}

async function peopleRows(page) {
  return page.locator('#people-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).map((c) => c.textContent.trim())));
}

async function tile(page, key) {
  return (await page.locator(`.stat-value[data-key="${key}"]`).textContent()).trim();
}

test("a unit administrator's day: extend, force-submit, exempt, the figures, the file, nothing outside", async () => {
  // 200 more examinees arrive in a unit of the scope (the roster, as the administrator imports it).
  const roster = ['工号,姓名,单位,类别,角色,密码']
    .concat(EXTRA.map((l, i) => `${l},档案员${i + 1},${ARCHIVE},general,examinee,${PASSWORD}`)).join('\r\n');
  writeFileSync(join(env.dir, 'archive.csv'), roster + '\r\n');
  env.admin(['staff', 'import', join(env.dir, 'archive.csv')]);

  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop});
  const page = await env.newPage(ctx);
  page.on('dialog', (d) => d.accept());
  const api = await env.apiAs('ua1');
  await env.login(page, 'ua1');
  await page.waitForURL(/#\/unit$/);

  // The exam list holds the exams that concern the scope only.
  await page.getByRole('link', {name: DAY}).waitFor();
  const listed = await page.locator('main table tbody tr td:first-child').allTextContents();
  assert.deepEqual(listed.map((t) => t.trim()).sort(), [DAY, EXAM].sort(), `${ELSEWHERE} is another unit's exam`);
  await shots(page, '01-exams');

  // The exam: two in progress, the rest not started; the people of the scope, 200 a page.
  await page.getByRole('link', {name: DAY}).click();
  await page.waitForURL(new RegExp(`#/unit/exams/${DAY}$`));
  await page.locator('#units-box table').waitFor();
  assert.deepEqual([await tile(page, 'assigned'), await tile(page, 'in_progress'), await tile(page, 'not_started'),
    await tile(page, 'exempt')], ['203', '2', '201', '0']);
  await page.getByRole('button', {name: `查看人员：${SCOPE}`, exact: true}).click();
  await page.locator('#people-box table').waitFor();
  const info = page.locator('#people-page-info');
  const prev = page.getByRole('button', {name: '上一页'});
  const next = page.getByRole('button', {name: '下一页'});
  assert.equal((await info.textContent()).trim(), '第 1–200 人，共 203 人');
  let people = await peopleRows(page);
  assert.equal(people.length, 200);
  assert.deepEqual(people.slice(0, 4).map((r) => [r[0], r[3]]),
    [['u001', '答题中'], ['u002', '答题中'], ['u003', '未开始'], ['d0001', '未开始']], 'unit path, then 工号');
  assert.equal(await prev.isDisabled(), true);
  await shots(page, '02-people', page.locator('#people-title'));
  await next.click();
  await page.waitForFunction(() => document.getElementById('people-page-info').textContent.trim() === '第 201–203 人，共 203 人');
  assert.deepEqual((await peopleRows(page)).map((r) => r[0]), ['d0198', 'd0199', 'd0200']);
  assert.equal(await next.isDisabled(), true);
  await shots(page, '03-people-page-2', page.locator('#people-title'));
  await prev.click();
  await page.waitForFunction(() => document.getElementById('people-page-info').textContent.trim() === '第 1–200 人，共 203 人');

  // 延长时间: u001 gets 15 more minutes, with a reason; the API shows the new deadline.
  const a1 = attemptOf[`u001 ${DAY}`];
  const before = await api.get(`/admin/attempts/${a1}`);
  await act(page, '延长时间', '陈明（u001）', {minutes: 15, reason: '网络故障，补足答题时间', shot: '04-extend-dialog'});
  const extended = await api.get(`/admin/attempts/${a1}`);
  assert.equal(Date.parse(extended.deadline) - Date.parse(before.deadline), 15 * 60 * 1000, 'the deadline moved 15 minutes');
  assert.equal(extended.status, 'in_progress');
  assert.deepEqual(extended.credits.map((c) => [c.seconds, c.reason]), [[900, 'extend']]);
  await shots(page, '05-extended', page.locator('#people-title'));

  // 强制交卷: u002's attempt is handed in with what was saved.
  await act(page, '强制交卷', '林芳（u002）', {reason: '本人身体不适，申请结束考试', shot: '06-force-submit-dialog'});
  await page.waitForFunction(() => [...document.querySelectorAll('#people-box tbody tr')]
    .some((r) => r.cells[0].textContent.trim() === 'u002' && r.cells[3].textContent.trim() === '已交卷'));
  const forced = await api.get(`/admin/attempts/${attemptOf[`u002 ${DAY}`]}`);
  assert.deepEqual([forced.status, forced.submit_reason], ['submitted', 'forced']);
  await shots(page, '07-force-submitted', page.locator('#people-title'));

  // 免考: u003 is exempt; the figures count them out of 应考人数 and in 免考.
  await act(page, '免考', '黄强（u003）', {reason: '长期病假', shot: '08-exempt-dialog'});
  await page.waitForFunction(() => [...document.querySelectorAll('#people-box tbody tr')]
    .some((r) => r.cells[0].textContent.trim() === 'u003' && r.cells[3].textContent.trim() === '免考'));
  await page.waitForFunction(() => document.querySelector('.stat-value[data-key="exempt"]').textContent === '1');
  people = await peopleRows(page);
  assert.deepEqual(people.slice(0, 3).map((r) => [r[0], r[3]]), [['u001', '答题中'], ['u002', '已交卷'], ['u003', '免考']]);
  assert.deepEqual([await tile(page, 'assigned'), await tile(page, 'in_progress'), await tile(page, 'submitted'),
    await tile(page, 'not_started'), await tile(page, 'exempt')], ['202', '1', '1', '200', '1']);
  const units = await page.locator('#units-box tbody tr').evaluateAll((rows) =>
    rows.map((r) => Array.from(r.cells).slice(0, 6).map((c) => c.textContent.trim())));
  assert.deepEqual(units, [[SCOPE, '1', '0', '1', '0', '0'], [SCOPE + '/普法股', '1', '0', '0', '1', '1'],
    [ARCHIVE, '200', '200', '0', '0', '0']], 'unit, 应考, 未开始, 答题中, 已交卷, 免考');
  assert.equal((await info.textContent()).trim(), '第 1–200 人，共 203 人', 'the exempt stay in the list');
  await shots(page, '09-exempt', page.locator('#unit-mon-title'));

  // The pass rates of the scope (统计报表): 应考人数 without the exempt, 免考人数 beside it.
  await page.getByRole('link', {name: '查看统计报表'}).click();
  await page.waitForURL(new RegExp(`#/hr/${DAY}$`));
  await page.locator('#rates-table tfoot tr').waitFor();
  const head = (await page.locator('#rates-table thead th').allTextContents()).map((x) => x.trim());
  const total = await page.locator('#rates-table tfoot tr').first().locator('th, td').allTextContents();
  const col = (name) => total[head.indexOf(name)].trim();
  assert.deepEqual([col('应考人数'), col('实考人数'), col('免考人数')], ['202', '1', '1']);
  await shots(page, '10-pass-rates', page.locator('#rates-table'));

  // The results of the scope as Excel: exactly its people, with the new statuses.
  await page.goto(`/#/unit/exams/${DAY}`);
  await page.locator('#units-box table').waitFor();
  const [dl] = await Promise.all([page.waitForEvent('download'), page.locator('#download-results-xlsx').click()]);
  const rows = xlsxRows(readFileSync(await dl.path()));
  const at = rows.findIndex((r) => r[0] === '工号');
  assert.ok(at > 0, 'a header row under the title rows');
  assert.ok(rows.slice(0, at).some((r) => r.join(' ').includes('管理范围：' + SCOPE)), 'the title names the scope');
  const status = rows[at].indexOf('状态');
  const got = new Map(rows.slice(at + 1).filter((r) => r[0]).map((r) => [r[0], r[status]]));
  const want = new Map([['u001', '进行中'], ['u002', '已交卷'], ['u003', '免考'], ...EXTRA.map((l) => [l, '未参加'])]);
  assert.equal(got.size, want.size, 'one row per person of the scope');
  assert.deepEqual([...got].sort(), [...want].sort(), 'the scope\'s people with their statuses, nobody else');

  // Someone outside the scope, asked for by URL: a Chinese "not found", none of their data.
  page.allowHttp('404 GET /api/v1/admin/attempts/');
  await page.goto(`/#/unit/attempts/${attemptOf[`x001 ${DAY}`]}`);
  await page.locator('main .alert', {hasText: '答卷不存在'}).waitFor();
  const text = await page.locator('main').textContent();
  for (const leak of ['赵外', 'x001', '区财政局']) assert.ok(!text.includes(leak), `${leak} shown outside the scope`);
  await shots(page, '11-outside-scope');

  // The extended attempt's page in the scope says the extension.
  await page.goto(`/#/unit/attempts/${a1}`);
  await page.getByText('补时记录：延长 15 分钟', {exact: false}).waitFor();
  await shots(page, '12-attempt-detail');
  await api.dispose();
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

/* axe-core (WCAG 2.1 A/AA) on every state of the 单位管理 pages, at both sizes; the routes are
 * listed in a11y.test.mjs's CHECKED_ELSEWHERE. The context bypasses the CSP for axe's script,
 * so this walk is separate from the test above, which watches for CSP violations. */
for (const [vpName, viewport] of Object.entries(VIEWPORTS)) {
  test(`unit administrator pages pass axe (${vpName})`, async () => {
    const isPhone = viewport === VIEWPORTS.phone;
    const ctx = await env.browserContext({viewport, bypassCSP: true, ...(isPhone ? {isMobile: true, hasTouch: true} : {})});
    const page = await env.newPage(ctx);
    page.on('dialog', (d) => d.accept());
    await env.login(page, 'ua1');
    await page.waitForURL(/#\/unit$/);
    await page.getByRole('link', {name: EXAM}).waitFor();
    await checkA11y(page, `unit home (${vpName})`);
    await env.shot(page, `${vpName}-a11y-01-home`);
    await page.goto(`/#/unit/exams/${EXAM}`);
    await page.locator('#units-box table').waitFor();
    await checkA11y(page, `unit exam progress (${vpName})`);
    await page.getByRole('button', {name: `查看人员：${SCOPE}/普法股`}).click();
    await page.locator('#people-box table').waitFor();
    await checkA11y(page, `unit exam people (${vpName})`);
    await env.shot(page, `${vpName}-a11y-02-people`);
    await page.goto(`/#/unit/attempts/${attemptOf[`u001 ${EXAM}`]}`);
    await page.getByRole('heading', {name: /答卷详情：陈明（u001）/}).waitFor();
    await checkA11y(page, `unit attempt detail (${vpName})`);
    await page.goto('/#/unit/staff');
    await page.locator('#staff-out table').waitFor();
    await checkA11y(page, `unit staff (${vpName})`);
    await page.getByRole('button', {name: '重置密码：陈明（u001）'}).click();
    await page.locator('#new-password').waitFor();
    await checkA11y(page, `unit staff, new password shown (${vpName})`);
    await page.getByRole('button', {name: '停用：陈明（u001）'}).click();
    await page.getByRole('button', {name: '启用：陈明（u001）'}).waitFor();
    await checkA11y(page, `unit staff, after disabling (${vpName})`);
    await page.getByRole('button', {name: '启用：陈明（u001）'}).click();
    await page.getByRole('button', {name: '停用：陈明（u001）'}).waitFor();
    await env.shot(page, `${vpName}-a11y-03-staff`);
    assert.deepEqual(page.problems, []);
    await ctx.close();
  });
}
