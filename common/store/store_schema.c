/* store_schema.c — the numbered migrations (PRAGMA user_version). Each entry upgrades the
 * schema by one version inside one transaction; a database is never half-migrated.
 * Append new migrations; never edit a released one. */
#include <stddef.h>

const char *const store_migrations[] = {
	/* 1: the whole logical model of SPEC §3 */
	"CREATE TABLE categories("
	"  code TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL);"
	"CREATE TABLE org_units("
	"  id INTEGER PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
	"  parent_id INTEGER REFERENCES org_units(id), depth INTEGER NOT NULL);"
	"CREATE TABLE users("
	"  id INTEGER PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
	"  org_id INTEGER NOT NULL REFERENCES org_units(id),"
	"  category TEXT NOT NULL REFERENCES categories(code),"
	"  roles INTEGER NOT NULL, pw_hash TEXT NOT NULL,"
	"  must_change_password INTEGER NOT NULL DEFAULT 0, disabled INTEGER NOT NULL DEFAULT 0,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE INDEX users_org ON users(org_id);"
	"CREATE TABLE sessions("
	"  token_hash BLOB PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  csrf TEXT NOT NULL, created_at INTEGER NOT NULL, last_seen INTEGER NOT NULL,"
	"  expires_at INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE INDEX sessions_user ON sessions(user_id);"
	"CREATE TABLE api_tokens("
	"  id INTEGER PRIMARY KEY, token_hash BLOB NOT NULL UNIQUE,"
	"  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
	"  created_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE login_throttle("
	"  key TEXT PRIMARY KEY, failures INTEGER NOT NULL, window_start INTEGER NOT NULL,"
	"  locked_until INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE banks("
	"  code TEXT PRIMARY KEY, title TEXT NOT NULL, subject TEXT NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE questions("
	"  id INTEGER PRIMARY KEY, bank TEXT NOT NULL REFERENCES banks(code), qid TEXT NOT NULL,"
	"  active INTEGER NOT NULL DEFAULT 1, current_version_id INTEGER, ord INTEGER NOT NULL,"
	"  UNIQUE(bank, qid));"
	"CREATE TABLE question_versions("
	"  id INTEGER PRIMARY KEY, question_id INTEGER NOT NULL REFERENCES questions(id),"
	"  version INTEGER NOT NULL,"
	"  type TEXT NOT NULL CHECK(type IN ('single','multiple','judge')),"
	"  stem TEXT NOT NULL, options TEXT NOT NULL, answer TEXT NOT NULL,"
	"  explanation TEXT NOT NULL, basis TEXT NOT NULL, difficulty INTEGER NOT NULL,"
	"  tags TEXT NOT NULL, created_at INTEGER NOT NULL, UNIQUE(question_id, version));"
	"CREATE TABLE exams("
	"  id INTEGER PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
	"  opens_at INTEGER NOT NULL, closes_at INTEGER NOT NULL, duration_s INTEGER NOT NULL,"
	"  pass_percent INTEGER NOT NULL, max_attempts INTEGER NOT NULL,"
	"  multiple_scoring TEXT NOT NULL, results TEXT NOT NULL, review TEXT NOT NULL,"
	"  definition TEXT NOT NULL, created_at INTEGER NOT NULL);"
	"CREATE TABLE exam_scope(exam_id INTEGER NOT NULL REFERENCES exams(id),"
	"  org_path TEXT NOT NULL, PRIMARY KEY(exam_id, org_path)) WITHOUT ROWID;"
	"CREATE TABLE exam_papers(exam_id INTEGER NOT NULL REFERENCES exams(id),"
	"  category TEXT NOT NULL REFERENCES categories(code), paper_idx INTEGER NOT NULL,"
	"  PRIMARY KEY(exam_id, category)) WITHOUT ROWID;"
	"CREATE TABLE retakes(exam_id INTEGER NOT NULL REFERENCES exams(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id), granted INTEGER NOT NULL,"
	"  PRIMARY KEY(exam_id, user_id)) WITHOUT ROWID;"
	"CREATE TABLE attempts("
	"  id INTEGER PRIMARY KEY, exam_id INTEGER NOT NULL REFERENCES exams(id),"
	"  user_id INTEGER NOT NULL REFERENCES users(id), attempt_no INTEGER NOT NULL,"
	"  seed BLOB NOT NULL, status TEXT NOT NULL CHECK(status IN ('in_progress','submitted')),"
	"  started_at INTEGER NOT NULL, deadline INTEGER NOT NULL,"
	"  submitted_at INTEGER, submit_reason TEXT,"
	"  score2 INTEGER, max_score2 INTEGER NOT NULL, passed INTEGER,"
	"  UNIQUE(exam_id, user_id, attempt_no));"
	"CREATE INDEX attempts_open ON attempts(status, deadline);"
	"CREATE TABLE attempt_questions("
	"  attempt_id INTEGER NOT NULL REFERENCES attempts(id), position INTEGER NOT NULL,"
	"  section_idx INTEGER NOT NULL, section_title TEXT NOT NULL,"
	"  version_id INTEGER NOT NULL REFERENCES question_versions(id),"
	"  points2 INTEGER NOT NULL, perm TEXT NOT NULL,"
	"  PRIMARY KEY(attempt_id, position)) WITHOUT ROWID;"
	"CREATE TABLE answers("
	"  attempt_id INTEGER NOT NULL REFERENCES attempts(id), position INTEGER NOT NULL,"
	"  response TEXT NOT NULL, seq INTEGER NOT NULL, saved_at INTEGER NOT NULL,"
	"  earned2 INTEGER,"
	"  PRIMARY KEY(attempt_id, position)) WITHOUT ROWID;"
	"CREATE TABLE audit_log("
	"  id INTEGER PRIMARY KEY, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
	"  detail TEXT NOT NULL, remote TEXT NOT NULL);"
	"CREATE INDEX audit_at ON audit_log(at);",
	/* 2: settings shared by lawexamd and lawexam-admin (argon2id parameters) */
	"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
	/* 3: the stamp of what a start draws from (questions, question_versions, exams). Triggers
	 * change it in the same transaction as any row change there, whichever program or code
	 * path makes it, so a connection's cache of parsed definitions and candidate lists
	 * (exam_start.c, exam_render.c) is checked with one point lookup. n counts changes (strictly increasing over
	 * committed history); nonce is random, so a stamp seen inside a transaction that was later
	 * rolled back is not met again when the count climbs back to the same n. */
	"CREATE TABLE content_gen(id INTEGER PRIMARY KEY CHECK(id = 1), n INTEGER NOT NULL,"
	"  nonce INTEGER NOT NULL);"
	"INSERT INTO content_gen(id, n, nonce) VALUES(1, 1, random());"
	"CREATE TRIGGER questions_gen_ins AFTER INSERT ON questions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER questions_gen_upd AFTER UPDATE ON questions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER questions_gen_del AFTER DELETE ON questions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER versions_gen_ins AFTER INSERT ON question_versions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER versions_gen_upd AFTER UPDATE ON question_versions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER versions_gen_del AFTER DELETE ON question_versions BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER exams_gen_ins AFTER INSERT ON exams BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER exams_gen_upd AFTER UPDATE ON exams BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;"
	"CREATE TRIGGER exams_gen_del AFTER DELETE ON exams BEGIN"
	"  UPDATE content_gen SET n = n + 1, nonce = random() WHERE id = 1; END;",
	/* 4: certificates (合格证明, SPEC §14): one per passed best attempt, issued when first
	 * downloaded. number is 16 random base32 characters (80 bits from the CSPRNG), so the
	 * public /verify page cannot be walked. revoked is set when the attempt is voided. */
	"CREATE TABLE certificates("
	"  number TEXT PRIMARY KEY, attempt_id INTEGER NOT NULL UNIQUE REFERENCES attempts(id),"
	"  issued_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;",
	/* 5: answer receipts (回执) and outage credit (故障补时), SPEC §12. attempts.receipt is
	 * the code issued at submission (HMAC-SHA256 under settings.receipt_secret, 32 random
	 * bytes made here and never sent anywhere); attempt_credits holds the time added to an
	 * attempt's deadline; liveness is the last moment lawexamd was known to be serving. */
	"ALTER TABLE attempts ADD COLUMN receipt TEXT;"
	"CREATE UNIQUE INDEX attempts_receipt ON attempts(receipt) WHERE receipt IS NOT NULL;"
	"INSERT OR IGNORE INTO settings(key, value) VALUES('receipt_secret', lower(hex(randomblob(32))));"
	"CREATE TABLE attempt_credits("
	"  id INTEGER PRIMARY KEY, attempt_id INTEGER NOT NULL REFERENCES attempts(id),"
	"  seconds INTEGER NOT NULL, reason TEXT NOT NULL, at INTEGER NOT NULL);"
	"CREATE INDEX attempt_credits_attempt ON attempt_credits(attempt_id);"
	"CREATE TABLE liveness(id INTEGER PRIMARY KEY CHECK(id = 1), at INTEGER NOT NULL);",
	/* 6: the law library (SPEC §13). A law has numbered versions, each with all its articles
	 * (art_no 0 is the 序言; art_sub the Y of 第X条之Y); laws.version is the current one.
	 * questions.needs_review = 1 keeps a question out of new papers after an article it cites
	 * changed (an UPDATE of questions, so content_gen changes with it); question_review says
	 * which article of which version put it there. */
	"CREATE TABLE laws(code TEXT PRIMARY KEY, title TEXT NOT NULL, version INTEGER NOT NULL,"
	"  created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL);"
	"CREATE TABLE law_versions(law TEXT NOT NULL REFERENCES laws(code), version INTEGER NOT NULL,"
	"  title TEXT NOT NULL, effective TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at INTEGER NOT NULL,"
	"  PRIMARY KEY(law, version));"
	"CREATE TABLE law_articles(law TEXT NOT NULL, version INTEGER NOT NULL, ord INTEGER NOT NULL,"
	"  art_no INTEGER NOT NULL, art_sub INTEGER NOT NULL, label TEXT NOT NULL, chapter TEXT NOT NULL,"
	"  body TEXT NOT NULL, PRIMARY KEY(law, version, art_no, art_sub),"
	"  FOREIGN KEY(law, version) REFERENCES law_versions(law, version));"
	"CREATE INDEX law_articles_ord ON law_articles(law, version, ord);"
	"ALTER TABLE questions ADD COLUMN needs_review INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE question_review(question_id INTEGER PRIMARY KEY REFERENCES questions(id),"
	"  law TEXT NOT NULL, label TEXT NOT NULL, law_version INTEGER NOT NULL, since INTEGER NOT NULL);",
};

const size_t store_n_migrations = sizeof store_migrations / sizeof store_migrations[0];
