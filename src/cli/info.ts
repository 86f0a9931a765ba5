// `info`: the model's description (ModelInfo) as JSON.
import { USAGE } from './usage';
import { backendFlag, openSession, parseFlags, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function infoCommand(argv: string[]): Promise<void> {
  const v = parseFlags('info', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const session = await openSession(required('info', 'model', v.model), backendFlag('info', v.backend));
  try {
    process.stdout.write(`${JSON.stringify(session.info, null, 2)}\n`);
  } finally {
    session.dispose();
  }
}
