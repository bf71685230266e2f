/* pages/laws.js — the law library (法律法规, SPEC §13): the list of laws, and one law read by
 * chapter with an article navigator and a search (GET /laws/{code}?q=). The deep link
 * #/laws/{code}/{ref} (ref "58", or "133-1" for 第一百三十三条之一, "0" for the 序言) shows the
 * law at that article, highlighted and focused; explanations and reviews link there. */
import {api} from '../api.js';
import {h, clear, alertBox, field, pageTitle} from '../dom.js';
import {LIMITS} from '../limits.js';

/* One law's articles, kept for the session: a review page links many articles of one law. */
const cache = new Map();

async function loadLaw(code) {
  if (!cache.has(code)) cache.set(code, await api('GET', '/laws/' + encodeURIComponent(code)));
  return cache.get(code);
}

/* Reading time (学习记录, SPEC §13): while a law is on screen and the tab is visible, one
 * POST /me/reading every LIMITS.reading_ping_seconds (the server counts at most one per
 * that many seconds and user, for that long). Returns the page's cleanup. */
function readingPings(code) {
  const timer = setInterval(() => {
    if (document.visibilityState !== 'visible') return;
    api('POST', '/me/reading', {body: {law: code}, quiet401: true}).catch(() => {});
  }, LIMITS.reading_ping_seconds * 1000);
  return () => clearInterval(timer);
}

/** #/laws */
export async function renderList(main, params, ctx) {
  const laws = await api('GET', '/laws');
  if (!ctx.isCurrent()) return;
  main.appendChild(pageTitle('法律法规', '学法用法：阅读考试依据的法律原文'));
  if (!laws.length) {
    main.appendChild(alertBox('info', '法律库中还没有法律。管理员可用 lawexam-admin law import 导入。'));
    return;
  }
  const ul = h('ul', {class: 'law-list'});
  for (const l of laws) {
    ul.appendChild(h('li', {class: 'card law-list-item'},
      h('h2', {class: 'law-list-title'}, h('a', {href: '#/laws/' + encodeURIComponent(l.code)}, l.title)),
      h('p', {class: 'muted'}, (l.effective ? '施行日期 ' + l.effective + ' · ' : '') + '共 ' + l.articles + ' 条')));
  }
  main.appendChild(ul);
}

function articleId(ref) {
  return 'art-' + ref;
}

/* A paragraph with every occurrence of word marked. */
function para(text, word) {
  if (!word) return h('p', {class: 'law-para'}, text);
  const parts = text.split(word);
  const out = [];
  parts.forEach((part, i) => {
    if (i) out.push(h('mark', null, word));
    if (part) out.push(part);
  });
  return h('p', {class: 'law-para'}, out);
}

/* Annexes (附件, after the last article) come numbered from LAW_ANNEX_NO + 1 (common/formats/law.h). */
const LAW_ANNEX_NO = 10000;
const articleCount = (articles) => articles.filter((a) => a.no <= LAW_ANNEX_NO).length;

/* The articles grouped under their chapter headings (word, if given, marked). */
function articleList(articles, target, word) {
  const box = h('div', {class: 'law-body'});
  let chapter = null;
  for (const a of articles) {
    if (a.chapter !== chapter) {
      chapter = a.chapter;
      if (chapter) box.appendChild(h('h2', {class: 'law-chapter'}, chapter));
    }
    const isTarget = target !== null && a.ref === target;
    box.appendChild(h('article', {id: articleId(a.ref), class: 'law-article' + (isTarget ? ' is-target' : ''),
      'aria-labelledby': articleId(a.ref) + '-h'},
    h('h3', {class: 'law-article-label', id: articleId(a.ref) + '-h', tabindex: '-1'}, a.label),
    a.text.split('\n').map((p) => para(p, word))));
  }
  return box;
}

/* Highlights and shows one article of the page; false if it is not on it. */
function showArticle(main, ref) {
  const el = main.querySelector('#' + CSS.escape(articleId(ref)));
  if (!el) return false;
  for (const old of main.querySelectorAll('.law-article.is-target')) old.classList.remove('is-target');
  el.classList.add('is-target');
  const head = el.querySelector('h3');
  /* after the router's own focus and scroll to the top */
  requestAnimationFrame(() => {
    el.scrollIntoView({block: 'start'});
    if (head) head.focus({preventScroll: true});
  });
  return true;
}

/** #/laws/{code} and #/laws/{code}/{ref} */
export async function renderLaw(main, params, ctx) {
  const code = params[0];
  const target = params[1] !== undefined ? params[1] : null;
  let law;
  try {
    law = await loadLaw(code);
  } catch (e) {
    if (!ctx.isCurrent()) return;
    if (e.status === 404) {
      main.appendChild(h('section', {class: 'card'}, pageTitle('没有这部法律'),
        alertBox('warn', '法律库中没有代码为“' + code + '”的法律。'),
        h('p', null, h('a', {href: '#/laws', class: 'btn'}, '返回法律法规'))));
      return;
    }
    throw e;
  }
  if (!ctx.isCurrent()) return; /* another page was asked for while this one loaded */
  const base = '#/laws/' + encodeURIComponent(code);
  main.appendChild(pageTitle(law.title,
    (law.effective ? '施行日期 ' + law.effective + ' · ' : '') + '共 ' + articleCount(law.articles) + ' 条（含序言）' +
    (law.articles.length > articleCount(law.articles) ? '，附件 ' + (law.articles.length - articleCount(law.articles)) + ' 件' : '') +
    (law.version > 1 ? ' · 第 ' + law.version + ' 版' : '')));

  /* navigator: chapters, then articles */
  const jump = h('select', {class: 'law-jump'});
  jump.appendChild(h('option', {value: ''}, '选择条文…'));
  let group = null, groupName = null;
  for (const a of law.articles) {
    if (!group || a.chapter !== groupName) {
      groupName = a.chapter;
      group = h('optgroup', {label: a.chapter || law.title});
      jump.appendChild(group);
    }
    group.appendChild(h('option', {value: a.ref}, a.label));
  }
  const jumpField = field('跳转到条文', jump);
  jump.addEventListener('change', () => {
    if (!jump.value) return;
    history.replaceState(null, '', base + '/' + encodeURIComponent(jump.value));
    if (!showArticle(main, jump.value)) {
      runSearch('');
      showArticle(main, jump.value);
    }
  });

  /* search in this law */
  const q = h('input', {type: 'search', class: 'law-q', maxlength: '64', autocomplete: 'off', enterkeyhint: 'search'});
  const qField = field('在本法中搜索', q, '输入词语，列出含有它的条文');
  const status = h('p', {class: 'muted law-status', role: 'status', 'aria-live': 'polite'});
  const bodyBox = h('div');
  async function runSearch(word) {
    let arts = law.articles;
    if (word) {
      try {
        arts = (await api('GET', '/laws/' + encodeURIComponent(code) + '?q=' + encodeURIComponent(word))).articles;
      } catch (e) {
        status.textContent = e.message;
        return;
      }
      status.textContent = '“' + word + '”：共 ' + arts.length + ' 条';
    } else {
      status.textContent = '';
    }
    clear(bodyBox);
    bodyBox.appendChild(arts.length ? articleList(arts, null, word) : alertBox('info', '没有找到含有“' + word + '”的条文。'));
  }
  const form = h('form', {class: 'law-search', role: 'search', onsubmit: (ev) => {
    ev.preventDefault();
    runSearch(q.value.trim());
  }}, qField.wrap, h('div', {class: 'law-search-actions'},
    h('button', {type: 'submit', class: 'btn btn-primary'}, '搜索'),
    h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => {
      q.value = '';
      runSearch('');
    }}, '显示全文')));

  main.appendChild(h('section', {class: 'card law-tools', 'aria-label': '条文导航与搜索'},
    jumpField.wrap, form, status));
  bodyBox.appendChild(articleList(law.articles, target));
  main.appendChild(h('section', {class: 'card', 'aria-label': law.title + '全文'}, bodyBox));
  main.appendChild(h('p', null, h('a', {href: '#/laws', class: 'btn btn-secondary'}, '返回法律法规')));
  if (target !== null) {
    if (showArticle(main, target)) jump.value = target;
    else main.insertBefore(alertBox('warn', '本法没有这一条（' + target + '），下面是全文。'), main.children[1]);
  }
  return readingPings(code);
}
