#!/usr/bin/env bash
# Regenerate the real result files in tests/data/llm/<tool>/ with the real tools, offline.
#
#   TOOLS=/path/to/tools bash tests/data/llm/regenerate.sh [inspect] [lm-eval] [promptfoo] [garak]
#
# TOOLS (default /work/wt/llm-tools) holds a venv with inspect-ai and lm-eval (venv/), one with
# garak (garak-venv/) and promptfoo installed with `npm install --prefix node promptfoo` (node/):
#   python3 -m venv $TOOLS/venv && $TOOLS/venv/bin/pip install inspect-ai lm-eval
#   python3 -m venv $TOOLS/garak-venv && $TOOLS/garak-venv/bin/pip install garak
#   npm install --prefix $TOOLS/node promptfoo
# Each tool runs in a scratch folder outside the repository (lm-eval records the git commit of its
# working directory), and only its result files are copied back. Nothing reaches the network.
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
TOOLS="${TOOLS:-/work/wt/llm-tools}"
WANT=("$@")
[ ${#WANT[@]} -gt 0 ] || WANT=(inspect lm-eval promptfoo garak)
SCRATCH="$(mktemp -d)"
trap 'rm -rf "$SCRATCH"' EXIT
export HF_DATASETS_OFFLINE=1 HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 HF_HOME="$SCRATCH/hf"
export PROMPTFOO_DISABLE_TELEMETRY=1 PROMPTFOO_DISABLE_UPDATE=1 PROMPTFOO_CONFIG_DIR="$SCRATCH/promptfoo"

want() { [[ " ${WANT[*]} " == *" $1 "* ]]; }

if want inspect; then
  # Inspect AI, mockllm/model; the .eval log and the same log converted to the .json log format.
  cp "$HERE"/inspect/tiny_task.py "$HERE"/inspect/tiny.jsonl "$HERE"/inspect/run_mock.py "$SCRATCH"/
  (cd "$SCRATCH" && "$TOOLS"/venv/bin/python run_mock.py logs >/dev/null)
  log="$(ls "$SCRATCH"/logs/*.eval)"
  cp "$log" "$HERE"/inspect/tiny_echo.eval
  "$TOOLS"/venv/bin/inspect log convert "$log" --to json --output-dir "$SCRATCH"/json >/dev/null
  cp "$SCRATCH"/json/*.json "$HERE"/inspect/tiny_echo.json
fi

if want lm-eval; then
  # lm-evaluation-harness, dummy model, a YAML task over a local JSONL file, --log_samples.
  mkdir -p "$SCRATCH"/lm && cp -r "$HERE"/lm-eval/tasks "$SCRATCH"/lm/
  (cd "$SCRATCH"/lm && "$TOOLS"/venv/bin/lm_eval --model dummy --tasks govern_tiny --include_path tasks \
    --output_path out --log_samples --seed 0 >/dev/null 2>&1)
  rm -rf "$HERE"/lm-eval/run && mkdir -p "$HERE"/lm-eval/run
  cp "$SCRATCH"/lm/out/*/results_*.json "$SCRATCH"/lm/out/*/samples_*.jsonl "$HERE"/lm-eval/run/
fi

if want promptfoo; then
  # promptfoo, echo provider: a small eval, and red-team-shaped tests (see redteam-offline.yaml).
  PF="$TOOLS"/node/node_modules/.bin/promptfoo
  cp "$HERE"/promptfoo/*.yaml "$SCRATCH"/
  (cd "$SCRATCH" && "$PF" eval -c promptfooconfig.yaml -o results.json --no-cache --no-table --no-progress-bar >/dev/null 2>&1 || true)
  (cd "$SCRATCH" && "$PF" eval -c redteam-offline.yaml -o redteam-results.json --no-cache --no-table --no-progress-bar >/dev/null 2>&1 || true)
  cp "$SCRATCH"/results.json "$SCRATCH"/redteam-results.json "$HERE"/promptfoo/
fi

if want garak; then
  # garak, test.Repeat (echoes the prompt) and test.Blank (answers nothing) generators, its
  # test.Test probe, scored by always.Pass and by always.Random (seeded: mixed outcomes).
  for gen in Repeat Blank; do
    (cd "$SCRATCH" && XDG_DATA_HOME="$SCRATCH/xdg" XDG_CONFIG_HOME="$SCRATCH/xdg" XDG_CACHE_HOME="$SCRATCH/xdg" \
      "$TOOLS"/garak-venv/bin/python -m garak --target_type test."$gen" --probes test.Test \
      --detectors always.Pass,always.Random --generations 2 --seed 0 --report_prefix "tiny_$gen" >/dev/null 2>&1)
    cp "$(find "$SCRATCH"/xdg -name "tiny_$gen.report.jsonl")" "$HERE"/garak/
  done
fi
echo "regenerated: ${WANT[*]}"
