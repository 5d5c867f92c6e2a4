#!/usr/bin/env python3
"""Copy-free ("kvin") decoder graphs: the KV cache is an input only.

  /usr/bin/python3 models/recipe/export_kvin.py models/inkling-verse                 # from onnx/model_quantized.onnx
  /usr/bin/python3 models/recipe/export_kvin.py bench/models/smollm2-135m-shape --bench-seed 0
  /usr/bin/python3 models/recipe/export_kvin.py DIR --ckpt models/recipe/work/best.pt   # from a training checkpoint

Writes DIR/onnx/model_kvin_q8.onnx and DIR/onnx/model_kvin_q4.onnx next to the transformers.js
files (which are left alone). I/O contract (README "Copy-free layout"):

  inputs   input_ids       int64   [b, s]
           attention_mask  int64   [b, P + s]   1 = attend; the first P entries describe the past
                                                slots, the last s the new tokens (causal among themselves)
           position_ids    int64   [b, s]
           past_key_values.{i}.key / .value  float32 [b, kv_heads, P, head_dim]
                                                caller-owned fixed-capacity buffers (P dynamic, may be 0);
                                                masked slots may hold any finite values
  outputs  logits          float32 [b, vocab]   the LAST position only
           new_key_values.{i}.key / .value   float32 [b, kv_heads, s, head_dim]
                                                the new tokens' keys (after RoPE) and values; the caller
                                                writes them into its buffers at the new tokens' slots

Weights: from the folder's ONNX (int8 ones dequantized, with export_gguf.read_model, the GGUF
exporter's reader of our ONNX layout), from a training checkpoint (--ckpt), or, for the bench
model, regenerated from PyTorch exactly as bench/make_bench_model.py does (--bench-seed).

The graph is written by hand (not traced): fused q/k/v and gate/up projections, RoPE as
x*cos + (x @ R)*sin on q, k and v together (v heads get cos 1, sin 0), GQA by folding each KV
group's query heads into the row axis, SkipSimplifiedLayerNormalization for residual + RMSNorm,
QuickGelu(alpha 1) = SiLU, and the last layer's MLP, the final norm and the LM head only on the
last position. Attention (--attn): `concat` (default) concatenates the past buffer and the new
keys/values inside the graph, one score MatMul, one softmax, one weighted sum; `split` never
copies the past (scores against the past buffer and the new keys as two blocks, one softmax over
both, two weighted sums). On this machine (ONNX Runtime 1.30, 1 thread) concat is 7-17 % faster:
MLAS's small-M GEMMs stream the past from RAM at ~1/3 of memcpy's rate, and Concat's copy leaves
it in cache for them (README "Copy-free layout").

q8: every projection is DynamicQuantizeLinear -> MatMulInteger (int8 weights, symmetric,
per-output-channel scales) -> Cast -> Mul, as export.py's quantize_int8 (ORT fuses it to
DynamicQuantizeMatMul); the embedding is one int8 table with per-row scales, stored transposed
[hidden, vocab] so that the tied LM head uses it directly (no Transpose, one copy).
q4: projections are com.microsoft MatMulNBits (4-bit, blockwise along K, --block 64 by default,
symmetric: scale = signed max-|w| / -8 per block, no zero points; --asym: min/max with packed uint8
zero points and a per-block clipping search), accuracy_level 4 (int8 activations, --acc-level);
embedding + LM head stay int8 as in q8 unless --q4-head 4 (one 4-bit table shared by
GatherBlockQuantized and the head's MatMulNBits). Block size, symmetry, accuracy level and the
head's bits were chosen by measurement (README "Copy-free layout").
"""
import argparse, json, math, os, sys, time

import numpy as np
import onnx
from onnx import helper, numpy_helper, TensorProto

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)

OPSET = 17
NEG = float(np.finfo(np.float32).min)  # what model.py's masked_fill uses
KVIN_VERSION = '1'


# ----------------------------------------------------------------------------- weights
def weights_from_torch(model):
    c = model.config
    sd = {k: v.detach().float().cpu().numpy() for k, v in model.state_dict().items()}
    layers = []
    for i in range(c.num_hidden_layers):
        p = f'layers.{i}.'
        layers.append(dict(attn_norm=sd[p + 'input_layernorm.weight'], ffn_norm=sd[p + 'post_attention_layernorm.weight'],
                           q=sd[p + 'self_attn.q_proj.weight'], k=sd[p + 'self_attn.k_proj.weight'],
                           v=sd[p + 'self_attn.v_proj.weight'], o=sd[p + 'self_attn.o_proj.weight'],
                           gate=sd[p + 'mlp.gate_proj.weight'], up=sd[p + 'mlp.up_proj.weight'],
                           down=sd[p + 'mlp.down_proj.weight']))
    head = None if c.tie_word_embeddings else sd['lm_head.weight']
    return dict(E=sd['embed_tokens.weight'], layers=layers, out_norm=sd['norm.weight'], head=head, rope='neox',
                D=c.hidden_size, L=c.num_hidden_layers, nh=c.num_attention_heads, nkv=c.num_key_value_heads,
                hd=c.head_dim, ff=c.intermediate_size, V=c.vocab_size, eps=c.rms_norm_eps, theta=c.rope_theta)


def load_weights(model_dir, a):
    """-> (weights dict, source description). Projections are [out, in] (torch layout)."""
    cfg = json.load(open(os.path.join(model_dir, 'config.json')))
    if a.bench_seed is not None:
        import torch
        from model import Llama, make_config
        torch.set_num_threads(1)
        # exactly bench/make_bench_model.py's model: same config, same seed, nothing else drawn first
        c = make_config('smollm2-135m', bos_token_id=0, eos_token_id=0, pad_token_id=0)
        torch.manual_seed(a.bench_seed)
        W = weights_from_torch(Llama(c).eval())
        return W, f'PyTorch, make_bench_model.py model regenerated with seed {a.bench_seed}'
    if a.ckpt:
        from export import load_ckpt
        m, _ = load_ckpt(a.ckpt)
        return weights_from_torch(m), f'checkpoint {a.ckpt}'
    from export_gguf import read_model
    src = a.onnx or 'onnx/model_quantized.onnx'
    path = src if os.path.isabs(src) else os.path.join(model_dir, src)
    M = read_model(path, cfg, a.rope)
    W = {k: M[k] for k in ('E', 'layers', 'out_norm', 'head', 'rope', 'D', 'L', 'nh', 'nkv', 'hd', 'ff', 'V')}
    W['eps'] = float(cfg.get('rms_norm_eps', 1e-5))
    W['theta'] = float(cfg.get('rope_theta', 10000.0))
    return W, f'{os.path.relpath(path, model_dir)} (export_gguf.read_model; int8 weights dequantized)'


# ----------------------------------------------------------------------------- quantizers
def q8_rows(arr):
    """Symmetric int8 per row, exactly export.py's quantize_int8 (q_rows)."""
    s = np.abs(arr).max(axis=1) / 127.0
    s[s == 0] = 1.0
    q = np.clip(np.round(arr / s[:, None]), -127, 127).astype(np.int8)
    return q, s.astype(np.float32)


def _pack(q, bits):
    """[..., n] uint8 values < 2**bits -> [..., n*bits/8], low-order bits first (MatMulNBits / GatherBlockQuantized)."""
    per = 8 // bits
    n = q.shape[-1]
    if n % per:
        q = np.concatenate([q, np.zeros(q.shape[:-1] + (per - n % per,), np.uint8)], axis=-1)
    q = q.reshape(q.shape[:-1] + (-1, per)).astype(np.uint8)
    out = np.zeros(q.shape[:-1], np.uint8)
    for j in range(per):
        out |= (q[..., j] << (bits * j)).astype(np.uint8)
    return out


def quant_blockwise(W, bits=4, block=32, sym=False, search=True):
    """W [N, K] float32 (one row per output) -> dict(B [N, kb, block*bits/8] uint8, scales [N, kb] f32,
    zp packed [N, ceil(kb*bits/8)] uint8 or None, deq [N, K] f32 = what the operator multiplies by).

    Asymmetric: per block, scale = (max - min) * f / qmax and zero point round(-min * f / scale),
    f from a small grid (1.0 .. 0.80) chosen per block for the least squared error (f = 1.0 only
    without --search). Symmetric (zp = 2^(bits-1), not stored): scale = m / -2^(bits-1) with m the
    block's signed max-|w|, like ONNX Runtime's and llama.cpp's 4-bit quantizers."""
    N, K = W.shape
    kb = (K + block - 1) // block
    Wp = np.zeros((N, kb * block), np.float32)
    Wp[:, :K] = W
    Wb = Wp.reshape(N, kb, block)
    qmax = (1 << bits) - 1
    mid = 1 << (bits - 1)
    if sym:
        idx = np.abs(Wb).argmax(axis=-1)
        m = np.take_along_axis(Wb, idx[..., None], axis=-1)[..., 0]
        scale = (m / -mid).astype(np.float32)
        scale[scale == 0] = 1.0
        q = np.clip(np.round(Wb / scale[..., None]) + mid, 0, qmax).astype(np.uint8)
        zp = None
        deq = (q.astype(np.float32) - mid) * scale[..., None]
    else:
        mn = np.minimum(Wb.min(axis=-1), 0)
        mx = np.maximum(Wb.max(axis=-1), 0)
        best_err = None
        for f in ((1.0, 0.97, 0.94, 0.91, 0.88, 0.85, 0.82, 0.80) if search else (1.0,)):
            sc = ((mx - mn) * f / qmax).astype(np.float32)
            sc[sc == 0] = 1.0
            z = np.clip(np.round(-mn * f / sc), 0, qmax)
            qq = np.clip(np.round(Wb / sc[..., None]) + z[..., None], 0, qmax)
            dq = (qq - z[..., None]) * sc[..., None]
            err = ((dq - Wb) ** 2).sum(axis=-1)
            if best_err is None:
                best_err, scale, zf, q, deq = err, sc, z, qq, dq
            else:
                better = err < best_err
                best_err = np.where(better, err, best_err)
                scale = np.where(better, sc, scale)
                zf = np.where(better, z, zf)
                q = np.where(better[..., None], qq, q)
                deq = np.where(better[..., None], dq, deq)
        q = q.astype(np.uint8)
        zp = _pack(zf.astype(np.uint8), bits)
        scale = scale.astype(np.float32)
    B = _pack(q, bits)  # [N, kb, block*bits/8]
    return dict(B=B, scales=scale, zp=zp, deq=deq.reshape(N, kb * block)[:, :K].astype(np.float32), kb=kb)


# ----------------------------------------------------------------------------- graph
class Builder:
    def __init__(self):
        self.nodes, self.inits, self.n = [], [], 0

    def const(self, name, arr):
        self.inits.append(numpy_helper.from_array(np.ascontiguousarray(arr), name))
        return name

    def op(self, op_type, ins, name, outs=None, n_out=1, domain=None, **attrs):
        if outs is None:
            outs = [name] if n_out == 1 else [f'{name}:{i}' for i in range(n_out)]
        kw = {'domain': domain} if domain else {}
        self.nodes.append(helper.make_node(op_type, ins, outs, name=name, **kw, **attrs))
        return outs[0] if len(outs) == 1 else outs


class KvinGraph:
    def __init__(self, W, quant='q8', attn='concat', bits=4, block=64, sym=True, search=True, acc_level=4,
                 q4_head=8, log=print):
        self.W, self.quant, self.attn = W, quant, attn
        self.bits, self.block, self.sym, self.search, self.acc = bits, block, sym, search, acc_level
        self.q4_head = q4_head
        self.log = log
        self.g = Builder()
        self.qerr = []  # (name, rel. RMS error of the quantized weight)

    # -- projections
    def linear(self, x, Wt, name):
        """y = x @ Wt.T, Wt [out, in]."""
        g = self.g
        if self.quant == 'f32':  # unquantized (structure checks against the fp32 standard graph)
            return g.op('MatMul', [x, g.const(name + '.weight_T', np.ascontiguousarray(Wt.T))], name + '/mm')
        if self.quant == 'q4ref':  # float MatMul by the 4-bit weights dequantized (checks the packing)
            Wd = quant_blockwise(Wt, self.bits, self.block, self.sym, self.search)['deq']
            return g.op('MatMul', [x, g.const(name + '.weight_T', np.ascontiguousarray(Wd.T))], name + '/mm')
        if self.quant == 'q8':
            q, s = q8_rows(Wt)  # per output channel
            wq = g.const(name + '.weight_int8', np.ascontiguousarray(q.T))
            ws = g.const(name + '.weight_scale', s)
            xq, xs, xz = g.op('DynamicQuantizeLinear', [x], name + '/dql', n_out=3)
            i32 = g.op('MatMulInteger', [xq, wq, xz, 'w_zero_point_int8'], name + '/mmi')
            f = g.op('Cast', [i32], name + '/cast', to=TensorProto.FLOAT)
            sc = g.op('Mul', [xs, ws], name + '/scale')
            self.qerr.append((name, _relerr(Wt, q.astype(np.float32) * s[:, None])))
            return g.op('Mul', [f, sc], name + '/out')
        Q = quant_blockwise(Wt, self.bits, self.block, self.sym, self.search)
        self.qerr.append((name, _relerr(Wt, Q['deq'])))
        ins = [x, g.const(name + '.weight_q', Q['B']), g.const(name + '.weight_scales', Q['scales'])]
        if Q['zp'] is not None:
            ins.append(g.const(name + '.weight_zp', Q['zp']))
        return g.op('MatMulNBits', ins, name + '/mnb', domain='com.microsoft', K=Wt.shape[1], N=Wt.shape[0],
                    bits=self.bits, block_size=self.block, accuracy_level=self.acc)

    # -- embedding + tied head
    def embedding(self, ids):
        W, g = self.W, self.g
        if self.quant == 'q4' and self.q4_head == 4:
            # one 4-bit table [V, kb, block/2] shared by GatherBlockQuantized (rows, quantize_axis 2)
            # and the tied head's MatMulNBits (which wants exactly this 3-D shape)
            D, V, blk = W['D'], W['V'], self.block
            Q = quant_blockwise(W['E'], self.bits, blk, self.sym, self.search)
            self.qerr.append(('embed', _relerr(W['E'], Q['deq'])))
            kb = Q['kb']
            data = g.const('embed.weight_q', Q['B'])
            g.const('embed.weight_scales', Q['scales'])
            ins = [data, ids, g.const('embed.weight_scales3', Q['scales'].reshape(V, kb, 1))]
            if Q['zp'] is not None:
                g.const('embed.weight_zp', Q['zp'])
                zf = np.zeros((V, kb), np.uint8)  # unpack: one zero point per (row, block), low nibble
                zp = Q['zp']
                for j in range(kb):
                    zf[:, j] = (zp[:, j * self.bits // 8] >> ((j * self.bits) % 8)) & ((1 << self.bits) - 1)
                ins.append(g.const('embed.weight_zp3', zf.reshape(V, kb, 1)))
            self._emb4 = (data, Q, blk)
            e = g.op('GatherBlockQuantized', ins, 'embed/gbq', domain='com.microsoft', bits=self.bits,
                     block_size=blk, gather_axis=0, quantize_axis=2)                          # [b, s, kb, blk]
            e = g.op('Reshape', [e, g.const('shape_embed', np.array([0, 0, kb * blk], np.int64))], 'embed/merge')
            if kb * blk != D:
                e = g.op('Slice', [e, g.const('zero1', np.array([0], np.int64)), g.const('dim1', np.array([D], np.int64)),
                                   g.const('axis2', np.array([2], np.int64))], 'embed/unpad')
            return e
        if self.quant == 'q4ref':
            g.const('embed.weight', quant_blockwise(W['E'], self.bits, self.block, self.sym, self.search)['deq'])
            return g.op('Gather', ['embed.weight', ids], 'embed/gather', axis=0)
        if self.quant == 'f32':
            g.const('embed.weight', W['E'])
            return g.op('Gather', ['embed.weight', ids], 'embed/gather', axis=0)
        q, s = q8_rows(W['E'])  # per row = per vocab entry
        self.qerr.append(('embed', _relerr(W['E'], q.astype(np.float32) * s[:, None])))
        et = g.const('embed.weight_T_int8', np.ascontiguousarray(q.T))  # [D, V]
        g.const('embed.scale', s)                                         # [V] (head, per output column)
        g.const('embed.scale_rows', s.reshape(-1, 1))                     # [V, 1] (embedding rows)
        e = g.op('Gather', [et, ids], 'embed/gather', axis=1)             # [D, b, s] int8
        e = g.op('Transpose', [e], 'embed/transpose', perm=[1, 2, 0])     # [b, s, D]
        e = g.op('Cast', [e], 'embed/cast', to=TensorProto.FLOAT)
        rs = g.op('Gather', ['embed.scale_rows', ids], 'embed/gather_scale', axis=0)  # [b, s, 1]
        return g.op('Mul', [e, rs], 'embed/out')

    def head(self, h):
        W, g = self.W, self.g
        if W['head'] is not None:  # untied
            return self.linear(h, W['head'], 'lm_head')
        if self.quant in ('f32', 'q4ref'):
            return g.op('MatMul', [h, g.op('Transpose', ['embed.weight'], 'lm_head/transpose', perm=[1, 0])], 'lm_head/mm')
        if self.quant == 'q4' and self.q4_head == 4:
            data, Q, blk = self._emb4
            ins = [h, data, 'embed.weight_scales']
            if Q['zp'] is not None:
                ins.append('embed.weight_zp')
            return g.op('MatMulNBits', ins, 'lm_head/mnb', domain='com.microsoft', K=W['D'], N=W['V'],
                        bits=self.bits, block_size=blk, accuracy_level=self.acc)
        xq, xs, xz = g.op('DynamicQuantizeLinear', [h], 'lm_head/dql', n_out=3)
        i32 = g.op('MatMulInteger', [xq, 'embed.weight_T_int8', xz, 'w_zero_point_int8'], 'lm_head/mmi')
        f = g.op('Cast', [i32], 'lm_head/cast', to=TensorProto.FLOAT)
        sc = g.op('Mul', [xs, 'embed.scale'], 'lm_head/scale')
        return g.op('Mul', [f, sc], 'lm_head/out')

    # -- whole graph
    def build(self):
        W, g = self.W, self.g
        D, L, nh, nkv, hd, ff, V = (W[k] for k in ('D', 'L', 'nh', 'nkv', 'hd', 'ff', 'V'))
        rep, H = nh // nkv, nh + 2 * nkv
        eps = float(W['eps'])
        if self.quant == 'q8' or (self.quant == 'q4' and self.q4_head == 8):
            g.const('w_zero_point_int8', np.array(0, np.int8))
        g.const('neg', np.array(NEG, np.float32))
        i64 = lambda name, v: g.const(name, np.array(v, np.int64))
        i64('shape_heads', [0, 0, H, hd])
        i64('shape_fold', [0, nkv, -1, hd])
        i64('shape_unfold', [0, nh, -1, hd])
        i64('shape_merge', [0, 0, nh * hd])
        i64('shape_logits', [0, -1])
        i64('split_qkv', [nh, nkv, nkv])
        i64('split_gu', [ff, ff])
        i64('tile_rep', [1, 1, rep, 1])
        i64('last_start', [-1])
        i64('last_end', [np.iinfo(np.int64).max])
        i64('axis1', [1])
        i64('axes_1_2', [1, 2])
        i64('axes_1_3', [1, 3])

        # RoPE tables for q, k and v heads together: [b, 1, s, hd] * [1, H, 1, 1]
        inv = 1.0 / (W['theta'] ** (np.arange(0, hd, 2, dtype=np.float32) / hd))
        inv = inv.astype(np.float32)
        R = np.zeros((hd, hd), np.float32)
        h2 = hd // 2
        if W['rope'] == 'neox':  # rotate_half: [-x2, x1]
            g.const('rope.inv_freq', np.concatenate([inv, inv]))
            for j in range(h2):
                R[j + h2, j] = -1.0
                R[j, j + h2] = 1.0
        else:  # adjacent pairs (llama2.c): (-x[2i+1], x[2i])
            g.const('rope.inv_freq', np.repeat(inv, 2))
            for i in range(h2):
                R[2 * i + 1, 2 * i] = -1.0
                R[2 * i, 2 * i + 1] = 1.0
        g.const('rope.rotate', R)
        qk = np.zeros((1, H, 1, 1), np.float32)
        qk[:, :nh + nkv] = 1.0
        g.const('rope.qk_heads', qk)
        g.const('rope.v_heads', 1.0 - qk)

        pos = g.op('Cast', ['position_ids'], 'rope/pos', to=TensorProto.FLOAT)
        pos = g.op('Unsqueeze', [pos, 'axes_1_3'], 'rope/pos4')                  # [b,1,s,1]
        fr = g.op('Mul', [pos, 'rope.inv_freq'], 'rope/freqs')                    # [b,1,s,hd]
        cos = g.op('Cos', [fr], 'rope/cos')
        sin = g.op('Sin', [fr], 'rope/sin')
        cos = g.op('Add', [g.op('Mul', [cos, 'rope.qk_heads'], 'rope/cos_qk'), 'rope.v_heads'], 'rope/cos_all')  # [b,H,s,hd]
        sin = g.op('Mul', [sin, 'rope.qk_heads'], 'rope/sin_all')

        # masks (bool, True = attend), built once
        plen = g.op('Shape', ['past_key_values.0.key'], 'mask/past_len', start=2, end=3)   # [1]
        slen = g.op('Shape', ['input_ids'], 'mask/new_len', start=1, end=2)                # [1]
        sizes = g.op('Concat', [plen, slen], 'mask/split_sizes', axis=0)
        am_p, am_n = g.op('Split', ['attention_mask', sizes], 'mask/split', n_out=2, axis=1)
        past_ok = g.op('Unsqueeze', [g.op('Cast', [am_p], 'mask/past_bool', to=TensorProto.BOOL), 'axes_1_2'],
                       'mask/past_ok')                                                        # [b,1,1,P]
        ss = g.op('Concat', [slen, slen], 'mask/ss', axis=0)
        ones = g.op('ConstantOfShape', [ss], 'mask/ones', value=helper.make_tensor('one', TensorProto.FLOAT, [1], [1.0]))
        tri = g.op('Cast', [g.op('Trilu', [ones], 'mask/tril', upper=0)], 'mask/causal', to=TensorProto.BOOL)  # [s,s]
        new_ok = g.op('Unsqueeze', [g.op('Cast', [am_n], 'mask/new_bool', to=TensorProto.BOOL), 'axes_1_2'],
                      'mask/new_pad')                                                          # [b,1,1,s]
        new_ok = g.op('And', [tri, new_ok], 'mask/new_and')                                   # [b,1,s,s]
        new_ok = g.op('Tile', [new_ok, 'tile_rep'], 'mask/new_ok')                            # [b,1,rep*s,s]
        rows = g.op('Mul', [slen, g.const('rep', np.array([rep], np.int64))], 'mask/rows')
        shp = g.op('Concat', [g.const('ones2', np.array([1, 1], np.int64)), rows, g.const('one1', np.array([1], np.int64))],
                   'mask/expand_shape', axis=0)
        all_ok = g.op('Concat', [g.op('Expand', [past_ok, shp], 'mask/past_rows'), new_ok], 'mask/all_ok', axis=3)  # [b,1,rep*s,P+s]

        alpha = 1.0 / math.sqrt(hd)
        x = self.embedding('input_ids')                                                       # [b,s,D]
        ln = W['layers'][0]['attn_norm']
        h = self.rmsnorm(x, ln, 'layers.0/attn_norm', eps)
        outs = []
        for i, Ly in enumerate(W['layers']):
            p = f'layers.{i}'
            last = i == L - 1
            qkv = self.linear(h, np.concatenate([Ly['q'], Ly['k'], Ly['v']], axis=0), p + '.attn.qkv')
            t = g.op('Reshape', [qkv, 'shape_heads'], p + '/heads')
            t = g.op('Transpose', [t], p + '/heads_t', perm=[0, 2, 1, 3])                      # [b,H,s,hd]
            rot = g.op('MatMul', [t, 'rope.rotate'], p + '/rope_rot')
            t = g.op('Add', [g.op('Mul', [t, cos], p + '/rope_cos'), g.op('Mul', [rot, sin], p + '/rope_sin')], p + '/rope')
            kname, vname = f'new_key_values.{i}.key', f'new_key_values.{i}.value'
            q, k, v = g.op('Split', [t, 'split_qkv'], p + '/split_qkv', outs=[p + '/q', kname, vname], axis=1)
            outs += [kname, vname]
            qg = g.op('Reshape', [q, 'shape_fold'], p + '/q_fold')                             # [b,kv,rep*s,hd]
            pk, pv = f'past_key_values.{i}.key', f'past_key_values.{i}.value'
            if self.attn == 'concat':
                K = g.op('Concat', [pk, k], p + '/k_all', axis=2)
                Vv = g.op('Concat', [pv, v], p + '/v_all', axis=2)
                sc = g.op('FusedMatMul', [qg, K], p + '/scores', domain='com.microsoft', transB=1, alpha=alpha)
                sc = g.op('Where', [all_ok, sc, 'neg'], p + '/scores_masked')
                a_ = g.op('Softmax', [sc], p + '/softmax', axis=-1)
                y = g.op('MatMul', [a_, Vv], p + '/attn_v')
            else:
                sp = g.op('FusedMatMul', [qg, pk], p + '/scores_past', domain='com.microsoft', transB=1, alpha=alpha)
                sn = g.op('FusedMatMul', [qg, k], p + '/scores_new', domain='com.microsoft', transB=1, alpha=alpha)
                sc = g.op('Concat', [sp, sn], p + '/scores', axis=3)                          # small: [b,kv,rep*s,P+s]
                sc = g.op('Where', [all_ok, sc, 'neg'], p + '/scores_masked')
                a_ = g.op('Softmax', [sc], p + '/softmax', axis=-1)
                ap_, an_ = g.op('Split', [a_, sizes], p + '/probs_split', n_out=2, axis=3)
                y = g.op('Add', [g.op('MatMul', [ap_, pv], p + '/attn_past'), g.op('MatMul', [an_, v], p + '/attn_new')],
                         p + '/attn_v')                                                        # [b,kv,rep*s,hd]
            y = g.op('Reshape', [y, 'shape_unfold'], p + '/y_unfold')
            y = g.op('Transpose', [y], p + '/y_t', perm=[0, 2, 1, 3])
            y = g.op('Reshape', [y, 'shape_merge'], p + '/y_merge')                            # [b,s,nh*hd]
            o = self.linear(y, Ly['o'], p + '.attn.o')
            if last:  # only the last position goes on
                o = g.op('Slice', [o, 'last_start', 'last_end', 'axis1'], p + '/o_last')
                x = g.op('Slice', [x, 'last_start', 'last_end', 'axis1'], p + '/x_last')
            h, _, _, x = g.op('SkipSimplifiedLayerNormalization', [o, x, g.const(p + '.ffn_norm', Ly['ffn_norm'])],
                              p + '/ffn_norm', outs=[p + '/ffn_norm', '', '', p + '/resid_attn'],
                              domain='com.microsoft', epsilon=eps)
            gu = self.linear(h, np.concatenate([Ly['gate'], Ly['up']], axis=0), p + '.mlp.gate_up')
            gt, up = g.op('Split', [gu, 'split_gu'], p + '/split_gu', n_out=2, axis=2)
            m = g.op('Mul', [g.op('QuickGelu', [gt], p + '/silu', domain='com.microsoft', alpha=1.0), up], p + '/swiglu')
            d = self.linear(m, Ly['down'], p + '.mlp.down')
            nxt = W['out_norm'] if last else W['layers'][i + 1]['attn_norm']
            nname = 'final_norm' if last else f'layers.{i + 1}.attn_norm'
            h, _, _, x = g.op('SkipSimplifiedLayerNormalization', [d, x, g.const(nname, nxt)], f'{nname}/norm',
                              outs=[f'{nname}/norm', '', '', f'{p}/resid_mlp'], domain='com.microsoft', epsilon=eps)
        logits = self.head(h)                                                                  # [b,1,V]
        g.op('Reshape', [logits, 'shape_logits'], 'logits', outs=['logits'])

        f32 = TensorProto.FLOAT
        ins = [helper.make_tensor_value_info('input_ids', TensorProto.INT64, ['batch_size', 'sequence_length']),
               helper.make_tensor_value_info('attention_mask', TensorProto.INT64, ['batch_size', 'total_sequence_length']),
               helper.make_tensor_value_info('position_ids', TensorProto.INT64, ['batch_size', 'sequence_length'])]
        for i in range(L):
            for kv in ('key', 'value'):
                ins.append(helper.make_tensor_value_info(f'past_key_values.{i}.{kv}', f32,
                                                         ['batch_size', nkv, 'past_sequence_length', hd]))
        ous = [helper.make_tensor_value_info('logits', f32, ['batch_size', V])]
        for o in outs:
            ous.append(helper.make_tensor_value_info(o, f32, ['batch_size', nkv, 'sequence_length', hd]))
        graph = helper.make_graph(g.nodes, 'kvin_decoder', ins, ous, g.inits)
        m = helper.make_model(graph, opset_imports=[helper.make_opsetid('', OPSET), helper.make_opsetid('com.microsoft', 1)],
                              producer_name='inkling export_kvin.py')
        m.ir_version = 8
        return m

    def rmsnorm(self, x, w, name, eps):
        g = self.g
        wn = g.const(name + '.weight', w)
        ms = g.op('ReduceMean', [g.op('Mul', [x, x], name + '/sq')], name + '/mean', axes=[-1], keepdims=1)
        r = g.op('Sqrt', [g.op('Add', [ms, g.const(name + '.eps', np.array(eps, np.float32))], name + '/add_eps')], name + '/sqrt')
        return g.op('Mul', [g.op('Div', [x, r], name + '/div'), wn], name + '/out')


def _relerr(W, Wq):
    return float(np.sqrt(((W - Wq) ** 2).mean() / max((W ** 2).mean(), 1e-30)))


def export_ref_fp32(W, cfg, path):
    """The same weights in model.py, exported by export.py in the transformers.js layout (fp32)."""
    import torch
    from model import Llama, LlamaConfig
    from export import export_onnx
    keys = set(LlamaConfig.__dataclass_fields__)
    c = LlamaConfig(**{k: v for k, v in cfg.items() if k in keys})
    m = Llama(c).eval()
    t = lambda x: torch.from_numpy(np.ascontiguousarray(x, dtype=np.float32))
    sd = {'embed_tokens.weight': t(W['E']), 'norm.weight': t(W['out_norm'])}
    for i, Ly in enumerate(W['layers']):
        p = f'layers.{i}.'
        sd.update({p + 'input_layernorm.weight': t(Ly['attn_norm']), p + 'post_attention_layernorm.weight': t(Ly['ffn_norm'])})
        for k in ('q', 'k', 'v', 'o'):
            sd[p + f'self_attn.{k}_proj.weight'] = t(Ly[k])
        for k in ('gate', 'up', 'down'):
            sd[p + f'mlp.{k}_proj.weight'] = t(Ly[k])
    if W['head'] is not None:
        sd['lm_head.weight'] = t(W['head'])
    m.load_state_dict(sd)
    export_onnx(m, path)
    print(f'  {path}: fp32 reference (transformers.js layout), {os.path.getsize(path):,} bytes', flush=True)


# ----------------------------------------------------------------------------- main
def export(W, path, meta, **kw):
    t = time.time()
    kg = KvinGraph(W, **kw)
    m = kg.build()
    info = dict(meta, kvin_version=KVIN_VERSION, quant=kw.get('quant', 'q8'), attn=kw.get('attn', 'concat'))
    if kw.get('quant') == 'q4':
        info.update(bits=kw.get('bits', 4), block=kw.get('block', 64), sym=bool(kw.get('sym', True)),
                    accuracy_level=kw.get('acc_level', 4), head_bits=kw.get('q4_head', 8))
    for k, v in info.items():
        p = m.metadata_props.add()
        p.key, p.value = k, str(v)
    onnx.checker.check_model(m)
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    onnx.save(m, path)
    errs = [e for _, e in kg.qerr] or [0.0]
    print(f'  {path}: {os.path.getsize(path):,} bytes, {len(m.graph.node)} nodes, '
          f'weight rel. RMS error mean {np.mean(errs):.4f} max {np.max(errs):.4f} ({time.time() - t:.0f}s)', flush=True)
    return m


def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    ap.add_argument('model_dir')
    ap.add_argument('--variants', default='q8,q4', help='comma list of q8, q4 (checks: f32 = unquantized; q4ref = float '
                    'MatMuls by the 4-bit weights (and 4-bit embedding) dequantized, the reference for q4 with '
                    '--q4-head 4 --acc-level 0)')
    ap.add_argument('--ref-fp32', metavar='FILE', help='also write the transformers.js-layout fp32 graph of the same '
                    'weights (export.py export_onnx) to FILE, the reference for an f32 kvin graph')
    ap.add_argument('--onnx', help='ONNX weights source inside model_dir (default onnx/model_quantized.onnx)')
    ap.add_argument('--ckpt', help='training checkpoint (model.py) as the weights source')
    ap.add_argument('--bench-seed', type=int, help='regenerate bench/make_bench_model.py\'s PyTorch model with this seed')
    ap.add_argument('--rope', choices=['auto', 'neox', 'norm'], default='auto')
    ap.add_argument('--attn', choices=['concat', 'split'], default='concat',
                    help='concat: Concat(past, new) then one attention; split: no copy of the past (slower here)')
    ap.add_argument('--bits', type=int, default=4)
    ap.add_argument('--block', type=int, default=64, help='MatMulNBits block size (16, 32, 64, 128)')
    ap.add_argument('--asym', action='store_true', help='asymmetric 4-bit with packed uint8 zero points '
                    '(default: symmetric, no zero points: equal held-out loss on inkling-verse, smaller, as fast)')
    ap.add_argument('--no-search', action='store_true', help='--asym: plain min/max scales (no clipping search)')
    ap.add_argument('--acc-level', type=int, default=4, help='MatMulNBits accuracy_level (0 = fp32 activations, 4 = int8)')
    ap.add_argument('--q4-head', type=int, choices=[4, 8], default=8, help='q4 variant: embedding/LM head bits')
    ap.add_argument('--out-dir', help='where the .onnx files go (default MODEL_DIR/onnx)')
    ap.add_argument('--suffix', default='', help='appended to the file names (experiments)')
    a = ap.parse_args()
    d = os.path.abspath(a.model_dir)
    t = time.time()
    W, src = load_weights(d, a)
    print(f'weights: {src} ({time.time() - t:.0f}s): D {W["D"]}, L {W["L"]}, heads {W["nh"]}/{W["nkv"]}, '
          f'head_dim {W["hd"]}, ff {W["ff"]}, vocab {W["V"]}, rope {W["rope"]}, tied {W["head"] is None}', flush=True)
    if a.ref_fp32:
        export_ref_fp32(W, json.load(open(os.path.join(d, 'config.json'))), a.ref_fp32)
    out_dir = a.out_dir or os.path.join(d, 'onnx')
    meta = dict(source=src)
    for v in a.variants.split(','):
        path = os.path.join(out_dir, f'model_kvin_{v}{a.suffix}.onnx')
        export(W, path, meta, quant=v, attn=a.attn, bits=a.bits, block=a.block, sym=not a.asym, search=not a.no_search,
               acc_level=a.acc_level, q4_head=a.q4_head)


if __name__ == '__main__':
    main()
