"""Llama-architecture decoder in plain PyTorch (RMSNorm, RoPE, SwiGLU, GQA, tied embeddings).

The same module is used for training (no cache) and for ONNX export in the transformers.js
decoder layout (attention_mask / position_ids / past_key_values.* -> logits / present.*).
Works with torch 1.13 (no scaled_dot_product_attention needed).
"""
import math
from dataclasses import dataclass, asdict, field

import torch
import torch.nn as nn
import torch.nn.functional as F


@dataclass
class LlamaConfig:
    vocab_size: int = 4096
    hidden_size: int = 256
    intermediate_size: int = 688
    num_hidden_layers: int = 6
    num_attention_heads: int = 8
    num_key_value_heads: int = 4
    head_dim: int = 32
    max_position_embeddings: int = 256
    rms_norm_eps: float = 1e-5
    rope_theta: float = 10000.0
    tie_word_embeddings: bool = True
    bos_token_id: int = 1
    eos_token_id: int = 2
    pad_token_id: int = 0

    def to_hf(self, **extra):
        d = {
            'architectures': ['LlamaForCausalLM'], 'model_type': 'llama',
            'hidden_size': self.hidden_size, 'intermediate_size': self.intermediate_size,
            'num_hidden_layers': self.num_hidden_layers,
            'num_attention_heads': self.num_attention_heads,
            'num_key_value_heads': self.num_key_value_heads, 'head_dim': self.head_dim,
            'vocab_size': self.vocab_size, 'max_position_embeddings': self.max_position_embeddings,
            'rms_norm_eps': self.rms_norm_eps, 'rope_theta': self.rope_theta,
            'hidden_act': 'silu', 'attention_bias': False, 'mlp_bias': False,
            'tie_word_embeddings': self.tie_word_embeddings,
            'bos_token_id': self.bos_token_id, 'eos_token_id': self.eos_token_id,
            'pad_token_id': self.pad_token_id, 'torch_dtype': 'float32', 'use_cache': True,
            'transformers_version': '4.46.0',
        }
        d.update(extra)
        return d


def _ffn(d):
    # Llama's 8/3*d rounded up to a multiple of 16
    return int(math.ceil(8 * d / 3 / 16) * 16)


# Size presets. 'tiny'..'base' fit a CPU core in an hour or two; bigger ones want a GPU.
PRESETS = {
    'tiny':   dict(hidden_size=128, num_hidden_layers=4, num_attention_heads=4, num_key_value_heads=2, head_dim=32),
    'small':  dict(hidden_size=192, num_hidden_layers=6, num_attention_heads=6, num_key_value_heads=2, head_dim=32),
    'base':   dict(hidden_size=256, num_hidden_layers=6, num_attention_heads=8, num_key_value_heads=4, head_dim=32),
    'medium': dict(hidden_size=384, num_hidden_layers=8, num_attention_heads=6, num_key_value_heads=2, head_dim=64),
    'large':  dict(hidden_size=576, num_hidden_layers=16, num_attention_heads=9, num_key_value_heads=3, head_dim=64),
    # SmolLM2-135M's shapes (used by bench/make_bench_model.py with random weights)
    'smollm2-135m': dict(hidden_size=576, intermediate_size=1536, num_hidden_layers=30,
                         num_attention_heads=9, num_key_value_heads=3, head_dim=64,
                         vocab_size=49152, rope_theta=100000.0, max_position_embeddings=2048),
}


def make_config(preset, **over):
    d = dict(PRESETS[preset])
    d.update({k: v for k, v in over.items() if v is not None})
    if 'intermediate_size' not in d:
        d['intermediate_size'] = _ffn(d['hidden_size'])
    return LlamaConfig(**d)


class RMSNorm(nn.Module):
    def __init__(self, d, eps):
        super().__init__()
        self.eps = eps
        self.weight = nn.Parameter(torch.ones(d))

    def forward(self, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps) * self.weight


def rotate_half(x):
    h = x.shape[-1] // 2
    return torch.cat((-x[..., h:], x[..., :h]), dim=-1)


class Attention(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.nh, self.nkv, self.hd = c.num_attention_heads, c.num_key_value_heads, c.head_dim
        self.q_proj = nn.Linear(c.hidden_size, self.nh * self.hd, bias=False)
        self.k_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.v_proj = nn.Linear(c.hidden_size, self.nkv * self.hd, bias=False)
        self.o_proj = nn.Linear(self.nh * self.hd, c.hidden_size, bias=False)

    def forward(self, x, cos, sin, mask, past_k=None, past_v=None):
        b, s, _ = x.shape
        q = self.q_proj(x).view(b, s, self.nh, self.hd).transpose(1, 2)
        k = self.k_proj(x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        v = self.v_proj(x).view(b, s, self.nkv, self.hd).transpose(1, 2)
        q = q * cos + rotate_half(q) * sin
        k = k * cos + rotate_half(k) * sin
        if past_k is not None:
            k = torch.cat([past_k, k], dim=2)
            v = torch.cat([past_v, v], dim=2)
        present = (k, v)
        rep = self.nh // self.nkv
        # GQA: fold the query heads of one kv group into the sequence axis instead of
        # repeating k/v (cheaper, and exports without dynamic repeat ops).
        qg = q.reshape(b, self.nkv, rep * s, self.hd)
        att = torch.matmul(qg, k.transpose(2, 3)) * (1.0 / math.sqrt(self.hd))  # b,kv,rep*s,T
        att = att.view(b, self.nkv, rep, s, -1)
        att = att.masked_fill(mask, torch.finfo(att.dtype).min)
        att = torch.softmax(att, dim=-1).view(b, self.nkv, rep * s, -1)
        y = torch.matmul(att, v)  # b,kv,rep*s,hd
        y = y.view(b, self.nh, s, self.hd).transpose(1, 2).reshape(b, s, self.nh * self.hd)
        return self.o_proj(y), present


class MLP(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.gate_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.up_proj = nn.Linear(c.hidden_size, c.intermediate_size, bias=False)
        self.down_proj = nn.Linear(c.intermediate_size, c.hidden_size, bias=False)

    def forward(self, x):
        return self.down_proj(F.silu(self.gate_proj(x)) * self.up_proj(x))


class Block(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.input_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.self_attn = Attention(c)
        self.post_attention_layernorm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        self.mlp = MLP(c)

    def forward(self, x, cos, sin, mask, pk=None, pv=None):
        a, present = self.self_attn(self.input_layernorm(x), cos, sin, mask, pk, pv)
        x = x + a
        x = x + self.mlp(self.post_attention_layernorm(x))
        return x, present


class Llama(nn.Module):
    def __init__(self, c: LlamaConfig):
        super().__init__()
        self.config = c
        self.embed_tokens = nn.Embedding(c.vocab_size, c.hidden_size)
        self.layers = nn.ModuleList([Block(c) for _ in range(c.num_hidden_layers)])
        self.norm = RMSNorm(c.hidden_size, c.rms_norm_eps)
        if not c.tie_word_embeddings:
            self.lm_head = nn.Linear(c.hidden_size, c.vocab_size, bias=False)
        inv = 1.0 / (c.rope_theta ** (torch.arange(0, c.head_dim, 2, dtype=torch.float32) / c.head_dim))
        self.register_buffer('inv_freq', inv, persistent=False)
        self.apply(self._init)
        # GPT-2 style scaled init of residual projections
        for n, p in self.named_parameters():
            if n.endswith('o_proj.weight') or n.endswith('down_proj.weight'):
                nn.init.normal_(p, 0.0, 0.02 / math.sqrt(2 * c.num_hidden_layers))

    @staticmethod
    def _init(m):
        if isinstance(m, nn.Linear):
            nn.init.normal_(m.weight, 0.0, 0.02)
        elif isinstance(m, nn.Embedding):
            nn.init.normal_(m.weight, 0.0, 0.02)

    def num_params(self, exclude_embedding=False):
        n = sum(p.numel() for p in self.parameters())
        return n - self.embed_tokens.weight.numel() if exclude_embedding else n

    def head(self, h):
        w = self.embed_tokens.weight if self.config.tie_word_embeddings else self.lm_head.weight
        return torch.matmul(h, w.t())

    def _rope(self, position_ids):
        f = position_ids.unsqueeze(-1).float() * self.inv_freq  # b,s,hd/2
        emb = torch.cat([f, f], dim=-1).unsqueeze(1)            # b,1,s,hd
        return emb.cos(), emb.sin()

    def forward(self, idx, targets=None):
        """Training / eval path: full causal attention, no cache."""
        b, s = idx.shape
        pos = torch.arange(s, device=idx.device).unsqueeze(0).expand(b, s)
        cos, sin = self._rope(pos)
        causal = torch.ones(s, s, dtype=torch.bool, device=idx.device).triu(1)
        mask = causal.view(1, 1, 1, s, s)
        x = self.embed_tokens(idx)
        for layer in self.layers:
            x, _ = layer(x, cos, sin, mask)
        logits = self.head(self.norm(x))
        if targets is None:
            return logits
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)).float(), targets.reshape(-1), ignore_index=-1)
        return logits, loss

    def forward_cached(self, input_ids, attention_mask, position_ids, *past):
        """transformers.js decoder layout. past = (k0, v0, k1, v1, ...), each [b, kv, past, hd].
        Returns (logits, k0', v0', ...)."""
        b, s = input_ids.shape
        total = attention_mask.shape[1]
        cos, sin = self._rope(position_ids)
        i = torch.arange(s, device=input_ids.device).unsqueeze(1)
        j = torch.arange(total, device=input_ids.device).unsqueeze(0)
        future = j > (i + (total - s))                                   # s,T
        pad = (attention_mask == 0).view(b, 1, 1, 1, total)              # b,1,1,1,T
        mask = future.view(1, 1, 1, s, total) | pad                     # b,1,1,s,T
        x = self.embed_tokens(input_ids)
        presents = []
        for li, layer in enumerate(self.layers):
            x, (k, v) = layer(x, cos, sin, mask, past[2 * li], past[2 * li + 1])
            presents += [k, v]
        logits = self.head(self.norm(x))
        return (logits, *presents)
