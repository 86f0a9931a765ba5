// The resumable training state: parameters, AdamW moments, step, data cursor, RNG state and the
// loss history, in ONE safetensors file (tensors `param.*`, `adam_m.*`, `adam_v.*`, the rest as
// JSON in the metadata). It is written to a temporary file, fsync'd, then renamed over the old
// one, so a run killed at any moment leaves either the previous checkpoint or the new one.
import * as fs from 'node:fs';
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../engine/safetensors';
import type { ParamSpec } from './trainable';
import type { DataCursor } from './data';

export interface HistoryPoint {
  step: number;
  loss?: number;
  valLoss?: number;
}

export interface TrainMeta {
  version: 1;
  step: number;
  adamT: number;
  cursor: DataCursor;
  rngState: number;
  tokensSeen: number;
  /** Training wall time so far (all sessions), ms. */
  elapsedMs: number;
  history: HistoryPoint[];
  /** Anything the caller wants back on resume (e.g. the reward baseline). */
  extra?: Record<string, unknown>;
}

export interface TrainState {
  meta: TrainMeta;
  params: Float32Array[];
  m: Float32Array[];
  v: Float32Array[];
}

export function saveTrainState(file: string, specs: ParamSpec[], s: TrainState): void {
  const tensors: [string, TensorToWrite][] = [];
  specs.forEach((p, i) => {
    tensors.push([`param.${p.name}`, { shape: p.shape, data: s.params[i] }]);
    tensors.push([`adam_m.${p.name}`, { shape: p.shape, data: s.m[i] }]);
    tensors.push([`adam_v.${p.name}`, { shape: p.shape, data: s.v[i] }]);
  });
  const tmp = `${file}.tmp-${process.pid}`;
  try {
    writeSafetensors(tmp, tensors, { metadata: { format: 'attention-lens-train-state', state: JSON.stringify(s.meta) } });
    const fd = fs.openSync(tmp, 'r+');
    try {
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, file);
  } finally {
    if (fs.existsSync(tmp)) fs.rmSync(tmp);
  }
}

export function loadTrainState(file: string, specs: ParamSpec[]): TrainState {
  const f = SafetensorsFile.open(file);
  try {
    const raw = f.metadata?.state;
    if (!raw) throw new Error(`${file}: not a training state (no "state" metadata)`);
    const meta = JSON.parse(raw) as TrainMeta;
    const read = (prefix: string): Float32Array[] =>
      specs.map((p) => {
        const name = `${prefix}.${p.name}`;
        const e = f.entries.get(name);
        if (!e || e.shape.join(',') !== p.shape.join(',')) {
          throw new Error(`${file}: "${name}" is missing or has another shape than the configured model (was the config changed?)`);
        }
        return f.read(name);
      });
    return { meta, params: read('param'), m: read('adam_m'), v: read('adam_v') };
  } finally {
    f.close();
  }
}
