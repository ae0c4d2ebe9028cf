/**
 * Tensors from user values (issue 12, items 3 and 13): `tensor()` infers a nested array's shape and refuses anything
 * that is not a number, naming where it is; `new Tensor` says what it got when the data is not a Float32Array; and
 * `useBackend`/`withBackend` take a backend or its name.
 */
import { describe, expect, it } from 'vitest';
import { NeuroblasError, Tensor, currentBackend, getBackend, tensor, useBackend, withBackend } from '../../lib/index.js';
import { backends } from '../helpers/backends.js';

function thrown(fn: () => unknown): NeuroblasError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(NeuroblasError);
    return e as NeuroblasError;
  }
  throw new Error('expected an error');
}

describe('tensor(values)', () => {
  it('infers the shape of nested arrays, row-major', () => {
    const t = tensor([
      [0, 0],
      [0, 1],
    ]);
    expect(t.shape).toEqual([2, 2]);
    expect(t.toArray()).toEqual([0, 0, 0, 1]);
    const u = tensor([[[1, 2, 3]], [[4, 5, 6]]]);
    expect(u.shape).toEqual([2, 1, 3]);
    expect(u.toArray()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(tensor([Float32Array.of(1, 2), Float64Array.of(3, 4)]).shape).toEqual([2, 2]);
    expect(tensor([]).shape).toEqual([0]);
    expect(tensor([[], []]).shape).toEqual([2, 0]);
    expect(tensor(7 as unknown as number[]).shape).toEqual([]);
    expect(tensor(7 as unknown as number[]).item()).toBe(7);
  });

  it('keeps flat values with an explicit shape, and reshapes nested ones when the count matches', () => {
    expect(tensor([1, 2, 3, 4, 5, 6], [2, 3]).shape).toEqual([2, 3]);
    expect(tensor(Float64Array.of(1, 2, 3, 4), [2, 2]).toArray()).toEqual([1, 2, 3, 4]);
    expect(
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [4],
      ).toArray(),
    ).toEqual([1, 2, 3, 4]);
    const e = thrown(() =>
      tensor(
        [
          [1, 2],
          [3, 4],
        ],
        [3],
      ),
    );
    expect(e.code).toBe('ERR_SHAPE');
  });

  it('NaN and ±Infinity are numbers: kept as given', () => {
    const t = tensor([Number.NaN, Number.POSITIVE_INFINITY]);
    expect(Number.isNaN(t.data[0])).toBe(true);
    expect(t.data[1]).toBe(Number.POSITIVE_INFINITY);
  });

  it('refuses a non-number, naming its position', () => {
    const cases: [unknown, string][] = [
      [[0, 'a', null], 'tensor: element [1] is "a", not a number'],
      [[0, 1, null], 'tensor: element [2] is null, not a number'],
      [[1, undefined], 'tensor: element [1] is undefined, not a number'],
      [[true], 'tensor: element [0] is true, not a number'],
      [[1, {}], 'tensor: element [1] is object, not a number'],
      [
        [
          [1, 2],
          [3, '4'],
        ],
        'tensor: element [1][1] is "4", not a number',
      ],
      [[1, 2n], 'tensor: element [1] is bigint, not a number'],
    ];
    for (const [values, message] of cases) {
      const e = thrown(() => tensor(values as number[]));
      expect(e.code).toBe('ERR_INVALID_ARG');
      expect(e.message).toBe(message);
    }
    // A hole in a sparse array is undefined too.
    // biome-ignore lint/suspicious/noSparseArray: the hole is the point
    expect(thrown(() => tensor([1, , 3] as number[])).message).toBe('tensor: element [1] is undefined, not a number');
    expect(thrown(() => tensor('abc' as unknown as number[])).message).toMatch(/^tensor: values must be .*, got "abc"$/);
    expect(thrown(() => tensor(null as unknown as number[])).message).toMatch(/^tensor: values must be .*, got null$/);
  });

  it('refuses ragged nested arrays, naming the row that differs', () => {
    const e = thrown(() => tensor([[1, 2], [3]]));
    expect(e.code).toBe('ERR_INVALID_ARG');
    expect(e.message).toBe('tensor: element [1] has 1 entry where [0] has 2 (nested arrays must be rectangular)');
    expect(thrown(() => tensor([[1, 2], 3] as unknown as number[])).message).toBe(
      'tensor: element [1] is 3, expected an array of 2 like [0]',
    );
    expect(thrown(() => tensor([1, [2]] as unknown as number[])).message).toBe('tensor: element [1] is an array of 1, not a number');
    expect(
      thrown(() =>
        tensor([
          [[1], [2]],
          [[3], [4, 5]],
        ]),
      ).message,
    ).toBe('tensor: element [1][1] has 2 entries where [0][0] has 1 (nested arrays must be rectangular)');
  });
});

describe('new Tensor(data, shape)', () => {
  it('says what it got when data is not a Float32Array, and how to convert', () => {
    const e = thrown(() => new Tensor(new Float64Array(4) as unknown as Float32Array, [2, 2]));
    expect(e.code).toBe('ERR_INVALID_ARG');
    expect(e.message).toBe(
      'Tensor: data must be a Float32Array, got Float64Array(4): convert it with Float32Array.from(data), ' +
        'or use tensor(values, shape), which copies any numbers',
    );
    expect(thrown(() => new Tensor([1, 2] as unknown as Float32Array, [2])).message).toMatch(/got an array of 2: convert it/);
    expect(thrown(() => new Tensor(new Int32Array(2) as unknown as Float32Array, [2])).message).toMatch(/got Int32Array\(2\)/);
  });
});

describe.each(backends.map((b) => [b.name, b] as const))('withBackend and useBackend by name on %s', (name, backend) => {
  it('take the backend name as well as the object', () => {
    expect(withBackend(name, () => currentBackend().name)).toBe(name);
    expect(withBackend(backend, () => currentBackend())).toBe(backend);
    const before = useBackend(name);
    try {
      expect(currentBackend()).toBe(name === 'js' ? getBackend('js') : backend);
    } finally {
      useBackend(before);
    }
  });
});

describe('withBackend and useBackend refuse anything else', () => {
  it('saying what they take', () => {
    for (const bad of ['gpu', 'NATIVE', 42, {}, { name: 'js' }, undefined]) {
      const e = thrown(() => withBackend(bad as never, () => 1));
      expect(e.code).toBe('ERR_INVALID_ARG');
      expect(e.message).toMatch(/^withBackend: backend must be 'js', 'native' or a backend object \(getBackend\(name\)\), got /);
      expect(thrown(() => useBackend(bad as never)).message).toMatch(/^useBackend: backend must be 'js', 'native', a backend object/);
    }
    expect(thrown(() => withBackend('js', 'not a function' as never)).message).toBe(
      'withBackend: fn must be a function, got "not a function"',
    );
    expect(useBackend(null)).toBe(null); // null still clears
  });
});
