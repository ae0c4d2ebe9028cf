/**
 * Training curves as a standalone SVG: a loss panel and an accuracy panel side by side, each with axes, ticks,
 * grid lines, axis labels, and the train and validation series against epochs; one legend above both.
 * Plain SVG 1.1 text with no scripts or external fonts, so browsers, rsvg and image viewers all show it the same.
 */
import { writeFileAtomic } from '../io/atomic-write.js';
import type { EpochLogs } from '../train/callbacks.js';
import { formatTick, niceTicks, type Ticks } from './ticks.js';

export interface CurvesOptions {
  title?: string;
  width?: number; // 960
  height?: number; // 420
}

interface Series {
  name: string;
  color: string;
  dashed: boolean;
  points: [number, number][];
}

const TRAIN = { name: 'train', color: '#1f77b4', dashed: false };
const VALIDATION = { name: 'validation', color: '#e6550d', dashed: true };
const FONT = 'font-family="DejaVu Sans, Helvetica, Arial, sans-serif"';

function escapeXml(s: string): string {
  return s.replace(/[<>&"']/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;', "'": '&apos;' })[c]!);
}

const fmt = (v: number): string => (Math.round(v * 100) / 100).toString();

function seriesOf(
  history: readonly EpochLogs[],
  pick: (l: EpochLogs) => number | undefined,
  scale: number,
  style: Omit<Series, 'points'>,
): Series | null {
  const points: [number, number][] = [];
  for (const l of history) {
    const v = pick(l);
    if (v !== undefined && Number.isFinite(v)) points.push([l.epoch, v * scale]);
  }
  return points.length > 0 ? { ...style, points } : null;
}

interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
}

/** One panel: frame, grid, ticks, labels and the lines, inside `box`. */
function panel(box: Box, title: string, yLabel: string, series: Series[], xTicks: Ticks, yClamp?: [number, number]): string {
  const ys = series.flatMap((s) => s.points.map((p) => p[1]));
  let lo = Math.min(...ys),
    hi = Math.max(...ys);
  // A little headroom, so points on the extremes do not sit on the frame.
  const pad = (hi - lo) * 0.04;
  const yTicks = niceTicks(lo - pad, hi + pad, 5);
  lo = yClamp ? Math.max(yClamp[0], yTicks.lo) : yTicks.lo;
  hi = yClamp ? Math.min(yClamp[1], yTicks.hi) : yTicks.hi;
  if (hi <= lo) hi = lo + yTicks.step;
  const px = (x: number) => box.x + ((x - xTicks.lo) / (xTicks.hi - xTicks.lo)) * box.w;
  const py = (y: number) => box.y + box.h - ((y - lo) / (hi - lo)) * box.h;
  const out: string[] = [];
  out.push(
    `<text x="${fmt(box.x + box.w / 2)}" y="${fmt(box.y - 12)}" text-anchor="middle" font-size="15" font-weight="bold" ` +
      `${FONT}>${escapeXml(title)}</text>`,
  );
  out.push(
    `<rect x="${fmt(box.x)}" y="${fmt(box.y)}" width="${fmt(box.w)}" height="${fmt(box.h)}" ` +
      `fill="#ffffff" stroke="#444444" stroke-width="1"/>`,
  );
  for (const v of yTicks.values) {
    if (v < lo - 1e-9 || v > hi + 1e-9) continue;
    const y = fmt(py(v));
    out.push(`<line x1="${fmt(box.x)}" y1="${y}" x2="${fmt(box.x + box.w)}" y2="${y}" stroke="#e3e3e3" stroke-width="1"/>`);
    out.push(`<line x1="${fmt(box.x - 5)}" y1="${y}" x2="${fmt(box.x)}" y2="${y}" stroke="#444444" stroke-width="1"/>`);
    out.push(
      `<text x="${fmt(box.x - 8)}" y="${y}" dy="0.35em" text-anchor="end" font-size="12" ${FONT}>${formatTick(v, yTicks.step)}</text>`,
    );
  }
  for (const v of xTicks.values) {
    const x = fmt(px(v));
    out.push(`<line x1="${x}" y1="${fmt(box.y)}" x2="${x}" y2="${fmt(box.y + box.h)}" stroke="#f0f0f0" stroke-width="1"/>`);
    out.push(`<line x1="${x}" y1="${fmt(box.y + box.h)}" x2="${x}" y2="${fmt(box.y + box.h + 5)}" stroke="#444444" stroke-width="1"/>`);
    out.push(
      `<text x="${x}" y="${fmt(box.y + box.h + 19)}" text-anchor="middle" font-size="12" ${FONT}>${formatTick(v, xTicks.step)}</text>`,
    );
  }
  out.push(`<text x="${fmt(box.x + box.w / 2)}" y="${fmt(box.y + box.h + 40)}" text-anchor="middle" font-size="13" ${FONT}>epoch</text>`);
  const cy = fmt(box.y + box.h / 2);
  out.push(
    `<text x="${fmt(box.x - 50)}" y="${cy}" text-anchor="middle" font-size="13" ` +
      `transform="rotate(-90 ${fmt(box.x - 50)} ${cy})" ${FONT}>${escapeXml(yLabel)}</text>`,
  );
  for (const s of series) {
    const pts = s.points.map(([x, y]) => `${fmt(px(x))},${fmt(py(Math.min(Math.max(y, lo), hi)))}`);
    const dash = s.dashed ? ' stroke-dasharray="7 4"' : '';
    out.push(`<polyline points="${pts.join(' ')}" fill="none" stroke="${s.color}" stroke-width="2"${dash} stroke-linejoin="round"/>`);
    // Markers only while they stay apart; a lone point would otherwise be invisible.
    if (s.points.length <= 40)
      for (const p of pts) {
        const [x, y] = p.split(',');
        out.push(`<circle cx="${x}" cy="${y}" r="3" fill="${s.color}"/>`);
      }
  }
  return out.join('\n');
}

function legend(cx: number, y: number, series: Omit<Series, 'points'>[]): string {
  const item = 130;
  let x = cx - (series.length * item) / 2;
  const out: string[] = [];
  for (const s of series) {
    const dash = s.dashed ? ' stroke-dasharray="7 4"' : '';
    out.push(`<line x1="${fmt(x)}" y1="${y}" x2="${fmt(x + 34)}" y2="${y}" stroke="${s.color}" stroke-width="2.5"${dash}/>`);
    out.push(`<circle cx="${fmt(x + 17)}" cy="${y}" r="3" fill="${s.color}"/>`);
    out.push(`<text x="${fmt(x + 42)}" y="${y}" dy="0.35em" font-size="13" ${FONT}>${s.name}</text>`);
    x += item;
  }
  return out.join('\n');
}

/** The SVG document for a training history (fit's EpochLogs, one per epoch). */
export function renderCurvesSvg(history: readonly EpochLogs[], options: CurvesOptions = {}): string {
  const { title = 'Training curves', width = 960, height = 420 } = options;
  const lossSeries = [seriesOf(history, (l) => l.loss, 1, TRAIN), seriesOf(history, (l) => l.valLoss, 1, VALIDATION)].filter(
    (s): s is Series => s !== null,
  );
  const accSeries = [seriesOf(history, (l) => l.accuracy, 100, TRAIN), seriesOf(history, (l) => l.valAccuracy, 100, VALIDATION)].filter(
    (s): s is Series => s !== null,
  );
  const panels: [string, string, Series[], [number, number] | undefined][] = [];
  if (lossSeries.length > 0) panels.push(['Loss', 'loss', lossSeries, undefined]);
  if (accSeries.length > 0) panels.push(['Accuracy', 'accuracy (%)', accSeries, [0, 100]]);
  // A regression's panel: the mean absolute error, in the targets' units.
  const maeSeries = [seriesOf(history, (l) => l.mae, 1, TRAIN), seriesOf(history, (l) => l.valMae, 1, VALIDATION)].filter(
    (s): s is Series => s !== null,
  );
  if (accSeries.length === 0 && maeSeries.length > 0)
    panels.push(['Mean absolute error', "MAE (the targets' units)", maeSeries, undefined]);

  const epochs = history.map((l) => l.epoch);
  const xTicks = niceTicks(Math.min(...epochs, 1), Math.max(...epochs, 1), 8, true);
  const top = 104,
    bottom = 58,
    left = 78,
    right = 24,
    gap = 30;
  const pw = panels.length > 0 ? (width - gap * (panels.length - 1)) / panels.length : width;
  const body: string[] = [];
  body.push(`<text x="${fmt(width / 2)}" y="30" text-anchor="middle" font-size="18" font-weight="bold" ${FONT}>${escapeXml(title)}</text>`);
  const styles = [TRAIN, VALIDATION].filter((st) => [...lossSeries, ...accSeries, ...maeSeries].some((s) => s.name === st.name));
  body.push(legend(width / 2, 58, styles));
  if (panels.length === 0) {
    body.push(`<text x="${fmt(width / 2)}" y="${fmt(height / 2)}" text-anchor="middle" font-size="14" ${FONT}>no epochs recorded</text>`);
  }
  panels.forEach(([name, yLabel, series, clamp], i) => {
    const box = { x: i * (pw + gap) + left, y: top, w: pw - left - right, h: height - top - bottom };
    body.push(panel(box, name, yLabel, series, xTicks, clamp));
  });
  return [
    `<?xml version="1.0" encoding="UTF-8"?>`,
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    ...body,
    `</svg>`,
    '',
  ].join('\n');
}

export interface CurvesFileOptions extends CurvesOptions {
  /** Starts the ERR_IO message when the file cannot be written (default 'writeCurvesSvg'; the CLI passes '--plot'). */
  where?: string;
  /** Called before the temporary file replaces `file` (tests simulate a failure with it). */
  beforeRename?: (tempPath: string) => void;
}

/**
 * Writes renderCurvesSvg's SVG to `file` atomically (lib/io/atomic-write.ts): a failed or killed write leaves the
 * previous plot whole, never half an SVG.
 */
export function writeCurvesSvg(file: string, history: readonly EpochLogs[], options: CurvesFileOptions = {}): void {
  const { where = 'writeCurvesSvg', beforeRename, ...curves } = options;
  writeFileAtomic(file, new TextEncoder().encode(renderCurvesSvg(history, curves)), where, { beforeRename });
}
