#!/usr/bin/python3
"""PyTorch side of bench/encdecBench.ts: a model folder written by test/fixtures/gen_encdec.py --bench
(MarianMTModel or T5ForConditionalGeneration, F32), run in float32 torch with a decoder KV cache and the
cross-attention K/V computed once: encode the source ids, then greedy-decode N tokens (EOS not stopping,
so every run makes N). Written from modeling_marian.py / modeling_t5.py like test/fixtures/encdec_ref.py
(transformers is not installed here). Prints one JSON line: {"encodeMs", "decodeMs", "tokens", "ids"}.
    /usr/bin/python3 bench/torch_encdec.py DIR IDS_JSON N THREADS
"""
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "test", "fixtures"))
import encdec_ref as ref  # noqa: E402  (the bucket function and the sinusoids)


def load(folder):
    with open(os.path.join(folder, "model.safetensors"), "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    W = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        a, b = e["data_offsets"]
        W[name] = torch.from_numpy(np.frombuffer(data[a:b], dtype="<f4").reshape(e["shape"]).copy())
    return W


def attend(q, k, v, H, scale, bias=None):
    T, S = q.shape[0], k.shape[0]
    hd = q.shape[1] // H
    qh, kh, vh = (x.view(-1, H, hd).transpose(0, 1) for x in (q, k, v))
    s = qh @ kh.transpose(1, 2) * scale
    if bias is not None:
        s = s + bias
    return (torch.softmax(s, -1) @ vh).transpose(0, 1).reshape(T, H * hd)


class Marian:
    def __init__(self, W, cfg):
        self.W, self.c = W, cfg
        self.d, self.H = cfg["d_model"], cfg["encoder_attention_heads"]
        self.scale = math.sqrt(self.d) if cfg["scale_embedding"] else 1.0
        self.pos = torch.tensor(ref.sinusoids(cfg["max_position_embeddings"], self.d), dtype=torch.float32)
        self.act = torch.nn.functional.silu if cfg["activation_function"] in ("swish", "silu") else torch.nn.functional.gelu

    def lin(self, p, x):
        return torch.nn.functional.linear(x, self.W[p + ".weight"], self.W[p + ".bias"])

    def ln(self, p, x):
        return torch.nn.functional.layer_norm(x, (self.d,), self.W[p + ".weight"], self.W[p + ".bias"], 1e-5)

    def encode(self, ids):
        h = self.W["model.shared.weight"][ids] * self.scale + self.pos[: len(ids)]
        hd = self.d // self.H
        for i in range(self.c["encoder_layers"]):
            p = "model.encoder.layers.%d" % i
            a = attend(self.lin(p + ".self_attn.q_proj", h), self.lin(p + ".self_attn.k_proj", h), self.lin(p + ".self_attn.v_proj", h), self.H, hd ** -0.5)
            h = self.ln(p + ".self_attn_layer_norm", h + self.lin(p + ".self_attn.out_proj", a))
            h = self.ln(p + ".final_layer_norm", h + self.lin(p + ".fc2", self.act(self.lin(p + ".fc1", h))))
        cross = []
        for i in range(self.c["decoder_layers"]):
            p = "model.decoder.layers.%d.encoder_attn" % i
            cross.append((self.lin(p + ".k_proj", h), self.lin(p + ".v_proj", h)))
        return cross

    def step(self, tok, pos, cache, cross):
        h = self.W["model.shared.weight"][[tok]] * self.scale + self.pos[pos:pos + 1]
        hd = self.d // self.H
        for i in range(self.c["decoder_layers"]):
            p = "model.decoder.layers.%d" % i
            k, v = self.lin(p + ".self_attn.k_proj", h), self.lin(p + ".self_attn.v_proj", h)
            cache[i] = (k, v) if cache[i] is None else (torch.cat([cache[i][0], k]), torch.cat([cache[i][1], v]))
            a = attend(self.lin(p + ".self_attn.q_proj", h), cache[i][0], cache[i][1], self.H, hd ** -0.5)
            h = self.ln(p + ".self_attn_layer_norm", h + self.lin(p + ".self_attn.out_proj", a))
            c = attend(self.lin(p + ".encoder_attn.q_proj", h), cross[i][0], cross[i][1], self.H, hd ** -0.5)
            h = self.ln(p + ".encoder_attn_layer_norm", h + self.lin(p + ".encoder_attn.out_proj", c))
            h = self.ln(p + ".final_layer_norm", h + self.lin(p + ".fc2", self.act(self.lin(p + ".fc1", h))))
        return (h @ self.W["model.shared.weight"].T + self.W["final_logits_bias"])[0]


class T5:
    def __init__(self, W, cfg):
        self.W, self.c = W, cfg
        self.H, self.d = cfg["num_heads"], cfg["d_model"]

    def norm(self, p, x):
        return x * torch.rsqrt((x * x).mean(-1, keepdim=True) + self.c["layer_norm_epsilon"]) * self.W[p]

    def mm(self, p, x):
        return x @ self.W[p + ".weight"].T

    def bias(self, stack, q0, Tq, Tk, bidir):
        rel = np.arange(Tk)[None, :] - np.arange(q0, q0 + Tq)[:, None]
        b = ref.relative_position_bucket(rel, bidir, self.c["relative_attention_num_buckets"], self.c["relative_attention_max_distance"])
        return self.W[stack + ".block.0.layer.0.SelfAttention.relative_attention_bias.weight"][torch.from_numpy(b)].permute(2, 0, 1)

    def ff(self, p, x):
        return self.mm(p + ".wo", torch.relu(self.mm(p + ".wi", x)))

    def encode(self, ids):
        h = self.W["shared.weight"][ids]
        bias = self.bias("encoder", 0, len(ids), len(ids), True)
        for i in range(self.c["num_layers"]):
            p = "encoder.block.%d.layer" % i
            x = self.norm(p + ".0.layer_norm.weight", h)
            a = p + ".0.SelfAttention"
            h = h + self.mm(a + ".o", attend(self.mm(a + ".q", x), self.mm(a + ".k", x), self.mm(a + ".v", x), self.H, 1.0, bias))
            h = h + self.ff(p + ".1.DenseReluDense", self.norm(p + ".1.layer_norm.weight", h))
        h = self.norm("encoder.final_layer_norm.weight", h)
        return [(self.mm("decoder.block.%d.layer.1.EncDecAttention.k" % i, h), self.mm("decoder.block.%d.layer.1.EncDecAttention.v" % i, h)) for i in range(self.c["num_decoder_layers"])]

    def step(self, tok, pos, cache, cross):
        h = self.W["shared.weight"][[tok]]
        bias = self.bias("decoder", pos, 1, pos + 1, False)
        for i in range(self.c["num_decoder_layers"]):
            p = "decoder.block.%d.layer" % i
            x = self.norm(p + ".0.layer_norm.weight", h)
            a = p + ".0.SelfAttention"
            k, v = self.mm(a + ".k", x), self.mm(a + ".v", x)
            cache[i] = (k, v) if cache[i] is None else (torch.cat([cache[i][0], k]), torch.cat([cache[i][1], v]))
            h = h + self.mm(a + ".o", attend(self.mm(a + ".q", x), cache[i][0], cache[i][1], self.H, 1.0, bias))
            c = p + ".1.EncDecAttention"
            h = h + self.mm(c + ".o", attend(self.mm(c + ".q", self.norm(p + ".1.layer_norm.weight", h)), cross[i][0], cross[i][1], self.H, 1.0))
            h = h + self.ff(p + ".2.DenseReluDense", self.norm(p + ".2.layer_norm.weight", h))
        h = self.norm("decoder.final_layer_norm.weight", h) * self.d ** -0.5
        return (h @ self.W["shared.weight"].T)[0]


def main():
    folder, ids, n, threads = sys.argv[1], json.loads(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    torch.set_num_threads(threads)
    with open(os.path.join(folder, "config.json")) as f:
        cfg = json.load(f)
    W = load(folder)
    model = Marian(W, cfg) if cfg["model_type"] == "marian" else T5(W, cfg)
    n_layers = cfg.get("decoder_layers", cfg.get("num_decoder_layers"))
    with torch.inference_mode():
        t0 = time.perf_counter()
        cross = model.encode(torch.tensor(ids))
        t1 = time.perf_counter()
        cache = [None] * n_layers
        tok, out = cfg["decoder_start_token_id"], []
        for pos in range(n):
            logits = model.step(tok, pos, cache, cross)
            if cfg["model_type"] == "marian":
                logits[cfg["pad_token_id"]] = -math.inf
            tok = int(torch.argmax(logits))
            out.append(tok)
        t2 = time.perf_counter()
    print(json.dumps({"encodeMs": (t1 - t0) * 1e3, "decodeMs": (t2 - t1) * 1e3, "tokens": n, "ids": out}))


if __name__ == "__main__":
    main()
