// The attention panel's Compare section on the host side: the comparison each panel shows (one at
// a time; a new one replaces it), its messages from the webview, and what a reloaded page gets back.
// The comparison closes (runs and second model let go) when the webview closes it, when another
// starts, or when the panel is closed.
import * as vscode from 'vscode';
import { readSettings } from '../host/settings';
import { PanelMessageType as M, type FromWebviewMessage, type Handlers } from '../shared/protocol';
import { CompareSession, type CompareSpec } from './compareSession';
import type { PanelState } from './panelHandlers';

type CompareTypes = M.CompareOpen | M.CompareSelectHead | M.CompareCancel | M.CompareClose;

interface Shown {
  session: CompareSession;
  onClose: vscode.Disposable;
}

const shown = new WeakMap<PanelState, Shown>();

/** The command that asks what to compare the panel's text with (commands/compareAttention.ts). */
export const COMPARE_ATTENTION = 'attentionLens.compareAttention';

/** Starts a comparison in panel `p`, replacing the one it showed. */
export function startCompare(p: PanelState, spec: CompareSpec): CompareSession {
  void closeCompare(p);
  const session = new CompareSession(spec, {
    models: p.deps.models,
    extensionUri: p.deps.extensionUri,
    topK: readSettings().topK,
    post: (m) => p.host.post(m),
  });
  const onClose = p.panel.onDidDispose(() => void closeCompare(p));
  shown.set(p, { session, onClose });
  p.deps.models.output.info(`Compare: ${spec.mode === 'models' ? `"${spec.labelA}" against "${spec.labelB}"` : 'two texts'}`);
  void session.run();
  return session;
}

/** Closes the panel's comparison, if any: its runs released, its second model's worker shut down. */
export async function closeCompare(p: PanelState): Promise<void> {
  const s = shown.get(p);
  if (!s) return;
  shown.delete(p);
  s.onClose.dispose();
  await s.session.dispose();
}

/** The comparison panel `p` shows, if `compareId` is it. */
function current(p: PanelState, compareId: number): CompareSession | undefined {
  const s = shown.get(p)?.session;
  return s && s.id === compareId ? s : undefined;
}

/** After the webview (re)loaded: what it showed of the comparison, again. */
export function resendCompare(p: PanelState): void {
  for (const m of shown.get(p)?.session.posted ?? []) p.host.post(m);
}

/** The panel's handlers of the Compare section's messages. */
export function compareHandlers(p: PanelState): Pick<Handlers<FromWebviewMessage>, CompareTypes> {
  return {
    [M.CompareOpen]: () => void vscode.commands.executeCommand(COMPARE_ATTENTION),
    [M.CompareSelectHead]: (m) => void current(p, m.compareId)?.selectHead(m.layerA, m.headA),
    [M.CompareCancel]: (m) => current(p, m.compareId)?.cancel(m.side),
    [M.CompareClose]: (m) => {
      if (current(p, m.compareId)) void closeCompare(p);
    },
  };
}
