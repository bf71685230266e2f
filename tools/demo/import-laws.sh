#!/usr/bin/env bash
# Imports the bundled law library (question-bank/laws/MANIFEST: code, file, effective date)
# with `lawexam-admin law import`, the command an administrator uses. Re-running it changes
# nothing (an unchanged text is not a new version).
# usage: tools/demo/import-laws.sh LAWEXAM-ADMIN [--db PATH]
set -euo pipefail
cd "$(dirname "$0")/../.."
admin=("$@")
grep -v '^#' question-bank/laws/MANIFEST | while IFS=$'\t' read -r code file effective; do
  [ -n "$code" ] || continue
  "${admin[@]}" law import "question-bank/laws/$file" --code "$code" --effective "$effective"
done
