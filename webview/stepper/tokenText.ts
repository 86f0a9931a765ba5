// What the Layer Stepper shows for a token of the run and for a predicted one: the labels of
// shared/tokenLabels.ts (part of a character as that character, marked: 自¹⁄₃; bytes that form
// none as ‹E8 87›) with spaces and line breaks made visible, and the tooltip lines that give the bytes.
import type { StepperStrings } from '../../src/shared/explanations';
import { contextTail, describeLabel, labelPrediction, labelTokens, type TokenLabel } from '../../src/shared/tokenLabels';
import type { Token } from '../../src/shared/token';

/** A token's text with its spaces, line breaks and other control characters made visible (␋ for a vertical tab). */
export function visibleToken(text: string): string {
  return text
    .replace(/ /g, '␣')
    .replace(/\n/g, '↵')
    .replace(/\t/g, '⇥')
    .replace(/\r/g, '')
    .replace(/[\u0000-\u001f\u007f]/g, (c) => (c === '\u007f' ? '␡' : String.fromCharCode(0x2400 + c.charCodeAt(0))));
}

const labelCache = new WeakMap<readonly Token[], TokenLabel[]>();

/** The labels of the run's tokens (made once per token list). */
export function labelsOf(tokens: readonly Token[]): TokenLabel[] {
  let labels = labelCache.get(tokens);
  if (!labels) {
    labels = labelTokens(tokens);
    labelCache.set(tokens, labels);
  }
  return labels;
}

/** Token j of the run as the stepper shows it. */
export function shownToken(tokens: readonly Token[], j: number): string {
  const label = labelsOf(tokens)[j];
  return label ? visibleToken(label.text) : '';
}

/** The tooltip lines of token j: what part of which character it holds, and its bytes (none for whole characters). */
export function tokenDetail(tokens: readonly Token[], j: number, s: StepperStrings): string[] {
  const label = labelsOf(tokens)[j];
  return label ? describeLabel(label, { partOf: s.partOfChar, bytesOf: s.bytesOfChar }) : [];
}

/** The label of a token predicted after position `position` of the run (`bytes`: its entry of Readout.bytes / LensCell.bytes). */
export function predictedLabel(tokens: readonly Token[], position: number, text: string, bytes: string | undefined): TokenLabel {
  return labelPrediction({ text, bytes: bytes || undefined }, contextTail(tokens, position));
}

/** A predicted token as the stepper shows it, and its tooltip lines. */
export function shownPrediction(tokens: readonly Token[], position: number, text: string, bytes: string | undefined, s: StepperStrings): { text: string; detail: string[] } {
  const label = predictedLabel(tokens, position, text, bytes);
  return { text: visibleToken(label.text), detail: describeLabel(label, { partOf: s.partOfChar, bytesOf: s.bytesOfChar }) };
}
