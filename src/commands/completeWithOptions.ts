// `Attention Lens: Complete with Options…`: asks for the sampling settings of one run through
// quick inputs (pre-filled from the settings, checked against the same ranges), then completes;
// on a selection, with a chat model, it also asks whether to answer as chat.
import * as vscode from 'vscode';
import type { CompletionController } from '../host/completionController';
import { readCompletionSettings } from '../host/completionSettings';
import {
  checkNumber,
  formatStopSequences,
  parseStopSequences,
  type CompletionOptions,
  type NumericOption,
} from '../shared/completionOptions';

export const COMPLETE_WITH_OPTIONS = 'attentionLens.completeWithOptions';

const STEPS = 6;

export async function completeWithOptions(controller: CompletionController): Promise<void> {
  const editor = vscode.window.activeTextEditor;
  if (!editor) {
    void vscode.window.showInformationMessage(vscode.l10n.t('Attention Lens: open a file and put the cursor where the text should continue.'));
    return;
  }
  const options = await askOptions(readCompletionSettings());
  if (!options) return; // Escape on one of the inputs
  if (vscode.window.activeTextEditor !== editor) return;
  await controller.complete(editor, options, { askChat: true });
}

/** The six quick inputs; undefined when one is dismissed. */
async function askOptions(defaults: CompletionOptions): Promise<CompletionOptions | undefined> {
  const maxNewTokens = await askNumber(1, 'maxNewTokens', vscode.l10n.t('Tokens to generate at most'), defaults.maxNewTokens);
  if (maxNewTokens === undefined) return undefined;
  const temperature = await askNumber(2, 'temperature', vscode.l10n.t('Temperature (0 = always the most likely token)'), defaults.temperature);
  if (temperature === undefined) return undefined;
  const topK = await askNumber(3, 'topK', vscode.l10n.t('Top-k: sample among the k most likely tokens (0 = no limit)'), defaults.topK);
  if (topK === undefined) return undefined;
  const topP = await askNumber(4, 'topP', vscode.l10n.t('Top-p: sample among the most likely tokens holding this much probability (1 = no limit)'), defaults.topP);
  if (topP === undefined) return undefined;
  const seed = await askSeed(defaults.seed);
  if (seed === null) return undefined;
  const stops = await vscode.window.showInputBox({
    title: title(6),
    prompt: vscode.l10n.t('Stop sequences, comma-separated (\\n is a line break, \\, a comma, \\s a space); empty for none'),
    value: formatStopSequences(defaults.stopSequences),
    ignoreFocusOut: true,
    validateInput: (v) => {
      try {
        parseStopSequences(v);
        return undefined;
      } catch (e) {
        return (e as Error).message;
      }
    },
  });
  if (stops === undefined) return undefined;
  return { maxNewTokens, temperature, topK, topP, seed, stopSequences: parseStopSequences(stops) };
}

function title(step: number): string {
  return vscode.l10n.t('Attention Lens: Complete with Options ({0}/{1})', step, STEPS);
}

async function askNumber(step: number, name: Exclude<NumericOption, 'seed'>, prompt: string, value: number): Promise<number | undefined> {
  const v = await vscode.window.showInputBox({
    title: title(step),
    prompt: `${prompt} — ${name}`,
    value: String(value),
    ignoreFocusOut: true,
    validateInput: (s) => (s.trim() === '' ? vscode.l10n.t('{0} is needed', name) : checkNumber(name, Number(s.trim()))),
  });
  return v === undefined ? undefined : Number(v.trim());
}

/** The seed: a number, undefined for random (empty input), or null when dismissed. */
async function askSeed(value: number | undefined): Promise<number | undefined | null> {
  const v = await vscode.window.showInputBox({
    title: title(5),
    prompt: vscode.l10n.t('Seed, for a reproducible run (empty = random) — seed'),
    value: value === undefined ? '' : String(value),
    ignoreFocusOut: true,
    validateInput: (s) => (s.trim() === '' ? undefined : checkNumber('seed', Number(s.trim()))),
  });
  if (v === undefined) return null;
  return v.trim() === '' ? undefined : Number(v.trim());
}
