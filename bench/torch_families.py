#!/usr/bin/env python3
"""The PyTorch side of a family benchmark (issue 13): the forward of a Llama / Mistral / Qwen2 / Qwen3 /
GPT-1 checkpoint in float32, written from scratch with torch ops (no transformers library), with
explicit attention (scores, mask, softmax, weighted sum) whose weights are kept for every layer, as
eager attention with output_attentions does: the fair comparison with our engine, which keeps them.

Reads a checkpoint folder: config.json + model.safetensors, or shards + model.safetensors.index.json
(F32 / F16 / BF16, parsed by hand). Prints one JSON line:
  {"torch", "threads", "model", "params", "forwardMs": {T: ms}, "generate": {prompt, newTokens,
   prefillMs, decodeMs, tokensPerSecond}}
forward: median of --runs after a warm-up; generate: greedy with a KV cache, --new tokens after a
--prompt-token prompt, attention weights computed (and dropped) at every step, in torch.no_grad with
--threads threads (torch.set_num_threads). forwardCpuMs, generate.cpuMs: the process's CPU time (all
threads), which a loaded machine inflates less than wall time.

usage: torch_families.py MODEL_DIR [--ts 128,512,2048] [--threads 2] [--runs 3] [--prompt 128] [--new 64]
       torch_families.py --check test/fixtures/families/*   (float32 vs the numpy reference: logits,
       attentions and greedy ids with the KV cache; exits 1 on a mismatch)
"""
import argparse
import json
import math
import os
import statistics
import struct
import sys
import time

import numpy as np
import torch

NP_DTYPES = {"F32": "<f4", "F16": "<f2"}


def read_safetensors(path, out):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header, base = json.loads(data[8:8 + n]), 8 + n
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[base + b:base + end]
        if e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=NP_DTYPES[e["dtype"]]).astype(np.float32)
        out[name] = torch.from_numpy(arr.reshape(e["shape"]).copy())


def load(model_dir):
    with open(os.path.join(model_dir, "config.json")) as f:
        cfg = json.load(f)
    index = os.path.join(model_dir, "model.safetensors.index.json")
    files = sorted(set(json.load(open(index))["weight_map"].values())) if os.path.exists(index) else ["model.safetensors"]
    w = {}
    for f in files:
        read_safetensors(os.path.join(model_dir, f), w)
    return cfg, w


# ---------------------------------------------------------------- Llama family


def matT(h, w):
    """h [T, in] @ w[out, in]ᵀ. One row goes through torch.mv: this torch's [1, in] @ wᵀ runs a slow
    path (measured 1.6 GFLOP/s against mv's 5–6 on one thread), which made decoding ~1 token/s."""
    return torch.mv(w, h[0])[None] if h.shape[0] == 1 else h @ w.T


def rope_inv_freq(cfg):
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    dim = int(hd * cfg.get("partial_rotary_factor", 1.0))
    rs = cfg.get("rope_scaling") or {}
    kind = rs.get("rope_type", rs.get("type", "default"))
    inv = 1.0 / (float(cfg["rope_theta"]) ** (torch.arange(0, dim, 2, dtype=torch.float32) / dim))  # [dim/2]
    if kind == "linear":
        inv = inv / rs["factor"]
    elif kind == "llama3":
        f, lo, hi, old = rs["factor"], rs["low_freq_factor"], rs["high_freq_factor"], rs["original_max_position_embeddings"]
        wl = 2 * math.pi / inv
        scaled = torch.where(wl > old / lo, inv / f, inv)
        smooth = (old / wl - lo) / (hi - lo)
        medium = (wl >= old / hi) & (wl <= old / lo)
        inv = torch.where(medium, (1 - smooth) * scaled / f + smooth * scaled, scaled)
    elif kind not in ("default", "dynamic"):  # dynamic = default up to max_position_embeddings
        raise SystemExit("rope type %s is not supported here" % kind)
    return inv, dim


def windows(cfg):
    L, mt = cfg["num_hidden_layers"], cfg["model_type"]
    if mt == "mistral":
        return [cfg.get("sliding_window")] * L
    if mt in ("qwen2", "qwen3") and cfg.get("use_sliding_window") and cfg.get("sliding_window"):
        return [cfg["sliding_window"] if i >= cfg.get("max_window_layers", 0) else None for i in range(L)]
    return [None] * L


def rms(x, w, eps):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + eps) * w


def mask_for(start, T, S, window):
    """[T, S] bool, True = hidden: query start + i sees key j iff j <= start + i (and within the window)."""
    qpos = torch.arange(start, start + T)[:, None]
    kpos = torch.arange(S)[None, :]
    hidden = kpos > qpos
    return hidden | (qpos - kpos >= window) if window is not None else hidden


class Cache:
    """Keys / values of every layer, preallocated: [L, KV, n, hd]."""

    def __init__(self, L, KV, hd, n):
        self.k, self.v, self.len = torch.zeros(L, KV, n, hd), torch.zeros(L, KV, n, hd), 0


def llama_forward(w, cfg, ids, cache=None, keep=True):
    """ids [T] at positions cache.len.. Returns logits [T, V] and attentions (a list of [H, T, S])."""
    T, H, KV, d = ids.shape[0], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["hidden_size"]
    hd = cfg.get("head_dim") or d // H
    eps, rep = cfg["rms_norm_eps"], H // KV
    start = cache.len if cache is not None else 0
    inv, rd = cfg["_rope"]
    freqs = torch.arange(start, start + T, dtype=torch.float32)[:, None] * inv[None, :]  # [T, rd/2]
    emb = torch.cat([freqs, freqs], -1)
    cos, sin = emb.cos(), emb.sin()  # [T, rd]

    def rope(x):  # [n, T, hd]
        xr, xp = x[..., :rd], x[..., rd:]
        rot = torch.cat([-xr[..., rd // 2:], xr[..., :rd // 2]], -1)
        return torch.cat([xr * cos + rot * sin, xp], -1)

    def lin(h, name):
        y = matT(h, w[name + ".weight"])
        b = w.get(name + ".bias")
        return y + b if b is not None else y

    x = w["model.embed_tokens.weight"][ids]  # [T, d]
    atts = []
    for li, window in enumerate(cfg["_windows"]):
        p = "model.layers.%d." % li
        h = rms(x, w[p + "input_layernorm.weight"], eps)
        q = lin(h, p + "self_attn.q_proj").view(T, H, hd).transpose(0, 1)  # [H, T, hd]
        k = lin(h, p + "self_attn.k_proj").view(T, KV, hd).transpose(0, 1)  # [KV, T, hd]
        v = lin(h, p + "self_attn.v_proj").view(T, KV, hd).transpose(0, 1)
        if p + "self_attn.q_norm.weight" in w:
            q, k = rms(q, w[p + "self_attn.q_norm.weight"], eps), rms(k, w[p + "self_attn.k_norm.weight"], eps)
        q, k = rope(q), rope(k)
        if cache is not None:
            cache.k[li, :, start:start + T], cache.v[li, :, start:start + T] = k, v
            k, v = cache.k[li, :, :start + T], cache.v[li, :, :start + T]  # [KV, S, hd]
        S = k.shape[1]
        s = (q.view(KV, rep, T, hd) @ k.transpose(1, 2)[:, None]) * hd ** -0.5  # [KV, rep, T, S]
        s = s.masked_fill(mask_for(start, T, S, window), float("-inf"))
        a = torch.softmax(s, -1)  # [KV, rep, T, S]
        if keep:
            atts.append(a.reshape(H, T, S))
        o = (a @ v[:, None]).reshape(H, T, hd).transpose(0, 1).reshape(T, H * hd)  # [T, H*hd]
        x = x + lin(o, p + "self_attn.o_proj")
        h = rms(x, w[p + "post_attention_layernorm.weight"], eps)
        x = x + lin(torch.nn.functional.silu(lin(h, p + "mlp.gate_proj")) * lin(h, p + "mlp.up_proj"), p + "mlp.down_proj")
    if cache is not None:
        cache.len = start + T
    x = rms(x, w["model.norm.weight"], eps)
    return matT(x, w.get("lm_head.weight", w["model.embed_tokens.weight"])), atts


# ---------------------------------------------------------------- GPT-1


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def gpt1_forward(w, cfg, ids, cache=None, keep=True):
    T, d, H = ids.shape[0], cfg["n_embd"], cfg["n_head"]
    hd, eps = d // H, cfg["layer_norm_epsilon"]
    start = cache.len if cache is not None else 0
    ln = torch.nn.functional.layer_norm
    x = w["tokens_embed.weight"][ids] + w["positions_embed.weight"][start:start + T]  # [T, d]
    atts = []
    for li in range(cfg["n_layer"]):
        p = "h.%d." % li
        qkv = x @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # [T, 3d]
        q, k, v = (t.view(T, H, hd).transpose(0, 1) for t in qkv.split(d, dim=1))  # [H, T, hd]
        if cache is not None:
            cache.k[li, :, start:start + T], cache.v[li, :, start:start + T] = k, v
            k, v = cache.k[li, :, :start + T], cache.v[li, :, :start + T]
        s = (q @ k.transpose(1, 2)) / math.sqrt(hd)  # [H, T, S]
        a = torch.softmax(s.masked_fill(mask_for(start, T, k.shape[1], None), float("-inf")), -1)
        if keep:
            atts.append(a)
        o = (a @ v).transpose(0, 1).reshape(T, d)
        n = ln(x + o @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"], (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)
        m = gelu_new(n @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"]) @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
        x = ln(n + m, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
    if cache is not None:
        cache.len = start + T
    return matT(x, w["tokens_embed.weight"]), atts


# ---------------------------------------------------------------- driver


def prepare(cfg):
    """Returns (forward, new_cache(n), max positions) for the config's family."""
    if cfg["model_type"] == "openai-gpt":
        if cfg.get("afn", "gelu") != "gelu":
            raise SystemExit("afn %s is not supported here" % cfg["afn"])
        return gpt1_forward, lambda n: Cache(cfg["n_layer"], cfg["n_head"], cfg["n_embd"] // cfg["n_head"], n), cfg["n_positions"]
    if cfg.get("hidden_act", "silu") != "silu":
        raise SystemExit("hidden_act %s is not supported here" % cfg["hidden_act"])
    cfg["_rope"], cfg["_windows"] = rope_inv_freq(cfg), windows(cfg)
    hd = cfg.get("head_dim") or cfg["hidden_size"] // cfg["num_attention_heads"]
    return (llama_forward, lambda n: Cache(cfg["num_hidden_layers"], cfg["num_key_value_heads"], hd, n),
            cfg["max_position_embeddings"])


def generate(fwd, new_cache, w, cfg, prompt, n_new, P):
    """Greedy with the KV cache; returns (new ids, prefill ms, decode ms)."""
    cache = new_cache(min(P, len(prompt) + n_new))
    t0 = time.perf_counter()
    logits, _ = fwd(w, cfg, torch.tensor(prompt), cache)
    t1 = time.perf_counter()
    out = []
    while len(out) < n_new and cache.len < P:
        out.append(int(torch.argmax(logits[-1])))
        if len(out) == n_new or cache.len >= P:
            break
        logits, _ = fwd(w, cfg, torch.tensor(out[-1:]), cache)
    return out, (t1 - t0) * 1000, (time.perf_counter() - t1) * 1000


def check(dirs):
    """float32 torch vs the float64 numpy fixtures: logits 1e-4, attentions 1e-5, greedy ids equal."""
    bad = 0
    for d in dirs:
        ref = json.load(open(os.path.join(d, "reference.json")))
        cfg, w = load(d)
        fwd, new_cache, P = prepare(cfg)
        logits, atts = fwd(w, cfg, torch.tensor(ref["ids"]))
        want_l = np.fromfile(os.path.join(d, "logits.f32"), dtype="<f4").reshape(logits.shape)
        want_a = np.fromfile(os.path.join(d, "attentions.f32"), dtype="<f4").reshape(len(atts), *atts[0].shape)
        dl = float(np.abs(logits.numpy() - want_l).max())
        da = float(np.abs(torch.stack(atts).numpy() - want_a).max())
        g = ref["greedy"]
        ids, _, _ = generate(fwd, new_cache, w, cfg, g["promptIds"], g["maxNewTokens"], P)
        ok = dl <= 1e-4 and da <= 1e-5 and ids == g["ids"]
        bad += not ok
        print("%-4s %-38s logits %.1e  attentions %.1e  greedy %s" % ("ok" if ok else "FAIL", ref["case"], dl, da,
                                                                     "equal" if ids == g["ids"] else "DIFFERS"))
    return bad


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir", nargs="*")
    ap.add_argument("--check", action="store_true")
    ap.add_argument("--ts", default="128,512,2048")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--prompt", type=int, default=128)
    ap.add_argument("--new", type=int, default=64)
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    with torch.no_grad():
        if a.check:
            sys.exit(1 if check(a.model_dir) else 0)
        cfg, w = load(a.model_dir[0])
        fwd, new_cache, P = prepare(cfg)
        V = w["tokens_embed.weight" if cfg["model_type"] == "openai-gpt" else "model.embed_tokens.weight"].shape[0]
        rng = np.random.default_rng(a.seed)
        ms, cpu = {}, {}
        for T in (int(t) for t in a.ts.split(",")):
            if T > P:
                continue
            ids = torch.from_numpy(rng.integers(0, V, T).astype(np.int64))
            fwd(w, cfg, ids)  # warm-up
            times, cpus = [], []
            for _ in range(a.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                _logits, atts = fwd(w, cfg, ids)
                [x.numpy() for x in atts]  # like ours, the attentions end as host arrays
                times.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            ms[str(T)] = round(statistics.median(times), 2)
            cpu[str(T)] = round(statistics.median(cpus), 2)
        prompt = [int(i) for i in rng.integers(0, V, a.prompt)]
        generate(fwd, new_cache, w, cfg, prompt[:8], 4, P)  # warm-up
        c0 = time.process_time()
        new, prefill, decode = generate(fwd, new_cache, w, cfg, prompt, a.new, P)
        gen_cpu = (time.process_time() - c0) * 1000
        print(json.dumps({"torch": torch.__version__, "threads": a.threads, "model": cfg.get("model_type"),
                          "params": int(sum(t.numel() for n, t in w.items() if not n.endswith("attn.bias"))),
                          "forwardMs": ms, "forwardCpuMs": cpu, "generate": {"prompt": a.prompt, "newTokens": len(new),
                                                        "prefillMs": round(prefill, 2), "decodeMs": round(decode, 2), "cpuMs": round(gen_cpu, 2),
                                                        "tokensPerSecond": round(len(new) / (prefill + decode) * 1000, 2)}}))


if __name__ == "__main__":
    main()
