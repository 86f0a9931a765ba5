// The model card (README.md) written into every model folder the pipeline exports: what the model
// is, what it was trained on, how long, and how well it did, in nats and bits.
import type { GPTConfig } from '../engine/types';

export interface ModelCardInfo {
  name: string;
  kind: 'pre-trained' | 'supervised fine-tune' | 'reward fine-tune (REINFORCE)';
  gptConfig: GPTConfig;
  parameters: number;
  /** The model folder this one was fine-tuned from. */
  base?: string;
  /** The data file(s) used (paths as given). */
  data?: string[];
  /** The corpus manifest (JSON), quoted as is. */
  corpusManifest?: unknown;
  steps: number;
  tokensSeen: number;
  /** Mean training loss over the last steps, nats/token. */
  trainLoss?: number;
  /** Validation loss, nats/token. */
  valLoss?: number;
  /** Validation tokens per byte of UTF-8 text (turns bits/token into bits/byte). */
  valTokensPerByte?: number;
  trainingTimeMs: number;
  trainingConfig: Record<string, unknown>;
  /** Extra lines (e.g. the reward curve). */
  notes?: string[];
}

const LN2 = Math.log(2);

function duration(ms: number): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  return h ? `${h} h ${m} min` : m ? `${m} min ${s % 60} s` : `${s} s`;
}

function lossLine(label: string, nats: number | undefined, tokensPerByte?: number): string | undefined {
  if (nats === undefined || !Number.isFinite(nats)) return undefined;
  const bits = nats / LN2;
  const bpb = tokensPerByte !== undefined ? `, ${(bits * tokensPerByte).toFixed(3)} bits/byte` : '';
  return `| ${label} | ${nats.toFixed(4)} nats/token, ${bits.toFixed(3)} bits/token${bpb} |`;
}

/** The architecture row and the intro's noun for a config's family. */
function architecture(c: GPTConfig): { row: string; style: string } {
  if (c.modelType === 'llama') {
    return {
      row: `Llama (LlamaForCausalLM: pre-norm RMSNorm ε = ${c.layerNormEps}, RoPE θ = ${c.rope?.theta}, SwiGLU MLP, no biases, tied LM head)`,
      style: 'Llama-style',
    };
  }
  return { row: 'GPT-2 (pre-LN, gelu_new, tied LM head, learned positions)', style: 'GPT-2-style' };
}

export function renderModelCard(i: ModelCardInfo): string {
  const c = i.gptConfig;
  const arch = architecture(c);
  const ffn = c.modelType === 'llama' ? `SwiGLU feed-forward ${c.nInner}` : `feed-forward ${c.nInner}`;
  const rows = [
    `| Kind | ${i.kind} |`,
    `| Architecture | ${arch.row} |`,
    `| Size | ${c.nLayer} layers, ${c.nHead} heads, d = ${c.nEmbd}, ${ffn}, context ${c.nPositions}, vocabulary ${c.vocabSize} |`,
    `| Parameters | ${i.parameters.toLocaleString('en-US')} |`,
    ...(i.base ? [`| Base model | \`${i.base}\` |`] : []),
    ...(i.data?.length ? [`| Data | ${i.data.map((d) => `\`${d}\``).join(', ')} |`] : []),
    `| Optimizer steps | ${i.steps} |`,
    `| Tokens seen | ${i.tokensSeen.toLocaleString('en-US')} |`,
    lossLine('Final training loss', i.trainLoss),
    lossLine('Validation loss', i.valLoss, i.valTokensPerByte),
    `| Training time | ${duration(i.trainingTimeMs)} (TensorFlow.js wasm backend, CPU) |`,
  ].filter((r): r is string => r !== undefined);
  const out = [
    `# ${i.name}`,
    '',
    `A small ${arch.style} language model trained from scratch by the Attention Lens training pipeline`,
    '(`src/train/`, TypeScript + TensorFlow.js). It is meant to be looked at, not to be useful: its',
    'attention heads are small enough to inspect one by one.',
    '',
    '| | |',
    '|---|---|',
    ...rows,
    '',
  ];
  if (i.notes?.length) out.push('## Notes', '', ...i.notes, '');
  if (i.corpusManifest !== undefined) {
    out.push('## Corpus', '', '```json', JSON.stringify(i.corpusManifest, null, 2), '```', '');
  }
  out.push('## Training configuration', '', '```json', JSON.stringify(i.trainingConfig, null, 2), '```', '');
  return out.join('\n');
}
