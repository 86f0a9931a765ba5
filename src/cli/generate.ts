// `generate`: continue a prompt file (or, with --chat, answer it as the user's message through the
// model's chat template); prints one JSON line {"ids", "text"}.
import type { SamplingOptions } from '../engine/types';
import { USAGE } from './usage';
import { CliError, backendFlag, intFlag, numFlag, openSession, parseFlags, readTextFile, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  'prompt-file': { type: 'string' },
  'max-new-tokens': { type: 'string' },
  temperature: { type: 'string' },
  'top-k': { type: 'string' },
  'top-p': { type: 'string' },
  seed: { type: 'string' },
  stop: { type: 'string', multiple: true },
  truncate: { type: 'boolean' },
  chat: { type: 'boolean' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Default sampling temperature: plain sampling from the model's distribution, as Hugging Face. */
export const DEFAULT_TEMPERATURE = 1.0;

export async function generateCommand(argv: string[]): Promise<void> {
  const cmd = 'generate';
  const v = parseFlags(cmd, argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required(cmd, 'model', v.model);
  const promptFile = required(cmd, 'prompt-file', v['prompt-file']);
  const maxNewTokens = intFlag(cmd, 'max-new-tokens', required(cmd, 'max-new-tokens', v['max-new-tokens']), 0)!;
  const opts: SamplingOptions = {
    maxNewTokens,
    temperature: numFlag(cmd, 'temperature', v.temperature, { min: 0, max: Infinity, minInclusive: true }) ?? DEFAULT_TEMPERATURE,
  };
  const topK = intFlag(cmd, 'top-k', v['top-k'], 0);
  const topP = numFlag(cmd, 'top-p', v['top-p'], { min: 0, max: 1, minInclusive: false });
  const seed = intFlag(cmd, 'seed', v.seed, 0, 2 ** 32 - 1);
  if (topK !== undefined && topK > 0) opts.topK = topK;
  if (topP !== undefined) opts.topP = topP;
  if (seed !== undefined) opts.seed = seed;
  if (v.stop?.length) opts.stopStrings = [...v.stop];
  const backend = backendFlag(cmd, v.backend);
  const prompt = readTextFile(promptFile);

  const session = await openSession(model, backend);
  try {
    // A chat prompt is the template's rendering of one user message, its special tokens included.
    const ids = v.chat ? session.chatPrompt([{ role: 'user', content: prompt }]).ids : session.tokenizer.encodeIds(prompt);
    const limit = session.contextLength;
    if (ids.length > limit && !v.truncate) {
      const what = v.chat ? 'the chat prompt (the message in the chat template)' : 'the prompt';
      throw new CliError(
        `${promptFile}: ${what} is ${ids.length} tokens long but the model's context is ${limit} tokens (use --truncate to keep its last tokens)`,
        2,
      );
    }
    const result = await session.generate(ids, opts);
    process.stdout.write(`${JSON.stringify({ ids: result.ids, text: result.text })}\n`);
  } finally {
    session.dispose();
  }
}
