// A seeded fuzz campaign: each case copies a fixture model folder, applies one or two mutations of
// one kind of file, runs the loaders (harness.ts) and records what went wrong. The same seed and
// case count always make the same cases, so a failure is replayed by its seed and case number.
import * as fs from 'node:fs';
import { Rng, mixSeed } from '../../src/train/rng';
import { FIXTURES, copyModel, makeArena, runCase, type Arena } from './harness';
import { CONFIG_MUTATORS, INDEX_MUTATORS, SAFETENSORS_MUTATORS, pick, type Mutator } from './mutators';
import { TOKENIZER_MUTATORS } from './tokenizerMutators';

export type Kind = 'safetensors' | 'config' | 'index' | 'tokenizer';

interface KindSpec {
  mutators: Record<string, Mutator>;
  fixtures: string[];
  parts: { weights?: boolean; tokenizer?: boolean; check?: boolean };
}

const KINDS: Record<Kind, KindSpec> = {
  safetensors: { mutators: SAFETENSORS_MUTATORS, fixtures: [FIXTURES.qwen2, FIXTURES.gpt2, FIXTURES.sharded, FIXTURES.gpt1], parts: { tokenizer: false } },
  config: { mutators: CONFIG_MUTATORS, fixtures: [FIXTURES.qwen2, FIXTURES.gpt2, FIXTURES.sharded, FIXTURES.gpt1], parts: { tokenizer: false } },
  index: { mutators: INDEX_MUTATORS, fixtures: [FIXTURES.sharded], parts: { tokenizer: false } },
  tokenizer: { mutators: TOKENIZER_MUTATORS, fixtures: [FIXTURES.qwen2, FIXTURES.gpt2, FIXTURES.bundled], parts: { weights: false } },
};

export interface CaseReport {
  seed: number;
  index: number;
  kind: Kind;
  fixture: string;
  mutations: string[];
  outcomes: string[];
  failures: string[];
  ms: number;
}

export interface CampaignResult {
  cases: CaseReport[];
  failed: CaseReport[];
  /** How many cases ended in each outcome (ok, BAD_SAFETENSORS, …). */
  outcomes: Map<string, number>;
  slowestMs: number;
}

/** One case, reproducible from (seed, index, kind) alone. */
export function runOne(arena: Arena, seed: number, index: number, kind: Kind): CaseReport {
  const spec = KINDS[kind];
  const rng = new Rng(mixSeed(seed, index));
  const fixture = pick(rng, spec.fixtures);
  const dir = copyModel(arena, fixture, `case-${index}`);
  const mutations: string[] = [];
  const n = rng.next() < 0.75 ? 1 : 2;
  try {
    for (let i = 0; i < n; i++) {
      const name = pick(rng, Object.keys(spec.mutators).sort());
      try {
        mutations.push(`${name}: ${spec.mutators[name](dir, rng, arena)}`);
      } catch (err) {
        // an earlier mutation left the file in a shape this one cannot edit: the case goes on without it
        mutations.push(`${name}: skipped (${(err as Error).message.slice(0, 80)})`);
      }
    }
    const r = runCase(dir, spec.parts);
    return { seed, index, kind, fixture, mutations, ...r };
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** `cases` cases of the given kinds (round robin), from `seed`. */
export function runCampaign(o: { seed: number; cases: number; kinds?: Kind[]; onCase?: (r: CaseReport) => void }): CampaignResult {
  const kinds = o.kinds ?? (Object.keys(KINDS) as Kind[]);
  const arena = makeArena();
  const cases: CaseReport[] = [];
  try {
    for (let i = 0; i < o.cases; i++) {
      const r = runOne(arena, o.seed, i, kinds[i % kinds.length]);
      cases.push(r);
      o.onCase?.(r);
    }
  } finally {
    arena.dispose();
  }
  const outcomes = new Map<string, number>();
  for (const c of cases) for (const k of new Set(c.outcomes)) outcomes.set(k, (outcomes.get(k) ?? 0) + 1);
  return { cases, failed: cases.filter((c) => c.failures.length > 0), outcomes, slowestMs: Math.max(0, ...cases.map((c) => c.ms)) };
}

/** Case `index` of a campaign alone. */
export function replay(o: { seed: number; cases: number; index: number; kinds?: Kind[] }): CaseReport {
  const kinds = o.kinds ?? (Object.keys(KINDS) as Kind[]);
  const arena = makeArena();
  try {
    return runOne(arena, o.seed, o.index, kinds[o.index % kinds.length]);
  } finally {
    arena.dispose();
  }
}

/** A failed case as lines for an assertion message: how to replay it, what was done, what went wrong. */
export function describeCase(c: CaseReport): string {
  return [
    `case ${c.index} (seed ${c.seed}, ${c.kind}, ${c.fixture.split(/[\\/]/).pop()}):`,
    ...c.mutations.map((m) => `  mutation ${m}`),
    ...c.failures.map((f) => `  FAILED ${f}`),
  ].join('\n');
}
