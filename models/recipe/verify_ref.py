#!/usr/bin/env python3
"""Write PyTorch reference data for verify.mjs: token ids (SentencePiece) for round-trip
strings and the full-sequence logits of a test passage."""
import argparse, json, os, sys
import torch
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from export import load_ckpt  # noqa: E402

CASES = [
    "Shall I compare thee to a summer's day?\nThou art more lovely and more temperate:",
    "line one\n\nline three after a blank line\n\n\n",
    "\n  Leading spaces, two of them.\n    And four.\n\tA tab.",
    "  Pity the world, or else this glutton be,\n  To eat the world's due, by the grave and thee.",
    "It was the best of times — “curly” quotes, café, naïve, 1832, and an emoji 🌹.",
    "\n",
    "\n\n",
    " ",
    "O'er the hills; e'en so—'tis done!\r\nCRLF line",
]
PASSAGE = ("When I consider how my light is spent,\nEre half my days, in this dark world and wide,\n"
           "And that one talent which is death to hide\nLodged with me useless, though my soul more bent\n")


def encode(sp, text):
    nl = sp.piece_to_id('<0x0A>')
    out = []
    for i, e in enumerate(sp.encode(text.split('\n'))):
        if i:
            out.append(nl)
        out += e
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(here, 'work', 'best.pt'))
    ap.add_argument('--spm', default=os.path.join(here, 'work', 'spm.model'))
    ap.add_argument('--out', default=os.path.join(here, 'work', 'verify_ref.json'))
    ap.add_argument('--split', default=os.path.join(here, 'work', 'split'), help='val text to compare tokenizations on')
    a = ap.parse_args()
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=a.spm)
    torch.set_num_threads(1)
    model, st = load_ckpt(a.ckpt)
    ids = [1] + encode(sp, PASSAGE)
    with torch.no_grad():
        logits = model(torch.tensor([ids]))[0]
    docs = []
    for part in ('poetry', 'prose'):
        f = os.path.join(a.split, f'val_{part}.txt')
        if os.path.exists(f):
            docs += open(f, encoding='utf-8').read().split('\n\n\n')
    json.dump({'cases': [{'text': t, 'ids': [1] + encode(sp, t)} for t in CASES],
               'docs': [{'text': d, 'ids': [1] + encode(sp, d)} for d in docs],
               'passage': PASSAGE, 'ids': ids, 'logits': [[round(float(v), 6) for v in row] for row in logits]},
              open(a.out, 'w'))
    print('wrote', a.out, len(ids), 'tokens; step', st.get('step'))


if __name__ == '__main__':
    main()
