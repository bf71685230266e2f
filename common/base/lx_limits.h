/* lx_limits.h — the limits that more than one part of lawexam must agree on: the server's
 * handlers, the domain, the importers and the web page (lawexamd serves these numbers to
 * the browser as the module /js/limits.js, built from this file: server/static.c).
 * A limit used by one module alone stays in that module. SPEC §10 gives the HTTP ones. */
#ifndef LAWEXAM_LX_LIMITS_H
#define LAWEXAM_LX_LIMITS_H

/* A limit as a string literal, for messages: LX_STR(LX_EXAM_CODE_MAX) is "64". */
#define LX_STR(x) LX_STR_(x)
#define LX_STR_(x) #x

#define LX_MAX_OPTIONS 8              /* options of one question (keys A..H) */
#define LX_MAX_POSITIONS 2000         /* questions in one paper */
#define LX_SAVE_BATCH_MAX 500         /* answers in one save request (PUT …/answers) */
#define LX_LOGIN_MAX_BYTES 64         /* a login (工号), bytes of UTF-8 */
#define LX_PASSWORD_MAX_BYTES 512     /* a password as sent to /login, bytes of UTF-8 */
#define LX_PASSWORD_MIN_CHARS 8       /* a new password, characters */
#define LX_PASSWORD_MAX_CHARS 128     /* a new password, characters (≤ 512 bytes) */
#define LX_PATH_MAX_BYTES 1024        /* a request path */
#define LX_BODY_MAX (1u << 20)        /* a request body: 1 MiB */
#define LX_UPLOAD_MAX (32u << 20)     /* a bank or roster upload: 32 MiB */
#define LX_JSON_MAX_DEPTH 32          /* nesting of any JSON we parse */
#define LX_EXAM_CODE_MAX 64           /* an exam code: [a-z0-9][a-z0-9_.-]* */
#define LX_BANK_CODE_MAX 32           /* a bank code: [a-z0-9-]+ */
#define LX_TITLE_MAX_BYTES 256        /* a bank's title or subject, bytes of UTF-8 */
#define LX_PRACTICE_COUNT_MAX 100     /* questions in one practice set (POST /practice) */
#define LX_PRACTICE_REQUIRED_MAX 100000 /* an exam's requires.practice_answered */
#define LX_EXAM_DURATION_MAX 1440     /* an exam's duration_minutes (a day) */
#define LX_EXAM_ATTEMPTS_MAX 100      /* an exam's max_attempts */
#define LX_SECTION_COUNT_MAX 1000     /* questions drawn by one section of a paper */
#define LX_SECTION_POINTS_MAX 1000    /* points of one question of a section */
#define LX_READING_PING_SECONDS 30    /* reading time: at most one ping counted per this many s */
#define LX_PEOPLE_PAGE 200            /* rows of one page of an exam's people (the default limit) */
#define LX_PEOPLE_PAGE_MAX 1000       /* rows of one page of an exam's people asked with limit= */
#define LX_NOTICE_TITLE_MAX 100       /* a notice's (通知公告) title, characters */
#define LX_NOTICE_BODY_MAX 5000       /* a notice's text, characters */

#endif
