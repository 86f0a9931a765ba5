// `info`: the model's description (ModelInfo; EncDecInfo for an encoder–decoder model) as JSON, with its family and attention shape
// (the fields `dump` writes in meta.json) after its name.
import { buildEncDecInfo } from '../engine/encdec/encdecInfo';
import { isEncDecFolder, loadEncDec } from '../engine/encdec/loadEncDec';
import { resolveModelArg } from '../hub/resolveModel';
import { USAGE } from './usage';
import { backendFlag, openSession, parseFlags, required } from './args';
import { modelShape } from './modelShape';

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
  const dir = resolveModelArg(required('info', 'model', v.model));
  if (isEncDecFolder(dir)) {
    const model = loadEncDec(dir); // MarianMTModel, T5ForConditionalGeneration: the engine runs them on one thread
    try {
      process.stdout.write(`${JSON.stringify(buildEncDecInfo(dir, model), null, 2)}\n`);
    } finally {
      model.dispose();
    }
    return;
  }
  const session = await openSession(required('info', 'model', v.model), backendFlag('info', v.backend));
  try {
    const { name, ...rest } = session.info;
    const { family, nKvHead, headDim } = modelShape(session.info.config);
    const info = { name, family, nLayer: rest.config.nLayer, nHead: rest.config.nHead, nKvHead, headDim, ...rest };
    process.stdout.write(`${JSON.stringify(info, null, 2)}\n`);
  } finally {
    session.dispose();
  }
}
