// `node dist/train.js <command>`: the training pipeline's command line.
//   train    --config FILE [--fresh]                 pre-train (resumes from the output folder's checkpoint)
//   export   --config FILE [--out DIR]               export the latest checkpoint as a model folder
//   finetune --base DIR --data FILE.jsonl --out DIR [--steps N --lr X --batch N --seed N]
//   reward   --base DIR --reward FILE.mjs --prompts FILE --out DIR [--steps N --lr X --samples N --max-new N --kl X --seed N]
//   eval     --model DIR --train FILE --val FILE [--windows N] [--card]   loss vs bigram, head statistics
import * as fs from 'node:fs';
import * as path from 'node:path';
import { initBackend } from '../engine/backend';
import { loadTrainConfig } from './trainConfig';
import { exportFromState, runTraining } from './trainer';
import { runSft } from './sft';
import { runReward } from './reward';
import { evaluateModel, renderEvalSection, withEvalSection } from './evalModel';

type Args = Map<string, string | true>;

function parseArgs(argv: string[]): { cmd: string | undefined; args: Args } {
  const args: Args = new Map();
  let cmd: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a.startsWith('--')) {
      const next = argv[i + 1];
      if (next === undefined || next.startsWith('--')) args.set(a.slice(2), true);
      else {
        args.set(a.slice(2), next);
        i++;
      }
    } else if (!cmd) cmd = a;
    else throw new Error(`unexpected argument "${a}"`);
  }
  return { cmd, args };
}

function req(args: Args, k: string): string {
  const v = args.get(k);
  if (typeof v !== 'string') throw new Error(`--${k} is required`);
  return v;
}

function optNum(args: Args, k: string): number | undefined {
  const v = args.get(k);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (typeof v !== 'string' || !Number.isFinite(n)) throw new Error(`--${k} must be a number`);
  return n;
}

const USAGE = `usage: node dist/train.js <train|export|finetune|reward|eval> [options]
  train    --config FILE [--fresh]
  export   --config FILE [--out DIR]
  finetune --base DIR --data FILE.jsonl --out DIR [--steps N] [--lr X] [--batch N] [--seed N]
  reward   --base DIR --reward FILE.mjs --prompts FILE --out DIR [--steps N] [--lr X] [--samples N] [--max-new N] [--kl X] [--seed N]
  eval     --model DIR --train FILE --val FILE [--windows N] [--seeds N] [--card]
(the training benchmark is its own bundle: npm run bench:train)`;

async function main(): Promise<void> {
  const { cmd, args } = parseArgs(process.argv.slice(2));
  if (!cmd || args.has('help')) {
    console.log(USAGE);
    return;
  }
  await initBackend({ backend: 'wasm' });
  switch (cmd) {
    case 'train': {
      await runTraining(loadTrainConfig(req(args, 'config')), { fresh: args.has('fresh') });
      return;
    }
    case 'export': {
      const cfg = loadTrainConfig(req(args, 'config'));
      const out = typeof args.get('out') === 'string' ? path.resolve(args.get('out') as string) : path.join(cfg.out, 'model');
      exportFromState(cfg, out);
      console.log(`exported ${out}`);
      return;
    }
    case 'finetune': {
      await runSft({
        base: req(args, 'base'),
        data: req(args, 'data'),
        out: req(args, 'out'),
        steps: optNum(args, 'steps'),
        lr: optNum(args, 'lr'),
        batchSize: optNum(args, 'batch'),
        seed: optNum(args, 'seed'),
      });
      return;
    }
    case 'reward': {
      await runReward({
        base: req(args, 'base'),
        rewardModule: req(args, 'reward'),
        prompts: req(args, 'prompts'),
        out: req(args, 'out'),
        steps: optNum(args, 'steps'),
        lr: optNum(args, 'lr'),
        samples: optNum(args, 'samples'),
        maxNewTokens: optNum(args, 'max-new'),
        kl: optNum(args, 'kl'),
        seed: optNum(args, 'seed'),
      });
      return;
    }
    case 'eval': {
      const modelDir = req(args, 'model');
      const e = await evaluateModel({
        modelDir,
        train: req(args, 'train'),
        val: req(args, 'val'),
        windows: optNum(args, 'windows'),
        inductionSeeds: optNum(args, 'seeds'),
        log: (s) => console.error(s),
      });
      const cmd = `node dist/train.js eval --model ${modelDir} --train ${req(args, 'train')} --val ${req(args, 'val')}`;
      const section = renderEvalSection(e, cmd);
      console.log(section);
      fs.writeFileSync(path.join(modelDir, 'eval.json'), JSON.stringify(e, null, 2) + '\n');
      if (args.has('card')) {
        const cardPath = path.join(modelDir, 'README.md');
        const card = fs.existsSync(cardPath) ? fs.readFileSync(cardPath, 'utf8') : '';
        fs.writeFileSync(cardPath, withEvalSection(card, section));
      }
      return;
    }
    default:
      throw new Error(`unknown command "${cmd}"\n${USAGE}`);
  }
}

main().catch((err: unknown) => {
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
