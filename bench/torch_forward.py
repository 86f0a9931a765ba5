#!/usr/bin/env python3
"""The PyTorch side of `npm run bench`: the same GPT-2 forward (explicit attention, every attention
map kept, float32) on the same model.safetensors, timed the same way (median of 3 after a warm-up).

The safetensors file is parsed by hand (8-byte header length, JSON header, raw little-endian data):
no Hugging Face library. Prints one JSON line: {"torch": version, "threads": n, "ms": {T: ms}}.

usage: torch_forward.py MODEL_DIR --ts 128,512,1024 [--threads 2] [--runs 3] [--seed 1]
       [--dump-last-logits FILE]  (float32 logits of the last position of the T=ts[0] run)
       [--job T --job-out DIR]
cpuMs: the process's CPU time (every thread) of the same runs, medians. --job: first, the whole job
as `dump` does it, timed from the start: read the weights, one forward at T with every attention,
write logits.f32 [T, V] and attentions.f32 [L, H, T, T] into DIR ("job": {"ms", "cpuMs"}).
"""
import argparse
import json
import math
import os
import statistics
import struct
import time

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F16": np.float16}


def read_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8 : 8 + n])
    base = 8 + n
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        b, end = e["data_offsets"]
        raw = data[base + b : base + end]
        if e["dtype"] == "BF16":
            bits = np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16
            arr = bits.view(np.float32)
        else:
            arr = np.frombuffer(raw, dtype=np.dtype(DTYPES[e["dtype"]]).newbyteorder("<")).astype(np.float32)
        key = name[len("transformer.") :] if name.startswith("transformer.") else name
        out[key] = torch.from_numpy(arr.reshape(e["shape"]).copy())
    return out


def gelu_new(x):
    return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * x.pow(3))))


def forward(w, cfg, ids):
    """Returns logits [T, V] and one [H, T, T] attention per layer."""
    T = ids.shape[0]
    d, H, eps = cfg["n_embd"], cfg["n_head"], cfg.get("layer_norm_epsilon", 1e-5)
    hd = d // H
    ln = torch.nn.functional.layer_norm
    x = w["wte.weight"][ids] + w["wpe.weight"][:T]  # [T, d]
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # [T, T]
    atts = []
    for i in range(cfg["n_layer"]):
        p = f"h.{i}."
        h = ln(x, (d,), w[p + "ln_1.weight"], w[p + "ln_1.bias"], eps)  # [T, d]
        qkv = h @ w[p + "attn.c_attn.weight"] + w[p + "attn.c_attn.bias"]  # [T, 3d]
        q, k, v = (t.view(T, H, hd).transpose(0, 1) for t in qkv.split(d, dim=1))  # [H, T, hd]
        scores = (q @ k.transpose(1, 2)) / math.sqrt(hd)  # [H, T, T]
        scores = scores.masked_fill(mask, float("-inf"))
        att = torch.softmax(scores, dim=-1)  # [H, T, T]
        atts.append(att)
        y = (att @ v).transpose(0, 1).reshape(T, d)  # [T, d]
        x = x + y @ w[p + "attn.c_proj.weight"] + w[p + "attn.c_proj.bias"]
        h = ln(x, (d,), w[p + "ln_2.weight"], w[p + "ln_2.bias"], eps)
        h = gelu_new(h @ w[p + "mlp.c_fc.weight"] + w[p + "mlp.c_fc.bias"])  # [T, 4d]
        x = x + h @ w[p + "mlp.c_proj.weight"] + w[p + "mlp.c_proj.bias"]
    x = ln(x, (d,), w["ln_f.weight"], w["ln_f.bias"], eps)
    logits = x @ w["wte.weight"].T  # [T, V]
    # Like ours, hand the attentions back as host arrays.
    return logits.numpy(), [a.numpy() for a in atts]


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("model_dir")
    ap.add_argument("--ts", default="128,512,1024")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--ids-file", help="int32 ids (little-endian) to use instead of random ones")
    ap.add_argument("--dump-last-logits")
    ap.add_argument("--job", type=int)
    ap.add_argument("--job-out")
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    fixed = np.fromfile(a.ids_file, dtype="<i4") if a.ids_file else None
    job = None
    if a.job:
        t0, c0 = time.perf_counter(), time.process_time()
        with open(os.path.join(a.model_dir, "config.json")) as f:
            cfg = json.load(f)
        w = read_safetensors(os.path.join(a.model_dir, "model.safetensors"))
        with torch.no_grad():
            logits, atts = forward(w, cfg, torch.from_numpy(np.asarray(fixed[: a.job], dtype=np.int64)))
        logits.astype("<f4").tofile(os.path.join(a.job_out, "logits.f32"))
        with open(os.path.join(a.job_out, "attentions.f32"), "wb") as f:
            for att in atts:
                f.write(att.astype("<f4", copy=False).tobytes())
        job = {"ms": (time.perf_counter() - t0) * 1000, "cpuMs": (time.process_time() - c0) * 1000}
        del w, logits, atts
    with open(os.path.join(a.model_dir, "config.json")) as f:
        cfg = json.load(f)
    w = read_safetensors(os.path.join(a.model_dir, "model.safetensors"))
    rng = np.random.default_rng(a.seed)
    ms, cpu = {}, {}
    with torch.no_grad():
        for n, T in enumerate(int(t) for t in a.ts.split(",")):
            ids_np = fixed[:T] if fixed is not None and len(fixed) >= T else rng.integers(0, cfg["vocab_size"], T)
            ids = torch.from_numpy(np.asarray(ids_np, dtype=np.int64))
            logits, _ = forward(w, cfg, ids)  # warm-up
            if n == 0 and a.dump_last_logits:
                logits[-1].astype("<f4").tofile(a.dump_last_logits)
            times, cpus = [], []
            for _ in range(a.runs):
                t0, c0 = time.perf_counter(), time.process_time()
                forward(w, cfg, ids)
                times.append((time.perf_counter() - t0) * 1000)
                cpus.append((time.process_time() - c0) * 1000)
            ms[str(T)] = statistics.median(times)
            cpu[str(T)] = statistics.median(cpus)
    print(json.dumps({"torch": torch.__version__, "threads": a.threads, "ms": ms, "cpuMs": cpu, "job": job}))


if __name__ == "__main__":
    main()
