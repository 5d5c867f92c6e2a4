#!/usr/bin/env python3
"""Train the Inkling Llama decoder on the token arrays written by prepare.py.

  /usr/bin/python3 models/recipe/train.py --preset base --time-budget-min 98 [--resume]

The LR schedule (linear warmup, cosine to 10 %) runs over whichever comes first of
--max-steps and --time-budget-min, so the same command fits a wall-clock deadline on a CPU
core and scales to a longer GPU run (pass --max-steps and a bigger --preset/--batch).
Checkpoints: work/ckpt.pt (latest, resumable) and work/best.pt (best held-out loss).
"""
import argparse, json, math, os, sys, time
import numpy as np
import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Llama, make_config, PRESETS  # noqa: E402

BOS = 1


def load_tokens(work, split):
    return {k: np.load(os.path.join(work, f'tokens_{split}_{k}.npy')).astype(np.int64) for k in ('poetry', 'prose')}


class Sampler:
    """Random windows, 50 % aligned to a line start; every window starts with <s>."""

    def __init__(self, arrs, nl_id, ctx, poetry_frac, seed):
        self.arrs, self.ctx, self.pf = arrs, ctx, poetry_frac
        self.rng = np.random.default_rng(seed)
        self.line_starts = {k: np.nonzero(a[:-ctx - 1] == nl_id)[0] + 1 for k, a in arrs.items()}

    def batch(self, b):
        x = np.empty((b, self.ctx + 1), dtype=np.int64)
        x[:, 0] = BOS
        for r in range(b):
            k = 'poetry' if self.rng.random() < self.pf else 'prose'
            a = self.arrs[k]
            if self.rng.random() < 0.5:
                ls = self.line_starts[k]
                s = int(ls[self.rng.integers(len(ls))])
            else:
                s = int(self.rng.integers(len(a) - self.ctx - 1))
            x[r, 1:] = a[s:s + self.ctx]
        t = torch.from_numpy(x)
        return t[:, :-1], t[:, 1:]


def val_windows(arr, ctx, max_windows=None):
    n = (len(arr)) // (ctx - 1)
    if max_windows:
        n = min(n, max_windows)
    w = np.empty((n, ctx + 1), dtype=np.int64)
    w[:, 0] = BOS
    w[:, 1:ctx] = arr[:n * (ctx - 1)].reshape(n, ctx - 1)
    w[:, ctx] = -1
    t = torch.from_numpy(w)
    x, y = t[:, :-1].clone(), t[:, 1:].clone()
    x[x < 0] = 0
    return x, y


@torch.no_grad()
def evaluate(model, vals, bs, device):
    model.eval()
    out = {}
    tot_l, tot_n = 0.0, 0
    for k, (x, y) in vals.items():
        ls, ns = 0.0, 0
        for i in range(0, len(x), bs):
            xb, yb = x[i:i + bs].to(device), y[i:i + bs].to(device)
            _, loss = model(xb, yb)
            n = int((yb >= 0).sum())
            ls += float(loss) * n
            ns += n
        out[k] = ls / ns
        tot_l += ls
        tot_n += ns
    out['all'] = tot_l / tot_n
    model.train()
    return out


def save(path, obj):
    tmp = path + '.tmp'
    torch.save(obj, tmp)
    os.replace(tmp, path)


def main():
    ap = argparse.ArgumentParser()
    here = os.path.dirname(os.path.abspath(__file__))
    ap.add_argument('--work', default=os.path.join(here, 'work'))
    ap.add_argument('--preset', default='base', choices=sorted(PRESETS))
    ap.add_argument('--hidden-size', type=int)
    ap.add_argument('--num-layers', type=int)
    ap.add_argument('--num-heads', type=int)
    ap.add_argument('--num-kv-heads', type=int)
    ap.add_argument('--head-dim', type=int)
    ap.add_argument('--ctx', type=int, default=256)
    ap.add_argument('--batch', type=int, default=8)
    ap.add_argument('--grad-accum', type=int, default=1)
    ap.add_argument('--lr', type=float, default=1.5e-3)
    ap.add_argument('--min-lr-frac', type=float, default=0.1)
    ap.add_argument('--warmup', type=int, default=150)
    ap.add_argument('--weight-decay', type=float, default=0.1)
    ap.add_argument('--max-steps', type=int, default=10**9)
    ap.add_argument('--time-budget-min', type=float, default=None,
                    help='wall-clock minutes for the whole run (evals included); LR decays over it. With --resume: '
                         'absent keeps the run\'s budget, given extends (or shortens) it, e.g. to continue in a later session')
    ap.add_argument('--poetry-frac', type=float, default=0.7)
    ap.add_argument('--eval-every', type=int, default=250)
    ap.add_argument('--eval-windows', type=int, default=64, help='val windows per part for periodic eval')
    ap.add_argument('--threads', type=int, default=1)
    ap.add_argument('--cpu-bf16', action='store_true',
                    help='bf16 autocast on CPU (weights and optimizer stay fp32; evals fp32): 1.6x the tokens/s at ctx 512 '
                         'on a CPU with AVX512-BF16, measured by throughput.py; CUDA always uses bf16')
    ap.add_argument('--device', default='auto')
    ap.add_argument('--seed', type=int, default=1337)
    ap.add_argument('--resume', action='store_true')
    a = ap.parse_args()

    torch.set_num_threads(a.threads)
    device = ('cuda' if torch.cuda.is_available() else 'cpu') if a.device == 'auto' else a.device
    prep = json.load(open(os.path.join(a.work, 'prepare.json')))
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(a.work, 'spm.model'))
    nl_id = sp.piece_to_id('<0x0A>')

    ckpt_path, best_path = os.path.join(a.work, 'ckpt.pt'), os.path.join(a.work, 'best.pt')
    state = None
    if a.resume and os.path.exists(ckpt_path):
        state = torch.load(ckpt_path, map_location='cpu')
        cfg = make_config(state['preset'], **state['config'])
        a.preset = state['preset']
        print(f"resuming from step {state['step']}", flush=True)
        # A resumed run is the same run: its windows, batch and schedule come from the checkpoint
        # (threads, bf16, evals and the time budget may change with the machine or the session).
        # Restored before anything (the sampler, the optimizer) is built from them.
        for k in ('ctx', 'batch', 'grad_accum', 'lr', 'min_lr_frac', 'warmup', 'weight_decay', 'poetry_frac', 'seed'):
            if k in state['args'] and getattr(a, k) != state['args'][k]:
                print(f'--{k.replace("_", "-")} {state["args"][k]} (from the checkpoint)', flush=True)
                setattr(a, k, state['args'][k])
    else:
        cfg = make_config(a.preset, vocab_size=prep['vocab_size'], hidden_size=a.hidden_size,
                          num_hidden_layers=a.num_layers, num_attention_heads=a.num_heads,
                          num_key_value_heads=a.num_kv_heads, head_dim=a.head_dim,
                          max_position_embeddings=a.ctx)
    torch.manual_seed(a.seed)
    model = Llama(cfg).to(device)
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{'params': decay, 'weight_decay': a.weight_decay},
                             {'params': no_decay, 'weight_decay': 0.0}],
                            lr=a.lr, betas=(0.9, 0.95), eps=1e-8)
    step, elapsed_before, tokens_seen, best = 0, 0.0, 0, float('inf')
    history = []
    sampler = Sampler(load_tokens(a.work, 'train'), nl_id, a.ctx, a.poetry_frac, a.seed)
    if state:
        model.load_state_dict(state['model'])
        opt.load_state_dict(state['opt'])
        step, elapsed_before, tokens_seen = state['step'], state['elapsed'], state['tokens_seen']
        best, history = state['best'], state['history']
        sampler.rng = np.random.default_rng(a.seed + step)  # fresh stream after resume
        run_args = state['args']
        if a.time_budget_min is None:
            a.time_budget_min = run_args['time_budget_min']
        else:
            print(f"time budget {run_args['time_budget_min']:g} -> {a.time_budget_min:g} min", flush=True)
        a.max_steps = run_args['max_steps']
    if a.time_budget_min is None:
        a.time_budget_min = float('inf')
    run_args = vars(a)
    val = load_tokens(a.work, 'val')
    vals = {k: val_windows(v, a.ctx, a.eval_windows) for k, v in val.items()}
    print(f'config {cfg}\nparams {model.num_params():,} (non-embedding {model.num_params(True):,}) device {device}', flush=True)
    budget_s = a.time_budget_min * 60

    def lr_at(progress, step):
        if step < a.warmup:
            return a.lr * (step + 1) / a.warmup
        p = min(1.0, progress)
        return a.lr * (a.min_lr_frac + (1 - a.min_lr_frac) * 0.5 * (1 + math.cos(math.pi * p)))

    def checkpoint(val_loss):
        nonlocal best
        obj = {'model': model.state_dict(), 'opt': opt.state_dict(), 'step': step,
               'elapsed': elapsed_before + time.time() - t0, 'tokens_seen': tokens_seen,
               'best': min(best, val_loss), 'history': history, 'preset': a.preset,
               'config': cfg.__dict__, 'args': run_args, 'prepare': {k: prep[k] for k in ('manifest_sha256', 'val_permille', 'vocab_size')}}
        save(ckpt_path, obj)
        if val_loss < best:
            best = val_loss
            obj['opt'] = None
            save(best_path, obj)

    autocast = torch.autocast('cuda', dtype=torch.bfloat16) if device == 'cuda' else torch.autocast('cpu', dtype=torch.bfloat16, enabled=a.cpu_bf16)
    t0 = time.time()
    tl = time.time()
    model.train()
    while True:
        elapsed = elapsed_before + time.time() - t0
        progress = max(step / a.max_steps, elapsed / budget_s)
        done = progress >= 1.0
        if (step % a.eval_every == 0 and step > 0) or done:
            ev = evaluate(model, vals, 16, device)
            history.append({'step': step, 'tokens': tokens_seen, 'elapsed': round(elapsed, 1), **{f'val_{k}': round(v, 4) for k, v in ev.items()}})
            print(f"eval step {step} tokens {tokens_seen:,} elapsed {elapsed/60:.1f}m val {ev['all']:.4f} (poetry {ev['poetry']:.4f} prose {ev['prose']:.4f}) ppl {math.exp(ev['all']):.2f}", flush=True)
            checkpoint(ev['all'])
        if done:
            break
        lr = lr_at(progress, step)
        for g in opt.param_groups:
            g['lr'] = lr
        for _ in range(a.grad_accum):
            x, y = sampler.batch(a.batch)
            x, y = x.to(device), y.to(device)
            with autocast:
                _, loss = model(x, y)
            (loss / a.grad_accum).backward()
            tokens_seen += x.numel()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        step += 1
        if step % 50 == 0:
            dt = time.time() - tl
            tl = time.time()
            print(f'step {step} loss {loss.item():.4f} lr {lr:.2e} tok/s {50*a.batch*a.ctx*a.grad_accum/dt:.0f} elapsed {(elapsed_before+time.time()-t0)/60:.1f}m', flush=True)
    print('done', flush=True)


if __name__ == '__main__':
    main()
