/** Convolutions in float64 by their definitions, for the conv kernel tests. */

export const out = (size: number, k: number, stride: number, pad: number, dilation = 1) =>
  Math.floor((size + 2 * pad - dilation * (k - 1) - 1) / stride) + 1;

export interface Geometry {
  N: number;
  C: number;
  H: number;
  W: number;
  O: number;
  kh: number;
  kw: number;
  stride: number;
  pad: number;
  dilation: number;
}

/**
 * Calls visit(yAt, wAt, xAt) for every product in the convolution's definition: output
 * y[yAt] (= [n, o, oh, ow]) reads weight w[wAt] (= [o, c, i, j]) times pixel x[xAt] (= [n, c, oh·s − p + i·d,
 * ow·s − p + j·d]), padding left out.
 */
function eachProduct(g: Geometry, visit: (yAt: number, wAt: number, xAt: number) => void): void {
  const OH = out(g.H, g.kh, g.stride, g.pad, g.dilation),
    OW = out(g.W, g.kw, g.stride, g.pad, g.dilation);
  for (let n = 0; n < g.N; n++)
    for (let o = 0; o < g.O; o++)
      for (let oh = 0; oh < OH; oh++)
        for (let ow = 0; ow < OW; ow++)
          for (let c = 0; c < g.C; c++)
            for (let i = 0; i < g.kh; i++)
              for (let j = 0; j < g.kw; j++) {
                const ih = oh * g.stride - g.pad + i * g.dilation,
                  iw = ow * g.stride - g.pad + j * g.dilation;
                if (ih >= 0 && ih < g.H && iw >= 0 && iw < g.W)
                  visit(((n * g.O + o) * OH + oh) * OW + ow, ((o * g.C + c) * g.kh + i) * g.kw + j, ((n * g.C + c) * g.H + ih) * g.W + iw);
              }
}

/** Direct convolution in float64: y[n,o,oh,ow] = b[o] + Σ_c,i,j w[o,c,i,j]·x[n,c,oh·s − p + i·d, ow·s − p + j·d]. */
export function conv64(g: Geometry, x: ArrayLike<number>, w: ArrayLike<number>, b: ArrayLike<number> | null): Float64Array {
  const P = out(g.H, g.kh, g.stride, g.pad, g.dilation) * out(g.W, g.kw, g.stride, g.pad, g.dilation);
  const y = Float64Array.from({ length: g.N * g.O * P }, (_, k) => (b ? b[Math.floor(k / P) % g.O] : 0));
  eachProduct(g, (yAt, wAt, xAt) => (y[yAt] += w[wAt] * x[xAt]));
  return y;
}

/** dW[o,c,i,j] = Σ_n,oh,ow dy[n,o,oh,ow]·x[n,c,oh·s − p + i·d, ow·s − p + j·d], in float64: conv's weight gradient. */
export function convWeightGrad64(g: Geometry, x: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dW = new Float64Array(g.O * g.C * g.kh * g.kw);
  eachProduct(g, (yAt, wAt, xAt) => (dW[wAt] += dy[yAt] * x[xAt]));
  return dW;
}

/** dX[n,c,ih,iw] = Σ over every output reading that pixel of dy[n,o,oh,ow]·w[o,c,i,j], in float64: conv's input gradient. */
export function convInputGrad64(g: Geometry, w: ArrayLike<number>, dy: ArrayLike<number>): Float64Array {
  const dX = new Float64Array(g.N * g.C * g.H * g.W);
  eachProduct(g, (yAt, wAt, xAt) => (dX[xAt] += dy[yAt] * w[wAt]));
  return dX;
}
