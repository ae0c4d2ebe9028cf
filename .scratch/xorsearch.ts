import { Dense, Sequential, SGD, Adam, Tensor, manualSeed, getBackend, useBackend } from '../lib/index.js';
const x = new Tensor(Float32Array.from([0,0, 0,1, 1,0, 1,1]), [4,2]);
const y = Float32Array.from([0,1,1,0]);
const ym = Float32Array.from([-1,1,1,-1]);
type R = { loss: string; lr: number; mom: number; epochs: number; out: 'linear'|'tanh' };
const recipes: R[] = [
  { loss: 'bceWithLogits', lr: 0.5, mom: 0.9, epochs: 500, out: 'linear' },
  { loss: 'bceWithLogits', lr: 1, mom: 0, epochs: 2000, out: 'linear' },
  { loss: 'bceWithLogits', lr: 0.1, mom: 0.9, epochs: 1000, out: 'linear' },
  { loss: 'mse', lr: 0.1, mom: 0.9, epochs: 500, out: 'tanh' },
  { loss: 'mse', lr: 0.5, mom: 0, epochs: 2000, out: 'tanh' },
];
for (const bn of ['js','native'] as const) {
  useBackend(getBackend(bn));
  for (const r of recipes) {
    const fails: number[] = []; let worst = 0; const t0 = performance.now();
    for (let s = 1; s <= 20; s++) {
      manualSeed(s);
      const m = new Sequential([new Dense(2,4,{activation:'tanh'}), new Dense(4,1,{activation:r.out})]);
      const opt = new SGD(m.parameters(), { lr: r.lr, momentum: r.mom, backend: getBackend(bn) });
      const h = await m.fitSync(x, r.loss === 'mse' ? ym : y, { optimizer: opt, epochs: r.epochs, batchSize: 4, shuffle: false, loss: r.loss as any });
      const p = m.predict(x).data;
      const ok = [0,1,2,3].every(i => (p[i] > (r.loss==='mse'?0:0)) === (y[i] === 1));
      if (!ok) fails.push(s);
      worst = Math.max(worst, h[h.length-1].loss);
    }
    console.log(bn, JSON.stringify(r), 'fails', fails, 'worst final loss', worst.toFixed(4), ((performance.now()-t0)/1000).toFixed(2)+'s');
  }
}
