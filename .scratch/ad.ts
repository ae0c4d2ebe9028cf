import { adaline } from '../examples/adaline.js';
import { perceptron } from '../examples/perceptron.js';
const bad: number[] = []; const pb: number[] = []; let maxEp = 0;
for (let s = 1; s <= 100; s++) {
  const r = await adaline({ seed: s, log: () => {} }); if (r.errors) bad.push(s);
  const p = await perceptron({ seed: s, log: () => {} }); if (p.errors || !p.converged) pb.push(s); maxEp = Math.max(maxEp, p.epochs);
}
console.log('adaline failing seeds', bad, 'perceptron failing', pb, 'max epochs', maxEp);
