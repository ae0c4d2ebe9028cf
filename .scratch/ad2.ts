import { adaline } from '../examples/adaline.js';
for (const [margin, lr, epochs, bs] of [[0.2,0.05,50,10],[0.25,0.05,50,10],[0.3,0.05,50,10],[0.3,0.1,100,200]]) {
  const bad: string[] = [];
  for (let s = 1; s <= 100; s++) { const r = await adaline({ seed: s, margin, lr, epochs, batchSize: bs, log: () => {} }); if (r.errors) bad.push(`${s}:${r.errors}`); }
  console.log(margin, lr, epochs, bs, bad.length, bad.join(' '));
}
