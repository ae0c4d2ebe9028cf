import { Dense, Sequential, SGD, Tensor, manualSeed } from '../lib/index.js';
const x = new Tensor(Float32Array.from([0,0, 0,1, 1,0, 1,1]), [4,2]);
const y = Float32Array.from([0,1,1,0]);
const R = [['mse',0.5,0,'tanh',500],['mse',0.5,0,'tanh',1000],['mse',0.3,0,'tanh',1000]] as const;
for (const [loss, lr, mom, out, ep] of R) {
  const fails: number[] = []; const t0 = performance.now();
  for (let s = 1; s <= 200; s++) {
    manualSeed(s);
    const m = new Sequential([new Dense(2,4,{activation:'tanh'}), new Dense(4,1,{activation:out})]);
    const opt = new SGD(m.parameters(), { lr, momentum: mom });
    const t = loss === 'mse' ? y.map(v => 2*v-1) : y;
    await m.fitSync(x, t, { optimizer: opt, epochs: ep, batchSize: 4, shuffle: false, loss });
    const p = m.predict(x).data;
    if (![0,1,2,3].every(i => (p[i] > 0) === (y[i] === 1))) fails.push(s);
  }
  console.log(loss, lr, mom, ep, 'fails of 200:', fails.length, fails.slice(0,10), ((performance.now()-t0)/1000).toFixed(1));
}
