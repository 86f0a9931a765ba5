"""The bench's PyTorch reference: one AdamW training step of the same GPT-2 model (or, with
--family llama, the same Llama: RMSNorm, RoPE rotate_half, SwiGLU, no biases, tied head) on the
same batch (ids (i*7919+13) % vocab), 2 threads, prints 'PyTorch: N ms/step, tokens/s X'."""
import argparse
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

p = argparse.ArgumentParser()
for k in ["layers", "heads", "embd", "ctx", "vocab", "batch", "steps"]:
    p.add_argument(f"--{k}", type=int, required=True)
p.add_argument("--family", default="gpt2", choices=["gpt2", "llama"])
p.add_argument("--inner", type=int, default=0)
p.add_argument("--theta", type=float, default=10000.0)
p.add_argument("--eps", type=float, default=1e-5)
a = p.parse_args()
torch.set_num_threads(2)
torch.manual_seed(0)


class Block(nn.Module):
    def __init__(s, d, h):
        super().__init__()
        s.h = h
        s.ln_1, s.ln_2 = nn.LayerNorm(d), nn.LayerNorm(d)
        s.c_attn, s.c_proj = nn.Linear(d, 3 * d), nn.Linear(d, d)
        s.c_fc, s.c_proj2 = nn.Linear(d, 4 * d), nn.Linear(4 * d, d)

    def forward(s, x):
        B, T, d = x.shape
        q, k, v = s.c_attn(s.ln_1(x)).split(d, dim=2)
        q, k, v = (t.view(B, T, s.h, d // s.h).transpose(1, 2) for t in (q, k, v))  # [B, H, T, hd]
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // s.h)  # explicit attention, like ours
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
        x = x + s.c_proj((att @ v).transpose(1, 2).reshape(B, T, d))
        return x + s.c_proj2(F.gelu(s.c_fc(s.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(s):
        super().__init__()
        s.wte, s.wpe = nn.Embedding(a.vocab, a.embd), nn.Embedding(a.ctx, a.embd)
        s.h = nn.ModuleList(Block(a.embd, a.heads) for _ in range(a.layers))
        s.ln_f = nn.LayerNorm(a.embd)

    def forward(s, idx):
        x = s.wte(idx) + s.wpe(torch.arange(idx.shape[1]))
        for b in s.h:
            x = b(x)
        return s.ln_f(x) @ s.wte.weight.T  # tied head


class RMSNorm(nn.Module):
    def __init__(s, d):
        super().__init__()
        s.weight = nn.Parameter(torch.ones(d))

    def forward(s, x):
        return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + a.eps) * s.weight


def rotate_half(x):
    x1, x2 = x.chunk(2, dim=-1)
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(nn.Module):
    def __init__(s, d, h, f):
        super().__init__()
        s.h = h
        s.input_layernorm, s.post_attention_layernorm = RMSNorm(d), RMSNorm(d)
        s.q_proj, s.k_proj, s.v_proj, s.o_proj = (nn.Linear(d, d, bias=False) for _ in range(4))
        s.gate_proj, s.up_proj, s.down_proj = nn.Linear(d, f, bias=False), nn.Linear(d, f, bias=False), nn.Linear(f, d, bias=False)
        hd = d // h
        inv = 1.0 / (a.theta ** (torch.arange(0, hd, 2).float() / hd))
        ang = torch.outer(torch.arange(a.ctx).float(), inv)
        emb = torch.cat((ang, ang), dim=-1)  # [T, hd]
        s.cos, s.sin = emb.cos(), emb.sin()

    def forward(s, x):
        B, T, d = x.shape
        hx = s.input_layernorm(x)
        q, k, v = ((p(hx)).view(B, T, s.h, d // s.h).transpose(1, 2) for p in (s.q_proj, s.k_proj, s.v_proj))  # [B, H, T, hd]
        q, k = (t * s.cos[:T] + rotate_half(t) * s.sin[:T] for t in (q, k))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(d // s.h)
        att = att.masked_fill(torch.triu(torch.ones(T, T, dtype=torch.bool), 1), float("-inf")).softmax(-1)
        x = x + s.o_proj((att @ v).transpose(1, 2).reshape(B, T, d))
        hx = s.post_attention_layernorm(x)
        return x + s.down_proj(F.silu(s.gate_proj(hx)) * s.up_proj(hx))


class Llama(nn.Module):
    def __init__(s):
        super().__init__()
        s.embed_tokens = nn.Embedding(a.vocab, a.embd)
        s.layers = nn.ModuleList(LlamaBlock(a.embd, a.heads, a.inner) for _ in range(a.layers))
        s.norm = RMSNorm(a.embd)

    def forward(s, idx):
        x = s.embed_tokens(idx)
        for b in s.layers:
            x = b(x)
        return s.norm(x) @ s.embed_tokens.weight.T  # tied head


m = Llama() if a.family == "llama" else GPT()
opt = torch.optim.AdamW(m.parameters(), lr=1e-3, weight_decay=0.1)
ids = (torch.arange(a.batch * (a.ctx + 1)) * 7919 + 13) % a.vocab
ids = ids.view(a.batch, a.ctx + 1)
x, y = ids[:, :-1], ids[:, 1:]


def step():
    loss = F.cross_entropy(m(x).reshape(-1, a.vocab), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    torch.nn.utils.clip_grad_norm_(m.parameters(), 1.0)
    opt.step()


step()
t0 = time.perf_counter()
for _ in range(a.steps):
    step()
ms = (time.perf_counter() - t0) / a.steps * 1000
print(f"PyTorch: {ms:.0f} ms/step, tokens/s {a.batch * a.ctx * 1000 / ms:.0f}")
