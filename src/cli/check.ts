// `check`: validates a model folder whole (engine/modelCheck.ts) and prints one line per problem on
// stdout, "ok: …" when there is none; notes (a model too big for this machine) go to stderr.
// Exit 0 only when the folder is clean; 1 otherwise (the problems are the output, not an error).
import { checkModelFolder } from '../engine/modelCheck';
import { resolveModelArg } from '../hub/resolveModel';
import { parseFlags, required } from './args';
import { USAGE } from './usage';

const FLAGS = {
  model: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function checkCommand(argv: string[]): Promise<void> {
  const v = parseFlags('check', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const dir = resolveModelArg(required('check', 'model', v.model));
  const { problems, notes } = checkModelFolder(dir);
  for (const note of notes) process.stderr.write(`note: ${note}\n`);
  if (problems.length === 0) {
    process.stdout.write(`ok: ${dir}\n`);
    return;
  }
  process.stdout.write(problems.map((p) => `${p}\n`).join(''));
  process.exitCode = 1;
}
