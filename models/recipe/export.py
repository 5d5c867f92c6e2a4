#!/usr/bin/env python3
"""Checkpoint -> transformers.js model folder.

  /usr/bin/python3 models/recipe/export.py --ckpt models/recipe/work/best.pt --out models/inkling-verse

Writes config.json, generation_config.json, tokenizer.json (+ tokenizer_config.json,
special_tokens_map.json), onnx/model_quantized.onnx (int8 weights, dtype 'q8') and, with
--fp32 (default: into --fp32-dir, outside git), onnx/model.onnx.

ONNX I/O is transformers.js's decoder layout with KV cache:
  inputs  input_ids [b,s] i64, attention_mask [b,past+s] i64, position_ids [b,s] i64,
          past_key_values.{i}.{key,value} f32 [b,kv,past,hd]
  outputs logits [b,s,V], present.{i}.{key,value} [b,kv,past+s,hd]
"""
import argparse, json, os, sys
import numpy as np
import torch
import onnx
from onnx import helper, numpy_helper, TensorProto

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from model import Llama, LlamaConfig  # noqa: E402

OPSET = 14


# ----------------------------------------------------------------------------- tokenizer
def spm_to_hf_tokenizer(spm_model_path, out_dir, model_max_length):
    """SentencePiece BPE (byte fallback, no dummy prefix, identity normalisation) ->
    Llama-style tokenizer.json. Newlines are the byte token <0x0A>; spaces are '▁'."""
    import sentencepiece as spm
    sp = spm.SentencePieceProcessor(model_file=spm_model_path)
    n = sp.get_piece_size()
    vocab = {sp.id_to_piece(i): i for i in range(n)}
    normal = [i for i in range(n) if not (sp.is_control(i) or sp.is_unknown(i) or sp.is_byte(i))]
    ns = set(normal)
    merges = []
    for i in sorted(normal, key=lambda i: -sp.get_score(i)):  # same order as HF's SentencePieceExtractor
        piece = sp.id_to_piece(i)
        local = []
        for k in range(1, len(piece)):
            l, r = piece[:k], piece[k:]
            if l in vocab and r in vocab and vocab[l] in ns and vocab[r] in ns:
                local.append((vocab[l], vocab[r], l, r))
        local.sort()
        merges += [f'{l} {r}' for _, _, l, r in local]
    special = [{'id': i, 'content': sp.id_to_piece(i), 'single_word': False, 'lstrip': False,
                'rstrip': False, 'normalized': False, 'special': True} for i in (0, 1, 2)]
    tok = {
        'version': '1.0', 'truncation': None, 'padding': None, 'added_tokens': special,
        'normalizer': {'type': 'Replace', 'pattern': {'String': ' '}, 'content': '\u2581'},
        'pre_tokenizer': None,
        'post_processor': {'type': 'TemplateProcessing',
                           'single': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}}],
                           'pair': [{'SpecialToken': {'id': '<s>', 'type_id': 0}}, {'Sequence': {'id': 'A', 'type_id': 0}},
                                    {'SpecialToken': {'id': '<s>', 'type_id': 1}}, {'Sequence': {'id': 'B', 'type_id': 1}}],
                           'special_tokens': {'<s>': {'id': '<s>', 'ids': [1], 'tokens': ['<s>']}}},
        'decoder': {'type': 'Sequence', 'decoders': [
            {'type': 'Replace', 'pattern': {'String': '\u2581'}, 'content': ' '},
            {'type': 'ByteFallback'}, {'type': 'Fuse'}]},
        'model': {'type': 'BPE', 'dropout': None, 'unk_token': '<unk>', 'continuing_subword_prefix': None,
                  'end_of_word_suffix': None, 'fuse_unk': True, 'byte_fallback': True, 'ignore_merges': False,
                  'vocab': vocab, 'merges': merges},
    }
    write_json(os.path.join(out_dir, 'tokenizer.json'), tok, indent=None)
    added = {str(s['id']): {k: s[k] for k in ('content', 'lstrip', 'normalized', 'rstrip', 'single_word', 'special')} for s in special}
    write_json(os.path.join(out_dir, 'tokenizer_config.json'), {
        'add_bos_token': True, 'add_eos_token': False, 'bos_token': '<s>', 'eos_token': '</s>',
        'unk_token': '<unk>', 'pad_token': None, 'clean_up_tokenization_spaces': False, 'legacy': True,
        'add_prefix_space': False, 'model_max_length': model_max_length, 'tokenizer_class': 'LlamaTokenizer',
        'sp_model_kwargs': {}, 'added_tokens_decoder': added})
    write_json(os.path.join(out_dir, 'special_tokens_map.json'), {'bos_token': '<s>', 'eos_token': '</s>', 'unk_token': '<unk>'})


def write_json(path, obj, indent=1):
    with open(path, 'w', encoding='utf-8') as f:
        json.dump(obj, f, indent=indent, ensure_ascii=False)
        f.write('\n')


# ----------------------------------------------------------------------------- ONNX
class _Cached(torch.nn.Module):
    def __init__(self, m):
        super().__init__()
        self.m = m

    def forward(self, input_ids, attention_mask, position_ids, *past):
        return self.m.forward_cached(input_ids, attention_mask, position_ids, *past)


def io_names(n_layers):
    ins = ['input_ids', 'attention_mask', 'position_ids']
    outs = ['logits']
    for i in range(n_layers):
        ins += [f'past_key_values.{i}.key', f'past_key_values.{i}.value']
        outs += [f'present.{i}.key', f'present.{i}.value']
    return ins, outs


def export_onnx(model: Llama, path, opset=OPSET):
    """Trace with past=3, s=2 and batch 2 (all axes dynamic); the graph runs with past 0."""
    c = model.config
    model = model.eval().float().cpu()
    b, s, p = 2, 2, 3
    ids = torch.randint(3, c.vocab_size, (b, s))
    am = torch.ones(b, p + s, dtype=torch.long)
    pos = torch.arange(p, p + s).unsqueeze(0).expand(b, s).contiguous()
    past = []
    for _ in range(c.num_hidden_layers):
        past += [torch.zeros(b, c.num_key_value_heads, p, c.head_dim)] * 2
    ins, outs = io_names(c.num_hidden_layers)
    dyn = {'input_ids': {0: 'batch_size', 1: 'sequence_length'},
           'attention_mask': {0: 'batch_size', 1: 'total_sequence_length'},
           'position_ids': {0: 'batch_size', 1: 'sequence_length'},
           'logits': {0: 'batch_size', 1: 'sequence_length'}}
    for nm in ins[3:]:
        dyn[nm] = {0: 'batch_size', 2: 'past_sequence_length'}
    for nm in outs[1:]:
        dyn[nm] = {0: 'batch_size', 2: 'total_sequence_length'}
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with torch.no_grad():
        torch.onnx.export(_Cached(model), (ids, am, pos, *past), path, input_names=ins, output_names=outs,
                          dynamic_axes=dyn, opset_version=opset, do_constant_folding=True)
    m = onnx.load(path)
    dedupe_tied_head(m, model)
    onnx.save(m, path)
    return path


def _find_tied(m, model):
    """(embedding initializer name, transposed-copy initializer name or None)."""
    inits = {i.name: i for i in m.graph.initializer}
    E = model.embed_tokens.weight.detach().numpy()
    emb = None
    for node in m.graph.node:
        if node.op_type == 'Gather' and node.input[0] in inits:
            emb = node.input[0]
    if not model.config.tie_word_embeddings:
        return emb, None
    for node in m.graph.node:
        if node.op_type == 'MatMul' and node.input[1] in inits:
            t = inits[node.input[1]]
            if tuple(t.dims) == (E.shape[1], E.shape[0]):
                arr = numpy_helper.to_array(t)
                if np.array_equal(arr, E.T):
                    return emb, node.input[1]
    return emb, None


def dedupe_tied_head(m, model):
    """torch's constant folding stores E and E^T; keep E and compute E^T with a Transpose."""
    emb, et = _find_tied(m, model)
    if et is None:
        return
    keep = [i for i in m.graph.initializer if i.name != et]
    del m.graph.initializer[:]
    m.graph.initializer.extend(keep)
    m.graph.node.insert(0, helper.make_node('Transpose', [emb], [et], perm=[1, 0], name='lm_head_weight_T'))


def quantize_int8(src, dst, min_elems=1024):
    """Weight-only int8, the onnx-community 'q8' layout: every MatMul with a constant weight
    becomes DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q int8) -> Cast -> Mul(x_scale*w_scale)
    (symmetric per-output-column weight scales; ORT fuses this into DynamicQuantizeMatMul).
    The embedding table is int8 too (per-row scale), and a tied LM head reuses it through a
    Transpose, so the file holds one int8 copy."""
    m = onnx.load(src)
    g = m.graph
    inits = {i.name: i for i in g.initializer}
    consts = {}
    for node in g.node:  # weights behind a Transpose of an initializer (the tied head)
        if node.op_type == 'Transpose' and node.input[0] in inits:
            consts[node.output[0]] = (node.input[0], node)
    new_inits, drop, new_nodes = [], set(), []
    emb_q = {}  # float embedding name -> (int8 name, row-scale name)

    def q_rows(arr):  # per-row symmetric
        s = np.abs(arr).max(axis=1) / 127.0
        s[s == 0] = 1.0
        q = np.clip(np.round(arr / s[:, None]), -127, 127).astype(np.int8)
        return q, s.astype(np.float32)

    def quant_embedding(name):
        if name in emb_q:
            return emb_q[name]
        arr = numpy_helper.to_array(inits[name])
        q, s = q_rows(arr)
        new_inits.append(numpy_helper.from_array(q, name + '_int8'))
        new_inits.append(numpy_helper.from_array(s.reshape(-1, 1), name + '_rowscale'))
        new_inits.append(numpy_helper.from_array(s, name + '_colscale'))
        drop.add(name)
        emb_q[name] = (name + '_int8', name + '_rowscale', name + '_colscale')
        return emb_q[name]

    zp = numpy_helper.from_array(np.array(0, dtype=np.int8), 'w_zero_point_int8')
    new_inits.append(zp)
    count = 0
    for node in g.node:
        if node.op_type == 'Gather' and node.input[0] in inits and len(inits[node.input[0]].dims) == 2:
            q, rs, _ = quant_embedding(node.input[0])
            o = node.output[0]
            new_nodes += [
                helper.make_node('Gather', [q, node.input[1]], [o + '_q'], name=node.name + '_q', axis=0),
                helper.make_node('Cast', [o + '_q'], [o + '_qf'], to=TensorProto.FLOAT),
                helper.make_node('Gather', [rs, node.input[1]], [o + '_s'], name=node.name + '_s', axis=0),
                helper.make_node('Mul', [o + '_qf', o + '_s'], [o])]
            count += 1
            continue
        if node.op_type == 'MatMul' and (node.input[1] in inits or node.input[1] in consts):
            x, w, o, nm = node.input[0], node.input[1], node.output[0], node.name or node.output[0]
            if w in consts:  # Transpose(E) for the tied head: reuse the int8 embedding
                src_name, tnode = consts[w]
                q, _, cs = quant_embedding(src_name)
                wq = w + '_int8'
                new_nodes.append(helper.make_node('Transpose', [q], [wq], perm=[1, 0], name=tnode.name + '_int8'))
                wscale = cs
            else:
                arr = numpy_helper.to_array(inits[w])
                if arr.ndim != 2 or arr.size < min_elems:
                    new_nodes.append(node)
                    continue
                q, s = q_rows(arr.T)  # per output column
                wq, wscale = w + '_int8', w + '_scale'
                new_inits += [numpy_helper.from_array(np.ascontiguousarray(q.T), wq), numpy_helper.from_array(s, wscale)]
                drop.add(w)
            new_nodes += [
                helper.make_node('DynamicQuantizeLinear', [x], [o + '_xq', o + '_xs', o + '_xz'], name=nm + '_dql'),
                helper.make_node('MatMulInteger', [o + '_xq', wq, o + '_xz', 'w_zero_point_int8'], [o + '_i32'], name=nm + '_mmi'),
                helper.make_node('Cast', [o + '_i32'], [o + '_f'], to=TensorProto.FLOAT, name=nm + '_cast'),
                helper.make_node('Mul', [o + '_xs', wscale], [o + '_sc'], name=nm + '_scale'),
                helper.make_node('Mul', [o + '_f', o + '_sc'], [o], name=nm + '_out')]
            count += 1
            continue
        if node.op_type == 'Transpose' and node.output[0] in consts:
            continue  # float Transpose(E) no longer needed
        new_nodes.append(node)
    keep = [i for i in g.initializer if i.name not in drop]
    del g.initializer[:]
    g.initializer.extend(keep + new_inits)
    del g.node[:]
    g.node.extend(new_nodes)
    onnx.checker.check_model(m)
    onnx.save(m, dst)
    return count


# ----------------------------------------------------------------------------- folder
def write_configs(cfg: LlamaConfig, out, extra=None):
    write_json(os.path.join(out, 'config.json'), cfg.to_hf(**{'transformers.js_config': {'dtype': 'q8'}, **(extra or {})}))
    write_json(os.path.join(out, 'generation_config.json'), {
        'bos_token_id': cfg.bos_token_id, 'eos_token_id': [cfg.eos_token_id], 'pad_token_id': cfg.pad_token_id,
        'max_length': cfg.max_position_embeddings, 'do_sample': True, 'temperature': 0.8, 'top_k': 40,
        'transformers_version': '4.46.0'})


def load_ckpt(path):
    st = torch.load(path, map_location='cpu')
    cfg = LlamaConfig(**st['config'])
    m = Llama(cfg)
    m.load_state_dict(st['model'])
    return m.eval(), st


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    ap = argparse.ArgumentParser()
    ap.add_argument('--ckpt', default=os.path.join(here, 'work', 'best.pt'))
    ap.add_argument('--spm', default=os.path.join(here, 'work', 'spm.model'))
    ap.add_argument('--out', default=os.path.join(here, '..', 'inkling-verse'))
    ap.add_argument('--fp32-dir', default=os.path.join(here, 'work', 'fp32'),
                    help='where the fp32 model.onnx goes ("" = inside --out/onnx)')
    a = ap.parse_args()
    torch.set_num_threads(1)
    model, st = load_ckpt(a.ckpt)
    os.makedirs(os.path.join(a.out, 'onnx'), exist_ok=True)
    fp32_dir = a.fp32_dir or os.path.join(a.out, 'onnx')
    os.makedirs(fp32_dir, exist_ok=True)
    fp32 = export_onnx(model, os.path.join(fp32_dir, 'model.onnx'))
    n = quantize_int8(fp32, os.path.join(a.out, 'onnx', 'model_quantized.onnx'))
    write_configs(model.config, a.out)
    spm_to_hf_tokenizer(a.spm, a.out, model.config.max_position_embeddings)
    info = {k: st.get(k) for k in ('step', 'tokens_seen', 'elapsed', 'best', 'prepare')}
    info['params'] = model.num_params()
    write_json(os.path.join(a.out if not a.fp32_dir else fp32_dir, 'export_info.json'), info)
    print(f'exported step {st["step"]} ({n} int8 ops) ->', a.out, flush=True)
    for root in (a.out, fp32_dir):
        for f in sorted(os.listdir(os.path.join(root, 'onnx') if root == a.out else root)):
            p = os.path.join(root, 'onnx', f) if root == a.out else os.path.join(root, f)
            print(f'  {p}: {os.path.getsize(p)/1e6:.2f} MB')


if __name__ == '__main__':
    main()
