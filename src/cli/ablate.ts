// `ablate`: the next-token loss of a text with chosen heads ablated (their outputs zeroed, or
// replaced by their mean over the text's positions, before the output projection), beside the
// loss without, as JSON: {"baseLoss","ablatedLoss","perToken":[{"start","end","base","ablated"}]}.
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';
import { checkHeads, parseHeadsFlag } from './attentionsFlag';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  heads: { type: 'string' },
  mode: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function ablateCommand(argv: string[]): Promise<void> {
  const v = parseFlags('ablate', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('ablate', 'model', v.model);
  const textFile = required('ablate', 'text-file', v['text-file']);
  const heads = parseHeadsFlag('ablate', 'heads', required('ablate', 'heads', v.heads));
  const mode = v.mode ?? 'zero';
  if (mode !== 'zero' && mode !== 'mean') throw new CliError(`ablate: --mode must be zero or mean, got "${mode}"`);
  const text = readTextFile(textFile);
  const session = await openSession(model, backendFlag('ablate', v.backend));
  try {
    const { nLayer, nHead } = session.info.config;
    checkHeads('ablate', heads, nLayer, nHead, 'heads');
    const tokens = session.tokenize(text);
    if (tokens.length < 2) throw new CliError(`${textFile}: the text has ${tokens.length} token(s); the next-token loss needs at least 2`);
    let r;
    try {
      r = await session.ablate(tokens, { heads: heads.map(([layer, head]) => ({ layer, head })), mode, topK: 1 });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message}`, 2);
      throw err;
    }
    // Token t's loss is how the model at t − 1 rated it; the first token has none.
    const perToken = r.tokens.slice(1).map((t, i) => ({ start: t.start, end: t.end, base: r.baseLosses[i + 1], ablated: r.ablatedLosses[i + 1] }));
    process.stdout.write(`${JSON.stringify({ baseLoss: r.baseLoss, ablatedLoss: r.ablatedLoss, perToken })}\n`);
  } finally {
    session.dispose();
  }
}
