// A chat model for tests: test/fixtures/tiny-model copied into a folder, with ChatML's two special
// tokens added (tokenizer.json's added_tokens, and two more embedding rows so that vocab_size still
// matches the embedding) and a tokenizer_config.json holding a chat template.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadCheckpoint } from '../../src/engine/checkpoint';
import { writeSafetensors } from '../../src/engine/safetensors';

export const TINY = join(__dirname, '..', '..', 'test', 'fixtures', 'tiny-model');
export const CHAT_TEMPLATES = join(__dirname, '..', '..', 'test', 'fixtures', 'chat-templates');

/** The tiny model's vocabulary ends at 556 (<|endoftext|>); the chat tokens follow. */
export const IM_START = 557;
export const IM_END = 558;

/** SmolLM2-Instruct's template (ChatML with a default system turn), as the Hub ships it. */
export const SMOLLM2_TEMPLATE = readFileSync(join(CHAT_TEMPLATES, 'smollm2-instruct.jinja'), 'utf8');

/**
 * Copies the tiny model into `dir` as a chat model. `tokenizerConfig` is written as
 * tokenizer_config.json (default: SmolLM2's template, its <|im_start|> BOS and <|im_end|> EOS).
 */
export function writeChatModel(dir: string, tokenizerConfig: Record<string, unknown> = smolConfig()): void {
  cpSync(TINY, dir, { recursive: true });
  const { weights } = loadCheckpoint(TINY);
  const tensors = [...weights].map(([name, w]): [string, { shape: number[]; data: Float32Array }] => {
    if (name !== 'wte.weight') return [name, w];
    const [V, d] = w.shape;
    const data = new Float32Array((V + 2) * d); // [V + 2, d]: two new rows, small and distinct
    data.set(w.data);
    for (let i = V * d; i < data.length; i++) data[i] = 0.01 * Math.sin(i);
    return [name, { shape: [V + 2, d], data }];
  });
  writeSafetensors(join(dir, 'model.safetensors'), tensors, { dtype: 'F32' });
  const config = JSON.parse(readFileSync(join(dir, 'config.json'), 'utf8'));
  writeFileSync(join(dir, 'config.json'), JSON.stringify({ ...config, vocab_size: config.vocab_size + 2, eos_token_id: IM_END }));
  const tok = JSON.parse(readFileSync(join(dir, 'tokenizer.json'), 'utf8'));
  const special = { single_word: false, lstrip: false, rstrip: false, normalized: false, special: true };
  tok.added_tokens.push({ id: IM_START, content: '<|im_start|>', ...special }, { id: IM_END, content: '<|im_end|>', ...special });
  writeFileSync(join(dir, 'tokenizer.json'), JSON.stringify(tok));
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify(tokenizerConfig));
}

/** tokenizer_config.json as SmolLM2-Instruct writes it (the fields that matter here). */
export function smolConfig(template: unknown = SMOLLM2_TEMPLATE): Record<string, unknown> {
  return {
    add_prefix_space: false,
    bos_token: '<|im_start|>',
    eos_token: { content: '<|im_end|>', lstrip: false, normalized: false, rstrip: false, single_word: false },
    chat_template: template,
    model_max_length: 128,
    tokenizer_class: 'GPT2Tokenizer',
  };
}
