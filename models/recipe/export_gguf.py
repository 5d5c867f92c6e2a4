#!/usr/bin/env python3
"""transformers.js-layout Llama model folder -> GGUF for llama.cpp (arch "llama").

  /usr/bin/python3 models/recipe/export_gguf.py MODEL_DIR \
      [--onnx onnx/model.onnx] [--out FILE.gguf] [--outtype f32|f16] [--rope auto|neox|norm]
      [--vocab auto|llama|gpt2] [--tokenizer-pre NAME]

gguf-py (pure Python, numpy) is found on PYTHONPATH, else in $GGUF_PY, else in
$LLAMA_ROOT/usr/lib/python3/dist-packages (the python3-gguf .deb from
/work/shared/llama-server/debs unpacked into LLAMA_ROOT, default /tmp/llama/root).
Prints one JSON line describing the export (roles, RoPE convention, tying, tokenizer flags).

MODEL_DIR holds config.json, tokenizer.json (+ tokenizer_config.json, generation_config.json)
and an ONNX decoder in onnx/: fp32 (`model.onnx`, plain MatMul/Gather initializers) or Inkling's
int8 layout (`model_quantized.onnx`: DynamicQuantizeLinear -> MatMulInteger with int8 weights and
per-output-channel scales, an int8 embedding table with per-row scales, tied head through a
Transpose; see README "ONNX layout"); DequantizeLinear-style int8 initializers are read too.
int8 weights are dequantized to float32 (w = q * scale), so the GGUF is the weights the ONNX
model multiplies by (the ONNX q8 graph additionally quantizes activations to uint8 on the fly,
which llama.cpp does not: expect tiny logit differences against q8, none beyond float rounding
against fp32). Default --onnx: onnx/model.onnx if present, else onnx/model_quantized.onnx.

Q8_0 (or any llama.cpp type) from the F32 file, with llama.cpp's own quantizer:
  llama-quantize MODEL-f32.gguf MODEL-q8_0.gguf Q8_0
(the Debian sid build from a private root, as /work/shared/llama-server/README.md runs llama-server:
  R=/tmp/llama/root L=$R/usr/lib/x86_64-linux-gnu
  GGML_BACKEND_PATH=$L/ggml/backends0/libggml-cpu-haswell.so $L/ld-linux-x86-64.so.2 \
      --library-path $L/llama:$L $R/usr/bin/llama-quantize IN-f32.gguf OUT-q8_0.gguf Q8_0 1
Rows whose length is not a multiple of 32 (inkling-verse's ffn_down: 688) cannot be Q8_0;
llama-quantize keeps those in F16 and says so.)

What it does, and why:
- Tensor roles come from the graph's data flow, not from initializer names (torch names most of
  them onnx::MatMul_NNNN): per layer the RMSNorm weights are the 1-D constants a hidden state is
  multiplied by (in graph order: attn_norm, ffn_norm, ..., output_norm); the three projections
  that share one input are q/k/v (k and v told apart by which of present.N.key / present.N.value
  they reach, q reaches neither), the two sharing the next input are gate/up (gate is the one
  that goes through Sigmoid/SiLU), the remaining two are attn_output and ffn_down; the projection
  that produces `logits` is the LM head. A head equal to the embedding's transpose is tied: no
  output.weight is written and llama.cpp reuses token_embd.
- RoPE: llama.cpp's "llama" arch rotates adjacent pairs (x[2i], x[2i+1]) (LLAMA_ROPE_TYPE_NORM,
  llama2.c/Meta convention). HF-style models (our model.py: rotate_half, pairs (x[i], x[i+hd/2]))
  need q/k rows permuted per head exactly as convert_hf_to_gguf.py's LlamaModel.permute does
  (q with n_head, k with n_head_kv). --rope auto reads the convention from the graph: a Neg on
  the k path (rotate_half) -> "neox" (permute); a Sub and no Neg (the interleaved complex-product
  form, e.g. llama2.c exports such as stories260K) -> "norm" (no permutation).
- Tokenizer, two kinds (--vocab auto picks gpt2 when tokenizer.json's pre-tokenizer contains
  ByteLevel, else llama):
- "llama" (SentencePiece-style vocabulary, Inkling's own models and stories260K). Token types: the ids in
  added_tokens that are special -> CONTROL (the unk token -> UNKNOWN), <0xXX> -> BYTE, other added
  -> USER_DEFINED, the rest NORMAL. Scores: llama.cpp's SPM tokenizer merges the adjacent pair
  whose concatenation has the highest score, so score(t) = -(rank of the first merge in
  tokenizer.json that produces t); that reproduces the BPE merge order (pieces no merge
  produces get a score below all of them). add_space_prefix is true only when the normalizer
  prepends "▁" (Prepend) or a Metaspace pre-tokenizer adds a prefix space; add_bos/add_eos from
  tokenizer_config.json (else the post-processor template).
- "gpt2" (GPT-2 / SmolLM-style byte-level BPE), written as convert_hf_to_gguf.py does
  (get_vocab_base + gguf.SpecialVocab): tokens in id order exactly as tokenizer.json stores them
  (byte-level characters such as "Ġthe"), added special tokens CONTROL, other added tokens
  USER_DEFINED, the rest NORMAL, ids without a token "[PAD{i}]" UNUSED; the merges from
  tokenizer.json verbatim; no scores and no add_space_prefix; bos/eos/unk/pad ids from
  tokenizer_config.json (else config.json); add_bos/add_eos false under a ByteLevel
  post-processor. tokenizer.ggml.pre names one of llama.cpp's fixed pre-tokenizer regex sets
  (src/llama-vocab.cpp), read from the pre-tokenizer's structure: ByteLevel alone -> "gpt-2"
  (GPT-2's regex); Digits(individual_digits) + ByteLevel -> "smollm" ("\\p{N}", then GPT-2's regex,
  and no space clean-up on decoding). Others need --tokenizer-pre.
"""
import argparse, json, os, re, sys

import numpy as np
import onnx
from onnx import numpy_helper

try:
    import gguf  # gguf-py: llama.cpp's gguf-py or Debian's python3-gguf on PYTHONPATH
except ImportError:  # else: $GGUF_PY, or python3-gguf unpacked into $LLAMA_ROOT (default /tmp/llama/root)
    for _p in (os.environ.get('GGUF_PY'), os.path.join(os.environ.get('LLAMA_ROOT', '/tmp/llama/root'), 'usr/lib/python3/dist-packages')):
        if _p and os.path.isdir(os.path.join(_p, 'gguf')):
            sys.path.append(_p)
            break
    try:
        import gguf  # noqa: E402
    except ImportError:  # the ONNX readers (read_model, used by export_kvin.py) work without it
        gguf = None


def log(*a):
    print(*a, file=sys.stderr, flush=True)


# ----------------------------------------------------------------------------- ONNX graph
class Graph:
    CONST_OPS = ('Transpose', 'Identity', 'Cast', 'DequantizeLinear', 'Reshape', 'Squeeze', 'Unsqueeze', 'Mul')

    def __init__(self, path):
        self.m = onnx.load(path)
        g = self.m.graph
        self.nodes = list(g.node)
        self.consts = {i.name: i for i in g.initializer}
        self.const_nodes = {}
        for n in self.nodes:
            if n.op_type == 'Constant' and n.attribute and n.attribute[0].name == 'value':
                self.const_nodes[n.output[0]] = n
        self.producer = {}
        self.consumers = {}
        for idx, n in enumerate(self.nodes):
            for o in n.output:
                self.producer[o] = idx
            for i in n.input:
                if i:
                    self.consumers.setdefault(i, []).append(idx)
        self.outputs = [o.name for o in g.output]
        self._cache = {}
        # tensors computable from constants alone (nodes are in topological order)
        self.is_const = set(self.consts) | set(self.const_nodes)
        for n in self.nodes:
            if n.op_type in self.CONST_OPS and all((not i) or i in self.is_const for i in n.input):
                self.is_const.update(n.output)

    def value(self, name):
        """numpy value of a constant tensor (initializer, Constant, or a small constant-only
        expression: Transpose, Cast, Identity, DequantizeLinear, Reshape, Squeeze, Unsqueeze, Mul);
        None when it depends on an input."""
        if name not in self.is_const:
            return None
        if name in self._cache:
            return self._cache[name]
        v = None
        if name in self.consts:
            v = numpy_helper.to_array(self.consts[name])
        elif name in self.const_nodes:
            v = numpy_helper.to_array(self.const_nodes[name].attribute[0].t)
        elif name in self.producer:
            n = self.nodes[self.producer[name]]
            ins = [self.value(i) if i else None for i in n.input]
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            if all(x is not None for x in ins[:1]) and all(x is not None for i, x in zip(n.input, ins) if i):
                op = n.op_type
                if op == 'Transpose':
                    v = np.transpose(ins[0], attrs.get('perm'))
                elif op == 'Identity':
                    v = ins[0]
                elif op == 'Cast':
                    v = ins[0].astype(onnx.helper.tensor_dtype_to_np_dtype(attrs['to'])) \
                        if hasattr(onnx.helper, 'tensor_dtype_to_np_dtype') \
                        else ins[0].astype(onnx.mapping.TENSOR_TYPE_TO_NP_TYPE[attrs['to']])
                elif op == 'DequantizeLinear':
                    x, s = ins[0].astype(np.float32), ins[1].astype(np.float32)
                    z = ins[2].astype(np.float32) if len(ins) > 2 and ins[2] is not None else np.float32(0)
                    axis = attrs.get('axis', 1)
                    if s.ndim == 1 and s.size > 1:
                        shp = [1] * x.ndim
                        shp[axis] = -1
                        s = s.reshape(shp)
                        z = z.reshape(shp) if np.ndim(z) == 1 else z
                    v = (x - z) * s
                elif op == 'Reshape':
                    v = ins[0].reshape(ins[1])
                elif op in ('Squeeze', 'Unsqueeze'):
                    axes = attrs.get('axes', ins[1].tolist() if len(ins) > 1 and ins[1] is not None else None)
                    v = np.squeeze(ins[0], axis=tuple(axes)) if op == 'Squeeze' else np.expand_dims(ins[0], tuple(axes))
                elif op == 'Mul':
                    v = ins[0] * ins[1]
        self._cache[name] = v
        return v

    def node_of(self, name):
        i = self.producer.get(name)
        return None if i is None else self.nodes[i]

    def uses(self, name):
        return [self.nodes[i] for i in self.consumers.get(name, [])]


def find_linears(G):
    """Every y = x @ W with a constant W, as dicts {x, y, W [in,out] float32, pos (node index)}."""
    lin = []
    for idx, n in enumerate(G.nodes):
        if n.op_type == 'MatMul':
            w = G.value(n.input[1])
            if w is not None and w.ndim == 2:
                lin.append(dict(x=n.input[0], y=n.output[0], W=w.astype(np.float32), pos=idx))
        elif n.op_type == 'Gemm':
            w = G.value(n.input[1])
            attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
            if w is not None and len(n.input) < 3 and attrs.get('alpha', 1.0) == 1.0 and not attrs.get('transA', 0):
                w = w.T if attrs.get('transB', 0) else w
                lin.append(dict(x=n.input[0], y=n.output[0], W=w.astype(np.float32), pos=idx))
        elif n.op_type == 'MatMulInteger':
            # DynamicQuantizeLinear(x) -> MatMulInteger(xq, Wq, xz, wz) -> Cast -> Mul(., xs * wscale)
            wq = G.value(n.input[1])
            if wq is None:
                continue
            wz = G.value(n.input[3]) if len(n.input) > 3 and n.input[3] else np.int8(0)
            dql = G.node_of(n.input[0])
            if dql is None or dql.op_type != 'DynamicQuantizeLinear':
                raise SystemExit(f'MatMulInteger {n.name}: activation is not DynamicQuantizeLinear')
            xs = dql.output[1]
            casts = [c for c in G.uses(n.output[0]) if c.op_type == 'Cast']
            if len(casts) != 1:
                raise SystemExit(f'MatMulInteger {n.name}: expected one Cast after it')
            muls = [c for c in G.uses(casts[0].output[0]) if c.op_type == 'Mul']
            if len(muls) != 1:
                raise SystemExit(f'MatMulInteger {n.name}: expected one Mul after the Cast')
            out = muls[0]
            sc = [i for i in out.input if i != casts[0].output[0]][0]
            scn = G.node_of(sc)
            if scn is None or scn.op_type != 'Mul' or xs not in scn.input:
                raise SystemExit(f'MatMulInteger {n.name}: scale is not Mul(x_scale, w_scale)')
            ws = G.value([i for i in scn.input if i != xs][0])
            W = (wq.astype(np.float32) - np.float32(wz)) * np.asarray(ws, np.float32).reshape(1, -1)
            lin.append(dict(x=dql.input[0], y=out.output[0], W=W, pos=G.producer[out.output[0]]))
    lin.sort(key=lambda d: d['pos'])
    return lin


def find_embedding(G):
    """The token embedding table [V, D] float32 (dequantized when stored as int8 + row scales)."""
    gathers = [n for n in G.nodes if n.op_type == 'Gather' and n.input[1] == 'input_ids']
    tables = [(n, G.value(n.input[0])) for n in gathers]
    tables = [(n, t) for n, t in tables if t is not None]
    flt = [t for n, t in tables if t.ndim == 2 and t.shape[1] > 1 and t.dtype.kind == 'f']
    if flt:
        return flt[0].astype(np.float32)
    q = [t for n, t in tables if t.ndim == 2 and t.dtype.kind in 'iu']
    s = [t for n, t in tables if t.dtype.kind == 'f' and t.ndim in (1, 2) and (t.ndim == 1 or t.shape[1] == 1)]
    if len(q) == 1 and len(s) == 1:
        return q[0].astype(np.float32) * s[0].reshape(-1, 1).astype(np.float32)
    raise SystemExit('cannot find the token embedding (a Gather on input_ids from a constant table)')


def forward_closure(G, start, stop_inputs):
    """Nodes reachable from tensor `start`, not entering nodes that consume a tensor in stop_inputs
    (the inputs of the other projections) — i.e. the ops of one sub-block."""
    seen, ops, outs = set(), [], set()
    todo = [start]
    while todo:
        t = todo.pop()
        if t in G.outputs:
            outs.add(t)
        for i in G.consumers.get(t, []):
            if i in seen:
                continue
            n = G.nodes[i]
            if any(x in stop_inputs for x in n.input) or n.op_type in ('DynamicQuantizeLinear',):
                continue
            seen.add(i)
            ops.append(n)
            todo.extend(n.output)
    return ops, outs


def rope_path(G, ops):
    """Of a projection's sub-block ops, those on the way to a present.N.key output (the RoPE ops
    of k, without the attention that follows); all ops when there is no such output."""
    mine = {id(n): n for n in ops}
    made = {o: n for n in ops for o in n.output}
    keys = [o for o in made if o in G.outputs and o.endswith('.key')]
    if not keys:
        return ops
    seen, todo = {}, list(keys)
    while todo:
        t = todo.pop()
        n = made.get(t)
        if n is None or id(n) in seen:
            continue
        seen[id(n)] = n
        todo.extend(i for i in n.input if i)
    return [n for n in ops if id(n) in seen and id(n) in mine]


def norm_weights(G, D):
    """1-D length-D constants multiplied into an activation, in graph order (RMSNorm weights)."""
    ws = []
    for n in G.nodes:
        if n.op_type != 'Mul':
            continue
        vals = [G.value(i) for i in n.input]
        c = [v for v in vals if v is not None]
        if any((G.node_of(i) is not None and G.node_of(i).op_type == 'DynamicQuantizeLinear') for i in n.input):
            continue  # x_scale * w_scale of an int8 projection
        if len(c) == 1 and c[0].ndim == 1 and c[0].shape[0] == D and c[0].dtype.kind == 'f':
            ws.append(c[0].astype(np.float32))
    return ws


def read_model(onnx_path, cfg, rope='auto'):
    G = Graph(onnx_path)
    D, L = cfg['hidden_size'], cfg['num_hidden_layers']
    nh = cfg['num_attention_heads']
    nkv = cfg.get('num_key_value_heads', nh)
    hd = cfg.get('head_dim') or D // nh
    ff = cfg['intermediate_size']
    V = cfg['vocab_size']
    E = find_embedding(G)
    assert E.shape == (V, D), f'embedding {E.shape} != {(V, D)}'
    lins = find_linears(G)
    heads = [l for l in lins if l['W'].shape == (D, V) and forward_closure(G, l['y'], set())[1] == {'logits'}]
    if len(heads) != 1:
        raise SystemExit(f'expected one LM-head projection [D,V], found {len(heads)}')
    head = heads[0]
    body = [l for l in lins if l is not head]
    if len(body) != 7 * L:
        raise SystemExit(f'expected {7 * L} projections in {L} layers, found {len(body)}')
    stop = {l['x'] for l in lins}
    norms = norm_weights(G, D)
    if len(norms) != 2 * L + 1:
        raise SystemExit(f'expected {2 * L + 1} RMSNorm weights of size {D}, found {len(norms)}')
    layers, conventions = [], set()
    for b in range(L):
        chunk = body[7 * b: 7 * b + 7]
        groups = {}
        for l in chunk:
            groups.setdefault(l['x'], []).append(l)
        by_size = sorted(groups.values(), key=lambda g: (-len(g), g[0]['pos']))
        sizes = sorted(len(g) for g in groups.values())
        if sizes != [1, 1, 2, 3]:
            raise SystemExit(f'layer {b}: projection input groups {sizes}, expected q/k/v, gate/up, o, down')
        qkv, gu = by_size[0], by_size[1]
        singles = sorted(by_size[2:], key=lambda g: g[0]['pos'])
        o, down = singles[0][0], singles[1][0]
        assert o['W'].shape == (nh * hd, D) and down['W'].shape == (ff, D), f'layer {b}: o/down shapes'
        role = {}
        for l in qkv:
            ops, outs = forward_closure(G, l['y'], stop)
            if any(x.endswith('.key') for x in outs):
                role['k'] = (l, ops)
            elif any(x.endswith('.value') for x in outs):
                role['v'] = (l, ops)
            else:
                role['q'] = (l, ops)
        if len(role) != 3:  # no present.* outputs (no-cache graph): graph order q, k, v
            log(f'layer {b}: k/v not told apart by present outputs; using graph order q, k, v')
            role = {r: (l, forward_closure(G, l['y'], stop)[0]) for r, l in zip('qkv', sorted(qkv, key=lambda l: l['pos']))}
        gate = [l for l in gu if any(n.op_type in ('Sigmoid', 'Silu', 'Swish', 'HardSwish')
                                     for n in forward_closure(G, l['y'], stop)[0])]
        if len(gate) != 1:
            raise SystemExit(f'layer {b}: cannot tell gate from up')
        up = [l for l in gu if l is not gate[0]][0]
        kops = {n.op_type for n in rope_path(G, role['k'][1])}
        conventions.add('neox' if 'Neg' in kops else ('norm' if 'Sub' in kops else '?'))
        q, k, v = role['q'][0], role['k'][0], role['v'][0]
        assert q['W'].shape == (D, nh * hd) and k['W'].shape == (D, nkv * hd) and v['W'].shape == (D, nkv * hd), \
            f'layer {b}: q/k/v shapes {q["W"].shape} {k["W"].shape} {v["W"].shape}'
        layers.append(dict(attn_norm=norms[2 * b], ffn_norm=norms[2 * b + 1], q=q['W'].T, k=k['W'].T, v=v['W'].T,
                           o=o['W'].T, gate=gate[0]['W'].T, up=up['W'].T, down=down['W'].T))
    if rope == 'auto':
        if len(conventions) != 1 or '?' in conventions:
            raise SystemExit(f'cannot read the RoPE convention from the graph ({conventions}); pass --rope neox|norm')
        rope = conventions.pop()
    Hw = head['W'].T  # [V, D]
    tied = bool(np.array_equal(Hw, E) or np.allclose(Hw, E, rtol=0, atol=1e-7 * max(1.0, float(np.abs(E).max()))))
    return dict(E=E, layers=layers, out_norm=norms[2 * L], head=None if tied else Hw, rope=rope,
                D=D, L=L, nh=nh, nkv=nkv, hd=hd, ff=ff, V=V, graph=G)


def permute(w, n_head):
    """convert_hf_to_gguf.py LlamaModel.permute: HF rotate_half rows -> llama.cpp adjacent pairs."""
    return w.reshape(n_head, 2, w.shape[0] // n_head // 2, *w.shape[1:]).swapaxes(1, 2).reshape(w.shape)


def rope_theta_from_graph(G, hd):
    """inv_freq as a constant (theta^(-2i/hd), optionally duplicated): theta, or None."""
    for name in list(G.consts) + list(G.const_nodes):
        v = G.value(name)
        if v is None or v.dtype.kind != 'f' or v.ndim != 1 or v.size not in (hd // 2, hd):
            continue
        f = v[: hd // 2].astype(np.float64)
        if f.size >= 2 and abs(f[0] - 1.0) < 1e-6 and 0 < f[1] < 1:
            theta = f[1] ** (-hd / 2.0)
            ref = theta ** (-np.arange(0, hd, 2) / hd)
            if np.allclose(f, ref, rtol=1e-4):
                return float(theta)
    return None


# ----------------------------------------------------------------------------- tokenizer
BYTE_RE = re.compile(r'^<0x[0-9A-Fa-f]{2}>$')


def _normalizers(n):
    if not n:
        return []
    if n.get('type') == 'Sequence':
        return [x for s in n.get('normalizers', []) for x in _normalizers(s)]
    return [n]


def read_tokenizer_spm(tj, tc):
    m = tj['model']
    vocab = m['vocab']
    added = {a['id']: a for a in tj.get('added_tokens', [])}
    n = max(list(vocab.values()) + list(added)) + 1
    tokens = [None] * n
    for t, i in vocab.items():
        tokens[i] = t
    for i, a in added.items():
        if tokens[i] is None:
            tokens[i] = a['content']
    missing = [i for i, t in enumerate(tokens) if t is None]
    if missing:
        raise SystemExit(f'token ids without text: {missing[:10]}')
    # scores: the rank of the first merge producing the piece
    merges = [tuple(x.split(' ', 1)) if isinstance(x, str) else tuple(x) for x in m.get('merges', [])]
    first = {}
    for r, (a, b) in enumerate(merges):
        first.setdefault(a + b, r)
    low = -float(len(merges) + 1)
    scores = [(-float(first[t]) if t in first else low) for t in tokens]
    unk = m.get('unk_token')
    types = []
    for i, t in enumerate(tokens):
        a = added.get(i)
        if t == unk:
            types.append(gguf.TokenType.UNKNOWN)
        elif a is not None and a.get('special'):
            types.append(gguf.TokenType.CONTROL)
        elif a is not None:
            types.append(gguf.TokenType.USER_DEFINED)
        elif m.get('byte_fallback') and BYTE_RE.match(t):
            types.append(gguf.TokenType.BYTE)
        else:
            types.append(gguf.TokenType.NORMAL)
    # how SentencePiece-like is it: splits llama.cpp may merge that BPE has no merge for
    mset = set(merges)
    normal = {t for t, ty in zip(tokens, types) if ty == gguf.TokenType.NORMAL}
    extra, unreachable = 0, 0
    for t in normal:
        if len(t) < 2:
            continue
        if t not in first:
            unreachable += 1
        for k in range(1, len(t)):
            if t[:k] in vocab and t[k:] in vocab and (t[:k], t[k:]) not in mset:
                extra += 1
    # space handling
    norms = _normalizers(tj.get('normalizer'))
    prepend = any(x.get('type') == 'Prepend' and x.get('prepend') == '\u2581' for x in norms)
    replace = any(x.get('type') == 'Replace' and x.get('content') == '\u2581' for x in norms)
    pt = tj.get('pre_tokenizer') or {}
    pts = pt.get('pretokenizers', [pt]) if pt.get('type') == 'Sequence' else [pt]
    meta = [x for x in pts if x.get('type') == 'Metaspace']
    if meta:
        replace = True
        ms = meta[0]
        if ms.get('prepend_scheme', 'always' if ms.get('add_prefix_space', True) else 'never') != 'never':
            prepend = True
    if not replace:
        log('warning: the tokenizer does not map " " to "\u2581"; llama.cpp\'s SPM tokenizer always does')
    pp = tj.get('post_processor') or {}

    def special_id(key):
        v = tc.get(key)
        if isinstance(v, dict):
            v = v.get('content')
        if isinstance(v, str) and v in vocab:
            return vocab[v]
        for i, a in added.items():
            if isinstance(v, str) and a['content'] == v:
                return i
        return None
    single = pp.get('single', []) if pp.get('type') == 'TemplateProcessing' else []
    tpl = [x['SpecialToken']['id'] for x in single if 'SpecialToken' in x]
    seq_at = next((k for k, x in enumerate(single) if 'Sequence' in x), 0)
    bos_name = tc.get('bos_token') if isinstance(tc.get('bos_token'), str) else (tc.get('bos_token') or {}).get('content')
    eos_name = tc.get('eos_token') if isinstance(tc.get('eos_token'), str) else (tc.get('eos_token') or {}).get('content')
    add_bos = tc.get('add_bos_token', any(x == bos_name for x in tpl[:seq_at]) if tpl else False)
    add_eos = tc.get('add_eos_token', any(x == eos_name for x in [y['SpecialToken']['id'] for y in single[seq_at + 1:] if 'SpecialToken' in y]))
    return dict(model='llama', pre='default', tokens=tokens, scores=scores, types=types, add_space_prefix=prepend,
                bos=special_id('bos_token'), eos=special_id('eos_token'),
                unk=vocab.get(unk) if unk else None, pad=special_id('pad_token'),
                add_bos=bool(add_bos), add_eos=bool(add_eos), n_merges=len(merges),
                extra_splits=extra, unreachable=unreachable)


def _flat(node, key):
    if not node:
        return []
    if node.get('type') == 'Sequence':
        return [x for s in node.get(key, []) for x in _flat(s, key)]
    return [node]


def _token_content(v):
    return v.get('content') if isinstance(v, dict) else v


def is_bytelevel(tj):
    """GPT-2 style byte-level BPE: a ByteLevel pre-tokenizer (bytes mapped to printable characters)."""
    return any(x.get('type') == 'ByteLevel' for x in _flat(tj.get('pre_tokenizer'), 'pretokenizers'))


def bpe_pre_name(tj):
    """llama.cpp's tokenizer.ggml.pre for a byte-level BPE pre-tokenizer, from its structure.
    llama.cpp does not read the regex from the file; it has one fixed list of regexes per name
    (src/llama-vocab.cpp). Recognised here:
      ByteLevel(use_regex)                              -> "gpt-2"  (GPT-2's regex)
      Digits(individual_digits) + ByteLevel(use_regex)  -> "smollm" ("\\p{N}" first, then GPT-2's
                                                           regex; SmolLM/SmolLM2; no clean-up of
                                                           spaces when decoding)
    Anything else needs --tokenizer-pre NAME (and a check with verify_gguf.mjs)."""
    pts = _flat(tj.get('pre_tokenizer'), 'pretokenizers')
    kinds = [x.get('type') for x in pts]
    bl = [x for x in pts if x.get('type') == 'ByteLevel']
    if len(bl) != 1 or not bl[0].get('use_regex', True):
        return None
    if kinds == ['ByteLevel']:
        return 'gpt-2'
    if kinds == ['Digits', 'ByteLevel'] and pts[0].get('individual_digits'):
        return 'smollm'
    return None


def read_tokenizer_gpt2(tj, tc, n_vocab=None, pre=None):
    """Byte-level BPE the way convert_hf_to_gguf.py writes it (get_vocab_base + SpecialVocab):
    tokens in id order as stored in tokenizer.json (byte-level characters, e.g. "Ġthe"), ids
    without a token as "[PAD{i}]" (UNUSED), added special tokens CONTROL, other added tokens
    USER_DEFINED, the rest NORMAL; merges verbatim ("a b"; the [a, b] list form with spaces
    encoded as U+0120 like gguf-py); no scores; bos/eos/unk/pad from tokenizer_config.json (else
    config.json, in main); add_bos/add_eos false for a ByteLevel post-processor, else from a
    TemplateProcessing, else tokenizer_config.json."""
    m = tj['model']
    vocab = m['vocab']
    added = {a['id']: a for a in tj.get('added_tokens', [])}
    n = max([max(vocab.values()) + 1, max(added, default=-1) + 1, n_vocab or 0])
    tokens, types = [None] * n, [None] * n
    for t, i in vocab.items():
        tokens[i] = t
    for i, a in added.items():
        tokens[i] = a['content']
    for i, t in enumerate(tokens):
        a = added.get(i)
        if t is None:
            tokens[i], types[i] = f'[PAD{i}]', gguf.TokenType.UNUSED
        elif a is not None:
            types[i] = gguf.TokenType.CONTROL if a.get('special') else gguf.TokenType.USER_DEFINED
        else:
            types[i] = gguf.TokenType.NORMAL
    merges = []
    for x in m.get('merges', []):
        if isinstance(x, str):
            merges.append(x)
        else:
            merges.append(' '.join(''.join('\u0120' if c == ' ' else c for c in part) for part in x))
    if tj.get('normalizer'):
        log(f'warning: normalizer {tj["normalizer"].get("type")} is not exported; llama.cpp applies none')
    bl = [x for x in _flat(tj.get('pre_tokenizer'), 'pretokenizers') if x.get('type') == 'ByteLevel']
    if bl and bl[0].get('add_prefix_space'):
        log('warning: ByteLevel add_prefix_space=true; llama.cpp\'s byte-level BPE adds no prefix space')
    pre = pre or bpe_pre_name(tj)
    if pre is None:
        raise SystemExit(f'unrecognised byte-level pre-tokenizer {json.dumps(tj.get("pre_tokenizer"))[:300]}; '
                         f'pass --tokenizer-pre NAME (a name from llama.cpp\'s src/llama-vocab.cpp whose regexes match)')

    def special_id(key):
        v = _token_content(tc.get(key))
        if not isinstance(v, str):
            return None
        if v in vocab:
            return vocab[v]
        return next((i for i, a in added.items() if a['content'] == v), None)
    pps = _flat(tj.get('post_processor'), 'processors')
    add_bos = add_eos = None
    for pp in pps:
        if pp.get('type') == 'ByteLevel':
            add_bos = False if add_bos is None else add_bos
            add_eos = False if add_eos is None else add_eos
        elif pp.get('type') == 'TemplateProcessing':
            single = pp.get('single', [])
            if len(single) > 1:
                first = single[0].get('SpecialToken', {}).get('id')
                last = single[-1].get('SpecialToken', {}).get('id')
                add_bos = bool(first) and first == _token_content(tc.get('bos_token'))
                add_eos = bool(last) and last == _token_content(tc.get('eos_token'))
    if add_bos is None:
        add_bos = bool(tc.get('add_bos_token', False))
    if add_eos is None:
        add_eos = bool(tc.get('add_eos_token', False))
    return dict(model='gpt2', pre=pre, tokens=tokens, types=types, merges=merges, n_merges=len(merges),
                bos=special_id('bos_token'), eos=special_id('eos_token'), unk=special_id('unk_token'),
                pad=special_id('pad_token'), add_bos=add_bos, add_eos=add_eos, add_space_prefix=None)


def read_tokenizer(model_dir, kind='auto', n_vocab=None, pre=None):
    """tokenizer.json -> GGUF vocabulary: "llama" (SentencePiece-style, read_tokenizer_spm) or "gpt2"
    (byte-level BPE, read_tokenizer_gpt2); auto = gpt2 when the pre-tokenizer is ByteLevel."""
    tj = json.load(open(os.path.join(model_dir, 'tokenizer.json'), encoding='utf-8'))
    tc_path = os.path.join(model_dir, 'tokenizer_config.json')
    tc = json.load(open(tc_path, encoding='utf-8')) if os.path.exists(tc_path) else {}
    m = tj['model']
    if m.get('type') != 'BPE':
        raise SystemExit(f'tokenizer model {m.get("type")}: only BPE (SentencePiece-style or byte-level) is handled')
    if kind == 'auto':
        kind = 'gpt2' if is_bytelevel(tj) else 'llama'
    return read_tokenizer_gpt2(tj, tc, n_vocab, pre) if kind == 'gpt2' else read_tokenizer_spm(tj, tc)


# ----------------------------------------------------------------------------- GGUF
def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('model_dir')
    ap.add_argument('--onnx', help='ONNX file (default: onnx/model.onnx, else onnx/model_quantized.onnx)')
    ap.add_argument('--out', help='output .gguf (default: MODEL_DIR/<name>-<outtype>.gguf)')
    ap.add_argument('--outtype', choices=['f32', 'f16'], default='f32')
    ap.add_argument('--rope', choices=['auto', 'neox', 'norm'], default='auto',
                    help='RoPE convention of the ONNX graph: neox = HF rotate_half (q/k get permuted), '
                         'norm = adjacent pairs (llama2.c); auto reads it from the graph')
    ap.add_argument('--name', help='general.name (default: folder name)')
    ap.add_argument('--vocab', choices=['auto', 'llama', 'gpt2'], default='auto',
                    help='GGUF tokenizer model: llama = SentencePiece-style, gpt2 = byte-level BPE; '
                         'auto = gpt2 when tokenizer.json has a ByteLevel pre-tokenizer')
    ap.add_argument('--tokenizer-pre', help='tokenizer.ggml.pre for a gpt2 vocab (default: read from the '
                                            'pre-tokenizer: "gpt-2" or "smollm")')
    a = ap.parse_args()
    if gguf is None:
        raise SystemExit('gguf-py not found: put it on PYTHONPATH, or set GGUF_PY / LLAMA_ROOT (see the docstring)')
    d = os.path.abspath(a.model_dir)
    cfg = json.load(open(os.path.join(d, 'config.json')))
    gen_path = os.path.join(d, 'generation_config.json')
    gen = json.load(open(gen_path)) if os.path.exists(gen_path) else {}
    if cfg.get('model_type', 'llama') != 'llama':
        raise SystemExit(f'model_type {cfg.get("model_type")}: only llama is handled')
    onnx_path = a.onnx and (a.onnx if os.path.isabs(a.onnx) or os.path.exists(a.onnx) else os.path.join(d, a.onnx))
    if not onnx_path:
        for f in ('onnx/model.onnx', 'onnx/model_quantized.onnx'):
            if os.path.exists(os.path.join(d, f)):
                onnx_path = os.path.join(d, f)
                break
    name = a.name or os.path.basename(d)
    out = a.out or os.path.join(d, f'{name}-{a.outtype}.gguf')
    log(f'reading {onnx_path}')
    M = read_model(onnx_path, cfg, a.rope)
    T = read_tokenizer(d, a.vocab, M['V'], a.tokenizer_pre)
    if len(T['tokens']) != M['V']:
        raise SystemExit(f'tokenizer has {len(T["tokens"])} tokens, the model {M["V"]} rows')
    theta = float(cfg.get('rope_theta', 10000.0))
    g_theta = rope_theta_from_graph(M['graph'], M['hd'])
    if g_theta is not None and abs(g_theta - theta) / theta > 1e-3:
        log(f'warning: config rope_theta {theta} but the graph\'s inv_freq says {g_theta:.1f}; using the graph\'s')
        theta = g_theta
    if cfg.get('rope_scaling'):
        log(f'warning: rope_scaling {cfg["rope_scaling"]} is not exported')

    ftype = gguf.LlamaFileType.MOSTLY_F16 if a.outtype == 'f16' else gguf.LlamaFileType.ALL_F32

    def cast(w):  # 2-D weights to the outtype; 1-D (norms) stay F32 as in convert_hf_to_gguf.py
        w = np.ascontiguousarray(w, dtype=np.float32)
        return w.astype(np.float16) if (a.outtype == 'f16' and w.ndim == 2) else w

    w = gguf.GGUFWriter(out, 'llama')
    w.add_name(name)
    w.add_type('model')
    w.add_context_length(int(cfg.get('max_position_embeddings', 2048)))
    w.add_embedding_length(M['D'])
    w.add_block_count(M['L'])
    w.add_feed_forward_length(M['ff'])
    w.add_head_count(M['nh'])
    w.add_head_count_kv(M['nkv'])
    w.add_rope_dimension_count(M['hd'])
    if M['hd'] != M['D'] // M['nh']:
        w.add_key_length(M['hd'])
        w.add_value_length(M['hd'])
    w.add_rope_freq_base(theta)
    w.add_layer_norm_rms_eps(float(cfg.get('rms_norm_eps', 1e-5)))
    w.add_vocab_size(M['V'])
    w.add_file_type(ftype)
    w.add_quantization_version(gguf.GGML_QUANT_VERSION)
    w.add_tokenizer_model(T['model'])
    w.add_tokenizer_pre(T['pre'])
    w.add_token_list([t.encode('utf-8') for t in T['tokens']])
    if T['model'] == 'llama':
        w.add_token_scores(T['scores'])
    w.add_token_types([int(t) for t in T['types']])
    if T['model'] == 'gpt2':
        w.add_token_merges(T['merges'])
    bos = T['bos'] if T['bos'] is not None else cfg.get('bos_token_id')
    eos = T['eos'] if T['eos'] is not None else cfg.get('eos_token_id')
    if isinstance(eos, list):
        eos = eos[0]
    if bos is not None:
        w.add_bos_token_id(int(bos))
    if eos is not None:
        w.add_eos_token_id(int(eos))
    if T['unk'] is not None:
        w.add_unk_token_id(int(T['unk']))
    pad = T['pad'] if T['pad'] is not None else cfg.get('pad_token_id')
    if pad is not None:
        w.add_pad_token_id(int(pad))
    w.add_add_bos_token(T['add_bos'])
    w.add_add_eos_token(T['add_eos'])
    if T['add_space_prefix'] is not None:  # SPM only, as convert_hf_to_gguf.py
        w.add_add_space_prefix(T['add_space_prefix'])
    gen_eos = gen.get('eos_token_id')
    gen_eos = gen_eos if isinstance(gen_eos, list) else ([gen_eos] if gen_eos is not None else [])
    other_eos = [e for e in gen_eos if e != eos]
    if other_eos:
        log(f'note: generation_config also stops at {other_eos}; GGUF has one eos id ({eos}) — pass those ids '
            f'as a stop condition to llama.cpp (e.g. logit_bias or "stop") if needed')

    w.add_tensor('token_embd.weight', cast(M['E']))
    for b, Ly in enumerate(M['layers']):
        q, k = Ly['q'], Ly['k']
        if M['rope'] == 'neox':
            q, k = permute(q, M['nh']), permute(k, M['nkv'])
        for nm, t in (('attn_norm', Ly['attn_norm']), ('attn_q', q), ('attn_k', k), ('attn_v', Ly['v']),
                      ('attn_output', Ly['o']), ('ffn_norm', Ly['ffn_norm']), ('ffn_gate', Ly['gate']),
                      ('ffn_up', Ly['up']), ('ffn_down', Ly['down'])):
            w.add_tensor(f'blk.{b}.{nm}.weight', cast(t))
    w.add_tensor('output_norm.weight', cast(M['out_norm']))
    if M['head'] is not None:
        w.add_tensor('output.weight', cast(M['head']))
    w.write_header_to_file()
    w.write_kv_data_to_file()
    w.write_tensors_to_file()
    w.close()
    info = dict(out=out, bytes=os.path.getsize(out), outtype=a.outtype, onnx=os.path.relpath(onnx_path, d),
                rope=M['rope'], permuted_qk=M['rope'] == 'neox', tied_embeddings=M['head'] is None,
                layers=M['L'], hidden=M['D'], heads=M['nh'], kv_heads=M['nkv'], head_dim=M['hd'], ffn=M['ff'],
                vocab=M['V'], rope_theta=theta, rms_norm_eps=float(cfg.get('rms_norm_eps', 1e-5)),
                context_length=int(cfg.get('max_position_embeddings', 2048)),
                tokenizer_model=T['model'], tokenizer_pre=T['pre'],
                bos=bos, eos=eos, unk=T['unk'], pad=pad, add_bos=T['add_bos'], add_space_prefix=T['add_space_prefix'],
                merges=T['n_merges'])
    if T['model'] == 'llama':
        info.update(splits_without_merge=T['extra_splits'], pieces_without_merge=T['unreachable'])
    print(json.dumps(info))


if __name__ == '__main__':
    main()
