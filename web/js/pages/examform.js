/* examform.js — the exam-creation form of the admin pages (SPEC §12): the fields of a
 * lawexam-exam/1 definition (SPEC §4.4) and its papers per staff category, each section drawn
 * from a bank with a live count of the questions its filter matches (GET
 * /admin/banks/{code}/count: active, not in review), then a dry run showing every section's
 * count and who is assigned per unit and category before anything is created. The form builds
 * the same definition a file upload sends (POST /admin/exams). */
import {api, serverNow, session} from '../api.js';
import {LIMITS} from '../limits.js';
import {h, clear, alertBox, tableWrap, dataTable} from '../dom.js';

const TYPES = [['single', '单选题'], ['multiple', '多选题'], ['judge', '判断题']];
const TYPE_NAME = {single: '单选题', multiple: '多选题', judge: '判断题'};
const RESULTS = [['immediate', '交卷后立即公布'], ['after_close', '考试结束后公布'], ['hidden', '不公布']];
const REVIEW = [['after_close', '考试结束后开放'], ['immediate', '交卷后立即开放'], ['never', '不开放']];
const SCORING = [['all_or_nothing', '全对才得分'], ['partial', '少选得一半分']];
const CODE_RE = /^[a-z0-9][a-z0-9_.-]*$/;
const COUNT_DELAY_MS = 250; // typing in the tag box asks the server once it pauses

let seq = 0;
function uid(p) {
  seq += 1;
  return 'ef-' + p + '-' + seq;
}

/** Splits a list typed by a person on , ， ; ； (as the bank importers split tags). */
export function splitList(s) {
  return String(s || '').split(/[,，;；\n]/).map((x) => x.trim()).filter(Boolean);
}

/** "2026-12-01T08:00" (a datetime-local value, read as Beijing time) → RFC 3339 with +08:00. */
export function beijingRfc3339(v) {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(String(v || ''));
  if (!m) return null;
  return m[1] + '-' + m[2] + '-' + m[3] + 'T' + m[4] + ':' + m[5] + ':' + (m[6] || '00') + '+08:00';
}

/** ms since the epoch → a datetime-local value in Beijing time. */
function beijingLocal(ms) {
  const d = new Date(ms + 8 * 3600 * 1000);
  const p = (n) => String(n).padStart(2, '0');
  return d.getUTCFullYear() + '-' + p(d.getUTCMonth() + 1) + '-' + p(d.getUTCDate()) + 'T' + p(d.getUTCHours()) + ':' + p(d.getUTCMinutes());
}

function options(list, selected) {
  return list.map((o) => h('option', {value: o[0], selected: o[0] === selected}, o[1]));
}

/* A labelled control with a hint and a place for its error: {wrap, input, error}. */
function control(label, input, hint, opts) {
  const o = opts || {};
  if (!input.id) input.id = uid('in');
  const hintEl = hint ? h('p', {class: 'field-hint', id: input.id + '-hint'}, hint) : null;
  const error = h('p', {class: 'field-error', id: input.id + '-err', hidden: true});
  input.dataset.describedby = [hintEl ? hintEl.id : null, o.describedby || null].filter(Boolean).join(' ');
  if (input.dataset.describedby) input.setAttribute('aria-describedby', input.dataset.describedby);
  const wrap = h('div', {class: ['field', o.optional ? 'optional' : null, o.cls || null]},
    h('label', {for: input.id}, label), input, hintEl, error);
  return {wrap, input, error, label};
}

function numberInput(min, max, value, extra) {
  return h('input', Object.assign({type: 'number', inputmode: 'numeric', min: String(min), max: String(max), step: '1',
    value: value === undefined || value === null ? '' : String(value), autocomplete: 'off'}, extra || {}));
}

function intOf(input) {
  const v = String(input.value).trim();
  return /^-?\d+$/.test(v) ? Number(v) : NaN;
}

/**
 * The form as a card. opts: {errorTable(details) → Node (the admin pages' 422 table),
 * onCreated(code) after an exam is created}. Loads the banks and categories itself.
 */
export function examForm(opts) {
  const o = opts || {};
  const state = {banks: [], categories: [], papers: [], checked: null};
  const card = h('section', {class: 'card exam-form-card', 'aria-labelledby': 'ef-card-title'},
    h('h2', {class: 'card-title', id: 'ef-card-title'}, '填写表单创建考试'),
    h('p', {class: 'muted'}, '按人员类别组卷：每套试卷对应一个或几个人员类别，由若干部分组成，每部分从一个题库按题型（可加标签、难度）随机抽题。' +
      '每部分旁实时显示题库中符合条件的有效题目数（待复核的题目不参与抽题）。先预览：核对各部分题量和各单位、各类别的参考人数，确认后才创建。'));
  const body = h('div', null, h('p', {class: 'muted'}, '正在读取题库和人员类别……'));
  card.appendChild(body);

  const scope = session.user && session.user.scope;
  if (scope) { /* creating exams acts on everyone (R_UNSCOPED): not for a scoped administrator */
    clear(body);
    body.appendChild(alertBox('info', '您的管理范围为“' + scope + '”：创建考试涉及全部单位，须由不限管理范围的考试管理员进行。'));
    return card;
  }
  (async () => {
    try {
      const [b, c] = await Promise.all([api('GET', '/admin/banks'), api('GET', '/admin/categories')]);
      state.banks = (b && b.banks) || [];
      state.categories = (c && c.categories) || [];
      clear(body);
      body.appendChild(build());
    } catch (e) {
      clear(body);
      if (e.status !== 401) body.appendChild(alertBox('error', '无法读取题库或人员类别：' + e.message));
    }
  })();

  /* ------------------------------------------------------------------ the form */
  function build() {
    const f = {};
    f.code = control('考试编号', h('input', {type: 'text', id: 'ef-code', maxlength: String(LIMITS.exam_code_max), autocomplete: 'off',
      spellcheck: 'false', required: true}), '小写字母、数字和 - _ .，以字母或数字开头，如 2026-annual；创建后不能修改');
    f.title = control('考试名称', h('input', {type: 'text', id: 'ef-title', maxlength: '200', autocomplete: 'off', required: true}),
      '考生看到的名称，如：2026年度国家工作人员学法考法');
    const start = Math.ceil(serverNow() / 3600000) * 3600000;
    f.opens = control('开放时间', h('input', {type: 'datetime-local', id: 'ef-opens', required: true, value: beijingLocal(start)}), '北京时间');
    f.closes = control('截止时间', h('input', {type: 'datetime-local', id: 'ef-closes', required: true,
      value: beijingLocal(start + 7 * 86400000)}), '北京时间；须晚于开放时间');
    f.duration = control('答题时长（分钟）', numberInput(1, LIMITS.exam_duration_max, 60, {id: 'ef-duration', required: true}),
      '1 至 ' + LIMITS.exam_duration_max + ' 分钟');
    f.attempts = control('可考次数', numberInput(1, LIMITS.exam_attempts_max, 1, {id: 'ef-attempts', required: true}),
      '每人可作答的次数（补考另行授予）');
    f.pass = control('合格线（%）', numberInput(0, 100, 60, {id: 'ef-pass', required: true}), '得分达到满分的这一百分比即为合格');
    f.kindExam = h('input', {type: 'radio', name: 'ef-kind', id: 'ef-kind-exam', value: 'exam', checked: true});
    f.kindMock = h('input', {type: 'radio', name: 'ef-kind', id: 'ef-kind-mock', value: 'mock'});
    const kindSet = h('fieldset', {class: 'field source-choice'}, h('legend', {class: 'field-label'}, '考试类型'),
      h('div', {class: 'radio-row'},
        h('label', {class: 'radio', for: f.kindExam.id}, f.kindExam, '正式考试'),
        h('label', {class: 'radio', for: f.kindMock.id}, f.kindMock, '模拟考试')),
      h('p', {class: 'field-hint', id: 'ef-kind-hint'}, '模拟考试不限次数，交卷后立即显示成绩和解析，不计入统计报表。'));
    f.results = control('成绩公布', h('select', {id: 'ef-results'}, options(RESULTS, 'immediate')));
    f.review = control('解析开放', h('select', {id: 'ef-review'}, options(REVIEW, 'after_close')), '考生何时可以看到答案、解析和依据');
    f.scoring = control('多选题计分', h('select', {id: 'ef-scoring'}, options(SCORING, 'all_or_nothing')));
    f.practice = control('参考前须完成的练习题数', numberInput(0, LIMITS.practice_required_max, 0, {id: 'ef-practice'}),
      '0 表示不要求；大于 0 时，考生练习答题数达到此数才能开始考试', {optional: true});
    f.scope = control('参考单位', h('input', {type: 'text', id: 'ef-scope', autocomplete: 'off', spellcheck: 'false'}),
      '留空为全部单位；填写单位路径（如 珠晖区 或 珠晖区/区司法局），多个用分号分隔，含其下属单位', {optional: true});

    const syncKind = () => {
      const mock = f.kindMock.checked;
      for (const c of [f.results, f.review]) {
        if (mock) c.input.value = 'immediate';
        c.input.disabled = mock;
      }
      f.attempts.input.disabled = mock;
    };
    f.kindExam.addEventListener('change', syncKind);
    f.kindMock.addEventListener('change', syncKind);

    const papersBox = h('div', {class: 'ef-papers'});
    const addPaperBtn = h('button', {type: 'button', class: 'btn btn-secondary', id: 'ef-add-paper'}, '添加一套试卷');
    addPaperBtn.addEventListener('click', () => {
      const p = addPaper();
      p.cats[0] ? focusFirstFree(p) : p.legend.focus();
    });
    const summary = h('div', {class: 'ef-summary', id: 'ef-summary', tabindex: '-1', hidden: true});
    const previewBtn = h('button', {type: 'submit', class: 'btn btn-primary', id: 'ef-preview'}, '预览（不创建）');
    const createBtn = h('button', {type: 'button', class: 'btn btn-success', id: 'ef-create', hidden: true}, '确认创建');
    const out = h('div', {class: 'ef-out', 'aria-live': 'polite'});

    const form = h('form', {class: 'form exam-form', id: 'exam-form', novalidate: true},
      summary,
      h('fieldset', {class: 'ef-group'}, h('legend', null, '基本信息'),
        h('div', {class: 'field-row'}, f.code.wrap, f.title.wrap),
        h('div', {class: 'field-row'}, f.opens.wrap, f.closes.wrap),
        h('div', {class: 'field-row'}, f.duration.wrap, f.attempts.wrap, f.pass.wrap)),
      h('fieldset', {class: 'ef-group'}, h('legend', null, '规则'),
        kindSet,
        h('div', {class: 'field-row'}, f.results.wrap, f.review.wrap, f.scoring.wrap),
        h('div', {class: 'field-row'}, f.practice.wrap, f.scope.wrap)),
      h('fieldset', {class: 'ef-group'}, h('legend', null, '试卷（按人员类别）'),
        h('p', {class: 'muted'}, '每个人员类别只能对应一套试卷；没有试卷的类别不参加本次考试。'),
        papersBox, h('div', {class: 'form-actions'}, addPaperBtn)),
      h('div', {class: 'form-actions'}, previewBtn, createBtn),
      out);
    f.kindMock.setAttribute('aria-describedby', 'ef-kind-hint');
    f.kindExam.setAttribute('aria-describedby', 'ef-kind-hint');

    /* ---------------------------------------------------------------- papers */
    function addPaper() {
      const p = {id: uid('paper'), sections: [], cats: []};
      p.legend = h('legend', {tabindex: '-1'}, '');
      p.catBox = h('div', {class: 'ef-cats'});
      p.catErr = h('p', {class: 'field-error', id: p.id + '-cats-err', hidden: true});
      const catSet = h('fieldset', {class: 'ef-catset', 'aria-describedby': p.catErr.id},
        h('legend', {class: 'field-label', id: p.id + '-cats-legend'}, '参考人员类别'), p.catBox, p.catErr);
      p.cats = state.categories.map((c) => {
        const box = h('input', {type: 'checkbox', id: p.id + '-cat-' + c.code, value: c.code});
        const note = h('span', {class: 'muted ef-cat-note'}, '');
        box.addEventListener('change', () => syncCategories());
        const lab = h('label', {class: 'checkbox', for: box.id}, box,
          h('span', null, c.name + '（' + (c.examinees || 0) + ' 人）'), note);
        p.catBox.appendChild(lab);
        return {code: c.code, box, note};
      });
      if (!p.cats.length) p.catBox.appendChild(h('p', {class: 'muted'}, '还没有人员类别。'));
      p.secBox = h('div', {class: 'ef-sections'});
      p.total = h('p', {class: 'ef-paper-total', 'aria-live': 'off'}, '');
      p.addSecBtn = h('button', {type: 'button', class: 'btn btn-secondary btn-small'}, '添加一部分');
      p.addSecBtn.addEventListener('click', () => addSection(p).title.input.focus());
      p.removeBtn = h('button', {type: 'button', class: 'btn btn-link ef-remove'}, '删除此试卷');
      p.removeBtn.addEventListener('click', () => {
        const i = state.papers.indexOf(p);
        state.papers.splice(i, 1);
        p.el.remove();
        renumber();
        syncCategories();
        invalidate();
        const next = state.papers[Math.min(i, state.papers.length - 1)];
        (next ? next.legend : addPaperBtn).focus();
      });
      p.el = h('fieldset', {class: 'ef-paper', id: p.id}, p.legend,
        h('div', {class: 'ef-paper-head'}, p.removeBtn), catSet, p.secBox, p.total,
        h('div', {class: 'form-actions'}, p.addSecBtn));
      state.papers.push(p);
      papersBox.appendChild(p.el);
      addSection(p);
      renumber();
      syncCategories();
      invalidate();
      return p;
    }

    function focusFirstFree(p) {
      const c = p.cats.find((x) => !x.box.disabled);
      (c ? c.box : p.legend).focus();
    }

    /* A category checked in one paper cannot be checked in another (SPEC §4.4). */
    function syncCategories() {
      const owner = {};
      state.papers.forEach((p, i) => p.cats.forEach((c) => {
        if (c.box.checked) owner[c.code] = i;
      }));
      state.papers.forEach((p, i) => p.cats.forEach((c) => {
        const other = owner[c.code] !== undefined && owner[c.code] !== i;
        c.box.disabled = other;
        c.note.textContent = other ? '（已在试卷 ' + (owner[c.code] + 1) + '）' : '';
      }));
    }

    function renumber() {
      state.papers.forEach((p, i) => {
        p.legend.textContent = '试卷 ' + (i + 1);
        p.removeBtn.hidden = state.papers.length < 2;
        p.removeBtn.setAttribute('aria-label', '删除此试卷（试卷 ' + (i + 1) + '）');
        p.sections.forEach((s, k) => {
          s.legend.textContent = '试卷 ' + (i + 1) + ' · 第 ' + (k + 1) + ' 部分';
          s.removeBtn.hidden = p.sections.length < 2;
          s.removeBtn.setAttribute('aria-label', '删除此部分（试卷 ' + (i + 1) + ' 第 ' + (k + 1) + ' 部分）');
        });
      });
    }

    /* ---------------------------------------------------------------- sections */
    function addSection(p) {
      const s = {id: uid('sec'), avail: null, held: 0, pending: 0, timer: null, titleAuto: true};
      s.legend = h('legend', {class: 'ef-sec-legend'}, '');
      s.title = control('部分标题', h('input', {type: 'text', id: s.id + '-title', maxlength: '100', autocomplete: 'off'}),
        '如：宪法；考生在试卷上看到');
      s.bank = control('题库', h('select', {id: s.id + '-bank'},
        h('option', {value: ''}, '请选择题库'),
        state.banks.map((b) => h('option', {value: b.code}, b.code + '（' + b.title + '）'))));
      s.type = control('题型', h('select', {id: s.id + '-type'}, options(TYPES, 'single')));
      s.list = h('datalist', {id: s.id + '-tags-list'});
      s.tags = control('标签', h('input', {type: 'text', id: s.id + '-tags', list: s.list.id, autocomplete: 'off', spellcheck: 'false'}),
        '只抽同时带有这些标签的题目；多个用逗号分隔；留空不限', {optional: true});
      s.dmin = control('最低难度', h('select', {id: s.id + '-dmin'}, [1, 2, 3, 4, 5].map((n) => h('option', {value: String(n)}, String(n)))), null,
        {cls: 'ef-narrow'});
      s.dmax = control('最高难度', h('select', {id: s.id + '-dmax'}, [1, 2, 3, 4, 5].map((n) => h('option', {value: String(n), selected: n === 5}, String(n)))),
        null, {cls: 'ef-narrow'});
      s.availEl = h('p', {class: 'ef-avail', id: s.id + '-avail', 'aria-live': 'polite', 'aria-atomic': 'true'}, '请选择题库');
      s.count = control('抽题数', numberInput(1, LIMITS.section_count_max, 5, {id: s.id + '-count'}), null,
        {describedby: s.availEl.id, cls: 'ef-narrow'});
      s.points = control('每题分值', numberInput(1, LIMITS.section_points_max, 2, {id: s.id + '-points'}), null, {cls: 'ef-narrow'});
      s.removeBtn = h('button', {type: 'button', class: 'btn btn-link ef-remove'}, '删除此部分');
      s.removeBtn.addEventListener('click', () => {
        const i = p.sections.indexOf(s);
        p.sections.splice(i, 1);
        s.el.remove();
        if (s.timer) clearTimeout(s.timer);
        renumber();
        paperTotal(p);
        invalidate();
        const next = p.sections[Math.min(i, p.sections.length - 1)];
        (next ? next.title.input : p.addSecBtn).focus();
      });
      s.el = h('fieldset', {class: 'ef-section', id: s.id}, s.legend,
        h('div', {class: 'ef-sec-grid'}, s.title.wrap, s.bank.wrap, s.type.wrap, s.tags.wrap),
        h('div', {class: 'ef-sec-grid ef-sec-numbers'}, s.dmin.wrap, s.dmax.wrap, s.count.wrap, s.points.wrap),
        s.availEl, s.list, h('div', {class: 'ef-sec-foot'}, s.removeBtn));
      s.title.input.addEventListener('input', () => {
        s.titleAuto = !s.title.input.value;
      });
      s.bank.input.addEventListener('change', () => {
        const b = state.banks.find((x) => x.code === s.bank.input.value);
        if (b && s.titleAuto) s.title.input.value = b.title;
        askCount(s, 0);
      });
      for (const c of [s.type, s.dmin, s.dmax]) c.input.addEventListener('change', () => askCount(s, 0));
      s.tags.input.addEventListener('input', () => askCount(s, COUNT_DELAY_MS));
      s.count.input.addEventListener('input', () => {
        showAvail(s);
        paperTotal(p);
      });
      s.points.input.addEventListener('input', () => paperTotal(p));
      p.sections.push(s);
      p.secBox.appendChild(s.el);
      renumber();
      showAvail(s);
      paperTotal(p);
      invalidate();
      return s;
    }

    /* Asks the server how many questions the section's filter matches (after `delay` ms; a
     * newer question supersedes an answer still on its way). */
    function askCount(s, delay) {
      if (s.timer) clearTimeout(s.timer);
      s.timer = setTimeout(async () => {
        s.timer = null;
        const bank = s.bank.input.value;
        const mine = ++s.pending;
        if (!bank || Number(s.dmin.input.value) > Number(s.dmax.input.value)) {
          s.avail = null;
          showAvail(s);
          if (bank) s.availEl.textContent = '最高难度不能低于最低难度';
          return;
        }
        const q = new URLSearchParams({type: s.type.input.value});
        const tags = splitList(s.tags.input.value);
        if (tags.length) q.set('tags', tags.join(','));
        if (s.dmin.input.value !== '1' || s.dmax.input.value !== '5') q.set('difficulty', s.dmin.input.value + '-' + s.dmax.input.value);
        s.availEl.textContent = '正在统计……';
        try {
          const r = await api('GET', '/admin/banks/' + encodeURIComponent(bank) + '/count?' + q.toString());
          if (mine !== s.pending) return;
          s.avail = r.available;
          s.held = r.held || 0;
          clear(s.list);
          for (const t of r.tags || []) s.list.appendChild(h('option', {value: t.tag}, t.tag + '（' + t.count + ' 题）'));
        } catch (e) {
          if (mine !== s.pending) return;
          s.avail = null;
          s.availEl.textContent = e.status === 400 ? e.message : '无法统计题量：' + e.message;
          return;
        }
        showAvail(s);
      }, delay);
    }

    /* The section's live count, red when more is asked than exists. */
    function showAvail(s) {
      const n = intOf(s.count.input);
      const el = s.availEl;
      el.classList.remove('ef-short', 'ef-enough');
      s.el.dataset.available = s.avail === null ? '' : String(s.avail);
      if (s.avail === null) {
        if (!s.bank.input.value) el.textContent = '请选择题库';
        s.el.classList.remove('is-short');
        return;
      }
      const held = s.held ? '（另有 ' + s.held + ' 道因所引法条修改待复核，不参与抽题）' : '';
      const short = Number.isInteger(n) && n > s.avail;
      el.classList.add(short ? 'ef-short' : 'ef-enough');
      s.el.classList.toggle('is-short', short);
      el.textContent = (short ? '题量不足：需要 ' + n + ' 道，' : '') + '符合条件的有效题目 ' + s.avail + ' 道' + held;
      if (short) s.count.input.setAttribute('aria-invalid', 'true');
      else if (s.count.error.hidden) s.count.input.removeAttribute('aria-invalid');
    }

    function paperTotal(p) {
      let n = 0;
      let pts = 0;
      for (const s of p.sections) {
        const c = intOf(s.count.input);
        const v = intOf(s.points.input);
        if (Number.isInteger(c) && c > 0) {
          n += c;
          if (Number.isInteger(v) && v > 0) pts += c * v;
        }
      }
      p.total.textContent = '本卷共 ' + n + ' 题，满分 ' + pts + ' 分';
    }

    /* ---------------------------------------------------------------- checking */
    const fieldErrors = [];

    function clearErrors() {
      for (const c of fieldErrors) {
        c.error.hidden = true;
        c.error.textContent = '';
        if (c.input) {
          c.input.removeAttribute('aria-invalid');
          if (c.input.dataset.describedby) c.input.setAttribute('aria-describedby', c.input.dataset.describedby);
          else c.input.removeAttribute('aria-describedby');
        }
      }
      fieldErrors.length = 0;
      summary.hidden = true;
      clear(summary);
    }

    function fail(list, c, msg, where) {
      c.error.textContent = msg;
      c.error.hidden = false;
      if (c.input) {
        c.input.setAttribute('aria-invalid', 'true');
        c.input.setAttribute('aria-describedby', [c.error.id, c.input.dataset.describedby].filter(Boolean).join(' '));
      }
      fieldErrors.push(c);
      list.push({msg: (where ? where + '：' : '') + msg, focus: c.input || c.focus});
    }

    /* The definition the form describes, or null after marking every problem. */
    function collect() {
      clearErrors();
      const errs = [];
      const def = {format: 'lawexam-exam/1'};
      const code = f.code.input.value.trim();
      if (!code) fail(errs, f.code, '请填写考试编号');
      else if (!CODE_RE.test(code) || code.length > LIMITS.exam_code_max) {
        fail(errs, f.code, '考试编号只能用小写字母、数字和 - _ .，以字母或数字开头，最多 ' + LIMITS.exam_code_max + ' 位');
      }
      def.code = code;
      const title = f.title.input.value.trim();
      if (!title) fail(errs, f.title, '请填写考试名称');
      def.title = title;
      const opens = beijingRfc3339(f.opens.input.value);
      const closes = beijingRfc3339(f.closes.input.value);
      if (!opens) fail(errs, f.opens, '请填写开放时间');
      if (!closes) fail(errs, f.closes, '请填写截止时间');
      else if (opens && Date.parse(closes) <= Date.parse(opens)) fail(errs, f.closes, '截止时间必须晚于开放时间');
      def.opens_at = opens;
      def.closes_at = closes;
      const num = (c, min, max, what) => {
        const v = intOf(c.input);
        if (!Number.isInteger(v) || v < min || v > max) {
          fail(errs, c, what + '应为 ' + min + ' 至 ' + max + ' 之间的整数');
          return null;
        }
        return v;
      };
      def.duration_minutes = num(f.duration, 1, LIMITS.exam_duration_max, '答题时长');
      def.pass_percent = num(f.pass, 0, 100, '合格线');
      const mock = f.kindMock.checked;
      if (!mock) def.max_attempts = num(f.attempts, 1, LIMITS.exam_attempts_max, '可考次数');
      def.multiple_scoring = f.scoring.input.value;
      def.results = mock ? 'immediate' : f.results.input.value;
      def.review = mock ? 'immediate' : f.review.input.value;
      if (mock) def.kind = 'mock';
      const practice = String(f.practice.input.value).trim() === '' ? 0 : num(f.practice, 0, LIMITS.practice_required_max, '练习题数');
      if (practice) def.requires = {practice_answered: practice};
      const scope = splitList(f.scope.input.value).map((x) => x.replace(/\s*\/\s*/g, '/'));
      if (scope.length) def.org_scope = scope;
      def.papers = [];
      if (!state.papers.length) errs.push({msg: '至少需要一套试卷', focus: addPaperBtn});
      state.papers.forEach((p, i) => {
        const cats = p.cats.filter((c) => c.box.checked).map((c) => c.code);
        if (!cats.length) {
          fail(errs, {error: p.catErr, focus: p.cats[0] ? p.cats[0].box : p.legend}, '请至少选择一个人员类别', '试卷 ' + (i + 1));
        }
        const sections = p.sections.map((s, k) => {
          const where = '试卷 ' + (i + 1) + ' 第 ' + (k + 1) + ' 部分';
          const sec = {title: s.title.input.value.trim(), bank: s.bank.input.value, type: s.type.input.value};
          if (!sec.title) fail(errs, s.title, '请填写部分标题', where);
          if (!sec.bank) fail(errs, s.bank, '请选择题库', where);
          const c = intOf(s.count.input);
          if (!Number.isInteger(c) || c < 1 || c > LIMITS.section_count_max) {
            fail(errs, s.count, '抽题数应为 1 至 ' + LIMITS.section_count_max + ' 之间的整数', where);
          } else if (s.avail !== null && c > s.avail) {
            fail(errs, s.count, '题库中符合条件的有效题目只有 ' + s.avail + ' 道，少于抽题数 ' + c, where);
          }
          sec.count = c;
          const v = intOf(s.points.input);
          if (!Number.isInteger(v) || v < 1 || v > LIMITS.section_points_max) {
            fail(errs, s.points, '每题分值应为 1 至 ' + LIMITS.section_points_max + ' 之间的整数', where);
          }
          sec.points = v;
          const tags = splitList(s.tags.input.value);
          if (tags.length) sec.tags = tags;
          const lo = Number(s.dmin.input.value);
          const hi = Number(s.dmax.input.value);
          if (lo > hi) fail(errs, s.dmax, '最高难度不能低于最低难度', where);
          else if (lo !== 1 || hi !== 5) sec.difficulty = [lo, hi];
          return sec;
        });
        def.papers.push({categories: cats, sections});
      });
      if (errs.length) {
        showSummary(errs);
        return null;
      }
      return def;
    }

    function showSummary(errs) {
      clear(summary);
      summary.appendChild(alertBox('error', h('p', {class: 'ef-summary-title'}, '表单有 ' + errs.length + ' 处需要修改，考试未创建：'),
        h('ul', {class: 'ef-summary-list'}, errs.map((x) => h('li', null, x.focus ? h('button', {type: 'button', class: 'btn-link',
          onclick: () => x.focus.focus()}, x.msg) : x.msg)))));
      summary.hidden = false;
      summary.focus();
    }

    /* ---------------------------------------------------------------- preview and create */
    function invalidate() {
      if (state.fileUrl) URL.revokeObjectURL(state.fileUrl);
      state.fileUrl = null;
      state.checked = null;
      createBtn.hidden = true;
      clear(out);
    }
    form.addEventListener('input', invalidate);
    form.addEventListener('change', invalidate);

    async function send(dry) {
      const def = dry ? collect() : state.checked;
      clear(out);
      if (!def) return;
      previewBtn.disabled = true;
      createBtn.disabled = true;
      out.appendChild(h('p', {class: 'muted'}, dry ? '正在预览……' : '正在创建……'));
      try {
        const r = await api('POST', '/admin/exams' + (dry ? '?dry_run=1' : ''), {body: def});
        clear(out);
        if (dry) {
          state.checked = def;
          // the same definition as a file, for lawexam-admin exam create or a later upload
          if (state.fileUrl) URL.revokeObjectURL(state.fileUrl);
          state.fileUrl = URL.createObjectURL(new Blob([JSON.stringify(def, null, 2) + '\n'], {type: 'application/json'}));
          out.appendChild(h('div', {class: 'preview ok'},
            h('h3', {class: 'sub-title result-title', tabindex: '-1'}, '预览：将要创建的考试'),
            alertBox('success', '预检通过：考试“' + def.code + '”尚未创建。核对下列各部分题量和参考人数，无误后点击“确认创建”。'),
            (r.warnings || []).map((w) => alertBox('warn', w)),
            examPreview(r),
            h('p', null, h('a', {href: state.fileUrl, download: def.code + '.json', class: 'btn btn-secondary', id: 'ef-download'},
              '下载考试定义文件（JSON）'))));
          createBtn.hidden = false;
        } else {
          state.checked = null;
          createBtn.hidden = true;
          const title = h('h3', {class: 'sub-title result-title', tabindex: '-1'}, '创建结果');
          out.appendChild(h('div', {class: 'preview ok'}, title,
            alertBox('success', '考试“' + def.code + '”已创建，符合条件的考生登录后即可看到。'),
            h('p', null, h('a', {href: '#/admin/exams/' + encodeURIComponent(def.code), class: 'btn btn-primary'}, '查看考试和实时进度'))));
          title.focus();
          if (o.onCreated) o.onCreated(def.code);
        }
        const t = out.querySelector('.result-title');
        if (t && dry) t.focus();
      } catch (e) {
        clear(out);
        if (e.status === 401) return;
        const title = h('h3', {class: 'sub-title result-title', tabindex: '-1'}, dry ? '预览结果：有错误' : '创建失败');
        out.appendChild(h('div', {class: 'preview bad'}, title,
          alertBox('error', (e.message || '考试定义有误') + (e.details && e.details.length ? '，共 ' + Math.max(e.total || 0, e.details.length) +
            ' 处错误' : '') + '。考试未创建。'),
          e.details && e.details.length && o.errorTable ? o.errorTable(e.details) : null));
        title.focus();
      } finally {
        previewBtn.disabled = false;
        createBtn.disabled = false;
      }
    }

    form.addEventListener('submit', (ev) => {
      ev.preventDefault();
      send(true);
    });
    createBtn.addEventListener('click', () => {
      if (!state.checked) return;
      send(false);
    });

    addPaper();
    syncKind();
    return form;
  }

  return card;
}

/** What a dry run of POST /admin/exams says (r): every section's count and who is assigned, per
 * unit and category (a table) and per category. Used by the form and by the file upload. */
export function examPreview(r) {
  const box = h('div', {class: 'ef-preview'});
  const typeName = (t) => TYPE_NAME[t] || t;
  box.appendChild(h('h4', {class: 'reading-title'}, '各部分题量'));
  box.appendChild(tableWrap('各部分题量', dataTable(null, [
    {key: 'where', label: '试卷 · 部分'},
    {key: 'title', label: '标题'},
    {key: 'bank', label: '题库'},
    {key: 'type', label: '题型', fmt: typeName},
    {key: 'count', label: '抽题数', num: true},
    {key: 'available', label: '可抽题数', num: true},
    {key: 'held', label: '待复核', num: true},
    {key: 'points', label: '每题分值', num: true},
  ], (r.sections || []).map((s) => Object.assign({where: '试卷 ' + (s.paper + 1) + ' · 第 ' + (s.section + 1) + ' 部分'}, s)),
  {compact: true})));
  const a = r.assigned || {total: 0, by_category: [], rows: []};
  const withPaper = (a.by_category || []).filter((c) => c.paper !== null && c.paper !== undefined);
  const without = (a.by_category || []).filter((c) => (c.paper === null || c.paper === undefined) && c.count > 0);
  box.appendChild(h('h4', {class: 'reading-title', id: 'ef-assigned-title'}, '参考人员：共 ', h('strong', {id: 'ef-assigned-total'}, String(a.total)), ' 人'));
  box.appendChild(h('ul', {class: 'plain-list ef-by-category'}, withPaper.map((c) => h('li', {dataset: {category: c.category}},
    c.name + '：' + c.count + ' 人（试卷 ' + (c.paper + 1) + '）')),
  without.map((c) => h('li', {class: 'muted', dataset: {category: c.category}}, c.name + '：' + c.count + ' 人未安排试卷，不参加本次考试'))));
  if (!a.rows || !a.rows.length) {
    box.appendChild(alertBox('warn', '没有符合条件的考生：请检查参考人员类别和参考单位。'));
    return box;
  }
  const units = [];
  const cell = {};
  for (const x of a.rows) {
    if (!cell[x.org]) {
      cell[x.org] = {};
      units.push(x.org);
    }
    cell[x.org][x.category] = x.count;
  }
  const rows = units.map((u) => {
    const row = {org: u, total: 0};
    for (const c of withPaper) {
      row['c_' + c.category] = cell[u][c.category] || 0;
      row.total += row['c_' + c.category];
    }
    return row;
  });
  const footer = {org: '合计', total: a.total};
  for (const c of withPaper) footer['c_' + c.category] = rows.reduce((n, r) => n + r['c_' + c.category], 0);
  box.appendChild(tableWrap('各单位、各类别参考人数', dataTable('各单位、各类别参考人数', [
    {key: 'org', label: '单位'},
    ...withPaper.map((c) => ({key: 'c_' + c.category, label: c.name, num: true})),
    {key: 'total', label: '合计', num: true},
  ], rows, {compact: true, rowHeaders: true, footer, footerLabel: '合计'})));
  return box;
}
