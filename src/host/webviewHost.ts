// What the attention panel and the Layer Stepper share as webview hosts: the webview's options and
// HTML (CSP with a nonce, see webviewHtml), the channel to the page (shared/channel: a new one for
// each page load, since a reloaded page numbers its requests anew), the ready gate (nothing is
// posted until the webview says it is ready, and a webview that is hidden reloads and must say so
// again), and the check of every message the webview sends (it is untrusted): the channel runs it
// through the protocol's acceptors, and a malformed one is logged and dropped.
import * as vscode from 'vscode';
import { Channel, type Acceptors, type EventOf, type ProtocolSpec } from '../shared/channel';
import { webviewPort } from '../shared/channelPorts';
import { LOCAL_RESOURCE_FOLDERS, buildPanelHtml, makeNonce } from './webviewHtml';

export interface WebviewHostOptions<Local extends ProtocolSpec, Remote extends ProtocolSpec> {
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
  /** The checks of what the page sends. */
  accept: Acceptors<Local>;
  /** Puts the handlers on a new channel to the page. */
  connect(channel: Channel<Local, Remote>): void;
}

/** Options of a webview that runs our script and loads only from dist/ and media/. */
export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewPanelOptions & vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: LOCAL_RESOURCE_FOLDERS.map((f) => vscode.Uri.joinPath(extensionUri, f)),
  };
}

export class WebviewHost<Local extends ProtocolSpec, Remote extends ProtocolSpec> implements vscode.Disposable {
  private webview: vscode.Webview | undefined;
  private channel: Channel<Local, Remote> | undefined;
  private isReady = false;

  constructor(private readonly o: WebviewHostOptions<Local, Remote>) {}

  get ready(): boolean {
    return this.isReady;
  }

  /** Loads our page into `webview` (a new one, or the same one again): it is not ready until it says so. */
  attach(webview: vscode.Webview): void {
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
    this.connect();
  }

  /** The webview is gone (disposed). */
  detach(): void {
    this.channel?.close();
    this.channel = undefined;
    this.webview = undefined;
    this.isReady = false;
  }

  /** The webview said it is ready: posts go through from now. */
  setReady(): void {
    this.isReady = true;
  }

  /** The webview was hidden: it reloads when shown (a new page, a new channel) and says it is ready again. */
  unload(): void {
    this.isReady = false;
    if (this.webview) this.connect();
  }

  /**
   * Sends one of the page's messages (an event of its type: the UI protocols are MessageEvents) if
   * the webview is ready; else drops it: the ready handler sends what a new page needs.
   */
  post(m: Remote['events'][keyof Remote['events'] & string] & { type: string }): boolean {
    if (!this.isReady || !this.channel) return false;
    this.channel.notify(m.type as keyof Remote['events'] & string, m as EventOf<Remote, keyof Remote['events'] & string>);
    return true;
  }

  dispose(): void {
    this.detach();
  }

  private connect(): void {
    this.channel?.close();
    if (!this.webview) return;
    const log = this.o.log;
    this.channel = new Channel<Local, Remote>(webviewPort(this.webview), {
      name: this.o.name,
      accept: this.o.accept,
      onProblem: (problem, raw) => log.warn(`Ignored a malformed message from ${problem}: ${JSON.stringify(raw)?.slice(0, 200)}`),
    });
    this.o.connect(this.channel);
  }
}
