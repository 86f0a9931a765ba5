#!/usr/bin/env python3
"""Random-weight checkpoints of real family shapes for the benchmarks (issue 13): config.json (as the
Hub's config of that model) + model.safetensors under Hugging Face's names. Weights are N(0, 0.02²)
(RMSNorm weights 1, biases N(0, 0.02²)), seeded; tensors are drawn and written one at a time, so the
memory peak is one tensor (the 151936 x 896 embedding of Qwen2.5-0.5B: 0.5 GB as float32).
The output is large (SmolLM2-135M: 0.54 GB F32 / 0.27 GB BF16; Qwen2.5-0.5B: 0.99 GB BF16): write it
outside the repository; nothing here is committed.

usage: random_family_checkpoint.py {smollm2-135m,qwen2.5-0.5b} OUT_DIR [--dtype F32|BF16] [--seed 1]
"""
import argparse
import json
import os
import struct

import numpy as np

PRESETS = {
    "smollm2-135m": {
        "architectures": ["LlamaForCausalLM"], "attention_bias": False, "attention_dropout": 0.0,
        "bos_token_id": 0, "eos_token_id": 0, "hidden_act": "silu", "hidden_size": 576,
        "initializer_range": 0.041666666666666664, "intermediate_size": 1536, "is_llama_config": True,
        "max_position_embeddings": 8192, "mlp_bias": False, "model_type": "llama", "num_attention_heads": 9,
        "num_hidden_layers": 30, "num_key_value_heads": 3, "pretraining_tp": 1, "rms_norm_eps": 1e-05,
        "rope_interleaved": False, "rope_scaling": None, "rope_theta": 100000, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16", "transformers_version": "4.42.3", "use_cache": True, "vocab_size": 49152},
    "qwen2.5-0.5b": {
        "architectures": ["Qwen2ForCausalLM"], "attention_dropout": 0.0, "bos_token_id": 151643,
        "eos_token_id": 151643, "hidden_act": "silu", "hidden_size": 896, "initializer_range": 0.02,
        "intermediate_size": 4864, "max_position_embeddings": 32768, "max_window_layers": 24,
        "model_type": "qwen2", "num_attention_heads": 14, "num_hidden_layers": 24, "num_key_value_heads": 2,
        "rms_norm_eps": 1e-06, "rope_theta": 1000000.0, "sliding_window": 32768, "tie_word_embeddings": True,
        "torch_dtype": "bfloat16", "transformers_version": "4.40.1", "use_cache": True,
        "use_sliding_window": False, "vocab_size": 151936},
}


def tensor_shapes(cfg):
    """(name, shape) of a Llama-family checkpoint (Llama / Qwen2), in the file's sorted order."""
    d, H, KV, I = cfg["hidden_size"], cfg["num_attention_heads"], cfg["num_key_value_heads"], cfg["intermediate_size"]
    hd = cfg.get("head_dim") or d // H
    qkv_bias = cfg["model_type"] == "qwen2" or cfg.get("attention_bias", False)
    out = [("model.embed_tokens.weight", (cfg["vocab_size"], d)), ("model.norm.weight", (d,))]
    for i in range(cfg["num_hidden_layers"]):
        p = "model.layers.%d." % i
        out += [(p + "input_layernorm.weight", (d,)), (p + "post_attention_layernorm.weight", (d,)),
                (p + "self_attn.q_proj.weight", (H * hd, d)), (p + "self_attn.k_proj.weight", (KV * hd, d)),
                (p + "self_attn.v_proj.weight", (KV * hd, d)), (p + "self_attn.o_proj.weight", (d, H * hd)),
                (p + "mlp.gate_proj.weight", (I, d)), (p + "mlp.up_proj.weight", (I, d)),
                (p + "mlp.down_proj.weight", (d, I))]
        if qkv_bias:
            out += [(p + "self_attn.%s_proj.bias" % n, (r,)) for n, r in (("q", H * hd), ("k", KV * hd), ("v", KV * hd))]
    if not cfg["tie_word_embeddings"]:
        out.append(("lm_head.weight", (cfg["vocab_size"], d)))
    return sorted(out)


def to_bytes(a32, dtype):
    if dtype == "F32":
        return a32.astype("<f4").tobytes()
    bits = a32.view(np.uint32)  # float32 -> bfloat16, round to nearest even
    rounded = (bits + 0x7FFF + ((bits >> 16) & 1)) >> 16
    return rounded.astype("<u2").tobytes()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("preset", choices=sorted(PRESETS))
    ap.add_argument("out_dir")
    ap.add_argument("--dtype", choices=["F32", "BF16"], default="BF16")
    ap.add_argument("--seed", type=int, default=1)
    a = ap.parse_args()
    cfg = dict(PRESETS[a.preset], torch_dtype={"F32": "float32", "BF16": "bfloat16"}[a.dtype])
    shapes = tensor_shapes(cfg)
    size = 4 if a.dtype == "F32" else 2
    header, offset = {"__metadata__": {"format": "pt"}}, 0
    for name, shape in shapes:
        n = size * int(np.prod(shape))
        header[name] = {"dtype": a.dtype, "shape": list(shape), "data_offsets": [offset, offset + n]}
        offset += n
    blob = json.dumps(header, separators=(",", ":")).encode("utf-8")
    blob += b" " * ((8 - len(blob) % 8) % 8)
    os.makedirs(a.out_dir, exist_ok=True)
    rng = np.random.default_rng(a.seed)
    with open(os.path.join(a.out_dir, "model.safetensors"), "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for name, shape in shapes:
            if name.endswith("norm.weight"):
                w = np.ones(shape, dtype=np.float32)
            else:
                w = rng.standard_normal(shape, dtype=np.float32) * np.float32(0.02)
            f.write(to_bytes(w, a.dtype))
    with open(os.path.join(a.out_dir, "config.json"), "w") as f:
        json.dump(cfg, f, indent=2)
        f.write("\n")
    params = sum(int(np.prod(s)) for _n, s in shapes)
    print(json.dumps({"preset": a.preset, "dir": a.out_dir, "dtype": a.dtype, "params": params, "bytes": offset}))


if __name__ == "__main__":
    main()
