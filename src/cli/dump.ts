// `dump`: tokens, logits and attentions of a text, as files other tools read.
import { closeSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { EngineSession } from '../engine/session';
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';
import { checkHeads, parseAttentionsFlag, type AttentionsSelection } from './attentionsFlag';
import { modelShape } from './modelShape';
import { labelTokens } from '../shared/tokenLabels';
import { isEncDecFolder } from '../engine/encdec/loadEncDec';
import { resolveModelArg } from '../hub/resolveModel';
import { encDecDump } from './encdecDump';
import { f32le } from './f32le';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  'target-file': { type: 'string' },
  out: { type: 'string' },
  truncate: { type: 'boolean' },
  backend: { type: 'string' },
  attentions: { type: 'string' },
  'max-memory': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/**
 * Writes the selected attention maps of a run to `file`: all [L, H, T, T], or the listed heads
 * [n, T, T] in order, one head at a time (a run on demand rebuilds each; never all in memory).
 */
async function writeAttentions(file: string, session: EngineSession, runId: number, selection: AttentionsSelection): Promise<void> {
  const { nLayer, nHead } = session.info.config;
  const heads = selection.kind === 'heads' ? selection.heads : Array.from({ length: nLayer * nHead }, (_, i): [number, number] => [Math.floor(i / nHead), i % nHead]);
  const fd = openSync(file, 'w');
  try {
    for (const [layer, head] of heads) writeSync(fd, f32le(await session.attentionMap(runId, layer, head))); // [T, T]
  } finally {
    closeSync(fd);
  }
}

/** --max-memory MB: a positive number, or undefined (the default budget). */
function maxMemoryFlag(raw: string | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const mb = Number(raw);
  if (!(Number.isFinite(mb) && mb > 0)) throw new CliError(`dump: --max-memory must be a positive number of MiB, got "${raw}"`);
  return mb;
}

export async function dumpCommand(argv: string[]): Promise<void> {
  const v = parseFlags('dump', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('dump', 'model', v.model);
  const textFile = required('dump', 'text-file', v['text-file']);
  const out = required('dump', 'out', v.out);
  const backend = backendFlag('dump', v.backend);
  const selection = parseAttentionsFlag('dump', v.attentions);
  const dir = resolveModelArg(model);
  if (isEncDecFolder(dir)) return encDecDump(dir, textFile, out, v['target-file']);
  if (v['target-file'] !== undefined) throw new CliError('dump: --target-file is for encoder–decoder models (MarianMTModel, T5ForConditionalGeneration)');
  const maxMemoryMB = maxMemoryFlag(v['max-memory']);
  const text = readTextFile(textFile); // before loading: a missing file fails fast

  const session = await openSession(model, backend, maxMemoryMB);
  try {
    const { config } = session.info;
    if (selection.kind === 'heads') checkHeads('dump', selection.heads, config.nLayer, config.nHead);
    let summary;
    try {
      // a few heads: on demand, keeping only their layers' queries and keys
      const few = selection.kind === 'heads' ? { onDemand: true, keepLayers: selection.heads.map(([l]) => l) } : {};
      summary = await session.analyze(text, { truncate: v.truncate ?? false, topK: 1, attentions: selection.kind !== 'none', ...few });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message} (use --truncate)`, 2);
      if (e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
      throw err;
    }
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new CliError(`${out}: cannot create the output folder (${(err as Error).message.split('\n')[0]})`);
    }
    // label: what the views show (a part of a character as 自¹⁄₃); bytes: where text is U+FFFD
    const labels = labelTokens(summary.tokens);
    const tokens = summary.tokens.map((t, i) => ({ id: t.id, text: t.text, start: t.start, end: t.end, label: labels[i].text, ...(t.bytes !== undefined ? { bytes: t.bytes } : {}) }));
    const { family, nKvHead, headDim } = modelShape(config);
    const meta = {
      family,
      nLayer: config.nLayer,
      nHead: config.nHead,
      nKvHead,
      headDim,
      nEmbd: config.nEmbd,
      vocabSize: config.vocabSize,
      T: summary.T,
      ...(selection.kind === 'heads' ? { attentionHeads: selection.heads } : {}),
    };
    writeFileSync(join(out, 'tokens.json'), JSON.stringify(tokens));
    writeFileSync(join(out, 'meta.json'), JSON.stringify(meta));
    writeFileSync(join(out, 'logits.f32'), f32le(session.logits(summary.runId))); // [T, V]
    // [L, H, T, T] or [n, T, T]. With none, an attentions.f32 left by an earlier dump into this folder would not be this text's.
    if (selection.kind !== 'none') await writeAttentions(join(out, 'attentions.f32'), session, summary.runId, selection);
    else rmSync(join(out, 'attentions.f32'), { force: true });
  } finally {
    session.dispose();
  }
}
