// Writes a Hugging Face-format GPT-2 folder that the engine (and transformers) can open:
// config.json + model.safetensors (via the engine's saveCheckpoint), the tokenizer files copied
// from the tokenizer folder, and a README.md model card.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { saveCheckpoint } from '../engine/checkpoint';
import type { GPTConfig, WeightMap } from '../engine/types';
import { renderModelCard, type ModelCardInfo } from './modelCard';

const TOKENIZER_FILES = ['tokenizer.json', 'vocab.json', 'merges.txt', 'tokenizer_config.json', 'special_tokens_map.json'];

export interface ExportRequest {
  config: GPTConfig;
  weights: WeightMap;
  /** Folder holding the tokenizer files to copy (a tokenizer folder or a model folder). */
  tokenizerDir: string;
  card: ModelCardInfo;
}

export function exportModel(dir: string, r: ExportRequest): void {
  fs.mkdirSync(dir, { recursive: true });
  saveCheckpoint(dir, r.config, r.weights, { dtype: 'F32' });
  let copied = 0;
  for (const f of TOKENIZER_FILES) {
    const src = path.join(r.tokenizerDir, f);
    if (fs.existsSync(src) && path.resolve(src) !== path.resolve(dir, f)) {
      fs.copyFileSync(src, path.join(dir, f));
      copied++;
    } else if (fs.existsSync(path.join(dir, f))) copied++;
  }
  if (!copied) throw new Error(`${r.tokenizerDir}: no tokenizer files (${TOKENIZER_FILES.join(', ')}) to copy`);
  fs.writeFileSync(path.join(dir, 'README.md'), renderModelCard(r.card));
}
