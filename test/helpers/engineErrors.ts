// Asserts that fn throws the engine's typed error: its code, the file it names, one line.
import { strict as assert } from 'node:assert';
import { EngineError, type EngineErrorCode } from '../../src/engine/errors';

export function expectError(fn: () => unknown, code: EngineErrorCode, file: string, pattern?: RegExp): EngineError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof EngineError, `expected an EngineError, got ${String(err)}`);
    assert.equal(err.code, code, err.message);
    assert.equal(err.file, file);
    assert.ok(err.message.includes(file), `message names the file: ${err.message}`);
    assert.ok(!err.message.includes('\n'), `one line: ${err.message}`);
    if (pattern) assert.match(err.message, pattern);
    return err;
  }
  assert.fail(`expected ${code}`);
}
