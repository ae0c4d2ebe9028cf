/**
 * The words the contract table (contract.ts) is written in: argument kinds, and the TypeScript types they
 * stand for. A kernel is declared once, as a list of these; its `Backend` signature, its argument checks
 * (checked.ts) and its native calling convention (native.ts) are all read off that list.
 */

/** Activation codes: the index of a kind is its code in the native addon (native/kernels.h), so the order is fixed. */
export const ACTIVATION_KINDS = [
  'linear',
  'sigmoid',
  'tanh',
  'relu',
  'leaky_relu',
  'elu',
  'softplus',
  'gelu',
  'gelu_tanh',
  'silu',
  'selu',
  'mish',
  'softsign',
  'hardsigmoid',
  'relu6',
] as const;
export type ActivationKind = (typeof ACTIVATION_KINDS)[number];

/**
 * A size: a non-negative integer the 32-bit BLAS interface accepts. Sizes name the dimensions that buffer
 * lengths are written in.
 */
export interface SizeArg {
  readonly kind: 'size';
  readonly name: string;
  /** The smallest size allowed (0 unless said otherwise: kernel sizes and strides must be at least 1). */
  readonly min: number;
}
/** An integer in [min, max] that is not a dimension (a step count, a seed). */
export interface IntegerArg {
  readonly kind: 'integer';
  readonly name: string;
  readonly min: number;
  readonly max: number;
  /** How the range reads in an error message, e.g. '>= 1' or 'in [0, 2^32)'. */
  readonly rule: string;
}
/** A number: finite unless `anyValue` (fill may write NaN or ±Infinity); optionally within [min, max] ((min, max] when minOpen). */
export interface NumberArg {
  readonly kind: 'number';
  readonly name: string;
  readonly anyValue: boolean;
  readonly range: readonly [min: number, max: number, minOpen: boolean] | null;
}
export interface BooleanArg {
  readonly kind: 'boolean';
  readonly name: string;
}
/** One of ACTIVATION_KINDS; the native addon receives its code. */
export interface ActivationArg {
  readonly kind: 'activation';
  readonly name: string;
}
/** Hyper-parameters as an object; the native addon receives its fields as positional arguments, in this order. */
export interface OptionsArg<F extends OptionFields = OptionFields> {
  readonly kind: 'options';
  readonly name: string;
  readonly fields: F;
}
export type OptionFields = readonly (readonly [field: string, type: 'number' | 'boolean'])[];

export type ElementType = 'f32' | 'i32' | 'u8';
/**
 * A typed array. `length` is the product of dimensions (sizes, or ones a kernel derives, such as a
 * convolution's OH): the array must hold at least that many elements (it may be longer: reused buffers).
 * An output is written by the kernel and must not overlap any other array argument, except the inputs
 * listed in `same`, which it may be exactly (an in-place call), never partly.
 */
export interface ArrayArg<T extends ElementType = ElementType, Nullable extends boolean = boolean> {
  readonly kind: 'array';
  readonly name: string;
  readonly type: T;
  readonly dims: readonly string[];
  /** The dimensions as an error message shows them: 'M·K'. */
  readonly label: string;
  readonly nullable: Nullable;
  /** True for an output; the name of a boolean argument for an array that is an output only when that argument is true. */
  readonly output: boolean | string;
  readonly same: readonly string[];
}

type Returns = 'void' | 'number';

export type Arg = SizeArg | IntegerArg | NumberArg | BooleanArg | ActivationArg | OptionsArg | ArrayArg;

/** The argument values of one call by name, plus the dimensions a kernel derives. Reused between calls. */
// biome-ignore lint/suspicious/noExplicitAny: the rules read arguments of every kind by name; each knows its kernel's types.
export type Values = Record<string, any>;

export interface KernelSpec<A extends readonly Arg[] = readonly Arg[], R extends Returns = Returns> {
  readonly args: A;
  /** 'number' for kernels that return a value (a loss, a sum); void otherwise. */
  readonly returns: R;
  /**
   * Dimensions derived from the sizes (a convolution's output size), written into `v` before buffer lengths
   * are checked; throws when the sizes do not fit together. Runs after the scalar arguments are checked.
   */
  readonly derive: ((fn: string, v: Values) => void) | null;
  /** Rules between arguments that the table cannot say (a buffer required for some option), run after the lengths. */
  readonly rules: ((fn: string, v: Values) => void) | null;
  /**
   * The native addon applies `rules` itself, with the same errors, before it writes anything: the native backend's
   * checks leave them to it rather than scan the same data twice (an argmax scan cost as much as the pooling).
   */
  readonly rulesInAddon: boolean;
}

// Builders: one line per argument in the table.

export const size = (name: string, min = 0): SizeArg => ({ kind: 'size', name, min });
export const integer = (name: string, min: number, max: number, rule: string): IntegerArg => ({ kind: 'integer', name, min, max, rule });
export const number = (name: string, range: NumberArg['range'] = null): NumberArg => ({ kind: 'number', name, anyValue: false, range });
export const anyNumber = (name: string): NumberArg => ({ kind: 'number', name, anyValue: true, range: null });
export const boolean = (name: string): BooleanArg => ({ kind: 'boolean', name });
export const activation = (name: string): ActivationArg => ({ kind: 'activation', name });
export const options = <const F extends OptionFields>(name: string, fields: F): OptionsArg<F> => ({ kind: 'options', name, fields });

interface ArrayOptions {
  /** null is allowed (the argument is absent). */
  readonly nullable?: boolean;
  /** Written by the kernel (see ArrayArg), always (true) or when the named boolean argument is true. */
  readonly output?: boolean | string;
  /** Inputs this output may be exactly. */
  readonly same?: readonly string[];
}

function array<T extends ElementType, const O extends ArrayOptions>(
  type: T,
  name: string,
  length: string,
  o?: O,
): ArrayArg<T, O['nullable'] extends true ? true : false> {
  const dims = length.split('*').map((d) => d.trim());
  return {
    kind: 'array',
    name,
    type,
    dims,
    label: dims.join('·'),
    nullable: (o?.nullable ?? false) as O['nullable'] extends true ? true : false,
    output: o?.output ?? o?.same !== undefined,
    same: o?.same ?? [],
  };
}

/** A Float32Array of at least `length` elements, where length is written 'M*K' (dimension names joined by '*'). */
export const f32 = <const O extends ArrayOptions>(name: string, length: string, o?: O) => array('f32', name, length, o);
export const i32 = <const O extends ArrayOptions>(name: string, length: string, o?: O) => array('i32', name, length, o);
export const u8 = <const O extends ArrayOptions>(name: string, length: string, o?: O) => array('u8', name, length, o);

export function kernel<const A extends readonly Arg[], R extends Returns = 'void'>(spec: {
  args: A;
  returns?: R;
  derive?: KernelSpec['derive'];
  rules?: KernelSpec['rules'];
  rulesInAddon?: boolean;
}): KernelSpec<A, R> {
  return {
    args: spec.args,
    returns: spec.returns ?? ('void' as R),
    derive: spec.derive ?? null,
    rules: spec.rules ?? null,
    rulesInAddon: spec.rulesInAddon ?? false,
  };
}

// The TypeScript signature a spec stands for.

type ElementArray<T> = T extends 'f32' ? Float32Array : T extends 'i32' ? Int32Array : Uint8Array;

export type OptionsObject<F extends OptionFields> = {
  -readonly [E in F[number] as E[0]]: E[1] extends 'boolean' ? boolean : number;
};

type ArgValue<A> = A extends SizeArg | IntegerArg | NumberArg
  ? number
  : A extends BooleanArg
    ? boolean
    : A extends ActivationArg
      ? ActivationKind
      : A extends OptionsArg<infer F>
        ? OptionsObject<F>
        : A extends ArrayArg<infer T, infer N>
          ? N extends true
            ? ElementArray<T> | null
            : ElementArray<T>
          : never;

type ArgValues<A extends readonly Arg[]> = { -readonly [I in keyof A]: ArgValue<A[I]> };

export type KernelFunction<S> =
  S extends KernelSpec<infer A, infer R> ? (...args: ArgValues<A>) => R extends 'number' ? number : void : never;
