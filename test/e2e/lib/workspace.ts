// A fresh workspace for one e2e run: a copy of samples/, a generated long file for the context
// limit, and `.vscode/settings.json` choosing the model.
//
// The model switch, E2E_MODEL:
//   auto    (default) the bundled media/model when it holds a config.json, else the tiny fixture
//   bundled the extension's default (no modelPath setting)
//   tiny    a copy of test/fixtures/tiny-model, set through attentionLens.modelPath
//   <path>  any model folder, set through attentionLens.modelPath
import * as fs from 'node:fs';
import * as path from 'node:path';
import { bundledModelDir, samplesDir, tinyModelDir } from './paths';

export interface ModelChoice {
  kind: 'bundled' | 'tiny' | 'custom';
  /** The folder the extension will load (media/model for bundled). */
  dir: string;
  /** config.json's n_layer, n_head, n_positions (HF names). */
  nLayer: number;
  nHead: number;
  nPositions: number;
}

export interface Workspace {
  dir: string;
  model: ModelChoice;
  /** Files in the workspace root, by name. */
  files: string[];
  /** Name of a file holding more tokens than the model's context. */
  longFile: string;
}

export function chooseModel(choice = process.env.E2E_MODEL ?? 'auto'): ModelChoice {
  const hasModel = (dir: string): boolean => fs.existsSync(path.join(dir, 'config.json'));
  let kind: ModelChoice['kind'];
  let dir: string;
  if (choice === 'auto') {
    kind = hasModel(bundledModelDir) ? 'bundled' : 'tiny';
    dir = kind === 'bundled' ? bundledModelDir : tinyModelDir;
  } else if (choice === 'bundled' || choice === 'tiny') {
    kind = choice;
    dir = choice === 'bundled' ? bundledModelDir : tinyModelDir;
  } else {
    kind = 'custom';
    dir = path.resolve(choice);
  }
  if (!hasModel(dir)) throw new Error(`E2E_MODEL=${choice}: no config.json in ${dir}`);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, 'config.json'), 'utf8')) as Record<string, number>;
  return {
    kind,
    dir,
    nLayer: cfg.n_layer ?? cfg.num_hidden_layers,
    nHead: cfg.n_head ?? cfg.num_attention_heads,
    nPositions: cfg.n_positions ?? cfg.n_ctx ?? cfg.max_position_embeddings,
  };
}

/** Copies samples/ into `root/workspace`, adds the long file and the model setting. */
export function makeWorkspace(root: string, model: ModelChoice): Workspace {
  const dir = path.join(root, 'workspace');
  fs.mkdirSync(path.join(dir, '.vscode'), { recursive: true });
  fs.cpSync(samplesDir, dir, { recursive: true });
  const settings: Record<string, unknown> = {};
  if (model.kind !== 'bundled') {
    // A copy, so nothing the extension does can touch the fixture in the repository.
    const copy = path.join(root, 'model');
    fs.cpSync(model.dir, copy, { recursive: true });
    settings['attentionLens.modelPath'] = copy;
  }
  fs.writeFileSync(path.join(dir, '.vscode', 'settings.json'), JSON.stringify(settings, null, 2));
  // Far more tokens than any context we ship (each "word " is at least one token).
  const longFile = 'long-text.txt';
  const words = Math.max(2048, model.nPositions * 2);
  fs.writeFileSync(path.join(dir, longFile), longText(words));
  const files = fs.readdirSync(dir).filter((f) => fs.statSync(path.join(dir, f)).isFile());
  return { dir, model, files, longFile };
}

/** `words` short words, 12 to a line. */
function longText(words: number): string {
  const lines: string[] = [];
  for (let i = 0; i < words; i += 12) {
    lines.push(Array.from({ length: Math.min(12, words - i) }, (_, j) => `word${(i + j) % 97}`).join(' '));
  }
  return lines.join('\n') + '\n';
}
