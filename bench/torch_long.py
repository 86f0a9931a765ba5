#!/usr/bin/env python3
"""The PyTorch side of `npm run bench -- --long` (issue 18): the forward of a Llama-family checkpoint
in float32 WITHOUT the attention weights (output_attentions off, as no one can hold them at long T):
torch's scaled_dot_product_attention, causal, where this torch has it (2.0 on); else (Debian's 1.13)
eager attention as transformers runs it with output_attentions off: each layer's scores, mask and
softmax made and dropped at once. Over the same weights bench/torch_families.py reads.
Prints one JSON line {"torch", "threads", "forwardMs": {T: ms}, "forwardCpuMs": {T: ms}, "peakRssMb"}.

usage: torch_long.py MODEL_DIR [--ts 1024,2048,4096] [--threads 2] [--runs 1]
"""
import argparse
import json
import resource
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F

from torch_families import load, matT, prepare, rms

SDPA = hasattr(F, "scaled_dot_product_attention")


def forward(w, cfg, ids):
    T, H, KV, d = ids.shape[0], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    hd = cfg.get("head_dim") or d // H
    eps = cfg["rms_norm_eps"]
    inv, rd = cfg["_rope"]
    freqs = torch.arange(0, T, dtype=torch.float32)[:, None] * inv[None, :]
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos(), emb.sin()

    def rope(x):
        xr, xp = x[..., :rd], x[..., rd:]
        rot = torch.cat([-xr[..., rd // 2:], xr[..., :rd // 2]], -1)
        return torch.cat([xr * cos + rot * sin, xp], -1)

    def lin(h, name):
        y = matT(h, w[name + ".weight"])
        b = w.get(name + ".bias")
        return y + b if b is not None else y

    mask = torch.ones(T, T, dtype=torch.bool).triu(1)  # True = hidden (a key after the query)
    x = w["model.embed_tokens.weight"][ids]
    for li in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % li
        h = rms(x, w[p + "input_layernorm.weight"], eps)
        q = rope(lin(h, p + "self_attn.q_proj").view(T, H, hd).transpose(0, 1))  # [H, T, hd]
        k = rope(lin(h, p + "self_attn.k_proj").view(T, KV, hd).transpose(0, 1))  # [KV, T, hd]
        v = lin(h, p + "self_attn.v_proj").view(T, KV, hd).transpose(0, 1)
        k, v = k.repeat_interleave(H // KV, 0), v.repeat_interleave(H // KV, 0)  # [H, T, hd]
        if SDPA:
            o = F.scaled_dot_product_attention(q[None], k[None], v[None], is_causal=True)[0]  # [H, T, hd]
        else:
            s = (q @ k.transpose(1, 2)) * hd ** -0.5  # [H, T, T]
            s = s.masked_fill(mask, float("-inf"))
            o = torch.softmax(s, -1) @ v  # [H, T, hd]
            del s
        x = x + lin(o.transpose(0, 1).reshape(T, H * hd), p + "self_attn.o_proj")
        h = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(F.silu(lin(h, p + "mlp.gate_proj")) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    x = rms(x, w["model.norm.weight"], eps)
    return matT(x, w.get("lm_head.weight", w["model.embed_tokens.weight"]))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--ts", default="1024,2048,4096")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with torch.no_grad():
        cfg, w = load(a.model_dir)
        prepare(cfg)
        V = w["model.embed_tokens.weight"].shape[0]
        rng = np.random.default_rng(1)
        forward(w, cfg, torch.from_numpy(rng.integers(0, V, 64).astype(np.int64)))  # warm-up
        ms, cpu = {}, {}
        for T in (int(t) for t in a.ts.split(",")):
            ids = torch.from_numpy(rng.integers(0, V, T).astype(np.int64))
            times, cpus = [], []
            for _ in range(a.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                forward(w, cfg, ids)
                times.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            ms[str(T)], cpu[str(T)] = round(statistics.median(times), 1), round(statistics.median(cpus), 1)
        print(json.dumps({"torch": torch.__version__, "attention": "sdpa" if SDPA else "eager, weights dropped", "threads": a.threads, "forwardMs": ms, "forwardCpuMs": cpu,
                          "peakRssMb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)}))


if __name__ == "__main__":
    main()
