// `heads`: the head table of a text (or of the standard probe) as JSON, one entry per layer × head
// with its six scores and its badges (analysis/headScores.ts).
import { probeTokens as probeOf } from '../analysis/headProbe';
import { scoreLayer, type HeadRow } from '../analysis/headScores';
import { EngineError } from '../engine/errors';
import type { EngineSession } from '../engine/session';
import type { Token } from '../shared/token';
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  probe: { type: 'boolean' },
  truncate: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** The probe's tokens for the session's model (ids only: nothing of the document). */
export function probeTokens(session: EngineSession): Token[] {
  const { vocabulary, config } = session.info;
  if (!vocabulary) throw new EngineError('BAD_TOKENIZER', `${session.info.dir}: the tokenizer cannot list its special tokens, so the probe cannot avoid them`);
  return probeOf(vocabulary, config);
}

/** Analyses `input` (a text, or tokens as given) and scores every head; the run is released after. */
export async function headRowsOf(session: EngineSession, input: string | Token[], truncate = false): Promise<HeadRow[]> {
  const summary = await session.analyze(input, { truncate, topK: 1, attentions: true });
  try {
    const { nLayer, nHead } = session.info.config;
    const T = summary.T;
    const ids = summary.tokens.map((t) => t.id);
    const all = session.allAttentions(summary.runId); // [L, H, T, T]
    const per = nHead * T * T;
    const rows: HeadRow[] = [];
    for (let l = 0; l < nLayer; l++) rows.push(...scoreLayer(l, all.subarray(l * per, (l + 1) * per), nHead, T, ids)); // [H, T, T] each
    return rows;
  } finally {
    session.release(summary.runId);
  }
}

/** NaN (nothing to average over) is written as null, as JSON has no NaN. */
const finiteOrNull = (x: number): number | null => (Number.isFinite(x) ? x : null);

export async function headsCommand(argv: string[]): Promise<void> {
  const v = parseFlags('heads', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('heads', 'model', v.model);
  // With --probe the text is not scored, so not read; without, a missing file fails before loading.
  const textFile = v.probe ? undefined : required('heads', 'text-file', v['text-file']);
  const text = textFile !== undefined ? readTextFile(textFile) : undefined;
  const session = await openSession(model, backendFlag('heads', v.backend));
  try {
    let rows: HeadRow[];
    try {
      rows = await headRowsOf(session, v.probe ? probeTokens(session) : (text ?? ''), v.truncate ?? false);
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (!v.probe && e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message} (use --truncate)`, 2);
      if (!v.probe && e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
      throw err;
    }
    const out = rows.map((r) => ({
      layer: r.layer,
      head: r.head,
      scores: Object.fromEntries(Object.entries(r.scores).map(([k, x]) => [k, finiteOrNull(x)])),
      badges: r.badges,
    }));
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    session.dispose();
  }
}
