// `dump`: tokens, logits and attentions of a text, as files other tools read.
import { mkdirSync, writeFileSync } from 'node:fs';
import { endianness } from 'node:os';
import { join } from 'node:path';
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  out: { type: 'string' },
  truncate: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** float32 little-endian bytes of `a` (a copy only on a big-endian machine). */
export function f32le(a: Float32Array): Buffer {
  const buf = Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  if (endianness() === 'LE') return buf;
  const copy = Buffer.from(buf);
  copy.swap32();
  return copy;
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
  const text = readTextFile(textFile); // before loading: a missing file fails fast

  const session = await openSession(model, backend);
  try {
    let summary;
    try {
      summary = await session.analyze(text, { truncate: v.truncate ?? false, topK: 1 });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message} (use --truncate)`, 2);
      if (e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
      throw err;
    }
    const { config } = session.info;
    try {
      mkdirSync(out, { recursive: true });
    } catch (err) {
      throw new CliError(`${out}: cannot create the output folder (${(err as Error).message.split('\n')[0]})`);
    }
    const tokens = summary.tokens.map((t) => ({ id: t.id, text: t.text, start: t.start, end: t.end }));
    const meta = { nLayer: config.nLayer, nHead: config.nHead, nEmbd: config.nEmbd, vocabSize: config.vocabSize, T: summary.T };
    writeFileSync(join(out, 'tokens.json'), JSON.stringify(tokens));
    writeFileSync(join(out, 'meta.json'), JSON.stringify(meta));
    writeFileSync(join(out, 'logits.f32'), f32le(session.logits(summary.runId))); // [T, V]
    writeFileSync(join(out, 'attentions.f32'), f32le(session.allAttentions(summary.runId))); // [L, H, T, T]
  } finally {
    session.dispose();
  }
}
