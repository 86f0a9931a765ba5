// Where a worker thread starts from: the bundle when it is built, else the TypeScript source behind
// the registered loader (test/helpers/sourceWorkers.ts registers tsx), else a message saying to build.
import * as assert from 'assert';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { workerSource } from '../../src/engine/workerSource';
import '../helpers/sourceWorkers';

describe('workerSource', function () {
  let dir: string;
  before(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'worker-source-'));
    fs.writeFileSync(path.join(dir, 'w.js'), '');
    fs.writeFileSync(
      path.join(dir, 'w.ts'),
      "import { parentPort } from 'node:worker_threads';\nconst n: number = 41;\nparentPort!.postMessage(n + 1);\n",
    );
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('prefers the bundled script', function () {
    assert.deepStrictEqual(workerSource(path.join(dir, 'w.js'), path.join(dir, 'w.ts')), { file: path.join(dir, 'w.js'), eval: false });
  });

  it('otherwise runs the TypeScript source after the registered loader', async function () {
    const src = workerSource(path.join(dir, 'missing.js'), path.join(dir, 'w.ts'));
    assert.strictEqual(src.eval, true);
    assert.ok(src.file.indexOf(JSON.stringify(require.resolve('tsx/cjs'))) < src.file.indexOf(JSON.stringify(path.join(dir, 'w.ts'))), src.file);
    const w = new Worker(src.file, { eval: true });
    const got = await new Promise((resolve, reject) => {
      w.once('message', resolve);
      w.once('error', reject);
    });
    assert.strictEqual(got, 42);
    await w.terminate();
  });

  it('names the missing bundle and says to build it', function () {
    assert.throws(() => workerSource(path.join(dir, 'nope.js'), path.join(dir, 'nope.ts')), /cannot find the worker script .*nope\.js \(build it with `npm run build`\)/);
  });
});
