// What the exporters take: plain data (numbers, token texts and offsets, resolved colours), no DOM,
// no vscode, no tensors. The panel, the CLI's report and a difference map (B − A, a diverging
// scale) all build these and hand them to the same writers.

export type RGB = [number, number, number];

/** One token as the exports list it: its text, what the views show (labelTokens) and its offsets. */
export interface ExportToken {
  text: string;
  /** The label the views show (a part of a character as 自¹⁄₃). */
  label: string;
  /** UTF-16 offsets into the analysed text. */
  start: number;
  end: number;
}

/**
 * How values map to colours. `sequential`: weights in [0, 1] through the colour scale (linear, or
 * gamma 0.4 to lift small weights). `diverging`: signed values in [−limit, limit] (a difference
 * map), negative towards the palette's `negative` colour, positive towards its accent.
 */
export type ValueScale = { kind: 'sequential'; gamma: boolean } | { kind: 'diverging'; limit: number };

/** A matrix of values with tokens on its axes: one head, a layer's mean, the rollout, a difference. */
export interface HeatmapData {
  /** E.g. "Layer 3 · Head 7". */
  title: string;
  /** Row (query) tokens, `rows` of them. */
  rowTokens: ExportToken[];
  /** Column (key) tokens, `cols` of them. */
  colTokens: ExportToken[];
  /** Row-major [rows × cols]. */
  values: Float32Array;
  /** Cells with key > query are masked (a causal attention map): hatched, never read as 0. */
  causal: boolean;
  scale: ValueScale;
  /** The selected query row, outlined. */
  selectedRow?: number;
}

/** The overview: one small thumbnail per layer × head, each scaled to its own max. */
export interface GridData {
  title: string;
  nLayer: number;
  nHead: number;
  /** Side of each thumbnail in cells. */
  size: number;
  /** nLayer × nHead thumbnails, layer-major, each [size × size] (missing: not computed yet). */
  thumbs: (Float32Array | undefined)[];
  gamma: boolean;
}

/** A table of text and numbers (the heads table): a header row and rows; null is an empty cell. */
export interface TableData {
  title: string;
  columns: string[];
  rows: (string | number | null)[][];
}

/** Colours resolved to real values (never a CSS variable), and the font. */
export interface ExportPalette {
  name: string;
  bg: RGB;
  fg: RGB;
  accent: RGB;
  /** Labels other than the selected one. */
  muted: RGB;
  /** Fill of masked cells, and their hatch lines. */
  masked: RGB;
  hatch: RGB;
  /** A diverging scale's negative end. */
  negative: RGB;
  font: string;
}
