// The panel's UI text: the table the host translated (Init message), English until it arrives.
import { formatText } from '../../src/shared/explanations';
import type { LabelWords } from '../../src/shared/tokenLabels';
import { PANEL_TEXT, type PanelStrings, type PanelTextKey } from '../../src/shared/panelText';

let strings: PanelStrings = { ...PANEL_TEXT };

/** Uses the host's translations; a key the host did not send stays English. */
export function setPanelStrings(s: Partial<PanelStrings>): void {
  strings = { ...PANEL_TEXT, ...s };
}

/** The translated text of `key`, with {0}, {1}, … filled from `args`. */
export function t(key: PanelTextKey, ...args: (string | number)[]): string {
  return formatText(strings[key], ...args);
}

/** The words of a label's tooltip lines (describeLabel), translated, placeholders left for it to fill. */
export function labelWords(): LabelWords {
  const raw = (key: PanelTextKey): string => strings[key];
  return { partOf: raw('partOfChar'), bytesOf: raw('bytesOfChar') };
}
