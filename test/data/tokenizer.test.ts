/**
 * The tokenizer: vocabularies from training text (order, caps, specials), encoding with unknown tokens, padding and
 * truncation, Unicode, and the JSON form a checkpoint keeps (every field checked when read back).
 */
import { describe, expect, it } from 'vitest';
import { MAX_SEQUENCE_LENGTH, OOV_ID, PAD_ID, Tokenizer } from '../../lib/data/tokenizer.js';
import { expectError } from '../helpers/errors.js';

describe('Tokenizer.fit', () => {
  it('puts <pad> at 0, <unk> at 1, then tokens by count, ties in code-unit order', () => {
    const t = Tokenizer.fit(['abca', 'cb', 'z']);
    // counts: a 2, b 2, c 2, z 1
    expect(t.vocab).toEqual(['<pad>', '<unk>', 'a', 'b', 'c', 'z']);
    expect(PAD_ID).toBe(0);
    expect(OOV_ID).toBe(1);
  });

  it('gives the same vocabulary for the same texts in another order', () => {
    const texts = ['the cat', 'a dog', 'the end', 'tac'];
    const a = Tokenizer.fit(texts, { level: 'word' });
    const b = Tokenizer.fit([...texts].reverse(), { level: 'word' });
    expect(a.vocab).toEqual(b.vocab);
    expect(a.vocab.slice(0, 3)).toEqual(['<pad>', '<unk>', 'the']);
  });

  it('caps the size (specials included) and drops tokens under minCount', () => {
    const texts = ['aaaa bbb cc d'];
    expect(Tokenizer.fit(texts, { maxSize: 4 }).vocab).toEqual(['<pad>', '<unk>', 'a', ' ']); // ' ' and b: 3 each, ' ' first
    expect(Tokenizer.fit(texts, { minCount: 2 }).vocab).toEqual(['<pad>', '<unk>', 'a', ' ', 'b', 'c']);
    expect(Tokenizer.fit(texts, { level: 'word', minCount: 2 }).vocab).toEqual(['<pad>', '<unk>']);
  });

  it('builds a vocabulary of the specials alone from empty text or no text', () => {
    expect(Tokenizer.fit([]).vocab).toEqual(['<pad>', '<unk>']);
    const t = Tokenizer.fit(['']);
    expect(t.size).toBe(2);
    expect(t.encode('abc')).toEqual([OOV_ID, OOV_ID, OOV_ID]);
  });

  it('refuses bad options and texts that are not strings', () => {
    expectError(() => Tokenizer.fit(['a'], { level: 'byte' as never }), 'ERR_INVALID_ARG', /level/);
    expectError(() => Tokenizer.fit(['a'], { maxSize: 1 }), 'ERR_INVALID_ARG', /maxSize/);
    expectError(() => Tokenizer.fit(['a'], { minCount: 0 }), 'ERR_INVALID_ARG', /minCount/);
    expectError(() => Tokenizer.fit(['a'], { maxsize: 3 } as never), 'ERR_INVALID_ARG', /did you mean "maxSize"/);
    expectError(() => Tokenizer.fit(['a', 3 as never]), 'ERR_INVALID_ARG', /texts\[1\]/);
    expectError(() => Tokenizer.fit('abc' as never), 'ERR_INVALID_ARG', /array/);
  });
});

describe('encode / decode', () => {
  it('maps unknown characters to <unk> and decodes them as "<unk>"', () => {
    const t = Tokenizer.fit(['hello']);
    const ids = t.encode('hex');
    expect(ids[2]).toBe(OOV_ID);
    expect(t.decode(ids)).toBe('he<unk>');
    expect(t.decode([...t.encode('hello'), PAD_ID, PAD_ID])).toBe('hello');
    expect(t.decode([99, -1, 2.5])).toBe('<unk><unk><unk>');
  });

  it('treats code points, not UTF-16 units, as characters, and normalizes to NFC', () => {
    const t = Tokenizer.fit(['naïve 😀 日本']);
    expect(t.tokenize('😀')).toEqual(['😀']);
    expect(t.encode('😀')).toHaveLength(1);
    expect(t.encode('😀')[0]).not.toBe(OOV_ID);
    // "ï" written as i + combining diaeresis is the same token as the precomposed one.
    expect(t.encode('i\u0308')).toEqual(t.encode('\u00ef'));
    expect(t.decode(t.encode('日本 naïve'))).toBe('日本 naïve');
  });

  it('splits words from punctuation at word level, and folds case when asked', () => {
    const t = Tokenizer.fit(["Don't panic! Don't."], { level: 'word', lowercase: true });
    expect(t.tokenize("DON'T panic!")).toEqual(["don't", 'panic', '!']);
    expect(t.decode(t.encode('Panic, now!'))).toBe('panic <unk> <unk> !');
    expect(Tokenizer.fit(['Über über'], { level: 'word' }).size).toBe(4);
  });

  it('pads at the end with 0 and truncates keeping the first tokens', () => {
    const t = Tokenizer.fit(['abcdef'], { length: 4 });
    const b = t.encodeBatch(['ab', 'abcdef', '', 'zz']);
    expect(b.rows).toBe(4);
    expect(b.length).toBe(4);
    const a = t.encode('a')[0];
    const bb = t.encode('b')[0];
    expect(Array.from(b.ids.subarray(0, 4))).toEqual([a, bb, 0, 0]);
    expect(t.decode(b.ids.subarray(4, 8))).toBe('abcd');
    expect(Array.from(b.ids.subarray(8, 12))).toEqual([0, 0, 0, 0]);
    expect(Array.from(b.ids.subarray(12, 16))).toEqual([OOV_ID, OOV_ID, 0, 0]);
    expect(Array.from(b.lengths)).toEqual([2, 4, 0, 2]);
    expect(t.encodeBatch(['abc'], 2).length).toBe(2);
  });

  it('refuses a batch without a length, or a length out of range', () => {
    const t = Tokenizer.fit(['ab']);
    expectError(() => t.encodeBatch(['a']), 'ERR_INVALID_ARG', /give a length/);
    expectError(() => t.encodeBatch(['a'], 0), 'ERR_INVALID_ARG', /length/);
    expectError(() => t.encodeBatch(['a'], MAX_SEQUENCE_LENGTH + 1), 'ERR_INVALID_ARG', /at most/);
    expectError(() => t.encodeBatch([null as never], 3), 'ERR_INVALID_ARG', /texts\[0\]/);
  });

  it('gives bag-of-token frequencies summing to 1 per row (0 for an empty text)', () => {
    const t = Tokenizer.fit(['aab']);
    const bag = t.bagOfTokens(['aab', '', 'x']);
    expect(Array.from(bag.subarray(0, 4)).map((v) => +v.toFixed(4))).toEqual([0, 0, 0.6667, 0.3333]);
    expect(Array.from(bag.subarray(4, 8))).toEqual([0, 0, 0, 0]);
    expect(Array.from(bag.subarray(8, 12))).toEqual([0, 1, 0, 0]);
  });
});

describe('toJSON / fromJSON', () => {
  it('round-trips through JSON text to a tokenizer that encodes the same', () => {
    const t = Tokenizer.fit(['Grüße, world', 'hola 🌍'], { level: 'char', lowercase: true, length: 12 });
    const back = Tokenizer.fromJSON(JSON.parse(JSON.stringify(t)));
    expect(back.toJSON()).toEqual(t.toJSON());
    expect(back.encodeBatch(['GRÜSSE 🌍']).ids).toEqual(t.encodeBatch(['GRÜSSE 🌍']).ids);
  });

  it('refuses crafted or broken forms, naming the field', () => {
    const good = Tokenizer.fit(['ab cd'], { level: 'word' }).toJSON();
    const bad = (patch: Record<string, unknown>, message: RegExp) =>
      expectError(() => Tokenizer.fromJSON({ ...good, ...patch }, 'model.safetensors: tokenizer'), 'ERR_INVALID_ARG', message);
    expectError(() => Tokenizer.fromJSON(null), 'ERR_INVALID_ARG', /object/);
    expectError(() => Tokenizer.fromJSON([1, 2]), 'ERR_INVALID_ARG', /object/);
    bad({ level: 'bytes' }, /level/);
    bad({ lowercase: 'yes' }, /lowercase/);
    bad({ length: 1e12 }, /at most/);
    bad({ length: -3 }, /length/);
    bad({ vocab: ['<unk>', '<pad>', 'ab'] }, /must start with/);
    bad({ vocab: ['<pad>', '<unk>', 'ab', 'ab'] }, /twice/);
    bad({ vocab: ['<pad>', '<unk>', 7] }, /vocab\[2\]/);
    bad({ vocab: ['<pad>', '<unk>', ''] }, /vocab\[2\]/);
    bad({ vocab: ['<pad>', '<unk>', 'two words'] }, /not a word-level token/);
    bad({ vocab: { length: 1e9 } }, /vocab must be an array/);
    bad({ extra: 1 }, /unknown option "extra"/);
    expectError(
      () => Tokenizer.fromJSON({ level: 'char', lowercase: false, length: null, vocab: ['<pad>', '<unk>', 'ab'] }),
      'ERR_INVALID_ARG',
      /not a char-level token/,
    );
    expectError(
      () => Tokenizer.fromJSON({ level: 'char', lowercase: true, length: null, vocab: ['<pad>', '<unk>', 'A'] }),
      'ERR_INVALID_ARG',
      /lowercase/,
    );
  });
});
