// Attention Lens command line: `dump`, `generate`, `translate`, `heads`, `ablate`, `patch`, `report`, `attribute`, `info`, `check`, `pull`, `cache`, `compare` (see src/cli/usage.ts). Failures print ONE
// line on stderr (naming the file and the problem, never a stack trace) and exit 1, or 2 when the
// text is longer than the model's context.
import { EngineError } from './engine/errors';
import { HubError } from './hub/errors';
import { CliError } from './cli/args';
import { ablateCommand } from './cli/ablate';
import { attributeCommand } from './cli/attribute';
import { cacheCommand } from './cli/cache';
import { checkCommand } from './cli/check';
import { compareCommand } from './cli/compare';
import { dumpCommand } from './cli/dump';
import { generateCommand } from './cli/generate';
import { headsCommand } from './cli/heads';
import { infoCommand } from './cli/info';
import { patchCommand } from './cli/patch';
import { pullCommand } from './cli/pull';
import { reportCommand } from './cli/report';
import { translateCommand } from './cli/translate';
import { USAGE } from './cli/usage';

const COMMANDS: Record<string, (argv: string[]) => Promise<void>> = {
  dump: dumpCommand,
  generate: generateCommand,
  translate: translateCommand,
  heads: headsCommand,
  report: reportCommand,
  attribute: attributeCommand,
  ablate: ablateCommand,
  patch: patchCommand,
  info: infoCommand,
  check: checkCommand,
  pull: pullCommand,
  cache: cacheCommand,
  compare: compareCommand,
};

/** The one stderr line and the exit code for anything thrown. */
export function describeFailure(err: unknown): { line: string; exitCode: number } {
  let line: string;
  let exitCode = 1;
  if (err instanceof CliError) {
    line = err.message;
    exitCode = err.exitCode;
  } else if (err instanceof HubError) {
    line = err.message;
  } else if (err instanceof EngineError) {
    line = err.message;
    if (err.code === 'CONTEXT_TOO_LONG') exitCode = 2;
  } else {
    line = `internal error: ${err instanceof Error ? err.message : String(err)}`;
  }
  return { line: `error: ${line.replace(/\s*\n\s*/g, ' ')}`, exitCode };
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
    return command === undefined ? 1 : 0;
  }
  const run = COMMANDS[command];
  if (!run) throw new CliError(`unknown command "${command}" (one of ${Object.keys(COMMANDS).join(', ')}; see --help)`);
  await run(rest);
  return typeof process.exitCode === 'number' ? process.exitCode : 0; // check sets 1 when it found problems
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    const { line, exitCode } = describeFailure(err);
    process.stderr.write(`${line}\n`);
    process.exitCode = exitCode;
  },
);
