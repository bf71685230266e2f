/* store_schema.c — the numbered migrations, each a pair of texts: SQLite (version in PRAGMA
 * user_version) and PostgreSQL (version in the table lawexam_schema). Each entry upgrades the
 * schema by one version inside one transaction; a database is never half-migrated. Both
 * texts of a pair make the same logical tables, columns and constraints (PostgreSQL: BIGINT for
 * SQLite's 64-bit INTEGER, BYTEA for BLOB, identity columns for INTEGER PRIMARY KEY, a trigger
 * function for the content stamp). Append new migrations; never edit a released one. */
#include "store_int.h"

const struct store_migration store_migrations[] = {
	{
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
		/* PostgreSQL */
		"CREATE TABLE categories("
		"  code TEXT PRIMARY KEY, name TEXT NOT NULL UNIQUE, created_at BIGINT NOT NULL);"
		"CREATE TABLE org_units("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, path TEXT NOT NULL UNIQUE,"
		"  parent_id BIGINT REFERENCES org_units(id), depth BIGINT NOT NULL);"
		"CREATE TABLE users("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, login TEXT NOT NULL UNIQUE, name TEXT NOT NULL,"
		"  org_id BIGINT NOT NULL REFERENCES org_units(id),"
		"  category TEXT NOT NULL REFERENCES categories(code),"
		"  roles BIGINT NOT NULL, pw_hash TEXT NOT NULL,"
		"  must_change_password BIGINT NOT NULL DEFAULT 0, disabled BIGINT NOT NULL DEFAULT 0,"
		"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
		"CREATE INDEX users_org ON users(org_id);"
		"CREATE TABLE sessions("
		"  token_hash BYTEA PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
		"  csrf TEXT NOT NULL, created_at BIGINT NOT NULL, last_seen BIGINT NOT NULL,"
		"  expires_at BIGINT NOT NULL);"
		"CREATE INDEX sessions_user ON sessions(user_id);"
		"CREATE TABLE api_tokens("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, token_hash BYTEA NOT NULL UNIQUE,"
		"  user_id BIGINT NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
		"  created_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0);"
		"CREATE TABLE login_throttle("
		"  key TEXT PRIMARY KEY, failures BIGINT NOT NULL, window_start BIGINT NOT NULL,"
		"  locked_until BIGINT NOT NULL);"
		"CREATE TABLE banks("
		"  code TEXT PRIMARY KEY, title TEXT NOT NULL, subject TEXT NOT NULL,"
		"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
		"CREATE TABLE questions("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, bank TEXT NOT NULL REFERENCES banks(code), qid TEXT NOT NULL,"
		"  active BIGINT NOT NULL DEFAULT 1, current_version_id BIGINT, ord BIGINT NOT NULL,"
		"  UNIQUE(bank, qid));"
		"CREATE TABLE question_versions("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, question_id BIGINT NOT NULL REFERENCES questions(id),"
		"  version BIGINT NOT NULL,"
		"  type TEXT NOT NULL CHECK(type IN ('single','multiple','judge')),"
		"  stem TEXT NOT NULL, options TEXT NOT NULL, answer TEXT NOT NULL,"
		"  explanation TEXT NOT NULL, basis TEXT NOT NULL, difficulty BIGINT NOT NULL,"
		"  tags TEXT NOT NULL, created_at BIGINT NOT NULL, UNIQUE(question_id, version));"
		"CREATE TABLE exams("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, code TEXT NOT NULL UNIQUE, title TEXT NOT NULL,"
		"  opens_at BIGINT NOT NULL, closes_at BIGINT NOT NULL, duration_s BIGINT NOT NULL,"
		"  pass_percent BIGINT NOT NULL, max_attempts BIGINT NOT NULL,"
		"  multiple_scoring TEXT NOT NULL, results TEXT NOT NULL, review TEXT NOT NULL,"
		"  definition TEXT NOT NULL, created_at BIGINT NOT NULL);"
		"CREATE TABLE exam_scope(exam_id BIGINT NOT NULL REFERENCES exams(id),"
		"  org_path TEXT NOT NULL, PRIMARY KEY(exam_id, org_path));"
		"CREATE TABLE exam_papers(exam_id BIGINT NOT NULL REFERENCES exams(id),"
		"  category TEXT NOT NULL REFERENCES categories(code), paper_idx BIGINT NOT NULL,"
		"  PRIMARY KEY(exam_id, category));"
		"CREATE TABLE retakes(exam_id BIGINT NOT NULL REFERENCES exams(id),"
		"  user_id BIGINT NOT NULL REFERENCES users(id), granted BIGINT NOT NULL,"
		"  PRIMARY KEY(exam_id, user_id));"
		"CREATE TABLE attempts("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, exam_id BIGINT NOT NULL REFERENCES exams(id),"
		"  user_id BIGINT NOT NULL REFERENCES users(id), attempt_no BIGINT NOT NULL,"
		"  seed BYTEA NOT NULL, status TEXT NOT NULL CHECK(status IN ('in_progress','submitted')),"
		"  started_at BIGINT NOT NULL, deadline BIGINT NOT NULL,"
		"  submitted_at BIGINT, submit_reason TEXT,"
		"  score2 BIGINT, max_score2 BIGINT NOT NULL, passed BIGINT,"
		"  UNIQUE(exam_id, user_id, attempt_no));"
		"CREATE INDEX attempts_open ON attempts(status, deadline);"
		"CREATE TABLE attempt_questions("
		"  attempt_id BIGINT NOT NULL REFERENCES attempts(id), position BIGINT NOT NULL,"
		"  section_idx BIGINT NOT NULL, section_title TEXT NOT NULL,"
		"  version_id BIGINT NOT NULL REFERENCES question_versions(id),"
		"  points2 BIGINT NOT NULL, perm TEXT NOT NULL,"
		"  PRIMARY KEY(attempt_id, position));"
		"CREATE TABLE answers("
		"  attempt_id BIGINT NOT NULL REFERENCES attempts(id), position BIGINT NOT NULL,"
		"  response TEXT NOT NULL, seq BIGINT NOT NULL, saved_at BIGINT NOT NULL,"
		"  earned2 BIGINT,"
		"  PRIMARY KEY(attempt_id, position));"
		"CREATE TABLE audit_log("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, at BIGINT NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL,"
		"  detail TEXT NOT NULL, remote TEXT NOT NULL);"
		"CREATE INDEX audit_at ON audit_log(at);",
	},
	{
		/* 2: settings shared by lawexamd and lawexam-admin (argon2id parameters) */
		"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;",
		/* PostgreSQL */
		"CREATE TABLE settings(key TEXT PRIMARY KEY, value TEXT NOT NULL);",
	},
	{
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
		/* PostgreSQL */
		"CREATE TABLE content_gen(id BIGINT PRIMARY KEY CHECK(id = 1), n BIGINT NOT NULL,"
		"  nonce BIGINT NOT NULL);"
		"INSERT INTO content_gen(id, n, nonce) VALUES(1, 1, ('x' || substr(md5(gen_random_uuid()::text), 1, 15))::bit(60)::bigint);"
		"CREATE FUNCTION content_gen_bump() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
		"  UPDATE content_gen SET n = n + 1,"
		"    nonce = ('x' || substr(md5(gen_random_uuid()::text), 1, 15))::bit(60)::bigint WHERE id = 1;"
		"  RETURN NULL; END $$;"
		"CREATE TRIGGER questions_gen AFTER INSERT OR UPDATE OR DELETE ON questions"
		"  FOR EACH STATEMENT EXECUTE FUNCTION content_gen_bump();"
		"CREATE TRIGGER versions_gen AFTER INSERT OR UPDATE OR DELETE ON question_versions"
		"  FOR EACH STATEMENT EXECUTE FUNCTION content_gen_bump();"
		"CREATE TRIGGER exams_gen AFTER INSERT OR UPDATE OR DELETE ON exams"
		"  FOR EACH STATEMENT EXECUTE FUNCTION content_gen_bump();",
	},
	{
		/* 4: certificates (合格证明, SPEC §14): one per passed best attempt, issued when first
		 * downloaded. number is 16 random base32 characters (80 bits from the CSPRNG), so the
		 * public /verify page cannot be walked. revoked is set when the attempt is voided. */
		"CREATE TABLE certificates("
		"  number TEXT PRIMARY KEY, attempt_id INTEGER NOT NULL UNIQUE REFERENCES attempts(id),"
		"  issued_at INTEGER NOT NULL, revoked INTEGER NOT NULL DEFAULT 0) WITHOUT ROWID;",
		/* PostgreSQL */
		"CREATE TABLE certificates("
		"  number TEXT PRIMARY KEY, attempt_id BIGINT NOT NULL UNIQUE REFERENCES attempts(id),"
		"  issued_at BIGINT NOT NULL, revoked BIGINT NOT NULL DEFAULT 0);",
	},
	{
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
		/* PostgreSQL */
		"ALTER TABLE attempts ADD COLUMN receipt TEXT;"
		"CREATE UNIQUE INDEX attempts_receipt ON attempts(receipt) WHERE receipt IS NOT NULL;"
		/* gen_random_uuid() draws from PostgreSQL's strong random source: two give 244 random bits */
		"INSERT INTO settings(key, value) VALUES('receipt_secret',"
		"  replace(gen_random_uuid()::text || gen_random_uuid()::text, '-', '')) ON CONFLICT DO NOTHING;"
		"CREATE TABLE attempt_credits("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, attempt_id BIGINT NOT NULL REFERENCES attempts(id),"
		"  seconds BIGINT NOT NULL, reason TEXT NOT NULL, at BIGINT NOT NULL);"
		"CREATE INDEX attempt_credits_attempt ON attempt_credits(attempt_id);"
		"CREATE TABLE liveness(id BIGINT PRIMARY KEY CHECK(id = 1), at BIGINT NOT NULL);",
	},
	{
		/* 6: the law library (SPEC §13). A law has numbered versions, each with all its
		 * articles (art_no 0 is the 序言; art_sub the Y of 第X条之Y); laws.version is the
		 * current one. questions.needs_review = 1 keeps a question out of new papers after an
		 * article it cites changed (an UPDATE of questions, so content_gen changes with it);
		 * question_review says which article of which law version put it there. */
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
		/* PostgreSQL */
		"CREATE TABLE laws(code TEXT PRIMARY KEY, title TEXT NOT NULL, version BIGINT NOT NULL,"
		"  created_at BIGINT NOT NULL, updated_at BIGINT NOT NULL);"
		"CREATE TABLE law_versions(law TEXT NOT NULL REFERENCES laws(code), version BIGINT NOT NULL,"
		"  title TEXT NOT NULL, effective TEXT NOT NULL, sha256 TEXT NOT NULL, imported_at BIGINT NOT NULL,"
		"  PRIMARY KEY(law, version));"
		"CREATE TABLE law_articles(law TEXT NOT NULL, version BIGINT NOT NULL, ord BIGINT NOT NULL,"
		"  art_no BIGINT NOT NULL, art_sub BIGINT NOT NULL, label TEXT NOT NULL, chapter TEXT NOT NULL,"
		"  body TEXT NOT NULL, PRIMARY KEY(law, version, art_no, art_sub),"
		"  FOREIGN KEY(law, version) REFERENCES law_versions(law, version));"
		"CREATE INDEX law_articles_ord ON law_articles(law, version, ord);"
		"ALTER TABLE questions ADD COLUMN needs_review BIGINT NOT NULL DEFAULT 0;"
		"CREATE TABLE question_review(question_id BIGINT PRIMARY KEY REFERENCES questions(id),"
		"  law TEXT NOT NULL, label TEXT NOT NULL, law_version BIGINT NOT NULL, since BIGINT NOT NULL);",
	},
	{
		/* 7: per-attempt actions and exemptions (SPEC §12). A voided attempt (作废) keeps its
		 * row and status and gets voided_at: the CHECK on attempts.status cannot change in
		 * SQLite without rebuilding a table four others reference, so every query that counts
		 * attempts also asks voided_at IS NULL, and the store reports the status "voided".
		 * exemptions (免考) take a person out of an exam's assigned population. */
		"ALTER TABLE attempts ADD COLUMN voided_at INTEGER;"
		"ALTER TABLE attempts ADD COLUMN void_reason TEXT;"
		"CREATE TABLE exemptions("
		"  exam_id INTEGER NOT NULL REFERENCES exams(id), user_id INTEGER NOT NULL REFERENCES users(id),"
		"  reason TEXT NOT NULL, actor TEXT NOT NULL, at INTEGER NOT NULL,"
		"  PRIMARY KEY(exam_id, user_id)) WITHOUT ROWID;",
		/* PostgreSQL */
		"ALTER TABLE attempts ADD COLUMN voided_at BIGINT;"
		"ALTER TABLE attempts ADD COLUMN void_reason TEXT;"
		"CREATE TABLE exemptions("
		"  exam_id BIGINT NOT NULL REFERENCES exams(id), user_id BIGINT NOT NULL REFERENCES users(id),"
		"  reason TEXT NOT NULL, actor TEXT NOT NULL, at BIGINT NOT NULL,"
		"  PRIMARY KEY(exam_id, user_id));",
	},
	{
		/* 8: the order categories were made in, for reports by category (SQLite's rowid
		 * before; PostgreSQL has none): a number kept with the row. */
		"ALTER TABLE categories ADD COLUMN ord INTEGER NOT NULL DEFAULT 0;"
		"UPDATE categories SET ord = rowid;",
		/* PostgreSQL */
		"ALTER TABLE categories ADD COLUMN ord BIGINT NOT NULL DEFAULT 0;",
	},
	{
		/* 9: unit administrators (单位管理员, SPEC §12). users.scope is the org path a user
		 * administers or reports on; NULL means the default (user_scope(): a unit_admin's own
		 * unit, everything for admin and hr). */
		"ALTER TABLE users ADD COLUMN scope TEXT;",
		/* PostgreSQL */
		"ALTER TABLE users ADD COLUMN scope TEXT;",
	},
	{
		/* 10: study (学法, SPEC §13): exams.kind ('exam' or 'mock': mock exams are never in a
		 * report); practice sets and their items (the version drawn, the first response and
		 * whether it was right); per user and bank the practice answered and right; the
		 * mistakes (错题本: in it while streak < 2, streak = right answers in a row in
		 * practice since the last wrong one); the exam attempts whose wrong answers were
		 * taken into the mistakes (only once review was allowed); reading time per law and
		 * the last counted reading ping of each user. */
		"ALTER TABLE exams ADD COLUMN kind TEXT NOT NULL DEFAULT 'exam';"
		"CREATE TABLE practice_sets("
		"  id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id),"
		"  bank TEXT NOT NULL, mode TEXT NOT NULL, created_at INTEGER NOT NULL);"
		"CREATE INDEX practice_sets_user ON practice_sets(user_id);"
		"CREATE TABLE practice_items("
		"  set_id INTEGER NOT NULL REFERENCES practice_sets(id), position INTEGER NOT NULL,"
		"  question_id INTEGER NOT NULL REFERENCES questions(id),"
		"  version_id INTEGER NOT NULL REFERENCES question_versions(id),"
		"  response TEXT, correct INTEGER, answered_at INTEGER,"
		"  PRIMARY KEY(set_id, position)) WITHOUT ROWID;"
		"CREATE TABLE study_stats("
		"  user_id INTEGER NOT NULL REFERENCES users(id), bank TEXT NOT NULL,"
		"  answered INTEGER NOT NULL, correct INTEGER NOT NULL, PRIMARY KEY(user_id, bank)) WITHOUT ROWID;"
		"CREATE TABLE study_seen("
		"  user_id INTEGER NOT NULL REFERENCES users(id), question_id INTEGER NOT NULL REFERENCES questions(id),"
		"  PRIMARY KEY(user_id, question_id)) WITHOUT ROWID;"
		"CREATE TABLE mistakes("
		"  user_id INTEGER NOT NULL REFERENCES users(id), question_id INTEGER NOT NULL REFERENCES questions(id),"
		"  wrong_count INTEGER NOT NULL, last_response TEXT NOT NULL, streak INTEGER NOT NULL,"
		"  updated_at INTEGER NOT NULL, PRIMARY KEY(user_id, question_id)) WITHOUT ROWID;"
		"CREATE TABLE mistake_attempts(attempt_id INTEGER PRIMARY KEY REFERENCES attempts(id));"
		"CREATE INDEX attempts_user ON attempts(user_id);"
		"CREATE TABLE reading("
		"  user_id INTEGER NOT NULL REFERENCES users(id), law TEXT NOT NULL, seconds INTEGER NOT NULL,"
		"  PRIMARY KEY(user_id, law)) WITHOUT ROWID;"
		"CREATE TABLE reading_last(user_id INTEGER PRIMARY KEY REFERENCES users(id), at INTEGER NOT NULL);",
		/* PostgreSQL */
		"ALTER TABLE exams ADD COLUMN kind TEXT NOT NULL DEFAULT 'exam';"
		"CREATE TABLE practice_sets("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, user_id BIGINT NOT NULL REFERENCES users(id),"
		"  bank TEXT NOT NULL, mode TEXT NOT NULL, created_at BIGINT NOT NULL);"
		"CREATE INDEX practice_sets_user ON practice_sets(user_id);"
		"CREATE TABLE practice_items("
		"  set_id BIGINT NOT NULL REFERENCES practice_sets(id), position BIGINT NOT NULL,"
		"  question_id BIGINT NOT NULL REFERENCES questions(id),"
		"  version_id BIGINT NOT NULL REFERENCES question_versions(id),"
		"  response TEXT, correct BIGINT, answered_at BIGINT,"
		"  PRIMARY KEY(set_id, position));"
		"CREATE TABLE study_stats("
		"  user_id BIGINT NOT NULL REFERENCES users(id), bank TEXT NOT NULL,"
		"  answered BIGINT NOT NULL, correct BIGINT NOT NULL, PRIMARY KEY(user_id, bank));"
		"CREATE TABLE study_seen("
		"  user_id BIGINT NOT NULL REFERENCES users(id), question_id BIGINT NOT NULL REFERENCES questions(id),"
		"  PRIMARY KEY(user_id, question_id));"
		"CREATE TABLE mistakes("
		"  user_id BIGINT NOT NULL REFERENCES users(id), question_id BIGINT NOT NULL REFERENCES questions(id),"
		"  wrong_count BIGINT NOT NULL, last_response TEXT NOT NULL, streak BIGINT NOT NULL,"
		"  updated_at BIGINT NOT NULL, PRIMARY KEY(user_id, question_id));"
		"CREATE TABLE mistake_attempts(attempt_id BIGINT PRIMARY KEY REFERENCES attempts(id));"
		"CREATE INDEX attempts_user ON attempts(user_id);"
		"CREATE TABLE reading("
		"  user_id BIGINT NOT NULL REFERENCES users(id), law TEXT NOT NULL, seconds BIGINT NOT NULL,"
		"  PRIMARY KEY(user_id, law));"
		"CREATE TABLE reading_last(user_id BIGINT PRIMARY KEY REFERENCES users(id), at BIGINT NOT NULL);",
	},
	{
		/* 11: notices (通知公告, SPEC §12): a title and text shown to the staff of a unit and
		 * its sub-units (org NULL: everyone), of one category (NULL: every category), from
		 * starts_at until before ends_at. org is the unit's path as text, like exam_scope. */
		"CREATE TABLE notices("
		"  id INTEGER PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, org TEXT,"
		"  category TEXT REFERENCES categories(code), starts_at INTEGER NOT NULL, ends_at INTEGER NOT NULL,"
		"  author TEXT NOT NULL, created_at INTEGER NOT NULL);"
		"CREATE INDEX notices_ends ON notices(ends_at);",
		/* PostgreSQL */
		"CREATE TABLE notices("
		"  id BIGINT GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, org TEXT,"
		"  category TEXT REFERENCES categories(code), starts_at BIGINT NOT NULL, ends_at BIGINT NOT NULL,"
		"  author TEXT NOT NULL, created_at BIGINT NOT NULL);"
		"CREATE INDEX notices_ends ON notices(ends_at);",
	},
};

const size_t store_n_migrations = sizeof store_migrations / sizeof store_migrations[0];
