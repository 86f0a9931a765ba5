// What the host and `info` show about a loaded encoder–decoder model: plain data, safe to send
// across the worker boundary (the decoder-only models' ModelInfo holds a GPTConfig instead).
import { basename, resolve } from 'node:path';
import { readModelCard } from '../modelInfo';
import type { EncDecConfig } from './encdecConfig';
import type { EncDecModel } from './encdecModel';

export interface EncDecInfo {
  kind: 'encdec';
  /** The config's `_name_or_path` if any, else the folder's name. */
  name: string;
  dir: string;
  /** 'marian' (MarianMTModel) or 't5' (T5ForConditionalGeneration). */
  family: EncDecConfig['family'];
  architecture: 'MarianMTModel' | 'T5ForConditionalGeneration';
  encoderLayers: number;
  decoderLayers: number;
  nHead: number;
  headDim: number;
  dModel: number;
  vocabSize: number;
  numParams: number;
  /** Marian: the longest source or target; absent for T5 (relative positions). */
  maxPositions?: number;
  eosTokenId: number;
  padTokenId: number;
  decoderStartTokenId: number;
  card?: string;
}

export function buildEncDecInfo(dir: string, model: EncDecModel): EncDecInfo {
  const c = model.config;
  const abs = resolve(dir);
  const info: EncDecInfo = {
    kind: 'encdec',
    name: c.name ?? basename(abs),
    dir: abs,
    family: c.family,
    architecture: c.family === 'marian' ? 'MarianMTModel' : 'T5ForConditionalGeneration',
    encoderLayers: c.encoderLayers,
    decoderLayers: c.decoderLayers,
    nHead: c.nHead,
    headDim: c.headDim,
    dModel: c.dModel,
    vocabSize: c.vocabSize,
    numParams: model.numParams,
    eosTokenId: c.eosTokenId,
    padTokenId: c.padTokenId,
    decoderStartTokenId: c.decoderStartTokenId,
  };
  if (c.maxPositions !== undefined) info.maxPositions = c.maxPositions;
  const card = readModelCard(abs);
  if (card !== undefined) info.card = card;
  return info;
}
