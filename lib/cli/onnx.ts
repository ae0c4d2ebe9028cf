/**
 * `neuroblas export <model.safetensors> <model.onnx>`: a checkpoint as an ONNX file (lib/io/onnx/export.ts), with its
 * class names, input range and tokenizer (a text model's) in the ONNX metadata; a CLI model's input normalization is
 * already folded into its first layer, so the ONNX model takes raw rows too. `neuroblas import <model.onnx>
 * <model.safetensors>`: the reverse, for an ONNX model (one PyTorch exported, say) to be evaluated or run by the other
 * commands, with the metadata put back.
 */
import type { Command } from 'commander';
import { loadModel, saveModel } from '../io/checkpoint.js';
import { exportOnnx } from '../io/onnx/export.js';
import { readOnnx } from '../io/onnx/import.js';
import { Tokenizer } from '../data/tokenizer.js';
import { NeuroblasError } from '../errors.js';
import { parsePositiveInt } from './options.js';
import { Output } from './output.js';

interface ExportFlags {
  opset?: number;
  probabilities?: boolean;
  inputShape?: number[];
  json?: boolean;
}

function parseShape(text: string): number[] {
  return text.split(/[,x×]/).map((part) => parsePositiveInt(part));
}

export function registerOnnx(program: Command): void {
  program
    .command('export')
    .description('write a checkpoint as an ONNX model (for ONNX Runtime, onnxruntime-web, Python services)')
    .argument('<model>', 'a checkpoint (.safetensors)')
    .argument('<output>', 'the ONNX file to write (.onnx)')
    .option('--opset <n>', 'ONNX opset, 13 to 17 (default 17)', parsePositiveInt)
    .option('--probabilities', 'add a second output, "probabilities" (softmax of the logits; sigmoid for one output)')
    .option('--input-shape <dims>', "one sample's shape, e.g. 1,28,28 (default: what the first layer takes)", parseShape)
    .option('--json', 'one JSON object on stdout')
    .action((model: string, output: string, flags: ExportFlags) => exportCommand(model, output, flags));
  program
    .command('import')
    .description('read an ONNX model (e.g. from torch.onnx.export) and save it as a checkpoint')
    .argument('<model>', 'an ONNX model (.onnx)')
    .argument('<output>', 'the checkpoint to write (.safetensors)')
    .option('--json', 'one JSON object on stdout')
    .action((model: string, output: string, flags: { json?: boolean }) => importCommand(model, output, flags));
}

function exportCommand(model: string, output: string, flags: ExportFlags): void {
  const out = new Output(flags.json === true);
  const started = performance.now();
  const ckpt = loadModel(model, { restoreRandom: false });
  const info = exportOnnx(ckpt.model, output, {
    opset: flags.opset,
    probabilities: flags.probabilities === true,
    inputShape: flags.inputShape,
    ...(ckpt.classes ? { classes: ckpt.classes } : {}),
    ...(ckpt.inputRange ? { inputRange: ckpt.inputRange } : {}),
    // A text model's tokenizer rides along as JSON, so the ONNX model's user can turn strings into its ids.
    ...(ckpt.tokenizer ? { metadata: { tokenizer: JSON.stringify(ckpt.tokenizer.toJSON()) } } : {}),
  });
  const seconds = (performance.now() - started) / 1000;
  out.record({ file: output, ...info, seconds });
  out.say(
    `${output}: ONNX opset ${info.opset}, input [batch, ${info.inputShape.join(', ')}] → ${info.outputs.join(' and ')} ` +
      `[batch, ${info.outputShape.join(', ')}], ${info.nodes} nodes, ${info.bytes} bytes`,
  );
}

function importCommand(model: string, output: string, flags: { json?: boolean }): void {
  const out = new Output(flags.json === true);
  const imported = readOnnx(model);
  const tokenizer = imported.metadata.tokenizer;
  saveModel(output, imported.model, {
    ...(imported.classes ? { classes: imported.classes } : {}),
    ...(imported.inputRange ? { inputRange: imported.inputRange } : {}),
    ...(tokenizer !== undefined ? { tokenizer: tokenizerFrom(tokenizer, model) } : {}),
  });
  const layers = imported.model.layers.map((l) => l.type);
  out.record({ file: output, producer: imported.producer, opset: imported.opset, inputShape: imported.inputShape, layers });
  out.say(
    `${output}: ${layers.length} layers (${layers.join(', ')}) from ${imported.producer || 'an unnamed producer'}, opset ${imported.opset}`,
  );
}

/** The tokenizer an ONNX file's metadata carries (as `neuroblas export` writes it); ERR_IO naming the file otherwise. */
function tokenizerFrom(json: string, file: string): Tokenizer {
  try {
    return Tokenizer.fromJSON(JSON.parse(json));
  } catch (e) {
    throw new NeuroblasError('ERR_IO', `${file}: metadata "tokenizer" is not a neuroblas tokenizer (${(e as Error).message})`, {
      cause: e,
    });
  }
}
