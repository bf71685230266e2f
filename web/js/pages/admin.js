/* admin.js — the exam administrator's pages: question bank and roster uploads (always a
 * dry-run preview first, listing every error with its row; nothing is imported until the
 * preview is clean and the administrator confirms), the exam list, exam creation from the
 * form (examform.js) or a lawexam-exam/1 definition file, and the exam detail with a live
 * monitor. */
import {api, serverNow, uploadInParts, downloadFile} from '../api.js';
import {LIMITS} from '../limits.js';
import {h, clear, alertBox, pageTitle, field, fmtTime, fmtClock, fmtBytes, tableWrap, dataTable, CATEGORY_NAMES, toast} from '../dom.js';
import {personLookup} from './attempt-actions.js';
import {examForm, examPreview} from './examform.js';

const LABELS = {
  bank: '题库', code: '编号', title: '名称', subject: '科目', added: '新增', updated: '更新', unchanged: '未变',
  retired: '停用', created: '新增', disabled: '停用', total: '合计', questions: '题目数', active: '启用题目',
  users: '人数', exam: '考试', exempt: '免考', assigned: '应考人数', not_started: '未开始', in_progress: '作答中', submitted: '已交卷',
  opens_at: '开放时间', closes_at: '截止时间', duration_minutes: '答题时长（分钟）', pass_percent: '合格线（%）',
  max_attempts: '可考次数', multiple_scoring: '多选题计分', results: '成绩公布', review: '解析开放', org_scope: '参考单位',
  status: '状态', count: '数量', rows: '行数', errors: '错误', warnings: '提示',
};

const POLICY = {
  all_or_nothing: '全对才得分', partial: '少选得一半分', immediate: '交卷后立即', after_close: '考试结束后',
  hidden: '不公布', never: '不开放',
};

function label(k) {
  return LABELS[k] || k;
}

function valueText(k, v) {
  if (v === null || v === undefined) return '—';
  if (typeof v === 'boolean') return v ? '是' : '否';
  if (Array.isArray(v)) return v.map((x) => (typeof x === 'object' ? JSON.stringify(x) : String(x))).join('、') || '—';
  if (typeof v === 'object') return JSON.stringify(v);
  if (/_at$/.test(k)) return fmtTime(String(v));
  if (POLICY[v]) return POLICY[v];
  return String(v);
}

/** A definition list of the primitive fields of a server answer. */
function summary(obj, skip) {
  const dl = h('dl', {class: 'summary-grid'});
  for (const k of Object.keys(obj || {})) {
    if (k === 'dry_run' || (skip && skip.indexOf(k) >= 0)) continue;
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) continue;
    if (Array.isArray(v) && v.length && typeof v[0] === 'object') continue;
    dl.appendChild(h('div', {class: 'summary-item', dataset: {key: k}}, h('dt', null, label(k)), h('dd', null, valueText(k, v))));
  }
  return dl;
}

/** "bank.csv:ROW 3: column 答案" → "第 3 行 · 答案 列"; "x.json:12: …", "bank.txt:12" → "第 12 行";
 * "bank.docx:PARAGRAPH 7" → "第 7 段"; else as sent. */
export function friendlyWhere(where) {
  const w = String(where || '');
  const para = /PARAGRAPH\s+(\d+)/i.exec(w);
  if (para) return '第 ' + para[1] + ' 段';
  const row = /ROW\s+(\d+)/i.exec(w) || /^[^:]*:(\d+)(?::|$)/.exec(w);
  const col = /column\s+([^:]+?)\s*$/i.exec(w) || /column\s+([^:]+?):/i.exec(w);
  if (!row) {
    const path = /^[^:]*\.json:\s*(.+)$/.exec(w);
    const p = path ? path[1] : w;
    const sec = /papers\[(\d+)\](?:\.sections\[(\d+)\])?(.*)$/.exec(p);
    if (sec) {
      return '第 ' + (Number(sec[1]) + 1) + ' 套试卷' + (sec[2] !== undefined ? ' · 第 ' + (Number(sec[2]) + 1) + ' 部分' : '') +
        (sec[3] ? ' ' + sec[3].replace(/^\./, '') : '');
    }
    return p;
  }
  return '第 ' + row[1] + ' 行' + (col ? ' · ' + col[1] + ' 列' : '');
}

/** A two-column table of the primitive fields of an object (the exam's settings). */
function kvTable(obj, skip) {
  const tbody = h('tbody');
  for (const k of Object.keys(obj || {})) {
    if (skip && skip.indexOf(k) >= 0) continue;
    const v = obj[k];
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) continue;
    tbody.appendChild(h('tr', null, h('th', {scope: 'row'}, label(k)), h('td', {dataset: {key: k}}, valueText(k, v))));
  }
  return h('table', {class: 'kv-table'}, tbody);
}

/** The error list of a 422: every {where, message} in a table. */
function errorTable(details, locate) {
  const rows = (details || []).map((d, i) => ({n: i + 1, raw: String(d.where || d.row || d.line || ''),
    where: friendlyWhere(d.where || d.row || d.line || ''), message: d.message || String(d)}));
  const cols = [
    {key: 'n', label: '序号', num: true},
    {key: 'where', label: '位置（行）'},
    {key: 'message', label: '问题', wrap: true},
  ];
  // pasted text: a button that selects the line in the text box
  if (locate) {
    cols.push({key: 'raw', label: '操作', fmt: (v, r) => {
      const m = /:(\d+)$/.exec(v);
      return m ? h('button', {type: 'button', class: 'btn btn-secondary btn-small', 'aria-label': '在文本框中定位' + r.where,
        onclick: () => locate(Number(m[1]))}, '定位') : '';
    }});
  }
  return tableWrap('错误列表', dataTable(null, cols, rows, {compact: true, rowClass: () => 'error-row'}));
}

/** The format of a file from its extension, among the panel's formats: .txt is a text bank
 * where text is taken (banks), else CSV (rosters); .doc goes as docx, for the server's
 * “请另存为 .docx”. */
function formatOf(filename, formats) {
  const m = /\.([a-z0-9]+)$/i.exec(filename || '');
  const ext = m ? m[1].toLowerCase() : '';
  const takes = (f) => !formats || formats.indexOf(f) >= 0;
  if (ext === 'xlsx') return 'xlsx';
  if (ext === 'json') return 'json';
  if (ext === 'docx' || ext === 'doc') return takes('docx') ? 'docx' : '';
  if (ext === 'txt') return takes('txt') ? 'txt' : 'csv';
  if (ext === 'csv') return 'csv';
  return '';
}

const FORMAT_NAMES = {csv: 'CSV', xlsx: 'Excel（.xlsx）', json: 'JSON', txt: '文本（.txt）', docx: 'Word 文档（.docx）'};
const EXTS = {txt: ['.txt'], docx: ['.docx', '.doc']};

const MIME = {csv: 'text/csv', xlsx: 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', json: 'application/json',
  txt: 'text/plain', docx: 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'};

/**
 * The upload-with-preview panel used for banks, rosters and exam definitions.
 * spec: {id, title, formats: [..], extra: [{name,label,hint,pattern,maxlength,requiredFor:[formats]}],
 *        path(format, params, dry) → '/admin/…?…', describe(result, dry) → Node, after(result),
 *        parts: true when the route takes ?upload=ID (banks, rosters),
 *        job: a label when the route takes ?job=ID and reports its progress (rosters: hashing
 *             first passwords takes ~13 ms a person, half a minute for 2,000),
 *        paste: {format, label, hint, checkLabel} to offer a text box besides the file (banks:
 *               questions pasted as SPEC §4.5 describes, sent as a .txt file would be)}
 * A file over LIMITS.body_max (1 MiB) goes in parts to /admin/uploads first (each part
 * retried, api.js uploadInParts); the dry run keeps that upload on the server, so confirming
 * the import does not send the file again.
 */
function uploadPanel(spec) {
  const accept = [].concat(...spec.formats.map((f) => EXTS[f] || ['.' + f])).join(',');
  const fileInput = h('input', {type: 'file', id: spec.id + '-file', class: 'file-input', accept,
    required: true, 'aria-labelledby': spec.id + '-file-label', 'aria-describedby': spec.id + '-fileinfo'});
  const formatSel = h('select', {id: spec.id + '-format'},
    spec.formats.length > 1 ? h('option', {value: ''}, '按文件扩展名自动识别') : null,
    spec.formats.map((f) => h('option', {value: f}, FORMAT_NAMES[f] || f.toUpperCase())));
  const extras = (spec.extra || []).map((x) => {
    const input = h('input', {type: 'text', id: spec.id + '-in-' + x.name, name: x.name, maxlength: x.maxlength ? String(x.maxlength) : null,
      pattern: x.pattern || null, autocomplete: 'off', spellcheck: 'false'});
    return Object.assign({input, wrap: field(x.label, input, x.hint).wrap}, x);
  });
  const fileInfo = h('span', {class: 'file-name', id: spec.id + '-fileinfo', 'aria-live': 'polite'}, '尚未选择文件');
  const out = h('div', {class: 'upload-result', 'aria-live': 'polite'});
  const fileCheckLabel = spec.checkLabel || '检查文件（不导入）';
  const checkBtn = h('button', {type: 'submit', class: 'btn btn-primary'}, fileCheckLabel);
  const importBtn = h('button', {type: 'button', class: 'btn btn-success', hidden: true}, spec.importLabel || '确认导入');
  let checked = null; // {name, size, fmt, upload, text} of the file (or text) that passed the dry run

  /* the text box, for a panel that takes pasted text */
  const paste = spec.paste || null;
  const textBox = paste ? h('textarea', {id: spec.id + '-text', class: 'paste-text', rows: '14', spellcheck: 'false',
    autocomplete: 'off'}) : null;
  const textInfo = paste ? h('span', {class: 'muted', id: spec.id + '-textinfo', 'aria-live': 'polite'}, '') : null;
  const radios = paste ? [['file', '上传文件'], ['paste', paste.label]].map((o) => h('input', {type: 'radio', name: spec.id + '-source',
    id: spec.id + '-source-' + o[0], value: o[0], checked: o[0] === 'file'})) : [];
  const sourceSet = paste ? h('fieldset', {class: 'field source-choice'}, h('legend', {class: 'field-label'}, '题目来源'),
    h('div', {class: 'radio-row'}, radios.map((r, i) => h('label', {class: 'radio', for: r.id}, r, i ? paste.label : '上传文件')))) : null;
  const pasteMode = () => !!paste && radios[1].checked;

  function currentFormat() {
    if (pasteMode()) return paste.format;
    const f = fileInput.files && fileInput.files[0];
    return formatSel.value || (f ? formatOf(f.name, spec.formats) : '') || (spec.formats.length === 1 ? spec.formats[0] : '');
  }

  /* What the dry run and the import send: the chosen file, or the pasted text as UTF-8. */
  function source() {
    if (pasteMode()) {
      const text = textBox.value;
      if (!text.trim()) return null;
      const bytes = new TextEncoder().encode(text);
      return {name: '粘贴的文本', what: '粘贴的文本', size: bytes.byteLength, text, bytes: async () => bytes.buffer};
    }
    const f = fileInput.files && fileInput.files[0];
    return f ? {name: f.name, what: '文件“' + f.name + '”', size: f.size, bytes: () => f.arrayBuffer()} : null;
  }

  function invalidate() {
    // an upload kept after the dry run of the previous file will not be imported: free it
    if (checked && checked.upload) api('DELETE', '/admin/uploads/' + encodeURIComponent(checked.upload)).catch(() => {});
    checked = null;
    importBtn.hidden = true;
    clear(out);
    const f = fileInput.files && fileInput.files[0];
    fileInfo.textContent = f ? f.name + '（' + fmtBytes(f.size) + '）' : '尚未选择文件';
    if (paste) {
      const p = pasteMode();
      fileWrap.hidden = p;
      if (formatWrap) formatWrap.hidden = p;
      textWrap.hidden = !p;
      checkBtn.textContent = p ? paste.checkLabel : fileCheckLabel;
      const lines = textBox.value ? textBox.value.split('\n').length : 0;
      textInfo.textContent = lines ? '共 ' + lines + ' 行' : '';
    }
    const fmt = currentFormat();
    for (const x of extras) {
      const req = !x.requiredFor || x.requiredFor.indexOf(fmt) >= 0;
      x.input.required = req;
      x.wrap.classList.toggle('optional', !req);
    }
  }

  /* Selects line n of the pasted text (an error's 第 N 行) and puts the caret there. */
  function locateLine(n) {
    const lines = textBox.value.split('\n');
    let start = 0;
    for (let i = 0; i < n - 1 && i < lines.length; i++) start += lines[i].length + 1;
    const len = n - 1 < lines.length ? lines[n - 1].length : 0;
    textBox.focus();
    textBox.setSelectionRange(start, start + len);
    // scroll the box so the line shows (about the line height of the box's font)
    const lh = parseFloat(getComputedStyle(textBox).lineHeight) || 20;
    textBox.scrollTop = Math.max(0, (n - 3) * lh);
  }

  function resultHeading(text) {
    return h('h3', {class: 'sub-title result-title', tabindex: '-1'}, text);
  }

  async function send(dry) {
    clear(out);
    const src = source();
    if (!src) {
      if (pasteMode()) {
        out.appendChild(alertBox('error', '请先在文本框中粘贴题目。'));
        textBox.focus();
      } else {
        out.appendChild(alertBox('error', '请先选择要上传的文件。'));
        fileInput.focus();
      }
      return;
    }
    const fmt = currentFormat();
    if (!fmt) {
      out.appendChild(alertBox('error', '无法从文件名判断格式，请在“文件格式”中选择。'));
      formatSel.focus();
      return;
    }
    const params = {};
    for (const x of extras) {
      const v = x.input.value.trim();
      if (x.input.required && !v) {
        out.appendChild(alertBox('error', '请填写“' + x.label + '”。'));
        x.input.focus();
        return;
      }
      if (v) params[x.name] = v;
    }
    const limit = spec.parts ? LIMITS.upload_max : LIMITS.body_max;
    if (src.size > limit) {
      out.appendChild(alertBox('error', src.what + '有 ' + fmtBytes(src.size) + '，超过 ' + fmtBytes(limit) + ' 的上限。'));
      return;
    }
    checkBtn.disabled = true;
    importBtn.disabled = true;
    const status = h('p', {class: 'muted'}, dry ? (pasteMode() ? '正在识别文本……' : '正在检查文件……') : '正在导入……');
    out.appendChild(status);
    let upload = null;
    const watch = spec.job ? watchJob(spec.job, out) : null;
    try {
      const bytes = await src.bytes();
      const path = spec.path(fmt, params, dry) + (watch ? '&job=' + watch.id : '');
      let r;
      if (bytes.byteLength <= LIMITS.body_max) {
        r = await api('POST', path, {raw: bytes, contentType: MIME[fmt]});
      } else {
        const progress = (sent, total) => {
          status.textContent = '正在上传文件：' + fmtBytes(sent) + ' / ' + fmtBytes(total) + '……';
        };
        const named = (id) => api('POST', path + (path.indexOf('?') >= 0 ? '&' : '?') + 'upload=' + encodeURIComponent(id));
        upload = !dry && checked && checked.upload ? checked.upload : null;
        if (upload) {
          try {
            r = await named(upload);
          } catch (e) {
            if (e.code !== 'upload_not_found') throw e;
            upload = null; // expired since the dry run (an hour): send it again
          }
        }
        if (!upload) {
          upload = await uploadInParts(bytes, LIMITS.body_max, progress);
          status.textContent = dry ? '上传完成，正在检查文件……' : '上传完成，正在导入……';
          r = await named(upload);
        }
      }
      clear(out);
      let title;
      if (dry) {
        checked = {name: src.name, size: src.size, fmt, upload, text: src.text};
        title = resultHeading(spec.previewTitle || '检查结果');
        out.appendChild(h('div', {class: 'preview ok'}, title,
          alertBox('success', '预检通过：' + src.what + '没有发现错误。以下为导入后的变化，尚未导入任何内容；核对无误后点击“' +
            importBtn.textContent + '”。'),
          spec.describe(r, true)));
        importBtn.hidden = false;
      } else {
        checked = null;
        importBtn.hidden = true;
        title = resultHeading('导入结果');
        out.appendChild(h('div', {class: 'preview ok'}, title,
          alertBox('success', spec.doneText ? spec.doneText(r) : '导入完成。'),
          spec.describe(r, false)));
        if (spec.after) spec.after(r);
      }
      title.focus();
    } catch (e) {
      clear(out);
      if (e.status === 401) return;
      // a refused file is not imported later: free its upload on the server now
      if (upload) api('DELETE', '/admin/uploads/' + encodeURIComponent(upload)).catch(() => {});
      checked = null;
      importBtn.hidden = true;
      const title = resultHeading('检查结果：有错误');
      if (e.details && e.details.length) {
        const pasted = pasteMode();
        out.appendChild(h('div', {class: 'preview bad'}, title,
          alertBox('error', (e.message || '文件有错误') + '。共 ' + Math.max(e.total, e.details.length) + ' 处错误' +
            (/未导入|未创建/.test(e.message || '') ? '' : dry ? '，' + (spec.nothingDone || '未导入任何内容') : '，数据未作任何修改') +
            (pasted ? '。请修改文本后重新预览（“第 N 行”是文本框中的第 N 行）。' : '。请修改文件后重新上传。')),
          errorTable(e.details, pasted ? locateLine : null),
          e.total > e.details.length ? h('p', {class: 'muted'}, '仅列出前 ' + e.details.length + ' 处错误。') : null));
      } else {
        out.appendChild(h('div', {class: 'preview bad'}, title, alertBox('error', e.message)));
      }
      title.focus();
    } finally {
      if (watch) watch.stop();
      checkBtn.disabled = false;
      importBtn.disabled = false;
    }
  }

  importBtn.addEventListener('click', () => {
    const src = source();
    if (!checked || !src || src.name !== checked.name || src.size !== checked.size || src.text !== checked.text) {
      invalidate();
      out.appendChild(alertBox('error', pasteMode() ? '文本已修改，请重新预览。' : '文件已更换，请重新检查。'));
      return;
    }
    send(false);
  });
  const fileWrap = h('div', {class: 'field'},
    h('span', {class: 'field-label', id: spec.id + '-file-label'}, '文件（' + spec.formats.map((f) => '.' + f).join(' / ') + '）'),
    h('div', {class: 'file-pick'}, fileInput,
      h('label', {for: fileInput.id, class: 'btn btn-secondary file-btn'}, '选择文件'), fileInfo));
  const formatWrap = spec.formats.length > 1 ? field('文件格式', formatSel).wrap : null;
  const textWrap = paste ? h('div', {class: 'field'},
    h('label', {for: textBox.id}, paste.label),
    paste.hint ? h('p', {class: 'field-hint', id: textBox.id + '-hint'}, paste.hint) : null,
    textBox, textInfo) : null;
  if (paste && paste.hint) textBox.setAttribute('aria-describedby', textBox.id + '-hint ' + textInfo.id);
  fileInput.addEventListener('change', invalidate);
  formatSel.addEventListener('change', invalidate);
  for (const x of extras) x.input.addEventListener('input', invalidate);
  if (paste) {
    textBox.addEventListener('input', invalidate);
    for (const r of radios) r.addEventListener('change', invalidate);
  }
  const form = h('form', {class: 'form upload-form', novalidate: true},
    sourceSet, fileWrap, formatWrap, textWrap,
    extras.length ? h('div', {class: 'field-row'}, extras.map((x) => x.wrap)) : null,
    h('div', {class: 'form-actions'}, checkBtn, importBtn),
    out);
  form.addEventListener('submit', (ev) => {
    ev.preventDefault();
    send(true);
  });
  invalidate();
  return h('section', {class: 'card', 'aria-labelledby': spec.id + '-title'},
    h('h2', {id: spec.id + '-title', class: 'card-title'}, spec.title),
    spec.intro || null, form);
}

/**
 * A progress bar for a request the server runs as a job (?job=ID): polls GET /admin/jobs/ID
 * twice a second while the request runs and shows count, percent and the time left. A 404
 * means the server has not started the job yet (the file is still on its way).
 * Returns {id, stop()}; stop() removes the bar.
 */
function watchJob(label, out) {
  const bytes = new Uint8Array(12);
  window.crypto.getRandomValues(bytes);
  const id = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  const bar = h('progress', {class: 'progress', id: 'job-progress', max: '1', value: '0'});
  const text = h('span', {class: 'progress-label', id: 'job-progress-text'}, '正在准备……');
  const row = h('div', {class: 'progress-row job-progress', role: 'status'}, h('label', {for: 'job-progress'}, label), bar, text);
  out.appendChild(row);
  let stopped = false;
  let timer = null;
  async function poll() {
    timer = null;
    try {
      const j = await api('GET', '/admin/jobs/' + id);
      if (stopped) return;
      if (j.total > 0) {
        bar.max = j.total;
        bar.value = j.done;
        const left = j.remaining_seconds === null || j.remaining_seconds === undefined ? '' :
          '，预计还需 ' + (j.remaining_seconds >= 60 ? Math.floor(j.remaining_seconds / 60) + ' 分 ' : '') + (j.remaining_seconds % 60) + ' 秒';
        text.textContent = j.state === 'writing' ? '正在写入数据库……' :
          j.done + ' / ' + j.total + '（' + Math.floor(j.done * 100 / j.total) + '%）' + left;
      }
    } catch (e) {
      /* 404: not started yet; anything else: the request itself will say */
    }
    if (!stopped) timer = setTimeout(poll, 500);
  }
  timer = setTimeout(poll, 300);
  return {id, stop() {
    stopped = true;
    if (timer) clearTimeout(timer);
    row.remove();
  }};
}

function listOf(data, key) {
  if (Array.isArray(data)) return data;
  if (data && Array.isArray(data[key])) return data[key];
  if (data && Array.isArray(data.rows)) return data.rows;
  return [];
}

export function adminTabs(active) {
  const items = [['#/admin', '概览', 'home'], ['#/admin/banks', '题库', 'banks'], ['#/admin/staff', '人员名单', 'staff'],
    ['#/admin/exams', '考试', 'exams'], ['#/unit/staff', '人员管理', 'people'], ['#/admin/notices', '通知公告', 'notices']];
  return h('nav', {class: 'subnav', 'aria-label': '考试管理'}, h('ul', null, items.map((i) =>
    h('li', null, h('a', {href: i[0], class: i[2] === active ? 'active' : null, 'aria-current': i[2] === active ? 'page' : null}, i[1])))));
}

/** Exam status from its window, on the server's clock. */
function windowStatus(ex) {
  const now = serverNow();
  const o = Date.parse(ex.opens_at);
  const c = Date.parse(ex.closes_at);
  if (ex.status && typeof ex.status === 'string') {
    const m = {upcoming: '未开始', open: '进行中', closed: '已结束'};
    if (m[ex.status]) return [m[ex.status], ex.status];
  }
  if (!isNaN(o) && now < o) return ['未开始', 'upcoming'];
  if (!isNaN(c) && now >= c) return ['已结束', 'closed'];
  return ['进行中', 'open'];
}

/* ---------------- pages ---------------- */

export async function renderHome(main) {
  main.appendChild(pageTitle('考试管理', '导入题库和人员名单，按人员类别安排考试，实时查看考试进度。'));
  main.appendChild(adminTabs('home'));
  const tiles = h('div', {class: 'tile-grid'},
    tile('#/admin/banks', '题库', '上传 Word、文本、CSV、Excel 或 JSON 题库，或直接粘贴题目，先预览再导入。'),
    tile('#/admin/staff', '人员名单', '上传人员名单（CSV 或 Excel），新增或更新考生账号。'),
    tile('#/admin/exams', '考试', '按人员类别创建考试，查看考试实时进度。'),
    tile('#/hr', '统计报表', '参考率、合格率和个人成绩，导出 CSV / Excel。'),
    tile('#/admin/notices', '通知公告', '向全部或部分单位、人员类别发布通知，考生登录后在首页看到。'));
  main.appendChild(tiles);
  const recent = h('section', {class: 'card', 'aria-labelledby': 'recent-title'},
    h('h2', {class: 'card-title', id: 'recent-title'}, '考试一览'));
  main.appendChild(recent);
  try {
    const exams = listOf(await api('GET', '/admin/exams'), 'exams');
    recent.appendChild(exams.length ? examsTable(exams) : h('p', {class: 'muted'}, '还没有考试。'));
  } catch (e) {
    if (e.status !== 401) recent.appendChild(alertBox('error', e.message));
  }
}

function tile(href, title, text) {
  return h('a', {href, class: 'tile card'}, h('span', {class: 'tile-title'}, title), h('span', {class: 'tile-text'}, text));
}

function examsTable(exams) {
  const rows = exams.map((ex) => Object.assign({}, ex, {_st: windowStatus(ex)}));
  const table = dataTable(null, [
    {key: 'code', label: '考试编号', fmt: (v) => h('a', {href: '#/admin/exams/' + encodeURIComponent(v)}, v)},
    {key: 'title', label: '考试名称'},
    {key: 'opens_at', label: '考试时间', fmt: (v, r) => fmtTime(r.opens_at) + ' 至 ' + fmtTime(r.closes_at)},
    {key: 'duration_minutes', label: '时长', num: true, fmt: (v) => (v ? v + ' 分钟' : '—')},
    {key: '_st', label: '状态', fmt: (v) => h('span', {class: 'chip chip-' + (v[1] === 'open' ? 'success' : v[1] === 'upcoming' ? 'info' : 'muted')}, v[0])},
  ], rows);
  return tableWrap('考试列表（表格）', table);
}

const TYPE_NAMES = {single: '单选题', multiple: '多选题', judge: '判断题'};
const JUDGE_KEYS = {T: '正确（√）', F: '错误（×）'};

/** What the server read from a bank file (the dry run's "recognised" and "notes"): counts
 * per type, the reader's notes, then each question with its options and key. */
function bankReading(r) {
  const box = h('div', {class: 'bank-reading'});
  const rec = r.recognised;
  const notes = Array.isArray(r.notes) ? r.notes : [];
  if (rec) {
    const by = rec.by_type || {};
    box.appendChild(h('h4', {class: 'reading-title'}, '识别结果'));
    const dl = h('dl', {class: 'summary-grid type-counts'},
      h('div', {class: 'summary-item', dataset: {key: 'total'}}, h('dt', null, '共识别'), h('dd', null, String(rec.total || 0) + ' 题')),
      ['single', 'multiple', 'judge'].map((t) => h('div', {class: 'summary-item', dataset: {key: t}},
        h('dt', null, TYPE_NAMES[t]), h('dd', null, String(by[t] || 0) + ' 题'))));
    box.appendChild(dl);
  }
  if (notes.length) {
    box.appendChild(h('h4', {class: 'reading-title'}, '读取说明'));
    box.appendChild(h('ul', {class: 'reading-notes'}, notes.map((n) => h('li', null,
      h('span', {class: 'note-where'}, friendlyWhere(n.where)), '：', n.message))));
    if (r.notes_total > notes.length) box.appendChild(h('p', {class: 'muted'}, '另有 ' + (r.notes_total - notes.length) + ' 条说明未列出。'));
  }
  if (rec && Array.isArray(rec.questions) && rec.questions.length) {
    box.appendChild(h('h4', {class: 'reading-title'}, '逐题核对' + (rec.truncated ? '（仅显示前 ' + rec.questions.length + ' 题，共 ' + rec.total + ' 题）' : '')));
    box.appendChild(h('ol', {class: 'reading-list'}, rec.questions.map((q) => {
      const keys = q.type === 'judge' ? '' : String(q.answer || '');
      return h('li', {class: 'reading-q', dataset: {id: q.id, type: q.type}},
        h('p', {class: 'rq-head'},
          h('span', {class: 'chip chip-info'}, TYPE_NAMES[q.type] || q.type),
          h('span', {class: 'rq-id'}, '编号 ' + q.id),
          q.where ? h('span', {class: 'muted rq-where'}, friendlyWhere(q.where)) : null),
        h('p', {class: 'rq-stem'}, q.stem),
        q.options && q.options.length ? h('ul', {class: 'rq-options'}, q.options.map((o, i) => {
          const letter = String.fromCharCode(65 + i);
          const isKey = keys.indexOf(letter) >= 0;
          return h('li', {class: isKey ? 'is-key' : null}, letter + '. ' + o, isKey ? h('span', {class: 'sr-only'}, '（答案）') : null);
        })) : null,
        h('p', {class: 'rq-key'}, '答案：', h('strong', {class: 'rq-answer'}, q.type === 'judge' ? (JUDGE_KEYS[q.answer] || q.answer) : q.answer)));
    })));
  }
  return box;
}

export async function renderBanks(main) {
  main.appendChild(pageTitle('题库', '支持 JSON（lawexam-bank/1）、CSV、Excel（.xlsx），以及各部门常用的 Word 文档（.docx）和文本（.txt，也可直接粘贴）。CSV/Excel 第一行为表头：编号、题型、题干、选项A…选项H、答案、解析、依据、难度、标签。'));
  main.appendChild(adminTabs('banks'));
  const listCard = h('section', {class: 'card', 'aria-labelledby': 'banks-title'},
    h('h2', {class: 'card-title', id: 'banks-title'}, '已有题库'));
  async function loadList() {
    while (listCard.childNodes.length > 1) listCard.removeChild(listCard.lastChild);
    try {
      const banks = listOf(await api('GET', '/admin/banks'), 'banks');
      if (!banks.length) {
        listCard.appendChild(h('p', {class: 'muted'}, '还没有题库。'));
        return;
      }
      const typeNames = {single: '单选', multiple: '多选', judge: '判断'};
      listCard.appendChild(tableWrap('题库列表', dataTable(null, [
        {key: 'code', label: '题库代码'},
        {key: 'title', label: '名称'},
        {key: 'subject', label: '科目'},
        {key: 'active', label: '启用题目', num: true},
        {key: 'retired', label: '已停用', num: true},
        {key: 'by_type', label: '按题型', fmt: (v) => (v && typeof v === 'object'
          ? Object.keys(v).map((k) => (typeNames[k] || k) + ' ' + v[k]).join(' · ') : '—')},
      ], banks, {compact: true})));
    } catch (e) {
      if (e.status !== 401) listCard.appendChild(alertBox('error', e.message));
    }
  }
  main.appendChild(uploadPanel({
    id: 'bank',
    title: '上传题库',
    formats: ['csv', 'xlsx', 'json', 'txt', 'docx'],
    intro: h('div', null,
      h('p', {class: 'muted'}, '上传后先检查文件：所有错误会连同所在行号（Word 文档为段落号）一起列出，检查通过后才能确认导入。已有题目按编号更新；只改答案不会生成新版本，改动题干或选项会生成新版本。'),
      h('p', {class: 'muted'}, 'Word 文档和文本按题号、选项字母、“答案：”行识别题目，预览会逐题列出识别结果（题型、选项、答案），请核对后再导入。')),
    paste: {
      format: 'txt',
      label: '粘贴文本',
      checkLabel: '预览（不导入）',
      hint: '每题以题号开头（1. 或 1、或（1）），选项以 A. B. 开头（可一行一个，也可一行几个、中间留空格），答案写在“答案：”行或题干括号里，如（ B ）（ √ ）。' +
        '“一、单选题”“【多选题】”“三、判断题”这样的标题决定其后各题的题型。“解析：”“依据：”“难度：”“标签：”“编号：”各占一行，都可以省略。',
    },
    previewTitle: '预览：识别结果',
    extra: [
      {name: 'bank', label: '题库代码', hint: '小写字母、数字和连字符，如 civil-code；JSON 文件可不填', pattern: '[a-z0-9-]{1,' + LIMITS.bank_code_max + '}',
        maxlength: LIMITS.bank_code_max, requiredFor: ['csv', 'xlsx', 'txt', 'docx']},
      {name: 'title', label: '题库名称', hint: '如：中华人民共和国民法典', maxlength: LIMITS.bank_title_max, requiredFor: ['csv', 'xlsx', 'txt', 'docx']},
      {name: 'subject', label: '科目', hint: '如：civil-code', maxlength: LIMITS.bank_title_max, requiredFor: ['csv', 'xlsx', 'txt', 'docx']},
    ],
    parts: true,
    path: (fmt, p, dry) => {
      const q = new URLSearchParams({format: fmt});
      if (dry) q.set('dry_run', '1');
      for (const k of ['bank', 'title', 'subject']) if (p[k]) q.set(k, p[k]);
      return '/admin/banks?' + q.toString();
    },
    describe: (r) => h('div', null, summary(r, ['bank', 'notes', 'notes_total']), bankReading(r)),
    doneText: (r) => '题库“' + (r.bank || '') + '”已导入：新增 ' + (r.added || 0) + ' 题，更新 ' + (r.updated || 0) + ' 题，未变 ' +
      (r.unchanged || 0) + ' 题，停用 ' + (r.retired || 0) + ' 题。',
    after: loadList,
  }));
  main.appendChild(listCard);
  await loadList();
}

export async function renderStaff(main) {
  main.appendChild(pageTitle('人员名单', 'CSV 或 Excel（.xlsx），第一行为表头：工号、姓名、单位（用“/”分隔层级）、类别、角色（可选）、密码（可选）。'));
  main.appendChild(adminTabs('staff'));
  let pwLink = null;
  main.appendChild(uploadPanel({
    id: 'staff',
    title: '上传人员名单',
    formats: ['csv', 'xlsx'],
    intro: h('p', {class: 'muted'}, '已有工号的人员会被更新（只有填写了密码才会改密码）；新增人员未填密码的，系统生成初始密码，首次登录须修改。名单中没有的人员保持不变。'),
    parts: true,
    job: '处理进度',
    path: (fmt, p, dry) => '/admin/staff?format=' + fmt + (dry ? '&dry_run=1' : ''),
    describe: (r) => {
      const box = h('div', null, summary(r, ['passwords']));
      const pw = r && (r.passwords || r.initial_passwords);
      if (Array.isArray(pw) && pw.length) {
        if (pwLink) URL.revokeObjectURL(pwLink);
        const lines = ['\ufeff工号,初始密码,姓名,单位'].concat(pw.map((x) =>
          [csvCell(x.login), csvCell(x.password), csvText(x.name), csvText(x.org)].join(',')));
        pwLink = URL.createObjectURL(new Blob([lines.join('\r\n') + '\r\n'], {type: 'text/csv'}));
        box.appendChild(alertBox('warn', '有 ' + pw.length + ' 名新人员的初始密码由系统生成。请立即下载并通过安全渠道分发，离开本页后无法再次查看。'));
        box.appendChild(h('p', {class: 'form-actions'},
          h('a', {href: pwLink, download: 'initial-passwords.csv', class: 'btn btn-secondary'}, '下载初始密码（CSV）'),
          slipsButton(pw)));
      }
      return box;
    },
    doneText: () => '人员名单已导入。',
  }));
  return () => {
    if (pwLink) URL.revokeObjectURL(pwLink);
  };
}

/* 下载登录凭条（PDF）: the passwords the import just generated exist only in its reply, on this
 * page; they are posted back to POST /admin/slips, which draws the slips and keeps nothing
 * (docs/security.md, "Login slips"). */
function slipsButton(pw) {
  const rows = pw.map((x) => ({login: String(x.login || ''), name: String(x.name || ''),
    org: String(x.org || ''), password: String(x.password || '')}));
  const btn = h('button', {type: 'button', class: 'btn btn-secondary', id: 'download-slips'}, '下载登录凭条（PDF）');
  btn.addEventListener('click', async () => {
    btn.disabled = true;
    const old = btn.textContent;
    btn.textContent = '正在生成登录凭条……';
    try {
      await downloadFile('POST', '/admin/slips', '登录凭条.pdf', {body: rows});
    } catch (e) {
      toast(e.message || '登录凭条生成失败，请稍后重试。', 'error');
    } finally {
      btn.disabled = false;
      btn.textContent = old;
    }
  });
  return btn;
}

/* csvCell for text a person typed (names, units): a cell Excel would run as a formula gets a
 * leading apostrophe, as the server's CSV files do (csv_text). */
function csvText(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return csvCell(/^[=+@\t\r]|^-(?![0-9])/.test(s) ? "'" + s : s);
}

function csvCell(v) {
  const s = v === null || v === undefined ? '' : String(v);
  return /[",\r\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s;
}

export async function renderExams(main) {
  main.appendChild(pageTitle('考试', '按人员类别安排考试：每个类别一套试卷，从题库中按题型随机抽题。'));
  main.appendChild(adminTabs('exams'));
  const listCard = h('section', {class: 'card', 'aria-labelledby': 'exams-title'},
    h('h2', {class: 'card-title', id: 'exams-title'}, '考试列表'));
  async function loadList() {
    while (listCard.childNodes.length > 1) listCard.removeChild(listCard.lastChild);
    try {
      const exams = listOf(await api('GET', '/admin/exams'), 'exams');
      listCard.appendChild(exams.length ? examsTable(exams) : h('p', {class: 'muted'}, '还没有考试。'));
    } catch (e) {
      if (e.status !== 401) listCard.appendChild(alertBox('error', e.message));
    }
  }
  main.appendChild(listCard);
  main.appendChild(examForm({errorTable, onCreated: loadList}));
  main.appendChild(uploadPanel({
    id: 'examdef',
    title: '上传考试定义文件创建考试',
    formats: ['json'],
    importLabel: '确认创建考试',
    checkLabel: '检查文件（不创建）',
    nothingDone: '考试未创建',
    intro: h('p', {class: 'muted'}, '也可以上传考试定义文件（JSON，格式 lawexam-exam/1：编号、名称、开放和截止时间、时长、合格线、各人员类别的试卷），与上面的表单效果相同。先检查：题库题量不足等问题会逐条列出。'),
    path: (fmt, p, dry) => '/admin/exams' + (dry ? '?dry_run=1' : ''),
    describe: (r, dry) => {
      const code = r && (typeof r.exam === 'string' ? r.exam : r.code || (r.exam && r.exam.code));
      const box = h('div', null, summary(r, ['exam', 'created']));
      if (dry) box.insertBefore(h('p', null, '考试“' + (code || '') + '”的定义无误，各章节题量充足，可以创建。'), box.firstChild);
      if (dry && r.assigned) box.appendChild(examPreview(r));
      else if (code) box.appendChild(h('p', null, h('a', {href: '#/admin/exams/' + encodeURIComponent(code), class: 'btn btn-primary'}, '查看考试和实时进度')));
      return box;
    },
    doneText: (r) => '考试“' + ((r && (typeof r.exam === 'string' ? r.exam : r.code)) || '') + '”已创建，符合条件的考生登录后即可看到。',
    after: loadList,
  }));
  await loadList();
}

export async function renderExamDetail(main, params, ctx) {
  const code = params[0];
  const exams = listOf(await api('GET', '/admin/exams'), 'exams');
  if (!ctx.isCurrent()) return null; /* a newer navigation drew the page meanwhile */
  const ex = exams.filter((e) => e.code === code)[0];
  main.appendChild(pageTitle(ex ? ex.title || code : code, '考试编号：' + code));
  main.appendChild(adminTabs('exams'));
  if (!ex) {
    main.appendChild(h('section', {class: 'card'}, alertBox('error', '没有编号为“' + code + '”的考试。'),
      h('p', null, h('a', {href: '#/admin/exams', class: 'btn btn-secondary'}, '返回考试列表'))));
    return null;
  }
  const st = windowStatus(ex);
  /* live monitor */
  const tiles = {};
  const tileBox = h('div', {class: 'stat-grid stat-grid-5'});
  for (const k of ['assigned', 'not_started', 'in_progress', 'submitted', 'exempt']) {
    tiles[k] = h('span', {class: 'stat-value', dataset: {key: k}}, '—');
    tileBox.appendChild(h('div', {class: 'stat stat-' + k}, h('span', {class: 'stat-label'}, label(k)), tiles[k]));
  }
  const progress = h('progress', {max: '1', value: '0', id: 'mon-progress', class: 'progress'});
  const progressText = h('span', {class: 'progress-label'}, '');
  const updated = h('p', {class: 'muted monitor-updated', 'aria-live': 'off'}, '');
  const monMsg = h('div', {'aria-live': 'polite'});
  const refreshBtn = h('button', {type: 'button', class: 'btn btn-secondary', onclick: () => refresh()}, '立即刷新');
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'mon-title'},
    h('div', {class: 'card-head'},
      h('h2', {class: 'card-title', id: 'mon-title'}, '实时进度'),
      h('span', {class: 'live-dot', 'aria-hidden': 'true'}), h('span', {class: 'muted'}, '每 5 秒自动刷新')),
    tileBox,
    h('div', {class: 'progress-row'}, h('label', {for: 'mon-progress'}, '交卷进度'), progress, progressText),
    monMsg, h('div', {class: 'form-actions'}, refreshBtn, h('a', {href: '#/hr/' + encodeURIComponent(code), class: 'btn btn-secondary'}, '查看统计报表'),
      h('a', {href: '#/admin/exams/' + encodeURIComponent(code) + '/items', class: 'btn btn-secondary'}, '试题分析'),
      h('a', {href: '#/admin/exams/' + encodeURIComponent(code) + '/regrade', class: 'btn btn-secondary'}, '重新评分'),
      h('a', {href: '#/unit/exams/' + encodeURIComponent(code), class: 'btn btn-secondary'}, '按单位查看人员')),
    updated));
  main.appendChild(personLookup(code));
  main.appendChild(h('section', {class: 'card', 'aria-labelledby': 'def-title'},
    h('div', {class: 'card-head'}, h('h2', {class: 'card-title', id: 'def-title'}, '考试设置'),
      h('span', {class: 'chip chip-' + (st[1] === 'open' ? 'success' : st[1] === 'upcoming' ? 'info' : 'muted')}, st[0])),
    kvTable(ex, ['status', 'papers', 'code', 'title']),
    Array.isArray(ex.papers) ? papersView(ex.papers) : null));

  async function refresh() {
    try {
      const m = await api('GET', '/admin/exams/' + encodeURIComponent(code) + '/monitor');
      clear(monMsg);
      for (const k of Object.keys(tiles)) tiles[k].textContent = m[k] === undefined ? '—' : String(m[k]);
      const assigned = m.assigned || 0;
      progress.max = Math.max(1, assigned);
      progress.value = m.submitted || 0;
      progressText.textContent = assigned ? Math.round((m.submitted || 0) * 1000 / assigned) / 10 + '%' : '—';
      updated.textContent = '更新于 ' + fmtClock(serverNow());
    } catch (e) {
      if (e.status === 401) return;
      clear(monMsg);
      monMsg.appendChild(alertBox(e.offline ? 'warn' : 'error', e.message));
    }
  }
  await refresh();
  const timer = setInterval(() => {
    if (!document.hidden && ctx.isCurrent()) refresh();
  }, 5000);
  return () => clearInterval(timer);
}

function papersView(papers) {
  const wrap = h('div', {class: 'papers'});
  papers.forEach((p, i) => {
    const cats = (p.categories || []).map((c) => CATEGORY_NAMES[c] || c).join('、');
    const sections = p.sections || [];
    wrap.appendChild(h('h3', {class: 'sub-title'}, '试卷 ' + (i + 1) + '：' + cats));
    wrap.appendChild(tableWrap('试卷 ' + (i + 1), dataTable(null, [
      {key: 'title', label: '部分'}, {key: 'bank', label: '题库'},
      {key: 'type', label: '题型', fmt: (v) => ({single: '单选', multiple: '多选', judge: '判断'}[v] || v)},
      {key: 'count', label: '题数', num: true}, {key: 'points', label: '每题分值', num: true},
    ], sections, {compact: true})));
  });
  return wrap;
}

