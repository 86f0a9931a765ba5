// A webview's handle on its host, for every view: its channel to the host (over postMessage and
// window messages), and the state VS Code keeps across reloads (getState/setState).
// acquireVsCodeApi may be called once per page: this module calls it once, each view's api.ts
// binds the types.
import { Channel, type Acceptors, type Port, type ProtocolSpec } from '../../src/shared/channel';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

let api: VsCodeApi | undefined;

export interface HostApi<Local extends ProtocolSpec, Remote extends ProtocolSpec, Out extends { type: string }, State> {
  /** The webview's end of its channel to the host (window messages in, postMessage out). */
  host: Channel<Local, Remote>;
  /** Sends one of the view's messages to the host: an event of its type (see MessageEvents). */
  send(m: Out): void;
  /** What this view saved with saveState, or undefined (nothing saved, or not an object). */
  loadState(): State | undefined;
  saveState(s: State): void;
}

/** The view's channel to the host (`name` in its problems, which go to the console) and its saved state. */
export function hostApi<Local extends ProtocolSpec, Remote extends ProtocolSpec, Out extends { type: string }, State extends object>(
  name: string,
  accept: Acceptors<Local>,
): HostApi<Local, Remote, Out, State> {
  const a = (api ??= acquireVsCodeApi());
  const port: Port = {
    post: (m) => a.postMessage(m),
    listen(onMessage) {
      const l = (e: MessageEvent): void => onMessage(e.data);
      window.addEventListener('message', l);
      return () => window.removeEventListener('message', l);
    },
  };
  const host = new Channel<Local, Remote>(port, { name, accept, onProblem: (problem) => console.warn(`Attention Lens: ${problem}`) });
  return {
    host,
    send: (m) => host.notify(m.type as never, m as never),
    loadState: () => {
      const s = a.getState();
      return s && typeof s === 'object' ? (s as State) : undefined;
    },
    saveState: (s) => a.setState(s),
  };
}
