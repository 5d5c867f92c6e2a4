#!/usr/bin/env python3
"""Write MODEL_CARD.md (and LICENSE) for the exported folder from the recipe's work/ outputs."""
import argparse, json, math, os, platform, re
import torch


def cpu_name():
    try:
        for l in open('/proc/cpuinfo'):
            if l.startswith('model name'):
                return l.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or 'unknown CPU'


def fmt_size(p):
    return f'{os.path.getsize(p)/1e6:.1f} MB'


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', default=os.path.join(here, 'work'))
    ap.add_argument('--out', default=os.path.join(here, '..', 'inkling-verse'))
    ap.add_argument('--edition', default='', help='e.g. "second edition", shown in the title')
    a = ap.parse_args()
    W = lambda f: os.path.join(a.work, f)
    cfg = json.load(open(os.path.join(a.out, 'config.json')))
    prep = json.load(open(W('prepare.json')))
    st = torch.load(W('best.pt'), map_location='cpu')
    last = torch.load(W('ckpt.pt'), map_location='cpu')
    args = st['args']
    hist = last['history']
    best = min(hist, key=lambda h: h['val_all'])
    ev = {k: json.load(open(W(f'eval_{k}.json'))) for k in ('q8', 'fp32', 'stories260K_fp32', 'q8_ctx', 'previous_q8') if os.path.exists(W(f'eval_{k}.json'))}
    samples = json.load(open(W('samples.json'))) if os.path.exists(W('samples.json')) else []
    verify = open(W('verify.log')).read() if os.path.exists(W('verify.log')) else ''
    n_params = sum(v.numel() for v in st['model'].values())
    n_emb = st['model']['embed_tokens.weight'].numel()
    parts = prep['parts']

    def evrow(name, e):
        r = []
        for k in ('all', 'poetry', 'prose'):
            x = e[k]
            r.append(f"| {name} | {k} | {x['tokens']:,} | {x['nll_per_token']:.4f} | {x['ppl_per_token']:.2f} | {x['bits_per_byte']:.4f} | {x['bits_per_char']:.4f} | {x['bytes_per_token']:.2f} |")
        return '\n'.join(r)

    diffs = dict(re.findall(r'onnx (fp32|q8)\s*\(.*?max \|logit diff\| vs PyTorch = ([0-9.e+-]+)', verify))
    load = re.search(r'load \(q8\): (\d+) ms', verify)
    tok_lines = ' '.join(l.strip()[0].upper() + l.strip()[1:] + '.' for l in verify.splitlines() if l.startswith('tokenizer'))
    onnx_dir = os.path.join(a.out, 'onnx')
    files = ', '.join(f'`onnx/{f}` {fmt_size(os.path.join(onnx_dir, f))}' for f in sorted(os.listdir(onnx_dir)))
    fp32_size = fmt_size(W('fp32/model.onnx')) if os.path.exists(W('fp32/model.onnx')) else 'n/a'

    def sample_block(s):
        cont = s['text'][len(s['prompt']):] if s['text'].startswith(s['prompt']) else s['text']
        return f"**{s['mode']}** (prompt, then `⟩`, then the model's continuation):\n\n```text\n{s['prompt']}⟩{cont}\n```\n"

    q8, fp, sto, q8ctx, prev = ev.get('q8'), ev.get('fp32'), ev.get('stories260K_fp32'), ev.get('q8_ctx'), ev.get('previous_q8')
    threads = args.get('threads', 1)
    bf16 = ', bf16 autocast' if args.get('cpu_bf16') else ''
    edition = f' ({a.edition})' if a.edition else ''
    previous = ''
    if prev and q8:
        change = q8['all']['bits_per_byte'] / prev['all']['bits_per_byte'] - 1
        previous = (f"\n**Against the previous edition** on the same split and windows ({q8['ctx']} tokens): "
                    f"{prev['all']['bits_per_byte']:.4f} → {q8['all']['bits_per_byte']:.4f} bits/byte (q8), {change:+.1%}.\n")
    card = f"""# inkling-verse{edition}

A small Llama-architecture language model trained from scratch, on {threads} CPU thread{'s' if threads > 1 else ''}, on a
public-domain corpus of English verse and 19th-century prose, for Inkling's "continue this
poem / paragraph" completions. It runs in transformers.js (`dtype: 'q8'`) and, faster, in
Inkling's copy-free layout (`onnx/model_kvin_q4.onnx`); `inkling-verse-q8_0.gguf` is for llama.cpp.

## Architecture

| | |
|---|---|
| type | Llama decoder (`model_type: llama`): RMSNorm, RoPE (θ={cfg['rope_theta']:g}), SwiGLU MLP, grouped-query attention, tied input/output embeddings |
| layers / hidden / MLP | {cfg['num_hidden_layers']} / {cfg['hidden_size']} / {cfg['intermediate_size']} |
| heads / KV heads / head dim | {cfg['num_attention_heads']} / {cfg['num_key_value_heads']} / {cfg['head_dim']} |
| vocabulary | {cfg['vocab_size']} (SentencePiece BPE with byte fallback; `\\n` is the byte token `<0x0A>`, so newlines, blank lines and leading spaces round-trip exactly) |
| trained context | {cfg['max_position_embeddings']} tokens (longer prompts: keep the last ~{cfg['max_position_embeddings']} tokens) |
| parameters | {n_params:,} ({n_params-n_emb:,} without the embedding) |
| files | {files}; fp32 export ({fp32_size}) is not shipped (size budget) — `models/recipe/make.sh` rebuilds it |

## Training

- Corpus: `shared/corpus-train` (poetry 39 files, prose 19 files; all published before 1929),
  `MANIFEST.tsv` sha256 `{prep['manifest_sha256']}`.
- Held-out split: whole blank-line-separated blocks (stanzas / paragraphs) go to validation when
  `sha1(file + block) mod 1000 < {prep['val_permille']}` — deterministic, never split inside a block.
  Train {parts['train_poetry']['tokens'] + parts['train_prose']['tokens']:,} tokens
  ({parts['train_poetry']['bytes'] + parts['train_prose']['bytes']:,} bytes); validation
  {parts['val_poetry']['tokens'] + parts['val_prose']['tokens']:,} tokens ({parts['val_poetry']['bytes'] + parts['val_prose']['bytes']:,} bytes).
- Sampling: random {args['ctx']}-token windows, each starting with `<s>`, half of them aligned to a line
  start; {int(args['poetry_frac']*100)} % poetry / {100-int(args['poetry_frac']*100)} % prose.
- AdamW (β 0.9/0.95, weight decay {args['weight_decay']}), peak LR {args['lr']}, {args['warmup']} warm-up steps, cosine to
  {args['min_lr_frac']:.0%} over a {args['time_budget_min']:g}-minute wall-clock budget; batch {args['batch']}×{args['ctx']} tokens; grad clip 1.0.
- Tokens seen: {last['tokens_seen']:,} ({last['step']:,} steps, {last['tokens_seen']/(parts['train_poetry']['tokens'] + parts['train_prose']['tokens']):.2f} passes over the training tokens).
  Average {last['tokens_seen']/last['elapsed']:.0f} tokens/s (the machine was also used for other work). Wall time
  {last['elapsed']/60:.0f} min on {threads} thread{'s' if threads > 1 else ''} of a {cpu_name()} (PyTorch {torch.__version__}, OpenBLAS{bf16}), evals included.
- Exported checkpoint: step {st['step']:,} (best held-out loss during training).

## Held-out results

Training-time eval (PyTorch, first 64 windows of each part): loss {best['val_all']:.4f} nats/token,
perplexity {math.exp(best['val_all']):.1f} (poetry {best['val_poetry']:.3f}, prose {best['val_prose']:.3f}) at step {best['step']:,}.

Full validation split, through ONNX Runtime (`models/recipe/eval_bpb.mjs`: each document tokenized
by the model's own tokenizer, windows of {q8['ctx'] if q8 else 256} tokens starting with `<s>`). Bits per byte / per
character are the comparable numbers, since the tokenizers differ:

| model | part | tokens | nats/token | perplexity/token | bits/byte | bits/char | bytes/token |
|---|---|---|---|---|---|---|---|
{evrow('inkling-verse q8', q8) if q8 else ''}
{evrow('inkling-verse fp32', fp) if fp else ''}
{evrow('stories260K fp32 (for scale)', sto) if sto else ''}
{evrow('previous edition q8', prev) if prev else ''}
{evrow(f"inkling-verse q8, {q8ctx['ctx']}-token windows", q8ctx) if q8ctx else ''}
{previous}
ONNX vs PyTorch (prefill with an empty past + cached one-token decode steps): max |logit diff|
fp32 {diffs.get('fp32', 'n/a')}, int8 {diffs.get('q8', 'n/a')}. {tok_lines}
transformers.js load (q8): {load.group(1) + ' ms' if load else 'n/a'}.

## Samples

Unedited output of `models/recipe/sample.mjs` (transformers.js, q8, 100 new tokens):

""" + '\n'.join(sample_block(s) for s in samples) + f"""

## Limitations

- Tiny and briefly trained: it writes verse-shaped text — line breaks, plausible line lengths,
  archaic diction, rhyme only by accident — but meaning drifts within a line or two, and it
  repeats itself under greedy decoding (use sampling or a repetition penalty).
- Knows only what a few dozen 19th-century books contain; modern words and names tokenize into
  pieces and are continued poorly. English only.
- Greedy decoding can fall into a run of spaces (the corpus has deeply indented and centred
  lines, and each space is its own token) or into play-script headings / speaker names (some
  verse dramas are in the corpus). Sample (the shipped `generation_config.json` does: t 0.8,
  top-k 40), cap new tokens, and stop or trim on whitespace-only lines in the editor.
- Trained on {args['ctx']}-token windows: positions past that are untrained.
- Inherits the corpus's period attitudes and language. Not for factual use.
- int8 (q8) weights: dynamic int8 matmuls, per-output-channel weight scales, embedding per-row;
  quality cost is in the table above ({(q8['all']['bits_per_byte']-fp['all']['bits_per_byte']) if q8 and fp else float('nan'):+.4f} bits/byte vs fp32).

## Licence

Weights and tokenizer: MIT (see `LICENSE`). Training text: public domain (see the corpus manifest).

## Reproduce

`models/recipe/make.sh` (see `models/recipe/README.md`).
"""
    card = re.sub(r'\n{3,}(\| model)', r'\n\n\1', card)
    card = re.sub(r'\|\n\n+\|', '|\n|', card)
    open(os.path.join(a.out, 'MODEL_CARD.md'), 'w').write(card)
    open(os.path.join(a.out, 'LICENSE'), 'w').write(MIT)
    print('wrote', os.path.join(a.out, 'MODEL_CARD.md'))


MIT = """MIT License

Copyright (c) 2026 the Inkling authors

Permission is hereby granted, free of charge, to any person obtaining a copy
of this software and associated documentation files (the "Software"), to deal
in the Software without restriction, including without limitation the rights
to use, copy, modify, merge, publish, distribute, sublicense, and/or sell
copies of the Software, and to permit persons to whom the Software is
furnished to do so, subject to the following conditions:

The above copyright notice and this permission notice shall be included in all
copies or substantial portions of the Software.

THE SOFTWARE IS PROVIDED "AS IS", WITHOUT WARRANTY OF ANY KIND, EXPRESS OR
IMPLIED, INCLUDING BUT NOT LIMITED TO THE WARRANTIES OF MERCHANTABILITY,
FITNESS FOR A PARTICULAR PURPOSE AND NONINFRINGEMENT. IN NO EVENT SHALL THE
AUTHORS OR COPYRIGHT HOLDERS BE LIABLE FOR ANY CLAIM, DAMAGES OR OTHER
LIABILITY, WHETHER IN AN ACTION OF CONTRACT, TORT OR OTHERWISE, ARISING FROM,
OUT OF OR IN CONNECTION WITH THE SOFTWARE OR THE USE OR OTHER DEALINGS IN THE
SOFTWARE.
"""

if __name__ == '__main__':
    main()
