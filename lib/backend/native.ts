/** PLACEHOLDER until the native helper writes it: the thin wrapper from the contract to the addon's functions. */
import type { Backend } from './contract.js';

export interface OpenblasInfo {
  config: string;
  coreName: string;
  coreTypeSource: 'user' | 'neuroblas' | 'openblas';
  threads: number;
}

export interface NativeAddon {
  setErrorClass(cls: unknown): void;
  openblasInfo(): OpenblasInfo;
  [fn: string]: unknown;
}

export function wrapAddon(addon: NativeAddon): Backend {
  throw new Error('native backend not written yet');
}
