// Each family's weights as its Hugging Face checkpoint names them, with their shapes: what the
// checkpoint loader (checkpoint.ts) checks a folder against. Pure data, no tensors.
import type { GPTConfig, ModelType } from '../types';

export interface CheckpointNames {
  /** The family, for messages ("unexpected weight(s) for a Llama model"). */
  label: string;
  /** Every weight of a model of `config` with its shape, in order; lm_head.weight only when untied. */
  shapes(config: GPTConfig): Map<string, number[]>;
  /** A checkpoint tensor's name → ours; undefined for buffers that are not weights. */
  rename(raw: string): string | undefined;
  /** The token embedding: its rows are the vocabulary, and a tied lm_head.weight must equal it. */
  embedding: string;
}

const GPT2_BUFFER = /^h\.\d+\.attn\.(bias|masked_bias)$/;
const withoutTransformer = (raw: string) => (raw.startsWith('transformer.') ? raw.slice('transformer.'.length) : raw);

/** GPT-2's and GPT-1's blocks: Conv1D weights [in, out], LayerNorms with biases. */
function conv1dBlocks(m: Map<string, number[]>, c: GPTConfig): void {
  const { nEmbd: d, nInner: f } = c;
  for (let i = 0; i < c.nLayer; i++) {
    const h = `h.${i}.`;
    if (c.modelType === 'gpt2') m.set(h + 'ln_1.weight', [d]).set(h + 'ln_1.bias', [d]);
    m.set(h + 'attn.c_attn.weight', [d, 3 * d]).set(h + 'attn.c_attn.bias', [3 * d]);
    m.set(h + 'attn.c_proj.weight', [d, d]).set(h + 'attn.c_proj.bias', [d]);
    if (c.modelType !== 'gpt2') m.set(h + 'ln_1.weight', [d]).set(h + 'ln_1.bias', [d]);
    if (c.modelType === 'gpt2') m.set(h + 'ln_2.weight', [d]).set(h + 'ln_2.bias', [d]);
    m.set(h + 'mlp.c_fc.weight', [d, f]).set(h + 'mlp.c_fc.bias', [f]);
    m.set(h + 'mlp.c_proj.weight', [f, d]).set(h + 'mlp.c_proj.bias', [d]);
    if (c.modelType !== 'gpt2') m.set(h + 'ln_2.weight', [d]).set(h + 'ln_2.bias', [d]);
  }
}

const GPT2: CheckpointNames = {
  label: 'GPT-2',
  shapes(c) {
    const m = new Map<string, number[]>([['wte.weight', [c.vocabSize, c.nEmbd]], ['wpe.weight', [c.nPositions, c.nEmbd]]]);
    conv1dBlocks(m, c);
    return m.set('ln_f.weight', [c.nEmbd]).set('ln_f.bias', [c.nEmbd]);
  },
  rename: (raw) => {
    const name = withoutTransformer(raw);
    return GPT2_BUFFER.test(name) ? undefined : name;
  },
  embedding: 'wte.weight',
};

const OPENAI_GPT: CheckpointNames = {
  label: 'GPT-1',
  shapes(c) {
    const m = new Map<string, number[]>([['tokens_embed.weight', [c.vocabSize, c.nEmbd]], ['positions_embed.weight', [c.nPositions, c.nEmbd]]]);
    conv1dBlocks(m, c);
    return m;
  },
  rename: (raw) => {
    const name = withoutTransformer(raw);
    return /^h\.\d+\.attn\.bias$/.test(name) ? undefined : name;
  },
  embedding: 'tokens_embed.weight',
};

const LLAMA: CheckpointNames = {
  label: 'Llama-family',
  shapes(c) {
    const { vocabSize: V, nEmbd: d, nInner: f, headDim: hd, nHead: H, nKvHead: Hkv } = c;
    const qkvBias = c.attentionBias?.qkv ?? false;
    const m = new Map<string, number[]>([['model.embed_tokens.weight', [V, d]]]);
    for (let i = 0; i < c.nLayer; i++) {
      const p = `model.layers.${i}.`;
      m.set(p + 'input_layernorm.weight', [d]);
      for (const [n, rows] of [['q', H * hd], ['k', Hkv * hd], ['v', Hkv * hd]] as const) {
        m.set(`${p}self_attn.${n}_proj.weight`, [rows, d]);
        if (qkvBias) m.set(`${p}self_attn.${n}_proj.bias`, [rows]);
      }
      m.set(p + 'self_attn.o_proj.weight', [d, H * hd]);
      if (c.attentionBias?.o) m.set(p + 'self_attn.o_proj.bias', [d]);
      if (c.qkNorm) m.set(p + 'self_attn.q_norm.weight', [hd]).set(p + 'self_attn.k_norm.weight', [hd]);
      m.set(p + 'post_attention_layernorm.weight', [d]);
      for (const [n, shape, bias] of [['gate', [f, d], f], ['up', [f, d], f], ['down', [d, f], d]] as const) {
        m.set(`${p}mlp.${n}_proj.weight`, [...shape]);
        if (c.mlpBias) m.set(`${p}mlp.${n}_proj.bias`, [bias]);
      }
    }
    m.set('model.norm.weight', [d]);
    if (c.tieWordEmbeddings === false) m.set('lm_head.weight', [V, d]);
    return m;
  },
  // Older checkpoints saved RoPE's inv_freq buffers; they are recomputed from the config.
  rename: (raw) => (/\.rotary_emb\.inv_freq$/.test(raw) ? undefined : raw),
  embedding: 'model.embed_tokens.weight',
};

const NAMES: Record<ModelType, CheckpointNames> = {
  gpt2: GPT2,
  'openai-gpt': OPENAI_GPT,
  llama: LLAMA,
  mistral: LLAMA,
  qwen2: LLAMA,
  qwen3: LLAMA,
};

export function checkpointNames(config: GPTConfig): CheckpointNames {
  return NAMES[config.modelType];
}
