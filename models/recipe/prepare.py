#!/usr/bin/env python3
"""Corpus -> deterministic train/val split -> SentencePiece BPE (byte fallback) -> token arrays.

Writes (under --work):
  split/train_{poetry,prose}.txt, split/val_{poetry,prose}.txt   the carved text
  spm.model / spm.vocab                                          SentencePiece model
  tokens_{train,val}_{poetry,prose}.npy                          uint16 token ids
  prepare.json                                                   manifest sha256, counts
The held-out split is by whole blank-line-separated blocks (stanzas / paragraphs): a block goes
to val when sha1(file path + block text) mod 1000 < val_permille. Deterministic, no RNG.
"""
import argparse, hashlib, json, os, random, re, sys, time
import numpy as np

BOS, EOS, UNK = 1, 2, 0


def sha256_file(p):
    h = hashlib.sha256()
    with open(p, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
    return h.hexdigest()


def split_corpus(corpus, val_permille):
    out = {('train', 'poetry'): [], ('train', 'prose'): [], ('val', 'poetry'): [], ('val', 'prose'): []}
    stats = {}
    for kind in ('poetry', 'prose'):
        for name in sorted(os.listdir(os.path.join(corpus, kind))):
            if not name.endswith('.txt'):
                continue
            rel = f'{kind}/{name}'
            text = open(os.path.join(corpus, rel), encoding='utf-8').read().replace('\r\n', '\n')
            blocks = re.split(r'\n{2,}', text.strip('\n'))
            tr, va = [], []
            for b in blocks:
                if not b.strip():
                    continue
                h = int(hashlib.sha1((rel + '\0' + b).encode('utf-8')).hexdigest(), 16)
                (va if h % 1000 < val_permille else tr).append(b)
            # a file is one document; blocks are rejoined with one blank line
            out[('train', kind)].append('\n\n'.join(tr))
            if va:
                out[('val', kind)].append('\n\n'.join(va))
            stats[rel] = {'train_blocks': len(tr), 'val_blocks': len(va)}
    return out, stats


def train_spm(train_docs, work, vocab_size, max_lines=1_500_000):
    import sentencepiece as spm
    lines = [l for d in train_docs for l in d.split('\n') if l.strip()]
    random.Random(1234).shuffle(lines)
    lines = lines[:max_lines]
    path = os.path.join(work, 'spm_input.txt')
    with open(path, 'w', encoding='utf-8') as f:
        for l in lines:
            f.write(l + '\n')
    # Lines are trained exactly as the runtime tokenizer sees them: no dummy prefix, no
    # whitespace folding, identity normalisation. '\n' is not a piece; it is byte-fallback
    # <0x0A>, so newlines and blank lines round-trip exactly. No whitespace-only pieces so that
    # SentencePiece's word splitting and HF's merge-rank BPE give identical segmentations.
    spm.SentencePieceTrainer.train(
        input=path, model_prefix=os.path.join(work, 'spm'), model_type='bpe',
        vocab_size=vocab_size, byte_fallback=True, character_coverage=0.9995,
        normalization_rule_name='identity', remove_extra_whitespaces=False,
        add_dummy_prefix=False, split_digits=True, allow_whitespace_only_pieces=False,
        max_sentence_length=1 << 16, input_sentence_size=max_lines, shuffle_input_sentence=False,
        unk_id=UNK, bos_id=BOS, eos_id=EOS, pad_id=-1, num_threads=1, minloglevel=2)
    os.remove(path)


def encode_docs(sp, docs):
    nl = sp.piece_to_id('<0x0A>')
    ids = []
    for d in docs:
        ids.append(BOS)
        lines = d.split('\n')
        enc = sp.encode(lines)
        for i, e in enumerate(enc):
            if i:
                ids.append(nl)
            ids.extend(e)
    return np.array(ids, dtype=np.uint16)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', default=os.path.join(os.path.dirname(__file__), '../../../shared/corpus-train'))
    ap.add_argument('--work', default=os.path.join(os.path.dirname(__file__), 'work'))
    ap.add_argument('--vocab-size', type=int, default=4096)
    ap.add_argument('--val-permille', type=int, default=15)
    ap.add_argument('--force', action='store_true', help='redo even if work/prepare.json exists')
    a = ap.parse_args()
    corpus = os.path.abspath(a.corpus)
    done = os.path.join(a.work, 'prepare.json')
    if not a.force and os.path.exists(done):
        old = json.load(open(done))
        if old['manifest_sha256'] == sha256_file(os.path.join(corpus, 'MANIFEST.tsv')) and old['val_permille'] == a.val_permille:
            print('prepared data is up to date (work/prepare.json); --force to redo')
            return
    os.makedirs(os.path.join(a.work, 'split'), exist_ok=True)
    t0 = time.time()
    parts, stats = split_corpus(corpus, a.val_permille)
    for (split, kind), docs in parts.items():
        with open(os.path.join(a.work, 'split', f'{split}_{kind}.txt'), 'w', encoding='utf-8') as f:
            f.write('\n\n\n'.join(docs))
    print(f'split done {time.time()-t0:.1f}s', flush=True)
    if not os.path.exists(os.path.join(a.work, 'spm.model')):
        train_spm(parts[('train', 'poetry')] + parts[('train', 'prose')], a.work, a.vocab_size)
        print(f'spm done {time.time()-t0:.1f}s', flush=True)
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=os.path.join(a.work, 'spm.model'))
    info = {'corpus': corpus, 'manifest_sha256': sha256_file(os.path.join(corpus, 'MANIFEST.tsv')),
            'val_permille': a.val_permille, 'vocab_size': sp.get_piece_size(), 'files': stats, 'parts': {}}
    for (split, kind), docs in parts.items():
        arr = encode_docs(sp, docs)
        np.save(os.path.join(a.work, f'tokens_{split}_{kind}.npy'), arr)
        nbytes = sum(len(d.encode('utf-8')) for d in docs)
        nchars = sum(len(d) for d in docs)
        info['parts'][f'{split}_{kind}'] = {'tokens': int(len(arr)), 'bytes': nbytes, 'chars': nchars, 'docs': len(docs)}
        print(split, kind, len(arr), 'tokens', nbytes, 'bytes', flush=True)
    json.dump(info, open(os.path.join(a.work, 'prepare.json'), 'w'), indent=1)
    print(f'done {time.time()-t0:.1f}s')


if __name__ == '__main__':
    main()
