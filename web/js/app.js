/* app.js — start-up: wires the pages into the router (the route table below) and the page
 * shell, installs what a 401 does, loads the signed-in user (retrying while offline), sends
 * answers left unsent in earlier visits, then follows the hash. Navigation itself is router.js.
 * Each page module exports render(main, params, ctx) which builds the page into <main> and
 * may return a cleanup function, called before the next page is rendered. */
import {session, loadMe, setUnauthorizedHandler} from './api.js';
import {h, clear, alertBox, pageTitle} from './dom.js';
import {flushAllFor} from './savequeue.js';
import {addRoutes, setShell, route, toLogin} from './router.js';
import {renderShell} from './shell.js';
import * as loginPage from './pages/login.js';
import * as examsPage from './pages/exams.js';
import * as examPage from './pages/exam.js';
import * as resultPage from './pages/result.js';
import * as adminPage from './pages/admin.js';
import * as hrPage from './pages/hr.js';
import * as studyPage from './pages/study.js';
import * as lawsPage from './pages/laws.js';
import * as actionsPage from './pages/attempt-actions.js';
import * as regradePage from './pages/regrade.js';
import * as unitPage from './pages/unit.js';
import * as noticesPage from './pages/notices.js';

/* [pattern, handler, role needed (null = any signed-in user), nav area] */
addRoutes([
  [/^\/login$/, loginPage.renderLogin, 'public', null],
  [/^\/password$/, loginPage.renderPassword, null, null],
  [/^\/exams$/, examsPage.render, 'examinee', 'exams'],
  [/^\/exam\/([^/]+)$/, examPage.render, 'examinee', 'exams'],
  [/^\/result\/([^/]+)$/, resultPage.renderResult, 'examinee', 'exams'],
  [/^\/review\/([^/]+)$/, resultPage.renderReview, 'examinee', 'exams'],
  [/^\/practice$/, studyPage.renderPractice, 'examinee', 'study'],
  [/^\/practice\/(\d+)$/, studyPage.renderPracticeSet, 'examinee', 'study'],
  [/^\/mistakes$/, studyPage.renderMistakes, 'examinee', 'study'],
  [/^\/study$/, studyPage.renderStudy, 'examinee', 'study'],
  [/^\/admin$/, adminPage.renderHome, 'admin', 'admin'],
  [/^\/admin\/banks$/, adminPage.renderBanks, 'admin', 'admin'],
  [/^\/admin\/staff$/, adminPage.renderStaff, 'admin', 'admin'],
  [/^\/admin\/exams$/, adminPage.renderExams, 'admin', 'admin'],
  [/^\/admin\/exams\/([^/]+)$/, adminPage.renderExamDetail, 'admin', 'admin'],
  [/^\/admin\/exams\/([^/]+)\/items$/, regradePage.renderItems, 'admin', 'admin'],
  [/^\/admin\/exams\/([^/]+)\/regrade$/, regradePage.renderRegrade, 'admin', 'admin'],
  [/^\/admin\/attempts\/([^/]+)$/, actionsPage.renderAttemptDetail, 'admin', 'admin'],
  [/^\/admin\/notices$/, noticesPage.renderAdmin, 'admin', 'admin'],
  [/^\/unit$/, unitPage.renderHome, 'unit', 'unit'],
  [/^\/unit\/staff$/, unitPage.renderStaff, 'unit', 'unit'],
  [/^\/unit\/notices$/, noticesPage.renderUnit, 'unit', 'unit'],
  [/^\/unit\/exams\/([^/]+)$/, unitPage.renderExam, 'unit', 'unit'],
  [/^\/unit\/attempts\/([^/]+)$/, unitPage.renderAttempt, 'unit', 'unit'],
  [/^\/hr$/, hrPage.renderPicker, 'hr', 'hr'],
  [/^\/hr-study$/, hrPage.renderStudyReport, 'hr', 'hr'],
  [/^\/hr\/([^/]+)$/, hrPage.renderReport, 'hr', 'hr'],
  [/^\/laws$/, lawsPage.renderList, null, 'laws'],
  [/^\/laws\/([^/]+)$/, lawsPage.renderLaw, null, 'laws'],
  [/^\/laws\/([^/]+)\/([0-9]+(?:-[0-9]+)?)$/, lawsPage.renderLaw, null, 'laws'],
]);
setShell(renderShell);

/* Offline or the server restarting: keep asking /me, the page shows why. */
async function loadMeRetrying() {
  for (let tries = 1; ; tries++) {
    try {
      await loadMe();
      return;
    } catch (e) {
      const main = document.getElementById('main');
      clear(main);
      main.appendChild(h('section', {class: 'card'}, pageTitle('暂时无法连接服务器'),
        alertBox('warn', e.offline ? '网络连接中断。网络恢复后页面会自动继续，已作答的答案保存在本机，不会丢失。' : e.message),
        h('p', {class: 'muted'}, '正在重试（第 ' + tries + ' 次）……')));
      await new Promise((r) => setTimeout(r, Math.min(10000, 2000 * tries)));
    }
  }
}

async function start() {
  setUnauthorizedHandler(() => {
    session.user = null;
    session.csrf = '';
    toLogin();
  });
  document.getElementById('skip-link').addEventListener('click', () => {
    const main = document.getElementById('main');
    main.focus();
  });
  window.addEventListener('hashchange', route);
  await loadMeRetrying();
  if (session.user) flushAllFor(session.user.login);
  route();
}

start();
