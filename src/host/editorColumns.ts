// Which editor group the attention panel, and the analysed document, go to. Plain values (view
// columns, 1 = the first group in grid order, as `vscode.ViewColumn` counts), tested in plain Node.
//
// What VS Code 1.100 does with a column (mainThreadWebviewPanels / editorGroupColumn):
// - `ViewColumn.Beside` is the group next to the *active* group in the side-by-side direction
//   (`workbench.editor.openSideBySideDirection`), reused when it exists, else a new group. Run from
//   the panel's own group (or any rightmost group), it creates a group; `reveal(Beside)` moves the
//   panel there. That is how Show Attention piled up groups.
// - A column number names the group at that place in grid order. When there is no such group a
//   webview panel gets one new group after the last, a text editor gets groups up to that column
//   (at most 9): so the column right after the last group is "a new group beside the last".
// - `WebviewPanel.reveal(undefined)` is not "where it is": it reveals in the active group.

/** `vscode.ViewColumn.Beside`: the group beside the active one. */
export type Beside = 'beside';

/** The highest column VS Code creates groups up to when asked for a column that does not exist. */
const MAX_COLUMN = 9;

export interface PanelLayout {
  /** Column of the editor whose text is analysed; undefined when VS Code does not say. */
  editor: number | undefined;
  /** Column of the panel that is already open; undefined when there is none yet. */
  panel: number | undefined;
  /** How many editor groups there are (columns 1..groups). */
  groups: number;
}

/**
 * Where Show Attention / Explain Completion show the panel. An open panel stays in its group
 * unless the analysed editor is in that same group (they cannot both be seen); a new or displaced
 * panel goes to the group right of the editor, which is reused when it exists. A displaced panel
 * with no group right of the editor takes the one left of it: the layout keeps its groups rather
 * than gaining one each time the user opens a file in the panel's group.
 */
export function panelColumn({ editor, panel, groups }: PanelLayout): number | Beside {
  if (panel !== undefined && panel !== editor) return panel;
  if (editor === undefined) return 'beside';
  if (editor < groups) return editor + 1;
  if (panel !== undefined && editor > 1) return editor - 1;
  return newColumnAfter(editor);
}

export interface DocumentLayout {
  /** Column of a visible editor showing the analysed document, if any. */
  visible: number | undefined;
  /** Column of the panel (the document should not cover it); undefined when not known. */
  panel: number | undefined;
  /** How many editor groups there are. */
  groups: number;
}

/**
 * Where the panel reveals a token of the analysed document: the editor already showing it, else
 * a group other than the panel's (the one left of it first: the panel opens right of the text),
 * else a new group beside the panel.
 */
export function documentColumn({ visible, panel, groups }: DocumentLayout): number | Beside {
  if (visible !== undefined) return visible;
  if (panel === undefined) return 1;
  if (panel > 1) return panel - 1;
  if (groups > 1) return 2;
  return newColumnAfter(panel);
}

/** A new group after column `last` (the last group). */
function newColumnAfter(last: number): number | Beside {
  return last + 1 <= MAX_COLUMN ? last + 1 : 'beside';
}
