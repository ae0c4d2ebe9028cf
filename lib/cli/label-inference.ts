/**
 * What `neuroblas train` says about a CSV's labels before it trains: one line on stderr with what it inferred
 * ("3 classes from column 'species': setosa→0, versicolor→1, virginica→2", or "regression on column 'mpg', targets
 * from 9 to 46.6"), and a refusal when the inference is
 * implausible, so a wrong label column never trains nonsense without a word:
 * - a label column of non-integer numbers is a feature (or a regression target), not classes;
 * - more classes than a tenth of the rows (and more than two: two classes are never implausible, however few the
 *   rows) is an id, a count or a measurement column, unless --allow-many-classes.
 */
import type { LabelInference } from '../data/csv.js';
import { fail } from '../errors.js';

/** Classes per row above which a label column is refused without --allow-many-classes. */
export const MAX_CLASSES_PER_ROW = 0.1;
/** How many name→index pairs the line shows before "…". */
const SHOWN = 10;

/** The one line: how many classes, from which column, and how labels map to indices. */
export function describeLabels(l: LabelInference): string {
  if (l.kind === 'targets') {
    const r = l.range!;
    const why = r.inferred ? ' (its values are not all integers; --task classification reads them as classes)' : '';
    return `regression on column ${l.column}, targets from ${r.min} to ${r.max}${why}`;
  }
  const head = `${l.classes} class${l.classes === 1 ? '' : 'es'} from column ${l.column}`;
  if (l.kind === 'indices') return `${head} (class indices 0..${l.classes - 1})`;
  if (l.kind === 'model') return `${head}, mapped onto the model's classes`;
  const names = l.classNames ?? [];
  const pairs = names.slice(0, SHOWN).map((n, i) => `${n}→${i}`);
  if (names.length > SHOWN) pairs.push(`… ${names[names.length - 1]}→${names.length - 1}`);
  const order = l.kind === 'names' ? 'sorted order' : 'numeric order';
  return `${head}, names in ${order}: ${pairs.join(', ')}`;
}

/** Refuses a label column that cannot be what the user meant (ERR_LABEL naming the file, the column and the way out). */
export function checkLabels(file: string, l: LabelInference, o: { allowManyClasses?: boolean } = {}): void {
  const choose = 'Choose the label column with --label-column NAME|INDEX';
  if (l.kind === 'numbers') {
    const at = l.example ? `:${l.example.line}:${l.example.column}` : '';
    fail(
      'ERR_LABEL',
      `${file}${at}: the label column ${l.column} holds non-integer numbers (${l.example?.text ?? 'e.g.'}), not classes: ` +
        `is the label in another column? ${choose}, or predict the numbers with --task regression`,
    );
  }
  if (
    l.kind !== 'model' &&
    l.kind !== 'targets' &&
    l.classes > 2 &&
    l.classes > MAX_CLASSES_PER_ROW * l.rows &&
    o.allowManyClasses !== true
  ) {
    fail(
      'ERR_LABEL',
      `${file}: ${l.classes} classes from column ${l.column} in ${l.rows} rows, more than a tenth of the rows: ` +
        `is it an id or a measurement rather than the label? ${choose}, --task regression to predict it as a number, ` +
        'or pass --allow-many-classes if there are that many classes',
    );
  }
}

/**
 * Checks the labels of a CSV and returns the one line to show (null for other data); the caller writes it to stderr
 * (stdout may be carrying JSON) once nothing else can fail before training, so a failure stays one line.
 */
export function labelsLine(data: { name: string; labels?: LabelInference }, o: { allowManyClasses?: boolean } = {}): string | null {
  if (data.labels === undefined) return null;
  checkLabels(data.name, data.labels, o);
  return `neuroblas: ${data.name}: ${describeLabels(data.labels)}\n`;
}
