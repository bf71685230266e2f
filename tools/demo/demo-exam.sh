#!/usr/bin/env bash
# Prints a lawexam-exam/1 definition for the demo: open from an hour ago for 30 days,
# one paper for leaders and one for enforcement and general staff, from the bundled banks.
set -euo pipefail
opens=$(date -d '-1 hour' +%Y-%m-%dT%H:%M:%S%:z)
closes=$(date -d '+30 days' +%Y-%m-%dT%H:%M:%S%:z)
cat <<JSON
{
  "format": "lawexam-exam/1",
  "code": "demo-annual",
  "title": "年度国家工作人员学法考法（演示）",
  "opens_at": "$opens",
  "closes_at": "$closes",
  "duration_minutes": 60,
  "pass_percent": 60,
  "max_attempts": 1,
  "multiple_scoring": "partial",
  "results": "immediate",
  "review": "immediate",
  "org_scope": ["珠晖区"],
  "papers": [
    {"categories": ["leader"],
     "sections": [
       {"title": "宪法", "bank": "constitution", "type": "single", "count": 10, "points": 2},
       {"title": "民法典", "bank": "civil-code", "type": "multiple", "count": 5, "points": 4},
       {"title": "党内法规", "bank": "party-regulations", "type": "judge", "count": 10, "points": 1, "tags": ["党章"]}
     ]},
    {"categories": ["enforcement", "general"],
     "sections": [
       {"title": "宪法", "bank": "constitution", "type": "single", "count": 10, "points": 2},
       {"title": "安全生产法", "bank": "work-safety", "type": "single", "count": 5, "points": 2},
       {"title": "反电信网络诈骗法", "bank": "anti-telecom-fraud", "type": "multiple", "count": 5, "points": 4},
       {"title": "民法典", "bank": "civil-code", "type": "judge", "count": 10, "points": 1}
     ]}
  ]
}
JSON
