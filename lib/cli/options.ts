/**
 * Value parsers for commander options. Each one turns the text after a flag into a checked value or throws
 * commander's InvalidArgumentError, which commander reports as "option '--lr <number>' argument 'abc' is
 * invalid. <why>" — a usage error (exit 2), before any data is read.
 */
import { InvalidArgumentError } from 'commander';

export function parseNumber(text: string): number {
  const v = Number(text);
  if (text.trim() === '' || !Number.isFinite(v)) throw new InvalidArgumentError('Expected a number.');
  return v;
}

export function parseNonNegative(text: string): number {
  const v = parseNumber(text);
  if (v < 0) throw new InvalidArgumentError('Expected a number >= 0.');
  return v;
}

export function parsePositive(text: string): number {
  const v = parseNumber(text);
  if (!(v > 0)) throw new InvalidArgumentError('Expected a number > 0.');
  return v;
}

export function parsePositiveInt(text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v) || v < 1) throw new InvalidArgumentError('Expected a positive integer.');
  return v;
}

export function parseSeed(text: string): number {
  const v = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(v)) throw new InvalidArgumentError('Expected an integer >= 0.');
  return v;
}

/** A fraction strictly between 0 and 1 (a share of the rows). */
export function parseFraction(text: string): number {
  const v = parseNumber(text);
  if (!(v > 0 && v < 1)) throw new InvalidArgumentError('Expected a fraction between 0 and 1, e.g. 0.1.');
  return v;
}

/** Layer widths "784-128-10": at least an input and an output, each a positive integer. */
export function parseLayers(text: string): number[] {
  const parts = text.split(/[-,]/).map((s) => s.trim());
  const bad = parts.find((p) => !/^\d+$/.test(p) || Number(p) < 1);
  if (bad !== undefined) throw new InvalidArgumentError(`"${bad}" is not a positive integer; expected widths like 784-128-10.`);
  if (parts.length < 2) throw new InvalidArgumentError('Expected at least an input and an output width, like 784-128-10.');
  return parts.map(Number);
}

/** A file name for an SVG (--plot): one ending in .svg, so the file opens as what it is. */
export function parseSvgFile(text: string): string {
  if (!/\.svg$/i.test(text)) {
    const suggestion = `${text.replace(/\.[^./\\]*$/, '')}.svg`;
    throw new InvalidArgumentError(`The curves are an SVG image: give a file name ending in .svg, e.g. ${suggestion}.`);
  }
  return text;
}

/** A CSV label column: a 0-based index (negative from the end) or a header name. */
export function parseColumn(text: string): string | number {
  return /^-?\d+$/.test(text.trim()) ? Number(text) : text;
}
