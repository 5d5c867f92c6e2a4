#!/usr/bin/env python3
"""Build a random-weight Llama ONNX model with SmolLM2-135M's shapes for benchmarking.

  /usr/bin/python3 bench/make_bench_model.py            # -> bench/models/smollm2-135m-shape/
  /usr/bin/python3 bench/make_bench_model.py --gguf     # + bench/models/smollm2-135m-shape-{f32,q8_0}.gguf

Shapes: hidden 576, 30 layers, 9 heads / 3 KV heads, head_dim 64, intermediate 1536,
vocab 49152, tied embeddings, rope theta 100000, max positions 2048. Weights are random
(N(0, 0.02)); everything is int8 incl. the embedding / tied LM head (onnx-community 'q8'
layout, the faster variant in shared/PERF-NOTES.md). Same transformers.js I/O as the Inkling
models. The tokenizer is a GPT-2 style byte-level BPE with 49152 entries, built
programmatically from a SentencePiece BPE trained on the Inkling training corpus, so English
tokenizes to realistic lengths (~4 characters per token).

Model and export code are the recipe's own (models/recipe/model.py, export.py).

--gguf: llama.cpp files next to the folder (bench/models/, git-ignored): F32 from the int8 ONNX
with models/recipe/export_gguf.py (byte-level "gpt2" vocab, pre-tokenizer "smollm"), then Q8_0 with
llama-quantize from the llama.cpp .debs unpacked in --llama-root ($LLAMA_ROOT, default
/tmp/llama/root). Each step is skipped when its file exists, and the ONNX folder is only built
when onnx/model_quantized.onnx is missing. --verify also runs models/recipe/verify_gguf.mjs on
the Q8_0 file (llama-server /tokenize + greedy vs the int8 ONNX).
"""
import argparse, json, os, random, subprocess, sys, time
import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, 'models', 'recipe'))
from model import Llama, make_config  # noqa: E402
from export import export_onnx, quantize_int8, write_configs, write_json  # noqa: E402

SPECIALS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>']


def bytes_to_unicode():
    bs = list(range(ord('!'), ord('~') + 1)) + list(range(ord('¡'), ord('¬') + 1)) + list(range(ord('®'), ord('ÿ') + 1))
    cs = bs[:]
    n = 0
    for b in range(256):
        if b not in bs:
            bs.append(b)
            cs.append(256 + n)
            n += 1
    return dict(zip(bs, map(chr, cs)))


def build_bytelevel_tokenizer(corpus, work, out, vocab_size):
    import sentencepiece as spm
    prefix = os.path.join(work, f'spm{vocab_size}')
    if not os.path.exists(prefix + '.model'):
        lines = []
        for kind in ('poetry', 'prose'):
            d = os.path.join(corpus, kind)
            for f in sorted(os.listdir(d)):
                lines += [l for l in open(os.path.join(d, f), encoding='utf-8').read().split('\n') if l.strip()]
        random.Random(0).shuffle(lines)
        inp = os.path.join(work, 'spm_input.txt')
        with open(inp, 'w', encoding='utf-8') as fh:
            fh.write('\n'.join(lines[:400_000]) + '\n')
        t = time.time()
        # a little headroom: single-byte pieces collide with the 256 byte symbols
        spm.SentencePieceTrainer.train(
            input=inp, model_prefix=prefix, model_type='bpe', vocab_size=vocab_size + 160,
            character_coverage=0.9995, byte_fallback=True, normalization_rule_name='identity',
            remove_extra_whitespaces=False, add_dummy_prefix=True, split_digits=True,
            max_sentence_length=1 << 16, unk_id=0, bos_id=1, eos_id=2, pad_id=-1, num_threads=1, minloglevel=2)
        os.remove(inp)
        print(f'sentencepiece trained in {time.time()-t:.0f}s', flush=True)
    sp = spm.SentencePieceProcessor(model_file=prefix + '.model')
    b2u = bytes_to_unicode()
    vocab = {s: i for i, s in enumerate(SPECIALS)}
    for b in range(256):
        vocab.setdefault(b2u[b], len(vocab))
    order = sorted((i for i in range(sp.get_piece_size()) if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))),
                   key=lambda i: -sp.get_score(i))
    pieces = []
    for i in order:
        if len(vocab) >= vocab_size:
            break
        p = ''.join(b2u[b] for b in sp.id_to_piece(i).replace('\u2581', ' ').encode('utf-8'))
        if p not in vocab:
            vocab[p] = len(vocab)
            pieces.append(p)
    assert len(vocab) == vocab_size, len(vocab)
    merges = []
    for p in pieces:  # every split of a piece into two vocab entries, in piece order
        local = sorted((vocab[p[:k]], vocab[p[k:]], p[:k], p[k:]) for k in range(1, len(p))
                       if p[:k] in vocab and p[k:] in vocab)
        merges += [f'{l} {r}' for _, _, l, r in local]
    added = [{'id': i, 'content': s, 'single_word': False, 'lstrip': False, 'rstrip': False,
              'normalized': False, 'special': True} for i, s in enumerate(SPECIALS)]
    tok = {'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': added, 'normalizer': None,
           'pre_tokenizer': {'type': 'Sequence', 'pretokenizers': [
               {'type': 'Digits', 'individual_digits': True},
               {'type': 'ByteLevel', 'add_prefix_space': False, 'trim_offsets': True, 'use_regex': True}]},
           'post_processor': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': False, 'use_regex': True},
           'decoder': {'type': 'ByteLevel', 'add_prefix_space': True, 'trim_offsets': True, 'use_regex': True},
           'model': {'type': 'BPE', 'dropout': None, 'unk_token': None, 'continuing_subword_prefix': None,
                     'end_of_word_suffix': None, 'fuse_unk': False, 'byte_fallback': False, 'ignore_merges': False,
                     'vocab': vocab, 'merges': merges}}
    write_json(os.path.join(out, 'tokenizer.json'), tok, indent=None)
    write_json(os.path.join(out, 'tokenizer_config.json'), {
        'add_prefix_space': False, 'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>',
        'unk_token': '<|endoftext|>', 'clean_up_tokenization_spaces': False, 'model_max_length': 2048,
        'tokenizer_class': 'GPT2Tokenizer', 'vocab_size': vocab_size,
        'added_tokens_decoder': {str(a['id']): {k: a[k] for k in ('content', 'lstrip', 'normalized', 'rstrip', 'single_word', 'special')} for a in added}})
    write_json(os.path.join(out, 'special_tokens_map.json'),
               {'bos_token': '<|endoftext|>', 'eos_token': '<|endoftext|>', 'unk_token': '<|endoftext|>'})
    return len(merges)


CHECK_MJS = r"""import { env, AutoTokenizer, AutoModelForCausalLM } from '@huggingface/transformers';
env.localModelPath = process.argv[2]; env.allowRemoteModels = false;
let t0 = performance.now();
const tok = await AutoTokenizer.from_pretrained('smollm2-135m-shape');
const tl = performance.now() - t0; t0 = performance.now();
const model = await AutoModelForCausalLM.from_pretrained('smollm2-135m-shape', { dtype: 'q8' });
const ml = performance.now() - t0;
const text = "It is a truth universally acknowledged, that a single man in possession of a good fortune, must be in want of a wife.\n\nShall I compare thee to a summer's day?";
const ids = tok.encode(text);
console.log('chars', text.length, 'tokens', ids.length, 'chars/token', (text.length / ids.length).toFixed(2), 'roundtrip', tok.decode(ids) === text);
console.log(tok.tokenize("It is a truth universally acknowledged, 1832").join('|'));
const inputs = tok(text);
t0 = performance.now();
const out = await model.generate({ ...inputs, max_new_tokens: 16, min_new_tokens: 16, do_sample: false });
console.log('generated', out[0].size ?? out[0].dims, 'in', (performance.now() - t0).toFixed(0), 'ms; tokenizer load', tl.toFixed(0), 'ms; model load', ml.toFixed(0), 'ms');
console.log(JSON.stringify(tok.decode(out[0].slice([inputs.input_ids.dims[1], null]))));
console.log('rss MB', (process.memoryUsage().rss / 1e6).toFixed(0));
"""


def check(out):
    """transformers.js loads the folder and generates 16 tokens (prints load time, RSS)."""
    work = os.path.join(os.path.dirname(out), '.work')
    os.makedirs(work, exist_ok=True)
    js = os.path.join(work, 'check.mjs')  # under the repo, so node resolves node_modules
    open(js, 'w').write(CHECK_MJS.replace("'smollm2-135m-shape'", repr(os.path.basename(out))))
    subprocess.run(['node', js, os.path.dirname(os.path.abspath(out))], check=True, cwd=ROOT)


def run_logged(cmd, **kw):
    t = time.time()
    print('$ ' + ' '.join(cmd), flush=True)
    subprocess.run(cmd, check=True, **kw)
    return time.time() - t


def make_gguf(out, root, verify=False):
    """F32 GGUF (export_gguf.py from the int8 ONNX) -> Q8_0 (llama-quantize); skips existing files."""
    out = os.path.abspath(out)
    d, name = os.path.dirname(out), os.path.basename(out)
    f32, q8 = os.path.join(d, f'{name}-f32.gguf'), os.path.join(d, f'{name}-q8_0.gguf')
    root = os.path.abspath(root)
    L = os.path.join(root, 'usr/lib/x86_64-linux-gnu')
    if not os.path.exists(q8):
        if os.path.exists(f32):
            print(f'{os.path.relpath(f32, ROOT)} exists, not re-exported', flush=True)
        else:
            env = dict(os.environ, LLAMA_ROOT=root, OMP_NUM_THREADS='1')
            dt = run_logged([sys.executable, os.path.join(ROOT, 'models', 'recipe', 'export_gguf.py'), out,
                             '--onnx', 'onnx/model_quantized.onnx', '--out', f32 + '.part'], env=env)
            os.replace(f32 + '.part', f32)
            print(f'F32 GGUF in {dt:.0f}s', flush=True)
        cpu = open('/proc/cpuinfo').read()
        backend = 'libggml-cpu-haswell.so' if (' avx2' in cpu and ' fma' in cpu) else 'libggml-cpu-x64.so'
        env = dict(os.environ, GGML_BACKEND_PATH=os.path.join(L, 'ggml', 'backends0', backend))
        qlog = os.path.join(d, '.work', 'llama-quantize.log')
        os.makedirs(os.path.dirname(qlog), exist_ok=True)
        with open(qlog, 'w') as fh:
            dt = run_logged([os.path.join(L, 'ld-linux-x86-64.so.2'), '--library-path', f'{L}/llama:{L}',
                             os.path.join(root, 'usr/bin/llama-quantize'), f32, q8 + '.part', 'Q8_0', '1'],
                            env=env, stdout=fh, stderr=subprocess.STDOUT)
        os.replace(q8 + '.part', q8)
        print(f'Q8_0 GGUF in {dt:.0f}s (log: {os.path.relpath(qlog, ROOT)})', flush=True)
    else:
        print(f'{os.path.relpath(q8, ROOT)} exists, skipped (delete it to rebuild)', flush=True)
    for f in (f32, q8):
        if os.path.exists(f):
            print(f'  {os.path.relpath(f, ROOT)}: {os.path.getsize(f):,} bytes', flush=True)
    if verify:
        run_logged(['node', os.path.join(ROOT, 'models', 'recipe', 'verify_gguf.mjs'), '--root', root, '--gguf', q8,
                    '--model', out, '--onnx', 'onnx/model_quantized.onnx'], cwd=ROOT)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--out', default=os.path.join(ROOT, 'bench', 'models', 'smollm2-135m-shape'))
    ap.add_argument('--corpus', default=os.path.join(ROOT, '..', 'shared', 'corpus-train'))
    ap.add_argument('--fp32', action='store_true', help='also keep onnx/model.onnx (538 MB)')
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--no-check', action='store_true', help='skip the transformers.js load + generate check')
    ap.add_argument('--check-only', action='store_true', help='only run the check on an existing folder')
    ap.add_argument('--gguf', action='store_true', help='also write <out>-f32.gguf and <out>-q8_0.gguf for llama.cpp '
                    '(existing files are kept; the ONNX folder is built only if missing)')
    ap.add_argument('--llama-root', default=os.environ.get('LLAMA_ROOT', '/tmp/llama/root'),
                    help='where the llama.cpp .debs are unpacked (llama-quantize, gguf-py)')
    ap.add_argument('--verify', action='store_true', help='with --gguf: run models/recipe/verify_gguf.mjs on the Q8_0 file')
    a = ap.parse_args()
    if a.check_only:
        return check(a.out)
    if a.gguf and all(os.path.exists(os.path.join(a.out, f)) for f in ('onnx/model_quantized.onnx', 'config.json', 'tokenizer.json')):
        print(f'{os.path.relpath(a.out, ROOT)} exists, not rebuilt', flush=True)
        return make_gguf(a.out, a.llama_root, a.verify)
    torch.set_num_threads(1)
    work = os.path.join(os.path.dirname(a.out), '.work')
    os.makedirs(os.path.join(a.out, 'onnx'), exist_ok=True)
    os.makedirs(work, exist_ok=True)
    t = time.time()
    n_merges = build_bytelevel_tokenizer(os.path.abspath(a.corpus), work, a.out, 49152)
    print(f'tokenizer: 49152 entries, {n_merges} merges ({time.time()-t:.0f}s)', flush=True)

    cfg = make_config('smollm2-135m', bos_token_id=0, eos_token_id=0, pad_token_id=0)
    torch.manual_seed(a.seed)
    model = Llama(cfg).eval()
    print(f'params {model.num_params():,}', flush=True)
    t = time.time()
    fp32 = os.path.join(a.out if a.fp32 else work, 'onnx' if a.fp32 else '', 'model.onnx')
    export_onnx(model, fp32)
    n = quantize_int8(fp32, os.path.join(a.out, 'onnx', 'model_quantized.onnx'))
    if not a.fp32:
        os.remove(fp32)
    print(f'onnx exported + int8 ({n} ops) in {time.time()-t:.0f}s', flush=True)
    write_configs(cfg, a.out, extra={'bench_note': 'random weights, SmolLM2-135M shapes; made by bench/make_bench_model.py'})
    gc = json.load(open(os.path.join(a.out, 'generation_config.json')))
    gc.update({'max_length': 2048, 'do_sample': False})
    for k in ('temperature', 'top_k'):
        gc.pop(k, None)
    write_json(os.path.join(a.out, 'generation_config.json'), gc)
    for root, _, files in os.walk(a.out):
        for f in sorted(files):
            p = os.path.join(root, f)
            print(f'  {os.path.relpath(p, ROOT)}: {os.path.getsize(p)/1e6:.1f} MB')
    if not a.no_check:
        check(a.out)
    if a.gguf:
        make_gguf(a.out, a.llama_root, a.verify)


if __name__ == '__main__':
    main()
