/** How the CLI prints a regression's scores (train, evaluate). */
/** A regression's scores in the targets' units: "MAE 2.10  RMSE 2.80  R² 0.841". */
export function regressionScores(mae: number | undefined, rmse: number | undefined, r2: number | undefined): string {
  const n = (v: number | undefined, digits: number) => (v === undefined ? '–' : v.toPrecision(digits));
  return `MAE ${n(mae, 4)}  RMSE ${n(rmse, 4)}  R² ${r2 === undefined ? '–' : r2.toFixed(3)}`;
}
