// `translate` (encoder–decoder models: MarianMTModel, T5ForConditionalGeneration): the text file
// encoded once, then greedy or beam-search decoding; prints ONE JSON line {"ids", "text"} (ids: the
// generated target ids without the decoder's start token, the EOS included when reached).
import { EngineError } from '../engine/errors';
import { loadEncDecTokenizer } from '../engine/encdec/encdecTokenizer';
import { isEncDecFolder, loadEncDec } from '../engine/encdec/loadEncDec';
import { translateIds } from '../engine/encdec/translate';
import { resolveModelArg } from '../hub/resolveModel';
import { CliError, intFlag, parseFlags, readTextFile, required } from './args';
import { USAGE } from './usage';

const FLAGS = {
  model: { type: 'string' },
  'text-file': { type: 'string' },
  beam: { type: 'string' },
  'max-new-tokens': { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Default --max-new-tokens. */
export const DEFAULT_TRANSLATE_TOKENS = 64;

/** The model folder of --model, refused unless it holds an encoder–decoder model. */
export function encDecModelDir(command: string, model: string): string {
  const dir = resolveModelArg(model);
  if (!isEncDecFolder(dir)) throw new CliError(`${command}: ${dir} is not an encoder–decoder model (MarianMTModel or T5ForConditionalGeneration); use generate for a decoder-only model`);
  return dir;
}

export async function translateCommand(argv: string[]): Promise<void> {
  const cmd = 'translate';
  const v = parseFlags(cmd, argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dir = encDecModelDir(cmd, required(cmd, 'model', v.model));
  const textFile = required(cmd, 'text-file', v['text-file']);
  const beam = intFlag(cmd, 'beam', v.beam, 1, 64) ?? 1;
  const maxNewTokens = intFlag(cmd, 'max-new-tokens', v['max-new-tokens'], 1, 4096) ?? DEFAULT_TRANSLATE_TOKENS;
  const text = readTextFile(textFile);
  const model = loadEncDec(dir);
  try {
    const tokenizer = loadEncDecTokenizer(dir, model.config);
    const { ids: source } = tokenizer.encode(text);
    const limit = model.config.maxPositions;
    if (limit !== undefined && (source.length > limit || maxNewTokens > limit)) {
      throw new CliError(`${textFile}: the source is ${source.length} tokens and --max-new-tokens ${maxNewTokens}; the model's positions stop at ${limit}`, 2);
    }
    const ids = translateIds(model, source, { maxNewTokens, beam });
    process.stdout.write(`${JSON.stringify({ ids, text: tokenizer.decode(ids) })}\n`);
  } catch (err) {
    if (err instanceof EngineError || err instanceof CliError) throw err;
    throw new CliError(`${textFile}: ${(err as Error).message}`);
  } finally {
    model.dispose();
  }
}
