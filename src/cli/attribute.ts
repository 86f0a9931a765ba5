// `attribute`: token attribution for the prediction at one position of a text (engine/attribution/),
// as JSON: {"position","predicted":{"id","text"},"method","logProb","tokens":[{"start","end","text","score"}]}.
import { ATTRIBUTION_METHODS, MAX_IG_STEPS, type AttributionMethod } from '../shared/attribution';
import { USAGE } from './usage';
import { CliError, backendFlag, intFlag, openSession, parseFlags, readTextFile, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  position: { type: 'string' },
  method: { type: 'string' },
  target: { type: 'string' },
  steps: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function attributeCommand(argv: string[]): Promise<void> {
  const v = parseFlags('attribute', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('attribute', 'model', v.model);
  const textFile = required('attribute', 'text-file', v['text-file']);
  const position = intFlag('attribute', 'position', required('attribute', 'position', v.position), 0)!;
  const method = (v.method ?? 'grad') as AttributionMethod;
  if (!ATTRIBUTION_METHODS.includes(method)) throw new CliError(`attribute: --method must be one of ${ATTRIBUTION_METHODS.join(', ')}, got "${v.method}"`);
  const target = intFlag('attribute', 'target', v.target, 0);
  const steps = intFlag('attribute', 'steps', v.steps, 1, MAX_IG_STEPS);
  const text = readTextFile(textFile);
  const session = await openSession(model, backendFlag('attribute', v.backend));
  try {
    let r;
    try {
      r = await session.attribute(text, { position, method, ...(target !== undefined ? { target } : {}), ...(steps !== undefined ? { steps } : {}) });
    } catch (err) {
      const e = err as { code?: string; message?: string };
      if (e.code === 'BAD_ARGUMENT') throw new CliError(`${textFile}: ${e.message}`);
      throw err;
    }
    const out = {
      position: r.position,
      predicted: r.target,
      method: r.method,
      logProb: r.logProb,
      ...(r.replacement ? { replacement: r.replacement } : {}),
      ...(r.steps !== undefined ? { steps: r.steps, baselineDelta: r.baselineDelta } : {}),
      tokens: r.tokens.map((t, i) => ({ start: t.start, end: t.end, text: t.text, score: r.scores[i] })),
    };
    process.stdout.write(`${JSON.stringify(out)}\n`);
  } finally {
    session.dispose();
  }
}
