// The long fuzz run: `npm run fuzz -- --cases 100000 --seed N [--kind safetensors|config|index|tokenizer]`;
// `--replay I` runs case I of that seed and case count alone (what a failure report names).
// Prints each failed case (how to replay it, what was mutated, what went wrong) as it happens and
// a summary at the end; exits 1 when any case failed. The unit tests run a few hundred of the same cases.
import { parseArgs } from 'node:util';
import { describeCase, replay, runCampaign, type Kind } from './campaign';

const { values } = parseArgs({
  options: { cases: { type: 'string', default: '1000' }, seed: { type: 'string', default: String(Date.now() % 2 ** 31) }, kind: { type: 'string', multiple: true }, replay: { type: 'string' } },
});
const cases = Number(values.cases);
const seed = Number(values.seed);
if (!Number.isInteger(cases) || cases < 1 || !Number.isInteger(seed)) {
  process.stderr.write('usage: npm run fuzz -- --cases N --seed S [--kind K]…\n');
  process.exit(2);
}
if (values.replay !== undefined) {
  const r = replay({ seed, cases, index: Number(values.replay), kinds: values.kind as Kind[] | undefined });
  process.stdout.write(`${describeCase(r)}\n  outcomes ${r.outcomes.join(', ')}; ${r.ms} ms\n`);
  process.exit(r.failures.length ? 1 : 0);
}
const t0 = Date.now();
let done = 0;
const result = runCampaign({
  seed,
  cases,
  kinds: values.kind as Kind[] | undefined,
  onCase: (c) => {
    done++;
    if (c.failures.length) process.stdout.write(`${describeCase(c)}\n`);
    if (done % 100 === 0) process.stderr.write(`${done}/${cases} cases, ${((Date.now() - t0) / 1000).toFixed(0)} s\n`);
  },
});
const summary = [...result.outcomes].sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ');
process.stdout.write(`seed ${seed}: ${cases} cases in ${((Date.now() - t0) / 1000).toFixed(1)} s, ${result.failed.length} failed; slowest case ${result.slowestMs} ms; outcomes: ${summary}\n`);
process.exitCode = result.failed.length ? 1 : 0;
