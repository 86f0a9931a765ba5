// The one path from an editor to the text a command analyses: the primary selection (or the
// paragraph around the cursor), read from the document and checked by checkInput. Show Attention,
// the attention panel's (re-)runs and the Layer Stepper all go through it.
import * as vscode from 'vscode';
import { checkInput, clampSpan, inputSpan, type InputCheck, type InputSpan, type Span } from '../analysis/inputText';

/** The span of `editor`'s document that a command analyses. */
export function editorSpan(editor: vscode.TextEditor): InputSpan {
  const doc = editor.document;
  const sel = editor.selection;
  return inputSpan(doc.getText(), sel.isEmpty ? undefined : { start: doc.offsetAt(sel.start), end: doc.offsetAt(sel.end) }, doc.offsetAt(sel.active));
}

/** The text of `span` in `doc` (the span clamped to the document first), checked. */
export function readSpan(doc: vscode.TextDocument, span: Span): { span: Span; checked: InputCheck } {
  const s = clampSpan(span, doc.getText().length);
  const checked = checkInput(doc.getText(new vscode.Range(doc.positionAt(s.start), doc.positionAt(s.end))));
  return { span: s, checked };
}

/** The selection (or paragraph) of `editor`, read and checked. */
export function readEditorInput(editor: vscode.TextEditor): { span: InputSpan; checked: InputCheck } {
  const span = editorSpan(editor);
  return { span, checked: readSpan(editor.document, span).checked };
}
