/**
 * Text to token ids and back, for models that read text: character-level (every Unicode code point is a token) or
 * word-level (runs of letters, digits and apostrophes are words; every other non-space character is a token of its
 * own). The vocabulary is built from training text only, so it is what the model was trained on:
 *
 * - id 0 is padding (`<pad>`), so it can be an Embedding's paddingIdx; id 1 is out-of-vocabulary (`<unk>`);
 * - the other tokens follow by count, most frequent first, ties in code-unit order of the token (not by first
 *   appearance: the same texts in another order give the same vocabulary);
 * - `minCount` drops rarer tokens and `maxSize` caps the vocabulary (both specials included): those become `<unk>`.
 *
 * Text is NFC-normalized first (an "é" typed as e + combining accent is the same token as the precomposed one);
 * `lowercase` folds case. `encodeBatch` pads with 0 at the end, or truncates keeping the first tokens, to one
 * length, and says how many real tokens each row has. `toJSON()` is the plain-JSON form checkpoints keep
 * (lib/io/checkpoint.ts); `Tokenizer.fromJSON` checks every field, so a crafted file gives an error, not a tokenizer
 * that crashes or allocates later.
 */
import { bool, checkKnownKeys, integer, oneOf, optionsObject, show } from '../check.js';
import { fail } from '../errors.js';

export const TOKEN_LEVELS = ['char', 'word'] as const;
export type TokenLevel = (typeof TOKEN_LEVELS)[number];

export const PAD_TOKEN = '<pad>';
export const OOV_TOKEN = '<unk>';
export const PAD_ID = 0;
export const OOV_ID = 1;
/** The largest vocabulary and sequence length a tokenizer may have (a file claiming more is crafted or broken). */
export const MAX_VOCAB_SIZE = 1_000_000;
export const MAX_SEQUENCE_LENGTH = 100_000;

export interface TokenizerOptions {
  /** 'char' (default) or 'word'. */
  level?: TokenLevel;
  /** The largest vocabulary, `<pad>` and `<unk>` included (default: no cap). */
  maxSize?: number;
  /** Tokens seen fewer times in the training text are out of vocabulary (default 1: every token seen). */
  minCount?: number;
  /** Fold case before anything else (default false). */
  lowercase?: boolean;
  /** The length encodeBatch pads or truncates to when not told (default: none, it must be given). */
  length?: number;
}

/** The plain-JSON form (what a checkpoint's `tokenizer` metadata holds). */
export interface TokenizerJSON {
  level: TokenLevel;
  lowercase: boolean;
  /** Sequence length for encodeBatch, or null. */
  length: number | null;
  /** Tokens by id: vocab[0] is "<pad>", vocab[1] "<unk>". */
  vocab: string[];
}

export interface EncodedBatch {
  /** `rows × length` ids, row-major, trailing padding 0 (as floats: the model's input tensor). */
  ids: Float32Array;
  /** Real tokens per row (after truncation; 0 for an empty text). */
  lengths: Int32Array;
  rows: number;
  length: number;
}

const WORD = /[\p{L}\p{M}\p{N}'’]+|[^\s\p{L}\p{M}\p{N}'’]/gu;

export class Tokenizer {
  readonly level: TokenLevel;
  readonly lowercase: boolean;
  readonly length: number | null;
  private readonly tokensById: readonly string[];
  private readonly ids: ReadonlyMap<string, number>;

  private constructor(level: TokenLevel, lowercase: boolean, length: number | null, vocab: readonly string[]) {
    this.level = level;
    this.lowercase = lowercase;
    this.length = length;
    this.tokensById = vocab;
    this.ids = new Map(vocab.map((t, i) => [t, i]));
  }

  /** Builds the vocabulary from training texts (see the module comment for the order and the caps). */
  static fit(texts: Iterable<string>, options: TokenizerOptions = {}): Tokenizer {
    const o = optionsObject('Tokenizer.fit', options) as TokenizerOptions;
    checkKnownKeys('Tokenizer.fit', o, ['level', 'maxSize', 'minCount', 'lowercase', 'length']);
    const level = oneOf('Tokenizer.fit', 'level', o.level ?? 'char', TOKEN_LEVELS);
    const maxSize = o.maxSize === undefined ? MAX_VOCAB_SIZE : integer('Tokenizer.fit', 'maxSize', o.maxSize, 2);
    const minCount = integer('Tokenizer.fit', 'minCount', o.minCount ?? 1, 1);
    const lowercase = bool('Tokenizer.fit', 'lowercase', o.lowercase ?? false);
    const length = o.length === undefined ? null : checkLength('Tokenizer.fit', o.length);
    if (texts === null || typeof texts !== 'object' || typeof (texts as Iterable<string>)[Symbol.iterator] !== 'function')
      fail('ERR_INVALID_ARG', `Tokenizer.fit: texts must be an array (or iterable) of strings, got ${show(texts)}`);
    const counts = new Map<string, number>();
    let i = 0;
    for (const text of texts) {
      if (typeof text !== 'string') fail('ERR_INVALID_ARG', `Tokenizer.fit: texts[${i}] is ${show(text)}, not a string`);
      for (const token of split(text, level, lowercase)) counts.set(token, (counts.get(token) ?? 0) + 1);
      i++;
    }
    counts.delete(PAD_TOKEN);
    counts.delete(OOV_TOKEN);
    const kept = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort(([a, na], [b, nb]) => nb - na || (a < b ? -1 : a > b ? 1 : 0))
      .slice(0, Math.min(maxSize, MAX_VOCAB_SIZE) - 2)
      .map(([token]) => token);
    return new Tokenizer(level, lowercase, length, [PAD_TOKEN, OOV_TOKEN, ...kept]);
  }

  /** A tokenizer from its JSON form, every field checked; `owner` names the source in errors (a file, a caller). */
  static fromJSON(json: unknown, owner = 'Tokenizer.fromJSON'): Tokenizer {
    if (typeof json !== 'object' || json === null || Array.isArray(json))
      fail('ERR_INVALID_ARG', `${owner}: a tokenizer is an object { level, lowercase, length, vocab }, got ${show(json)}`);
    const j = json as Record<string, unknown>;
    checkKnownKeys(owner, j, ['level', 'lowercase', 'length', 'vocab']);
    const level = oneOf(owner, 'level', j.level, TOKEN_LEVELS);
    const lowercase = bool(owner, 'lowercase', j.lowercase);
    const length = j.length === null ? null : checkLength(owner, j.length);
    const vocab = j.vocab;
    if (!Array.isArray(vocab) || vocab.length < 2 || vocab.length > MAX_VOCAB_SIZE)
      fail('ERR_INVALID_ARG', `${owner}: vocab must be an array of 2 to ${MAX_VOCAB_SIZE} tokens, got ${show(vocab)}`);
    if (vocab[PAD_ID] !== PAD_TOKEN || vocab[OOV_ID] !== OOV_TOKEN)
      fail('ERR_INVALID_ARG', `${owner}: vocab must start with "${PAD_TOKEN}", "${OOV_TOKEN}" (ids ${PAD_ID} and ${OOV_ID})`);
    const seen = new Set<string>();
    vocab.forEach((t, i) => {
      if (typeof t !== 'string' || t === '') fail('ERR_INVALID_ARG', `${owner}: vocab[${i}] is ${show(t)}, not a non-empty string`);
      if (i >= 2 && !isToken(t, level, lowercase))
        fail('ERR_INVALID_ARG', `${owner}: vocab[${i}] ${show(t)} is not a ${level}-level token${lowercase ? ' (lowercase)' : ''}`);
      if (seen.has(t)) fail('ERR_INVALID_ARG', `${owner}: vocab holds ${show(t)} twice`);
      seen.add(t);
    });
    return new Tokenizer(level, lowercase, length, [...(vocab as string[])]);
  }

  toJSON(): TokenizerJSON {
    return { level: this.level, lowercase: this.lowercase, length: this.length, vocab: [...this.tokensById] };
  }

  /** Tokens in the vocabulary, `<pad>` and `<unk>` included: an Embedding needs this many rows. */
  get size(): number {
    return this.tokensById.length;
  }

  get vocab(): readonly string[] {
    return this.tokensById;
  }

  /** The tokens of `text`, as the vocabulary sees them (normalized, case-folded when lowercase). */
  tokenize(text: string): string[] {
    if (typeof text !== 'string') fail('ERR_INVALID_ARG', `Tokenizer.tokenize: text must be a string, got ${show(text)}`);
    return split(text, this.level, this.lowercase);
  }

  /** The ids of `text`'s tokens (unknown ones are OOV_ID), all of them: no padding, no truncation. */
  encode(text: string): number[] {
    if (typeof text !== 'string') fail('ERR_INVALID_ARG', `Tokenizer.encode: text must be a string, got ${show(text)}`);
    return split(text, this.level, this.lowercase).map((t) => this.ids.get(t) ?? OOV_ID);
  }

  /**
   * Texts as one `rows × length` block of ids: each padded with 0 at the end, or cut to its first `length` tokens.
   * `length` defaults to the tokenizer's own.
   */
  encodeBatch(texts: readonly string[], length: number | undefined = this.length ?? undefined): EncodedBatch {
    if (!Array.isArray(texts)) fail('ERR_INVALID_ARG', `Tokenizer.encodeBatch: texts must be an array of strings, got ${show(texts)}`);
    if (length === undefined) fail('ERR_INVALID_ARG', 'Tokenizer.encodeBatch: give a length (or build the tokenizer with { length })');
    const T = checkLength('Tokenizer.encodeBatch', length);
    const rows = texts.length;
    const ids = new Float32Array(rows * T);
    const lengths = new Int32Array(rows);
    texts.forEach((text, r) => {
      if (typeof text !== 'string') fail('ERR_INVALID_ARG', `Tokenizer.encodeBatch: texts[${r}] is ${show(text)}, not a string`);
      const row = this.encode(text);
      const n = Math.min(row.length, T);
      for (let t = 0; t < n; t++) ids[r * T + t] = row[t];
      lengths[r] = n;
    });
    return { ids, lengths, rows, length: T };
  }

  /**
   * Token counts per row as frequencies over the vocabulary (`rows × size`, each row summing to 1, or all 0 for a
   * text with no tokens; padding never counts): the input of a bag-of-tokens baseline, order ignored.
   */
  bagOfTokens(texts: readonly string[]): Float32Array {
    if (!Array.isArray(texts)) fail('ERR_INVALID_ARG', `Tokenizer.bagOfTokens: texts must be an array of strings, got ${show(texts)}`);
    const V = this.size;
    const out = new Float32Array(texts.length * V);
    texts.forEach((text, r) => {
      if (typeof text !== 'string') fail('ERR_INVALID_ARG', `Tokenizer.bagOfTokens: texts[${r}] is ${show(text)}, not a string`);
      const row = this.encode(text);
      for (const id of row) out[r * V + id] += 1 / row.length;
    });
    return out;
  }

  /** Text from ids: padding is dropped, unknown ids and OOV are "<unk>"; word tokens are joined by spaces. */
  decode(ids: ArrayLike<number>): string {
    if (ids === null || typeof ids !== 'object' || typeof (ids as ArrayLike<number>).length !== 'number')
      fail('ERR_INVALID_ARG', `Tokenizer.decode: ids must be an array of token ids, got ${show(ids)}`);
    const tokens: string[] = [];
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i];
      if (id === PAD_ID) continue;
      tokens.push(Number.isInteger(id) && id > 0 && id < this.size ? this.tokensById[id] : OOV_TOKEN);
    }
    return tokens.join(this.level === 'word' ? ' ' : '');
  }
}

function checkLength(owner: string, v: unknown): number {
  const n = integer(owner, 'length', v, 1);
  if (n > MAX_SEQUENCE_LENGTH) fail('ERR_INVALID_ARG', `${owner}: length must be at most ${MAX_SEQUENCE_LENGTH}, got ${n}`);
  return n;
}

function split(text: string, level: TokenLevel, lowercase: boolean): string[] {
  let s = text.normalize('NFC');
  if (lowercase) s = s.toLowerCase();
  return level === 'char' ? Array.from(s) : (s.match(WORD) ?? []);
}

/** Whether `t` is one token of this kind (what a vocabulary built by fit can hold). */
function isToken(t: string, level: TokenLevel, lowercase: boolean): boolean {
  const parts = split(t, level, lowercase);
  return parts.length === 1 && parts[0] === t;
}
