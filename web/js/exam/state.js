/* exam/state.js — one attempt's state on the exam page: the questions in paper order, the
 * answers (the server's, overlaid with what this browser still has queued, which is newer),
 * the flags and the current position (kept in localStorage, conveniences only) and whether
 * the attempt is finished. Components change it through these methods and redraw from
 * subscribe(); it draws nothing, and answers leave only through the SaveQueue. */

/** localStorage per user and attempt: value undefined reads, null removes, a string writes. */
function store(login, kind, id, value) {
  const key = 'lawexam.' + kind + '.' + login + '.' + id;
  try {
    if (value === undefined) return window.localStorage.getItem(key);
    if (value === null) window.localStorage.removeItem(key);
    else window.localStorage.setItem(key, value);
  } catch (e) {
    /* storage unavailable: flags and position are conveniences only */
  }
  return null;
}

function initialAnswers(attempt, queue) {
  const answers = {};
  const server = attempt.answers || {};
  for (const k of Object.keys(server)) answers[k] = server[k];
  const queued = queue.responses();
  for (const k of Object.keys(queued)) answers[k] = queued[k]; // unsent local changes are newer
  return answers;
}

function initialFlags(login, attemptId) {
  try {
    return new Set(JSON.parse(store(login, 'flags', attemptId) || '[]'));
  } catch (e) {
    return new Set();
  }
}

/** The state of `attempt` (GET /attempts/{id}) for `login`, saving answers through `queue`. */
export function createState(attempt, queue, login) {
  const questions = (attempt.questions || []).slice().sort((a, b) => a.position - b.position);
  const byPos = new Map(questions.map((q) => [q.position, q]));
  const answers = initialAnswers(attempt, queue);
  const flags = initialFlags(login, attempt.id);
  let current = parseInt(store(login, 'pos', attempt.id) || '', 10);
  if (!byPos.has(current)) current = questions.length ? questions[0].position : 1;
  const listeners = new Set();
  const emit = () => {
    for (const fn of listeners) fn();
  };
  const isAnswered = (pos) => !!answers[String(pos)];

  const state = {
    attempt,
    questions,
    finished: false,
    current: () => current,
    has: (pos) => byPos.has(pos),
    question: (pos) => byPos.get(pos),
    isAnswered,
    responseOf: (pos) => answers[String(pos)] || '',
    isFlagged: (pos) => flags.has(pos),
    flagCount: () => flags.size,
    /** Records and queues a response ('' clears it); ignored once the attempt is finished. */
    setAnswer(pos, response) {
      if (state.finished) return;
      if (response) answers[String(pos)] = response;
      else delete answers[String(pos)];
      queue.put(pos, response);
      emit();
    },
    /** Flags or unflags a question; returns whether it is flagged now. */
    toggleFlag(pos) {
      if (flags.has(pos)) flags.delete(pos);
      else flags.add(pos);
      store(login, 'flags', attempt.id, JSON.stringify(Array.from(flags)));
      emit();
      return flags.has(pos);
    },
    setCurrent(pos) {
      current = pos;
      store(login, 'pos', attempt.id, String(pos));
      emit();
    },
    unanswered: () => questions.filter((q) => !isAnswered(q.position)).map((q) => q.position),
    flagged: () => Array.from(flags).filter((p) => byPos.has(p)).sort((a, b) => a - b),
    /** Forgets the flags and the position kept for this attempt (after it is submitted). */
    forget() {
      store(login, 'flags', attempt.id, null);
      store(login, 'pos', attempt.id, null);
    },
    /** fn() after every change of an answer, a flag or the current question. */
    subscribe(fn) {
      listeners.add(fn);
      return () => listeners.delete(fn);
    },
  };
  return state;
}
