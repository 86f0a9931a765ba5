// The ports a channel (channel.ts) runs over: a worker thread's (Worker, parentPort, MessagePort)
// and the host's end of a webview. Structural types only: no Node or vscode import, so shared/
// stays importable from the webviews.
import type { Port } from './channel';

/** A worker_threads Worker, parentPort or MessagePort (structurally: no Node import here). */
export interface NodeMessagePortLike {
  postMessage(message: unknown, transfer?: readonly Transferable[]): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  off(event: 'message', listener: (message: unknown) => void): unknown;
}

/**
 * A buffer that cannot be transferred (a view over wasm memory, say) makes postMessage throw: the
 * message then goes as a plain copy. A value that cannot be cloned at all still throws.
 */
export function nodePort(p: NodeMessagePortLike): Port {
  return {
    post(m, transfer) {
      if (!transfer?.length) return p.postMessage(m);
      try {
        p.postMessage(m, transfer);
      } catch {
        p.postMessage(m);
      }
    },
    listen(onMessage) {
      p.on('message', onMessage);
      return () => void p.off('message', onMessage);
    },
  };
}

/** A vscode.Webview, structurally (shared/ imports no vscode): the host's end of a webview's channel. */
export interface WebviewLike {
  postMessage(message: unknown): PromiseLike<boolean>;
  onDidReceiveMessage(listener: (message: unknown) => void): { dispose(): void };
}

/** Messages to a webview cannot transfer buffers: typed arrays are copied. */
export function webviewPort(w: WebviewLike): Port {
  return {
    // A webview that is gone rejects: nothing to tell it any more.
    post: (m) => void w.postMessage(m).then(undefined, () => undefined),
    listen(onMessage) {
      const d = w.onDidReceiveMessage(onMessage);
      return () => d.dispose();
    },
  };
}
