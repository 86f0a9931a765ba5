// What the attention panel and the Layer Stepper share as webview hosts: the webview's options and
// HTML (CSP with a nonce, see webviewHtml), the ready gate (nothing is posted until the webview
// says it is ready, and a webview that is hidden reloads and must say so again), and the check of
// every message the webview sends (it is untrusted): a malformed one is logged and dropped.
import * as vscode from 'vscode';
import { LOCAL_RESOURCE_FOLDERS, buildPanelHtml, makeNonce } from './webviewHtml';

export interface WebviewHostOptions<In> {
  /** How the log names the view, e.g. "the panel". */
  name: string;
  log: vscode.LogOutputChannel;
  extensionUri: vscode.Uri;
  /** The bundle and stylesheet, relative to the extension: e.g. ['dist', 'webview', 'panel.js']. */
  script: string[];
  style: string[];
  title?: string;
  /** What the script can build its UI from before any message (see PanelHtmlOptions.init). */
  init?: () => unknown;
  /** Checks a message from the webview: the message, or undefined when malformed. */
  parse(raw: unknown): In | undefined;
  onMessage(m: In): void;
}

/** Options of a webview that runs our script and loads only from dist/ and media/. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: LOCAL_RESOURCE_FOLDERS.map((f) => vscode.Uri.joinPath(extensionUri, f)),
  };
}

export class WebviewHost<In, Out> implements vscode.Disposable {
  private webview: vscode.Webview | undefined;
  private listener: vscode.Disposable | undefined;
  private isReady = false;

  constructor(private readonly o: WebviewHostOptions<In>) {}

  get ready(): boolean {
    return this.isReady;
  }

  /** Loads our page into `webview` (a new one, or the same one again): it is not ready until it says so. */
  attach(webview: vscode.Webview): void {
    this.listener?.dispose();
    this.webview = webview;
    this.isReady = false;
    webview.options = webviewOptions(this.o.extensionUri);
    const asUri = (p: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.o.extensionUri, ...p)).toString();
    webview.html = buildPanelHtml({
      cspSource: webview.cspSource,
      nonce: makeNonce(),
      scriptUri: asUri(this.o.script),
      styleUri: asUri(this.o.style),
      title: this.o.title,
      init: this.o.init?.(),
    });
    this.listener = webview.onDidReceiveMessage((raw: unknown) => this.receive(raw));
  }

  /** The webview is gone (disposed). */
  detach(): void {
    this.listener?.dispose();
    this.listener = undefined;
    this.webview = undefined;
    this.isReady = false;
  }

  /** The webview said it is ready: posts go through from now. */
  setReady(): void {
    this.isReady = true;
  }

  /** The webview was hidden: it reloads when shown and says it is ready again. */
  unload(): void {
    this.isReady = false;
  }

  /** Posts `m` if the webview is ready (else drops it: the ready handler sends what a new page needs). */
  post(m: Out): boolean {
    if (!this.isReady || !this.webview) return false;
    void this.webview.postMessage(m);
    return true;
  }

  dispose(): void {
    this.detach();
  }

  private receive(raw: unknown): void {
    const m = this.o.parse(raw);
    if (m === undefined) {
      this.o.log.warn(`Ignored a malformed message from ${this.o.name}: ${JSON.stringify(raw)?.slice(0, 200)}`);
      return;
    }
    this.o.onMessage(m);
  }
}
