// `report`: one self-contained HTML file for a text — the text, its tokens tinted by surprisal with
// the predictions after each, the overview of every head, the heads asked for with --heads, and the
// model's card facts — made by the same writer as the panel's "Export Report…" (src/export/).
import { writeFileSync } from 'node:fs';
import { poolMatrix } from '../analysis/thumbnail';
import { buildReport } from '../export/reportBuild';
import { reportFileText } from '../export/reportFile';
import { namedPalette } from '../export/palette';
import { OVERVIEW_SIZE } from '../shared/protocol';
import { modelFacts } from '../host/modelFacts';
import { USAGE } from './usage';
import { CliError, backendFlag, openSession, parseFlags, readTextFile, required } from './args';
import { checkHeads, parseAttentionsFlag } from './attentionsFlag';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  out: { type: 'string' },
  heads: { type: 'string' },
  theme: { type: 'string' },
  lang: { type: 'string' },
  gamma: { type: 'boolean' },
  truncate: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function reportCommand(argv: string[]): Promise<void> {
  const v = parseFlags('report', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('report', 'model', v.model);
  const textFile = required('report', 'text-file', v['text-file']);
  const out = required('report', 'out', v.out);
  const theme = v.theme ?? 'light';
  if (theme !== 'light' && theme !== 'dark') throw new CliError(`report: --theme must be "light" or "dark", got "${theme}"`);
  const lang = v.lang ?? 'en';
  if (lang !== 'en' && lang.toLowerCase() !== 'zh-cn') throw new CliError(`report: --lang must be "en" or "zh-cn", got "${lang}"`);
  const selection = parseAttentionsFlag('report', v.heads ?? 'none', 'heads');
  const text = readTextFile(textFile);
  const backend = backendFlag('report', v.backend);

  const session = await openSession(model, backend);
  try {
    const { config } = session.info;
    const { nLayer, nHead } = config;
    const pinned: [number, number][] =
      selection.kind === 'heads' ? selection.heads : selection.kind === 'all' ? Array.from({ length: nLayer * nHead }, (_, k) => [Math.floor(k / nHead), k % nHead]) : [];
    checkHeads('report', pinned, nLayer, nHead, 'heads');
    let summary;
    try {
      summary = await session.analyze(text, { truncate: v.truncate ?? false, topK: 5, attentions: true });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'CONTEXT_TOO_LONG') throw new CliError(`${textFile}: ${e.message} (use --truncate)`, 2);
      if (e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
      throw err;
    }
    const T = summary.T;
    const all = session.allAttentions(summary.runId); // [L, H, T, T]
    const map = (l: number, h: number): Float32Array => all.subarray((l * nHead + h) * T * T, (l * nHead + h + 1) * T * T); // [T, T]
    const thumbs = Array.from({ length: nLayer * nHead }, (_, k) => poolMatrix(map(Math.floor(k / nHead), k % nHead), T, OVERVIEW_SIZE).data); // [S, S] each
    const data = buildReport({
      created: new Date(),
      language: lang,
      palette: namedPalette(theme),
      gamma: v.gamma ?? false,
      facts: modelFacts(session.info),
      text: text.slice(0, summary.tokens[T - 1]?.end ?? text.length),
      tokens: summary.tokens,
      surprisal: summary.actual.map((a) => a.surprisal),
      predictions: summary.predictions,
      overview: { nLayer, nHead, size: Math.min(OVERVIEW_SIZE, T), thumbs },
      heads: pinned.map(([layer, head]) => ({ layer, head, values: map(layer, head) })),
    });
    session.release(summary.runId);
    const html = reportFileText(data, __dirname);
    try {
      writeFileSync(out, html);
    } catch (err) {
      throw new CliError(`${out}: cannot write the report (${(err as Error).message.split('\n')[0]})`);
    }
    process.stdout.write(`${JSON.stringify({ out, bytes: Buffer.byteLength(html), T, heads: pinned })}\n`);
  } finally {
    session.dispose();
  }
}
