// `patch`: activation patching from a clean text into a corrupted one of the same token length, as
// JSON {"layers":[[…per position…]],"heads":[[…per head…]]}: the recovered fraction of the logit
// difference target − contrast at the last position, (patched − corrupt) / (clean − corrupt), for
// the residual stream after each block at each position, and for each head's output.
import { USAGE } from './usage';
import { backendFlag, openSession, parseFlags, readTextFile, required } from './args';

const FLAGS = {
  model: { type: 'string' },
  'clean-file': { type: 'string' },
  'corrupt-file': { type: 'string' },
  target: { type: 'string' },
  contrast: { type: 'string' },
  backend: { type: 'string' },
  help: { type: 'boolean', short: 'h' },
} as const;

export async function patchCommand(argv: string[]): Promise<void> {
  const v = parseFlags('patch', argv, FLAGS);
  if (v.help) {
    process.stdout.write(USAGE);
    return;
  }
  const model = required('patch', 'model', v.model);
  const cleanFile = required('patch', 'clean-file', v['clean-file']);
  const corruptFile = required('patch', 'corrupt-file', v['corrupt-file']);
  const target = required('patch', 'target', v.target);
  const contrast = required('patch', 'contrast', v.contrast);
  const clean = readTextFile(cleanFile);
  const corrupt = readTextFile(corruptFile);
  const session = await openSession(model, backendFlag('patch', v.backend));
  try {
    const r = await session.patch({ clean, corrupt, target, contrast });
    process.stdout.write(`${JSON.stringify({ layers: r.layers, heads: r.heads, cleanDiff: r.cleanDiff, corruptDiff: r.corruptDiff })}\n`);
  } finally {
    session.dispose();
  }
}
