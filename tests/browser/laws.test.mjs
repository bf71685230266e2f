// laws.test.mjs — the law library in the browser (SPEC §13): from a review page the basis
// (依据) links to its article, which the law page shows highlighted and focused; the list of
// laws, the article navigator and the search in a law; then the same on a phone.
import {test, before, after} from 'node:test';
import assert from 'node:assert/strict';
import {join} from 'node:path';
import {Env, VIEWPORTS, SOURCE_DIR} from './harness.mjs';
import {checkA11y} from './a11y.mjs';

const env = new Env('laws');
const LAWS = join(SOURCE_DIR, 'question-bank', 'laws');

before(async () => {
  env.init();
  env.addUser('l3001', {name: '王学法'});
  env.importBank('constitution.json');
  env.admin(['law', 'import', join(LAWS, 'constitution.md'), '--code', 'constitution', '--effective', '2018-03-11']);
  env.admin(['law', 'import', join(LAWS, 'criminal-law.md'), '--code', 'criminal-law', '--effective', '2024-03-01']);
  env.createExam({code: 'law-read', title: '宪法学习测验', papers: [{
    categories: ['leader', 'enforcement', 'general'],
    sections: [{title: '宪法', bank: 'constitution', type: 'judge', count: 3, points: 1}],
  }]});
  await env.start();
});

after(async () => {
  await env.stop();
});

/* Takes the exam without answering and opens its review. */
async function openReview(page) {
  const api = await env.apiAs('l3001');
  const start = await api.raw('POST', '/exams/law-read/attempts');
  assert.ok(start.ok(), await start.text());
  const id = (await start.json()).id;
  const sub = await api.raw('POST', `/attempts/${id}/submit`);
  assert.ok(sub.ok(), await sub.text());
  await api.dispose();
  await env.login(page, 'l3001');
  await page.waitForURL(/#\/exams$/);
  await page.goto(`/#/review/${id}`);
  await page.getByRole('heading', {name: '答题解析'}).waitFor();
}

test('a review links each basis to its article; the law page shows it (desktop)', async () => {
  /* bypassCSP: axe-core is injected with an inline script for the accessibility checks */
  const ctx = await env.browserContext({viewport: VIEWPORTS.desktop, bypassCSP: true});
  const page = await env.newPage(ctx, {allowHttp: ['404 GET /api/v1/laws/no-such-law']});
  await openReview(page);
  const link = page.locator('a.basis-link').first();
  await link.waitFor();
  const basis = (await link.textContent()).trim();
  const href = await link.getAttribute('href');
  assert.match(href, /^#\/laws\/constitution\/\d+$/);
  await env.shot(page, 'desktop-01-review-with-basis-links');
  await link.click();
  await page.waitForURL(/#\/laws\/constitution\/\d+$/);
  await page.getByRole('heading', {level: 1, name: '中华人民共和国宪法'}).waitFor();
  const target = page.locator('.law-article.is-target');
  await target.waitFor();
  assert.equal(await target.count(), 1);
  const label = (await target.locator('h3').textContent()).trim();
  // the basis names the article the page shows (序言 for the preamble)
  assert.ok(basis.includes(label), `basis ${basis} vs article ${label}`);
  // focused and in view
  await page.waitForFunction(() => document.activeElement && document.activeElement.closest('.law-article.is-target'));
  const inView = await target.evaluate((el) => {
    const r = el.getBoundingClientRect();
    return r.top < window.innerHeight && r.bottom > 0;
  });
  assert.ok(inView, 'the linked article is scrolled into view');
  await checkA11y(page, 'law article deep link (#/laws/constitution/N)');
  await env.shot(page, 'desktop-02-article-from-review', {fullPage: false});

  // the navigator moves to another article (the address follows)
  await page.getByLabel('跳转到条文').selectOption({label: '第五十八条'});
  await page.waitForURL(/#\/laws\/constitution\/58$/);
  await page.locator('#art-58.is-target').waitFor();
  // search in the law
  await page.getByLabel('在本法中搜索').fill('监察委员会');
  await page.getByRole('button', {name: '搜索'}).click();
  await page.getByRole('status').filter({hasText: '“监察委员会”：共'}).waitFor();
  const n = await page.locator('.law-article').count();
  assert.ok(n > 0 && n < 40, `search found ${n}`);
  for (const t of await page.locator('.law-article').allTextContents()) assert.ok(t.includes('监察委员会'));
  assert.ok(await page.locator('.law-article mark', {hasText: '监察委员会'}).count() >= n, 'the word is marked');
  await env.shot(page, 'desktop-03-search');
  await page.getByRole('button', {name: '显示全文'}).click();
  await page.waitForFunction(() => document.querySelectorAll('.law-article').length === 144);

  // the list of laws, from the navigation
  await page.getByRole('link', {name: '法律法规'}).first().click();
  await page.waitForURL(/#\/laws$/);
  await page.getByRole('link', {name: '中华人民共和国刑法'}).waitFor();
  await env.shot(page, 'desktop-04-law-list');
  // a 之一 article by deep link, and an unknown law
  await page.goto('/#/laws/criminal-law/133-1');
  await page.locator('#art-133-1.is-target h3', {hasText: '第一百三十三条之一'}).waitFor();
  await page.goto('/#/laws/no-such-law');
  await page.getByRole('heading', {name: '没有这部法律'}).waitFor();
  await page.goto('/#/laws/constitution');
  await page.getByRole('heading', {level: 1, name: '中华人民共和国宪法'}).waitFor();
  await page.locator('.law-article').first().waitFor();
  await checkA11y(page, 'a law by chapter (#/laws/constitution)');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});

test('the article of a review link on a phone', async () => {
  const ctx = await env.browserContext({viewport: VIEWPORTS.phone, isMobile: true, hasTouch: true});
  const page = await env.newPage(ctx);
  await env.login(page, 'l3001');
  await page.waitForURL(/#\/exams$/);
  await page.goto('/#/laws/constitution/58');
  const target = page.locator('#art-58.is-target');
  await target.waitFor();
  await page.waitForFunction(() => {
    const el = document.querySelector('#art-58');
    const r = el.getBoundingClientRect();
    return r.top >= 0 && r.top < window.innerHeight;
  });
  await env.shot(page, 'phone-01-article', {fullPage: false});
  await env.check(page, 'phone law page');
  assert.deepEqual(page.problems, []);
  await ctx.close();
});
