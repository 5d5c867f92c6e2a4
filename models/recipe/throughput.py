#!/usr/bin/env python3
"""Training throughput of train.py's step on this machine, variants interleaved in one process.

  MALLOC_MMAP_THRESHOLD_=1073741824 MALLOC_TRIM_THRESHOLD_=4294967296 \
    /usr/bin/python3 models/recipe/throughput.py [--rounds 3] [--steps 3] [--only 0,4,...]

Run it with make.sh's allocator settings: with glibc's defaults a variant's speed depends on what
ran before it in the process (an earlier large free raises the mmap threshold), by 3-4x here.
Compare allocator settings in fresh processes, alternated.

Each variant (preset, context, batch, threads, bf16 autocast, flush-denormal) has its own model
and AdamW; every round runs `--steps` optimizer steps of each in turn (the real train.py step:
sampled windows, forward, loss, backward, clip, AdamW), so the machine's drift hits all alike.
Prints tokens/s medians with the spread over rounds, and the first edition's setting as the
baseline (base preset, 256 context, batch 8, 1 thread). Needs prepare.py's work/ files.
"""
import argparse, json, os, statistics, sys, time
import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from model import Llama, make_config  # noqa: E402
from train import Sampler, load_tokens  # noqa: E402

VARIANTS = [
    # name, preset, ctx, batch, threads, bf16, flush_denormal
    ('first edition: base, ctx 256, batch 8, 1 thread', 'base', 256, 8, 1, False, False),
    ('base, ctx 512, batch 4, 1 thread', 'base', 512, 4, 1, False, False),
    ('base, ctx 512, batch 8, 1 thread', 'base', 512, 8, 1, False, False),
    ('base, ctx 512, batch 8, 2 threads', 'base', 512, 8, 2, False, False),
    ('base, ctx 512, batch 8, 1 thread, bf16 autocast', 'base', 512, 8, 1, True, False),
    ('base, ctx 512, batch 8, 1 thread, flush denormals', 'base', 512, 8, 1, False, True),
    ('medium, ctx 512, batch 8, 1 thread', 'medium', 512, 8, 1, False, False),
    ('medium, ctx 512, batch 8, 2 threads', 'medium', 512, 8, 2, False, False),
    ('base, ctx 512, batch 8, 2 threads, bf16 autocast', 'base', 512, 8, 2, True, False),
    ('medium, ctx 512, batch 8, 1 thread, bf16 autocast', 'medium', 512, 8, 1, True, False),
    ('medium, ctx 512, batch 8, 2 threads, bf16 autocast', 'medium', 512, 8, 2, True, False),
    ('base, ctx 256, batch 8, 1 thread, bf16 autocast', 'base', 256, 8, 1, True, False),
]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--work', default=os.path.join(HERE, 'work'))
    ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--steps', type=int, default=3)
    ap.add_argument('--only', default='', help='comma-separated variant indexes')
    ap.add_argument('--json', action='store_true')
    a = ap.parse_args()
    prep = json.load(open(os.path.join(a.work, 'prepare.json')))
    import sentencepiece as spm
    nl_id = spm.SentencePieceProcessor(model_file=os.path.join(a.work, 'spm.model')).piece_to_id('<0x0A>')
    tokens = load_tokens(a.work, 'train')
    chosen = [VARIANTS[int(i)] for i in a.only.split(',')] if a.only else VARIANTS
    runs = []
    for name, preset, ctx, batch, threads, bf16, denormal in chosen:
        torch.manual_seed(0)
        model = Llama(make_config(preset, vocab_size=prep['vocab_size'], max_position_embeddings=ctx))
        opt = torch.optim.AdamW(model.parameters(), lr=1e-3, betas=(0.9, 0.95), weight_decay=0.1)
        runs.append({'name': name, 'model': model, 'opt': opt, 'ctx': ctx, 'batch': batch, 'threads': threads, 'bf16': bf16,
                     'denormal': denormal, 'sampler': Sampler(tokens, nl_id, ctx, 0.7, 0), 'rates': [], 'params': model.num_params()})

    def step(r):
        x, y = r['sampler'].batch(r['batch'])
        with torch.autocast('cpu', dtype=torch.bfloat16, enabled=r['bf16']):
            _, loss = r['model'](x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(r['model'].parameters(), 1.0)
        r['opt'].step()
        r['opt'].zero_grad(set_to_none=True)

    for r in runs:  # warm-up step each, not timed
        torch.set_num_threads(r['threads'])
        torch.set_flush_denormal(r['denormal'])
        step(r)
    for rnd in range(a.rounds):
        for r in runs[rnd % len(runs):] + runs[:rnd % len(runs)]:
            torch.set_num_threads(r['threads'])
            torch.set_flush_denormal(r['denormal'])
            t = time.perf_counter()
            for _ in range(a.steps):
                step(r)
            r['rates'].append(a.steps * r['batch'] * r['ctx'] / (time.perf_counter() - t))
        print(f'round {rnd + 1}/{a.rounds} done', file=sys.stderr, flush=True)
    base = statistics.median(runs[0]['rates'])
    if a.json:
        print(json.dumps([{k: r[k] for k in ('name', 'params', 'rates')} for r in runs], indent=2))
        return
    print(f'| variant | parameters | tokens/s median (min–max over {a.rounds} rounds of {a.steps} steps) | vs {runs[0]["name"].split(":")[0]} |')
    print('|---|---|---|---|')
    for r in runs:
        m = statistics.median(r['rates'])
        print(f"| {r['name']} | {r['params'] / 1e6:.1f}M | {m:.0f} ({min(r['rates']):.0f}–{max(r['rates']):.0f}) | {m / base:.2f}× |")


if __name__ == '__main__':
    main()
