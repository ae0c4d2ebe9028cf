/**
 * The optimizer classes against PyTorch 1.13, step by step, on every backend: the nine cases of
 * optimizers.json, then options that file does not cover (dampening, amsgrad, centered RMSprop with
 * momentum, Adagrad's lr decay and initial accumulator) and parameters whose grad is null at some step
 * (PyTorch skips them and keeps a step count per parameter).
 */
import { describe, expect, it } from 'vitest';
import type { Backend } from '../../lib/index.js';
import { Adagrad, Adam, AdamW, RMSprop, SGD, type Optimizer, type Parameter } from '../../lib/optim/index.js';
import { backends } from '../helpers/backends.js';
import { expectClose, f32 } from '../helpers/close.js';
import { reference, type OptimizersRef } from '../helpers/reference.js';

const ref = reference<OptimizersRef>('optimizers');
const TOL = { rtol: 1e-5 };

/** The reference file's snake_case hyper-parameters as our constructors' options (PyTorch defaults for the rest). */
function fromReference(name: string, h: Record<string, unknown>, params: Parameter[], backend: Backend): Optimizer {
  const lr = h.lr as number;
  const weightDecay = (h.weight_decay as number | undefined) ?? 0;
  switch (name) {
    case 'sgd':
    case 'sgd_weight_decay':
    case 'momentum':
    case 'nesterov':
      return new SGD(params, {
        lr,
        weightDecay,
        momentum: (h.momentum as number | undefined) ?? 0,
        nesterov: h.nesterov === true,
        backend,
      });
    case 'adam':
    case 'adam_l2':
      return new Adam(params, {
        lr,
        weightDecay,
        betas: (h.betas as [number, number] | undefined) ?? [0.9, 0.999],
        eps: (h.eps as number | undefined) ?? 1e-8,
        backend,
      });
    case 'adamw':
      return new AdamW(params, { lr, weightDecay, backend });
    case 'rmsprop':
      return new RMSprop(params, { lr, alpha: h.alpha as number, eps: h.eps as number, backend });
    case 'adagrad':
      return new Adagrad(params, { lr, backend });
  }
  throw new Error(`optimizers.json: no mapping for case ${name}`);
}

// Computed with /usr/bin/python3 and torch 1.13 from optimizers.json's p0 and grads (float32 parameters):
// torch.optim.<Class>(params, <this config in snake_case>), four steps, all parameters flattened after each.
// The *_skip cases split p0 into two parameters (elements 0..2 and 3..5), one of which has grad None at one
// step (see SKIP).
const TORCH: Record<string, { config: Record<string, unknown>; steps: number[][] }> = {
  sgd_dampening: {
    config: { lr: 0.1, momentum: 0.9, dampening: 0.5, weightDecay: 0.01 },
    steps: [
      [-0.3765574097633362, 0.3455764353275299, -0.6043559908866882, 2.0211334228515625, 1.2259362936019897, -0.8159754276275635],
      [-0.5605930089950562, 0.3418121933937073, -0.8135399222373962, 2.0429458618164062, 1.2417422533035278, -0.9271209239959717],
      [-0.702020525932312, 0.3900667726993561, -1.0927425622940063, 2.016296148300171, 1.2403843402862549, -1.0669742822647095],
      [-0.9182957410812378, 0.4493831396102905, -1.2962039709091187, 2.016306161880493, 1.24361252784729, -1.0573070049285889],
    ],
  },
  adam_amsgrad: {
    config: { lr: 0.01, betas: [0.8, 0.99], amsgrad: true, weightDecay: 0.01 },
    steps: [
      [-0.2565264105796814, 0.3452438414096832, -0.40199902653694153, 2.0421693325042725, 1.2243390083312988, -0.7042092680931091],
      [-0.2665416896343231, 0.3402583599090576, -0.40953710675239563, 2.047785758972168, 1.2342908382415771, -0.710686445236206],
      [-0.2717924118041992, 0.3461332619190216, -0.41827821731567383, 2.0461156368255615, 1.2312240600585938, -0.7185178399085999],
      [-0.2793219983577728, 0.3523676097393036, -0.4224473237991333, 2.047111749649048, 1.2306221723556519, -0.7153940796852112],
    ],
  },
  adamw_amsgrad: {
    config: { lr: 0.01, amsgrad: true },
    steps: [
      [-0.2565017640590668, 0.34521031379699707, -0.4019598066806793, 2.041964054107666, 1.2242175340652466, -0.7041398286819458],
      [-0.26648300886154175, 0.3408600986003876, -0.40978899598121643, 2.04707670211792, 1.2340713739395142, -0.7110052108764648],
      [-0.27236708998680115, 0.34612783789634705, -0.418518602848053, 2.0458316802978516, 1.2323302030563354, -0.7189247608184814],
      [-0.2798407971858978, 0.3519223630428314, -0.42344531416893005, 2.046793222427368, 1.2325671911239624, -0.7168657779693604],
    ],
  },
  rmsprop_centered_momentum: {
    config: { lr: 0.01, alpha: 0.9, centered: true, momentum: 0.9, weightDecay: 0.01 },
    steps: [
      [-0.2798597514629364, 0.36857718229293823, -0.42533236742019653, 2.01883602142334, 1.2476723194122314, -0.7275426387786865],
      [-0.33571940660476685, 0.36841216683387756, -0.461322546005249, 2.019906759262085, 1.3021823167800903, -0.7584633827209473],
      [-0.37705197930336, 0.39999687671661377, -0.5180755853652954, 1.999163031578064, 1.3224033117294312, -0.8068304657936096],
      [-0.4396386742591858, 0.4384661614894867, -0.557491660118103, 1.9916011095046997, 1.3488399982452393, -0.8216114044189453],
    ],
  },
  rmsprop_momentum: {
    config: { lr: 0.01, momentum: 0.5 },
    steps: [
      [-0.3465264141559601, 0.43524375557899475, -0.4919990301132202, 1.9521692991256714, 1.3143389225006104, -0.7942092418670654],
      [-0.4685022234916687, 0.39277392625808716, -0.5590949654579163, 1.9983627796173096, 1.4327694177627563, -0.8474313020706177],
      [-0.5045489072799683, 0.4681375026702881, -0.6576107740402222, 1.9561643600463867, 1.4055286645889282, -0.9293725490570068],
      [-0.5909112691879272, 0.5346719026565552, -0.6748540997505188, 1.969147801399231, 1.4201550483703613, -0.8822284936904907],
    ],
  },
  adagrad_decay: {
    config: { lr: 0.1, lrDecay: 0.1, initialAccumulatorValue: 0.5, weightDecay: 0.01 },
    steps: [
      [-0.3343770503997803, 0.34970277547836304, -0.4868774116039276, 2.0119788646698, 1.2305238246917725, -0.7806857824325562],
      [-0.3954043388366699, 0.31848204135894775, -0.5014089345932007, 2.0837960243225098, 1.2439894676208496, -0.782717227935791],
      [-0.3758353292942047, 0.38558006286621094, -0.5536061525344849, 2.0344326496124268, 1.2110587358474731, -0.8237929940223694],
      [-0.4262559413909912, 0.4040738046169281, -0.5297001600265503, 2.0569989681243896, 1.2197123765945435, -0.7577651739120483],
    ],
  },
  adam_skip: {
    config: { lr: 0.01 },
    steps: [
      [-0.2565264105796814, 0.3452438414096832, -0.40199902653694153, 2.0421693325042725, 1.2243390083312988, -0.7042092680931091],
      [-0.2665333151817322, 0.34092816710472107, -0.40986841917037964, 2.0421693325042725, 1.2243390083312988, -0.7042092680931091],
      [-0.2724440395832062, 0.34623000025749207, -0.41863900423049927, 2.0330395698547363, 1.2201337814331055, -0.7138975858688354],
      [-0.2799449861049652, 0.35205915570259094, -0.42360758781433105, 2.0297703742980957, 1.2189314365386963, -0.7118533253669739],
    ],
  },
  sgd_momentum_skip: {
    config: { lr: 0.1, momentum: 0.9 },
    steps: [
      [-0.3768039345741272, 0.3459116816520691, -0.6047479510307312, 2.0521693229675293, 1.214339017868042, -0.6942092776298523],
      [-0.6284457445144653, 0.32973116636276245, -0.8329517841339111, 2.153679847717285, 1.226301670074463, -0.6981372833251953],
      [-0.8070749044418335, 0.41879528760910034, -1.2210229635238647, 2.1545205116271973, 1.2071433067321777, -0.7822443842887878],
      [-1.1465239524841309, 0.5311175584793091, -1.4757378101348877, 2.2052831649780273, 1.2000417709350586, -0.5879371762275696],
    ],
  },
  adagrad_skip: {
    config: { lr: 0.1, lrDecay: 0.5 },
    steps: [
      [-0.3465264141559601, 0.4352438449859619, -0.4919990301132202, 1.9521692991256714, 1.3143390417099, -0.7942093014717102],
      [-0.3943939208984375, 0.3736423850059509, -0.5033408403396606, 1.9521692991256714, 1.3143390417099, -0.7942093014717102],
      [-0.38201022148132324, 0.4219229519367218, -0.5356386303901672, 1.888677954673767, 1.2530529499053955, -0.8308522701263428],
      [-0.40917032957077026, 0.43340685963630676, -0.522956132888794, 1.9119586944580078, 1.2679245471954346, -0.7869106531143188],
    ],
  },
};

/** Which parameter has no grad at which (0-based) step in the *_skip cases. */
const SKIP: Record<string, { step: number; param: number }> = {
  adam_skip: { step: 1, param: 1 },
  sgd_momentum_skip: { step: 0, param: 1 }, // its momentum buffer starts at its first own step
  adagrad_skip: { step: 1, param: 1 },
};

function fromTorchCase(name: string, config: Record<string, unknown>, params: Parameter[], backend: Backend): Optimizer {
  const c = { ...config, backend };
  if (name.startsWith('sgd')) return new SGD(params, c as unknown as ConstructorParameters<typeof SGD>[1]);
  if (name.startsWith('adamw')) return new AdamW(params, c);
  if (name.startsWith('adam')) return new Adam(params, c);
  if (name.startsWith('rmsprop')) return new RMSprop(params, c);
  if (name.startsWith('adagrad')) return new Adagrad(params, c);
  throw new Error(`no optimizer for ${name}`);
}

/** p0 as one parameter, or split at `at` into two. */
function parameters(at?: number): Parameter[] {
  const chunks = at === undefined ? [ref.p0] : [ref.p0.slice(0, at), ref.p0.slice(at)];
  return chunks.map((c) => ({ data: f32(c), grad: null }));
}

const flat = (params: Parameter[]): number[] => params.flatMap((p) => Array.from(p.data));

describe.each(backends)('optimizer classes against PyTorch ($name)', (backend) => {
  it.each(Object.keys(ref.cases))('%s reproduces optimizers.json step by step, never writing the grad', (name) => {
    const { hyper, steps } = ref.cases[name];
    const params = parameters();
    const opt = fromReference(name, hyper, params, backend);
    steps.forEach((expected, k) => {
      const grad = f32(ref.grads[k]);
      params[0].grad = grad;
      opt.step();
      expectClose(params[0].data, expected, TOL, `${name} step ${k + 1}`);
      expect(Array.from(grad), `${name} step ${k + 1}: grad`).toEqual(Array.from(f32(ref.grads[k])));
    });
    expect(opt.stepCount).toBe(steps.length);
  });

  it.each(Object.keys(TORCH))('%s matches torch.optim step by step', (name) => {
    const { config, steps } = TORCH[name];
    const skip = SKIP[name];
    const params = parameters(skip ? 3 : undefined);
    const opt = fromTorchCase(name, config, params, backend);
    steps.forEach((expected, k) => {
      const g = ref.grads[k];
      const chunks = params.length === 1 ? [g] : [g.slice(0, 3), g.slice(3)];
      params.forEach((p, i) => {
        p.grad = skip !== undefined && skip.step === k && skip.param === i ? null : f32(chunks[i]);
      });
      opt.step();
      expectClose(flat(params), expected, TOL, `${name} step ${k + 1}`);
    });
  });
});
