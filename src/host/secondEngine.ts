// A second model for Compare, in its own engine worker beside the ModelManager's: the extension
// host never runs model work, and the panel's model stays loaded meanwhile. Started for one
// comparison and shut down (the worker terminated, its memory returned) when that comparison closes.
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { EngineClient } from '../engine/client';
import { EngineError } from '../engine/errors';
import type { ModelInfo } from '../engine/modelInfo';
import { readSettings } from './settings';

export class SecondEngine {
  private constructor(
    readonly client: EngineClient,
    readonly info: ModelInfo,
  ) {}

  /**
   * Starts a worker and loads the model folder `dir` in it; a failure shuts the worker down and
   * throws an EngineError naming the folder. `signal` aborts the wait (the worker is shut down).
   */
  static async start(extensionUri: vscode.Uri, dir: string, signal?: AbortSignal): Promise<SecondEngine> {
    // Loaded here, not at the top of the file: the extension activates without the engine.
    const { EngineClient } = await import('../engine/client');
    const dist = vscode.Uri.joinPath(extensionUri, 'dist').fsPath;
    const threads = readSettings().engineThreads;
    const client = EngineClient.start({ workerPath: join(dist, 'engine-worker.js'), wasmDir: dist, threads: threads > 0 ? threads : undefined });
    const stop = (): void => void client.dispose();
    signal?.addEventListener('abort', stop, { once: true });
    try {
      const info = await client.load(dir);
      signal?.throwIfAborted();
      return new SecondEngine(client, info);
    } catch (err) {
      await client.dispose();
      if (signal?.aborted) throw new EngineError('CANCELLED', 'the comparison was cancelled');
      const e = EngineError.from(err);
      throw new EngineError(e.code, `Could not load the model from "${dir}": ${e.message}`);
    } finally {
      signal?.removeEventListener('abort', stop);
    }
  }

  dispose(): Promise<void> {
    return this.client.dispose();
  }
}
