// Shared helpers for the training tests: a small text corpus and a training config in a temp dir,
// using the committed tiny tokenizer (test/fixtures/tiny-model).
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseTrainConfig, type TrainConfig } from '../../src/train/trainConfig';

export const TINY_TOKENIZER = path.resolve(__dirname, '../fixtures/tiny-model');

/** A few KB of text with structure to learn: repeated sentences with varying names and numbers. */
export function tinyCorpus(seed = 0): string {
  const names = ['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara', 'Ken'];
  const things = ['the compiler', 'a proof', 'the network', 'an engine', 'the parser'];
  const lines: string[] = [];
  for (let i = 0; i < 60; i++) {
    const n = names[(i * 7 + seed) % names.length];
    const t = things[(i * 3 + seed) % things.length];
    lines.push(`${n} wrote ${t} in ${1950 + ((i * 13) % 40)}. Then ${n} tested ${t} again.`);
  }
  return lines.join('\n') + '\n';
}

export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `al-${prefix}-`));
}

/** Writes train/val text and returns a parsed config (overrides merged in). */
export function tinyConfig(dir: string, overrides: Record<string, unknown> = {}): TrainConfig & { file: string } {
  fs.writeFileSync(path.join(dir, 'train.txt'), tinyCorpus(0));
  fs.writeFileSync(path.join(dir, 'val.txt'), tinyCorpus(3).slice(0, 1500));
  const json = {
    name: 'test-run',
    tokenizer: TINY_TOKENIZER,
    data: { train: path.join(dir, 'train.txt'), val: path.join(dir, 'val.txt') },
    model: { nLayer: 2, nHead: 2, nEmbd: 32 },
    contextLength: 32,
    batchSize: 4,
    gradAccum: 2,
    steps: 30,
    lr: 0.01,
    minLr: 0.001,
    warmupSteps: 3,
    seed: 11,
    evalEvery: 10,
    evalBatches: 2,
    checkpointEvery: 10,
    logEvery: 1,
    out: path.join(dir, 'out'),
    ...overrides,
  };
  const file = path.join(dir, 'config.json');
  fs.writeFileSync(file, JSON.stringify(json, null, 2));
  return { ...parseTrainConfig(json, file), file };
}

/** What finiteDifferenceErrors needs of a trainable model. */
interface Differentiable<B> {
  specs: { name: string }[];
  params: Float32Array[];
  loss(batch: B): { lossSum: number };
}

/**
 * Central differences (step 1e-2) of the loss for each [parameter name, element] in `checks`,
 * against the analytic gradients: one line per element whose relative error reaches `tol`.
 */
export function finiteDifferenceErrors<B>(m: Differentiable<B>, batch: B, grads: Float32Array[], checks: [string, number][], tol: number): string[] {
  const bad: string[] = [];
  for (const [name, idx] of checks) {
    const k = m.specs.findIndex((s) => s.name === name);
    const p = m.params[k];
    const orig = p[idx];
    const h = 1e-2;
    p[idx] = orig + h;
    const up = m.loss(batch).lossSum;
    p[idx] = orig - h;
    const down = m.loss(batch).lossSum;
    p[idx] = orig;
    const numeric = (up - down) / (2 * h);
    const analytic = grads[k][idx];
    const err = Math.abs(numeric - analytic) / Math.max(1e-3, Math.abs(numeric) + Math.abs(analytic));
    if (!(err < tol)) bad.push(`${name}[${idx}]: analytic ${analytic} vs numeric ${numeric}`);
  }
  return bad;
}
