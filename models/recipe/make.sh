#!/usr/bin/env bash
# Corpus -> finished transformers.js model folder, in one command (run from anywhere):
#   models/recipe/make.sh                      # CPU, preset 'base', 100 min of training
#   PRESET=medium MINUTES=600 models/recipe/make.sh
#   TRAIN_ARGS="--max-steps 20000 --batch 64" PRESET=large models/recipe/make.sh   # GPU (auto-detected)
#   RESUME=1 models/recipe/make.sh             # continue an interrupted run from work/ckpt.pt
# Env: PRESET, MINUTES, THREADS (torch threads, default 1), OUT (default models/inkling-verse),
#      CORPUS (default ../shared/corpus-train), PY (default /usr/bin/python3), TRAIN_ARGS,
#      LLAMA_ROOT (unpacked llama.cpp .debs, default /tmp/llama/root), GGUF=0 (no GGUF export),
#      PREVIOUS (folder of the edition being replaced: evaluated on the same split for the card),
#      EDITION (e.g. "second edition", the card's title).
set -euo pipefail
HERE="$(cd "$(dirname "$0")" && pwd)"
ROOT="$(cd "$HERE/../.." && pwd)"
PY="${PY:-/usr/bin/python3}"
PRESET="${PRESET:-base}"; MINUTES="${MINUTES:-100}"; THREADS="${THREADS:-1}"
OUT="${OUT:-$ROOT/models/inkling-verse}"
CORPUS="${CORPUS:-$ROOT/../shared/corpus-train}"
WORK="$HERE/work"
export OMP_NUM_THREADS="$THREADS"
# glibc hands every tensor above its mmap threshold back to the kernel when freed, so each step
# page-faults its large activations again: 2-5x slower training here (README, Training throughput).
export MALLOC_MMAP_THRESHOLD_="${MALLOC_MMAP_THRESHOLD_:-1073741824}" MALLOC_TRIM_THRESHOLD_="${MALLOC_TRIM_THRESHOLD_:-4294967296}"
mkdir -p "$WORK"
cd "$ROOT"

"$PY" "$HERE/prepare.py" --corpus "$CORPUS" --work "$WORK"
if [ "${SKIP_TRAIN:-0}" != 1 ]; then
  "$PY" "$HERE/train.py" --work "$WORK" --preset "$PRESET" --time-budget-min "$MINUTES" \
      --threads "$THREADS" ${RESUME:+--resume} ${TRAIN_ARGS:-} 2>&1 | tee -a "$WORK/train.log"
fi
"$PY" "$HERE/export.py" --ckpt "$WORK/best.pt" --spm "$WORK/spm.model" --out "$OUT" --fp32-dir "$WORK/fp32"
# GGUF for llama.cpp: F32 from the fp32 ONNX into work/, then Q8_0 into the model folder with llama.cpp's
# llama-quantize (the .debs of /work/shared/llama-server unpacked into LLAMA_ROOT; GGUF=0 skips this).
LLAMA_ROOT="${LLAMA_ROOT:-/tmp/llama/root}"; LL="$LLAMA_ROOT/usr/lib/x86_64-linux-gnu"
if [ "${GGUF:-1}" != 0 ] && [ -x "$LLAMA_ROOT/usr/bin/llama-quantize" ]; then
  LLAMA_ROOT="$LLAMA_ROOT" "$PY" "$HERE/export_gguf.py" "$OUT" --onnx "$WORK/fp32/model.onnx" --out "$WORK/$(basename "$OUT")-f32.gguf"
  GGML_BACKEND_PATH="$LL/ggml/backends0/libggml-cpu-x64.so" "$LL/ld-linux-x86-64.so.2" --library-path "$LL/llama:$LL" \
    "$LLAMA_ROOT/usr/bin/llama-quantize" "$WORK/$(basename "$OUT")-f32.gguf" "$OUT/$(basename "$OUT")-q8_0.gguf" Q8_0 1 > "$WORK/quantize.log" 2>&1
elif [ "${GGUF:-1}" != 0 ]; then
  echo "no llama.cpp under LLAMA_ROOT=$LLAMA_ROOT: skipping the GGUF (see README, GGUF export)" >&2
fi
# Inkling's copy-free 4-bit graph beside the transformers.js one (the layout the worker runs fastest).
"$PY" "$HERE/export_kvin.py" "$OUT" --ckpt "$WORK/best.pt" --variants q4
"$PY" "$HERE/verify_ref.py" --ckpt "$WORK/best.pt" --spm "$WORK/spm.model" --out "$WORK/verify_ref.json"
NAME="$(basename "$OUT")"; MODELS="$(dirname "$OUT")"
node "$HERE/verify.mjs" "$MODELS" "$NAME" "$WORK/verify_ref.json" "$WORK/fp32/model.onnx" | tee "$WORK/verify.log"
node "$HERE/verify_kvin.mjs" --model "$OUT" --kvin onnx/model_kvin_q4.onnx | tee "$WORK/verify_kvin.log"
node "$HERE/eval_bpb.mjs" "$MODELS" "$NAME" model_quantized.onnx 256 "$WORK/split" > "$WORK/eval_q8.json"
node "$HERE/eval_bpb.mjs" "$MODELS" "$NAME" "$WORK/fp32/model.onnx" 256 "$WORK/split" > "$WORK/eval_fp32.json"
# A model trained on longer windows is also measured on them; PREVIOUS (a folder of the edition it
# replaces) is measured on the same 256-token windows, for the card's comparison.
CTX="$("$PY" -c "import json,sys; print(json.load(open(sys.argv[1]))['max_position_embeddings'])" "$OUT/config.json")"
if [ "$CTX" != 256 ]; then node "$HERE/eval_bpb.mjs" "$MODELS" "$NAME" model_quantized.onnx "$CTX" "$WORK/split" > "$WORK/eval_q8_ctx.json"; fi
if [ -n "${PREVIOUS:-}" ]; then node "$HERE/eval_bpb.mjs" "$(dirname "$PREVIOUS")" "$(basename "$PREVIOUS")" model_quantized.onnx 256 "$WORK/split" > "$WORK/eval_previous_q8.json"; fi
if [ -d "$ROOT/../shared/models/stories260K" ] && [ ! -s "$WORK/eval_stories260K_fp32.json" ]; then
  node "$HERE/eval_bpb.mjs" "$ROOT/../shared/models" stories260K model.onnx 256 "$WORK/split" > "$WORK/eval_stories260K_fp32.json"
fi
node "$HERE/sample.mjs" "$MODELS" "$NAME" q8 2 > "$WORK/samples.json"
"$PY" "$HERE/make_card.py" --work "$WORK" --out "$OUT" --edition "${EDITION:-}"
du -sh "$OUT"
