import { fashionMlp } from '../examples/fashion-mlp.js';
for (let s = 1; s <= 5; s++) { const r = await fashionMlp({ epochs: 1, trainRows: 6000, seed: s, log: () => {} }); console.log(s, r.testAccuracy); }
