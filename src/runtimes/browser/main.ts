import * as tf from '@tensorflow/tfjs';
import { classify, type Prediction } from '../../core/model/classify.js';
import type { ClassSet } from '../../core/data/dataset.js';
import { finetune } from '../../core/training/finetune.js';
import { FeatureFeeder } from '../../core/data/batches.js';
import { extractFeatures } from '../../core/training/features.js';
import type { ConfusionMatrix } from '../../core/training/confusion.js';
import { evaluate } from '../../core/training/train.js';
import { mnistStyle } from '../../core/data/preprocess.js';
import { randomSeed } from '../../core/data/random.js';
import { IMAGE_SIZE } from '../../core/seed.js';
import { SEED_SHAPE } from '../../core/data/input-shape.js';
import { startPageWasm } from './backend.js';
import { TrainingChart } from './chart.js';
import { confusionTable } from './confusion-table.js';
import { DrawingPad } from './pad.js';

interface Head {
  labels: string[];
  model?: tf.LayersModel;
  /** Server heads load on first use. */
  url?: string;
}

const $ = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const status = $('status');
const heads = new Map<string, Head>();
const examples: Array<{ label: string; pixels: Float32Array }> = [];
let base: tf.LayersModel;
let pending = false;

async function headModel(name: string): Promise<Head> {
  const head = heads.get(name)!;
  head.model ??= await tf.loadLayersModel(head.url!);
  return head;
}

function showPrediction(p: Prediction | undefined): void {
  $('prediction').textContent = p ? p.label : '–';
  $('confidence').textContent = p ? `${(p.confidence * 100).toFixed(1)}%` : '';
  $('probabilities').replaceChildren(
    ...Object.entries(p?.probabilities ?? {}).map(([label, prob]) => {
      const li = document.createElement('li');
      const track = Object.assign(document.createElement('span'), { className: 'track' });
      const bar = Object.assign(document.createElement('span'), { className: 'bar' });
      bar.style.width = `${(prob * 100).toFixed(1)}%`;
      track.append(bar);
      li.append(Object.assign(document.createElement('span'), { textContent: label }), track, `${(prob * 100).toFixed(1)}%`);
      return li;
    }),
  );
}

async function predictPixels(pixels: Float32Array): Promise<Prediction> {
  const head = await headModel(($('head') as HTMLSelectElement).value);
  const [p] = classify(base, head.model!, head.labels, pixels, 1);
  return p;
}

/** Predicts the drawing once per animation frame at most, so strokes stay fluid. */
function schedulePrediction(pad: DrawingPad): void {
  if (pending || !base) return;
  pending = true;
  $('prediction').dataset.pending = 'true';
  requestAnimationFrame(async () => {
    pending = false;
    const p = pad.empty ? undefined : await predictPixels(mnistStyle(pad.image()));
    showPrediction(p);
    if (!pending) delete $('prediction').dataset.pending;
  });
}

function addHeadOption(name: string, head: Head, select = false): void {
  heads.set(name, head);
  const menu = $('head') as HTMLSelectElement;
  let option = [...menu.options].find((o) => o.value === name);
  if (!option) {
    option = new Option(`${name} (${head.labels.join(', ')})`, name);
    menu.append(option);
  }
  if (select) menu.value = name;
}

function classNames(): string[] {
  return [...new Set(($('classes') as HTMLInputElement).value.split(',').map((s) => s.trim()).filter(Boolean))];
}

function renderTeach(pad: DrawingPad): void {
  const names = classNames();
  $('class-buttons').replaceChildren(
    ...names.map((name) => {
      const b = Object.assign(document.createElement('button'), { type: 'button', className: 'secondary', textContent: `Add as “${name}”` });
      b.dataset.class = name;
      b.addEventListener('click', () => {
        if (pad.empty) return;
        examples.push({ label: name, pixels: mnistStyle(pad.image()) });
        pad.clear();
        renderTeach(pad);
      });
      return b;
    }),
  );
  const counts = names.map((n) => `${n}: ${examples.filter((e) => e.label === n).length}`);
  $('examples').textContent = examples.length ? `Examples — ${counts.join(', ')}` : 'No examples yet: draw one, then add it to a class.';
  const ready = names.length >= 2 && names.every((n) => examples.some((e) => e.label === n));
  ($('train') as HTMLButtonElement).disabled = !ready;
  ($('upload') as HTMLButtonElement).disabled = !ready;
}

async function trainInPage(chart: TrainingChart): Promise<void> {
  const names = classNames();
  const used = examples.filter((e) => names.includes(e.label));
  const set: ClassSet = {
    images: new Uint8Array(used.length * IMAGE_SIZE),
    labels: Uint8Array.from(used, (e) => names.indexOf(e.label)),
    count: used.length,
    shape: SEED_SHAPE,
    classes: names.map((_, i) => i),
    names,
  };
  used.forEach((e, i) => set.images.set(Uint8Array.from(e.pixels, (v) => Math.round(v * 255)), i * IMAGE_SIZE));
  const epochs = Number(($('epochs') as HTMLInputElement).value) || undefined;
  chart.reset();
  $('train-status').textContent = `Training on ${used.length} examples…`;
  ($('train') as HTMLButtonElement).disabled = true;
  const result = await finetune(
    base as tf.Sequential,
    set,
    undefined,
    { mode: 'cached', epochs: epochs ?? 5, minSteps: epochs ? 0 : 200, batchSize: 32, seed: randomSeed(), pause: () => new Promise((r) => setTimeout(r, 0)) },
    { onEpochEnd: (log) => chart.add(log) },
  );
  // Drawn examples are too few to hold some out, so the page scores the head on the ones it trained on, and says so.
  const score = await evaluate(result.head, new FeatureFeeder(await extractFeatures(base, set)));
  $('train-results').replaceChildren(
    confusionTable(`On the ${set.count} training examples (none held out): how well the head fits them, not how it does on new drawings`, names, score.confusion),
  );
  const name = `in page: ${names.join('/')}`;
  heads.get(name)?.model?.dispose();
  addHeadOption(name, { labels: names, model: result.head }, true);
  const last = result.epochs[result.epochs.length - 1];
  $('train-status').textContent = `Trained ${result.epochs.length} epochs in ${result.seconds.toFixed(1)} s — accuracy ${(last.accuracy * 100).toFixed(0)}%. Draw to try it.`;
  $('train-status').dataset.done = 'true';
  ($('train') as HTMLButtonElement).disabled = false;
}

async function upload(): Promise<void> {
  const names = classNames();
  const name = ($('upload-name') as HTMLInputElement).value.trim();
  const body = {
    labels: names,
    examples: examples.filter((e) => names.includes(e.label)).map((e) => ({ image: Array.from(e.pixels), label: e.label })),
    ...(($('hold-out') as HTMLInputElement).checked ? { validationSplit: 0.25 } : {}),
  };
  $('upload-status').textContent = 'Training on the server…';
  $('upload-results').replaceChildren();
  const res = await fetch(`/v1/heads/${encodeURIComponent(name)}/train`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${($('token') as HTMLInputElement).value}` },
    body: JSON.stringify(body),
  });
  const out = (await res.json()) as {
    head?: { name: string; version: number; labels: string[] };
    validation?: { examples: number; labels: string[]; confusion: ConfusionMatrix };
    detail?: string;
  };
  if (!res.ok || !out.head) {
    $('upload-status').textContent = `Not stored: ${out.detail ?? res.statusText}`;
    return;
  }
  $('upload-status').textContent = `Stored on the server as “${out.head.name}” version ${out.head.version}.`;
  const held = out.validation;
  $('upload-results').replaceChildren(
    held
      ? confusionTable(`On the ${held.examples} held-out examples (not trained on)`, held.labels, held.confusion)
      : 'Nothing was held out, so there are no per-class results.',
  );
  heads.get(out.head.name)?.model?.dispose();
  addHeadOption(out.head.name, { labels: out.head.labels, url: `/models/heads/${out.head.name}/model.json` });
}

async function gallery(): Promise<void> {
  const data = (await (await fetch('/web/gallery.json')).json()) as { images: string; labels: number[] };
  const bytes = Uint8Array.from(atob(data.images), (c) => c.charCodeAt(0));
  $('gallery').replaceChildren(
    ...data.labels.map((label, i) => {
      const button = Object.assign(document.createElement('button'), { type: 'button', title: `test digit ${label}` });
      const canvas = Object.assign(document.createElement('canvas'), { width: 28, height: 28 });
      const img = new ImageData(28, 28);
      for (let p = 0; p < IMAGE_SIZE; p++) img.data.set([bytes[i * IMAGE_SIZE + p], bytes[i * IMAGE_SIZE + p], bytes[i * IMAGE_SIZE + p], 255], p * 4);
      canvas.getContext('2d')!.putImageData(img, 0, 0);
      button.append(canvas);
      button.addEventListener('click', async () => {
        const pixels = Float32Array.from(bytes.subarray(i * IMAGE_SIZE, (i + 1) * IMAGE_SIZE), (v) => v / 255);
        const p = await predictPixels(pixels);
        showPrediction(p);
        button.dataset.result = p.label;
        button.dataset.ok = String(p.label === String(label));
      });
      return button;
    }),
  );
}

async function main(): Promise<void> {
  const pad = new DrawingPad($('pad') as HTMLCanvasElement, () => schedulePrediction(pad));
  const chart = new TrainingChart($('chart') as HTMLCanvasElement);
  $('clear').addEventListener('click', () => pad.clear());
  $('classes').addEventListener('input', () => renderTeach(pad));
  $('head').addEventListener('change', () => schedulePrediction(pad));
  $('train').addEventListener('click', () => void trainInPage(chart).catch(fail));
  $('upload-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void upload().catch(fail);
  });
  renderTeach(pad);

  const { info, note } = await startPageWasm();
  const backendText = `${info.name} · SIMD ${info.simd ? 'on' : 'off'} · ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  status.textContent = `Loading the base model… (${backendText})`;
  base = await tf.loadLayersModel('/models/base/model.json');
  const list = (await (await fetch('/v1/heads')).json()) as { heads: Array<{ name: string; labels: string[] }> };
  for (const h of list.heads) addHeadOption(h.name, { labels: h.labels, url: `/models/heads/${h.name}/model.json` }, h.name === 'finetune');
  await gallery();
  status.textContent = `TensorFlow.js ${backendText}${note ? ` (${note})` : ''}; cross-origin isolated: ${crossOriginIsolated ? 'yes' : 'no'}`;
  status.dataset.backend = JSON.stringify(info);
  document.body.dataset.ready = 'true';
}

function fail(err: unknown): void {
  status.textContent = `Error: ${(err as Error).message ?? err}`;
  throw err;
}

main().catch(fail);
