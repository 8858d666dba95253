#!/usr/bin/env bash
# The conformal guarantee under the unseen-subjects protocol (the baseline study's P1 folds): for each
# fold, calibrate a release on the other subjects (the fold never in memory nor in calibration), then
# route the fold's subjects with it at alpha 0.05, 0.1 and 0.2. Prints a markdown table per fold and
# the mean +- std over folds. Needs ../shared/data/routellm-mmlu; about 3-4 minutes per fold on 2 cores.
#
#   scripts/conformal-folds.sh                      # group-risk (the default method), folds 0-5
#   METHOD=mondrian scripts/conformal-folds.sh      # the per-question comparison
#   FOLDS="0 3" OUT=/tmp/x scripts/conformal-folds.sh
#   scripts/conformal-folds.sh --summary-only DIR   # the table again from a finished run
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
ROUTER="${ROUTER:-$ROOT/router}"
METHOD="${METHOD:-group-risk}"
FOLDS="${FOLDS:-0 1 2 3 4 5}"
ALPHAS="${ALPHAS:-0.05,0.1,0.2}"
OUT="${OUT:-$ROOT/.run/conformal-folds/$METHOD}"

summary() {
  local dir="$1"
  echo "| fold | test subjects | n | alpha | violation rate (pooled) | per-subject mean | coverage | strong share | test-tuned strong share for alpha (pooled / per-subject mean) | cost saved |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  for f in $(ls "$dir"/eval-*.json | sed 's/.*eval-\([0-9]*\)\.json/\1/' | sort -n); do
    jq -r --arg f "$f" '. as $r | .by_alpha[] |
      "| \($f) | \(($r.subjects // "") | split(",") | length) | \($r.n) | \(.alpha) | \(.violation_rate*1000|round/1000) | \(.violation_rate_group_mean*1000|round/1000) | \(.coverage*1000|round/1000) | \(.strong_share*1000|round/10)% | \(.oracle_strong_share_at_alpha*1000|round/10)% / \(.oracle_strong_share_at_alpha_group_mean*1000|round/10)% | \(.cost_saved*1000|round/10)% |"' \
      "$dir/eval-$f.json"
  done
  echo
  echo "| alpha | folds | violation rate (pooled) | per-subject mean | coverage | strong share | test-tuned strong share (pooled) | test-tuned (per-subject mean) | strong share minus test-tuned (pooled) | cost saved |"
  echo "|---|---|---|---|---|---|---|---|---|---|"
  jq -rs '
    def mean: add / length;
    def std: if length < 2 then 0 else (mean) as $m | (map((. - $m) * (. - $m)) | add / (length - 1)) | sqrt end;
    def ms($k; $scale; $digits): map(.[$k] * $scale) as $v
      | "\($v | mean * $digits | round / $digits) +- \($v | std * $digits | round / $digits)";
    [.[] | .by_alpha[] | . + {excess: (.strong_share - .oracle_strong_share_at_alpha)}] | group_by(.alpha)[] |
      "| \(.[0].alpha) | \(length) | \(ms("violation_rate"; 1; 1000)) | \(ms("violation_rate_group_mean"; 1; 1000)) | \(ms("coverage"; 1; 1000)) | \(ms("strong_share"; 100; 10))% | \(ms("oracle_strong_share_at_alpha"; 100; 10))% | \(ms("oracle_strong_share_at_alpha_group_mean"; 100; 10))% | \(ms("excess"; 100; 10)) points | \(ms("cost_saved"; 100; 10))% |"' \
    "$dir"/eval-*.json
  echo
  echo "Per test subject (every subject is tested in exactly one fold): mean of the subjects' own violation rates +- its standard error."
  echo
  echo "| alpha | subjects | mean violation rate | standard error | subjects above alpha |"
  echo "|---|---|---|---|---|"
  jq -rs '
    [.[] | .by_alpha[] | .alpha as $a | (.by_group // {}) | to_entries[]
      | select(.value.needed_strong > 0) | {alpha: $a, rate: .value.violation_rate}]
    | group_by(.alpha)[] | (map(.rate)) as $v | ($v | length) as $n | ($v | add / $n) as $m
    | (if $n > 1 then ($v | map((. - $m) * (. - $m)) | add / ($n - 1) | sqrt) / ($n | sqrt) else 0 end) as $se
    | "| \(.[0].alpha) | \($n) | \($m * 1000 | round / 1000) | \($se * 1000 | round / 1000) | \(map(select(.rate > .alpha)) | length) |"' \
    "$dir"/eval-*.json
}

if [ "${1:-}" = "--summary-only" ]; then
  summary "${2:-$OUT}"
  exit 0
fi

mkdir -p "$OUT"
for f in $FOLDS; do
  echo "fold $f: calibrate ($METHOD) $(date -u +%H:%M:%S)" >&2
  "$ROUTER" calibrate --method "$METHOD" --test-fold "$f" --out "$OUT/release-$f" --memory-out "$OUT/memory-$f.db" \
    > "$OUT/calibrate-$f.txt" 2> "$OUT/calibrate-$f.log"
  echo "fold $f: eval $(date -u +%H:%M:%S)" >&2
  "$ROUTER" eval --test-fold "$f" --model "$OUT/release-$f" --memory "$OUT/memory-$f.db" --alpha "$ALPHAS" --json \
    2> "$OUT/eval-$f.log" | jq --arg f "$f" '. + {fold: ($f | tonumber)}' > "$OUT/eval-$f.json"
done
summary "$OUT" | tee "$OUT/summary.md"
