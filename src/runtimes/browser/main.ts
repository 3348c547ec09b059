import * as tf from '@tensorflow/tfjs';
import { classify, type Prediction } from '../../core/model/classify.js';
import type { ClassSet } from '../../core/data/dataset.js';
import { finetune } from '../../core/training/finetune.js';
import { FeatureFeeder } from '../../core/data/batches.js';
import { extractFeatures } from '../../core/training/features.js';
import type { ConfusionMatrix } from '../../core/training/confusion.js';
import { evaluate } from '../../core/training/train.js';
import { decodeImage, imageHeader } from '../../core/data/image.js';
import { fitImage } from '../../core/data/preprocess.js';
import { randomSeed } from '../../core/data/random.js';
import { sizeOf, type InputSpec } from '../../core/data/input-shape.js';
import { inputOf, type BaseMetadata } from '../../core/artifacts/bundle.js';
import type { GrayImage } from '../../core/data/image.js';
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
/** The base's input shape: drawings, files and the gallery are all converted to it. */
let shape: InputSpec;
const fromPad = (image: GrayImage) => fitImage({ width: image.width, height: image.height, channels: 1, data: image.gray }, shape);
let pending = false;
/** Pixels of an image decoded in the page (examples, in-page heads): a 24 MP phone photo, not a header's bomb. */
const MAX_PAGE_PIXELS = 24_000_000;
/** The longest side of an image sent to the server: plenty for a 28x28 input, and within every server's per-image limit (1024² pixels in a Worker). */
const MAX_SENT_SIDE = 1024;

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
    const p = pad.empty ? undefined : await predictPixels(fromPad(pad.image()));
    showPrediction(p);
    if (!pending) delete $('prediction').dataset.pending;
  });
}

function base64Of(bytes: Uint8Array): string {
  let binary = '';
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  return btoa(binary);
}

/**
 * A file's bytes as sent: as they are, or, for an image with a side over
 * MAX_SENT_SIDE (a phone photo), scaled down by the browser and sent as a
 * JPEG. The browser applies EXIF orientation as it does so; the server
 * ignores it. Bytes that are no image go as they are, for the server to name.
 */
async function sendable(file: File): Promise<Uint8Array> {
  const bytes = new Uint8Array(await file.arrayBuffer());
  let scale: number;
  try {
    const { width, height } = imageHeader(bytes, file.name);
    scale = MAX_SENT_SIDE / Math.max(width, height);
  } catch {
    return bytes;
  }
  if (scale >= 1) return bytes;
  const bitmap = await createImageBitmap(file);
  const canvas = new OffscreenCanvas(Math.max(1, Math.round(bitmap.width * scale)), Math.max(1, Math.round(bitmap.height * scale)));
  const ctx = canvas.getContext('2d')!;
  ctx.imageSmoothingQuality = 'high';
  ctx.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  return new Uint8Array(await (await canvas.convertToBlob({ type: 'image/jpeg', quality: 0.92 })).arrayBuffer());
}

/** A PNG or JPEG file as model input, decoded here with the server's own decoder and conversion. */
const fileInput = async (file: File) => fitImage(decodeImage(new Uint8Array(await file.arrayBuffer()), file.name, MAX_PAGE_PIXELS), shape);

/**
 * Classifies picked or photographed images: the server decodes them and
 * predicts with a server head; a head trained in the page has no server
 * copy, so then they are decoded and classified here.
 */
async function classifyFiles(files: File[]): Promise<void> {
  if (!files.length) return;
  const name = ($('head') as HTMLSelectElement).value;
  const fileStatus = $('file-status');
  delete fileStatus.dataset.done;
  fileStatus.textContent = `Classifying ${files.length} image${files.length === 1 ? '' : 's'}…`;
  $('file-results').replaceChildren();
  let predictions: Prediction[];
  if (heads.get(name)?.url) {
    const images = await Promise.all(files.map(async (f) => ({ image: base64Of(await sendable(f)) })));
    const res = await fetch(`/v1/heads/${encodeURIComponent(name)}/predict`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ images }) });
    const out = (await res.json()) as { predictions?: Prediction[]; detail?: string; errors?: Array<{ field: string; message: string }> };
    if (!res.ok || !out.predictions) {
      // images[3].image → the file's name
      const named = out.errors?.map((e) => `${files[Number(/^images\[(\d+)\]/.exec(e.field)?.[1])]?.name ?? e.field}: ${e.message}`);
      fileStatus.textContent = `Not classified: ${named?.join('; ') ?? out.detail ?? res.statusText}`;
      return;
    }
    predictions = out.predictions;
  } else {
    predictions = [];
    try {
      for (const file of files) predictions.push(await predictPixels(await fileInput(file)));
    } catch (err) {
      fileStatus.textContent = `Not classified: ${(err as Error).message}`;
      return;
    }
  }
  $('file-results').replaceChildren(
    ...predictions.map((p, i) => Object.assign(document.createElement('li'), { textContent: `${files[i].name}: ${p.label} (${(p.confidence * 100).toFixed(1)}%)` })),
  );
  showPrediction(predictions[predictions.length - 1]);
  fileStatus.textContent = `Classified ${files.length} image${files.length === 1 ? '' : 's'} with “${name}”.`;
  fileStatus.dataset.done = 'true';
}

/** Picked images become examples of the chosen class; one that cannot be decoded is named and none are added. */
async function addFileExamples(files: File[], pad: DrawingPad): Promise<void> {
  const label = ($('example-class') as HTMLSelectElement).value;
  if (!files.length || !label) return;
  try {
    const inputs = await Promise.all(files.map(fileInput));
    for (const pixels of inputs) examples.push({ label, pixels });
    renderTeach(pad);
  } catch (err) {
    $('examples').textContent = `Not added: ${(err as Error).message}`;
  }
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
        examples.push({ label: name, pixels: fromPad(pad.image()) });
        pad.clear();
        renderTeach(pad);
      });
      return b;
    }),
  );
  const chosen = ($('example-class') as HTMLSelectElement).value;
  $('example-class').replaceChildren(...names.map((n) => new Option(n, n, false, n === chosen)));
  const counts = names.map((n) => `${n}: ${examples.filter((e) => e.label === n).length}`);
  $('examples').textContent = examples.length ? `Examples — ${counts.join(', ')}` : 'No examples yet: draw one and add it to a class, or pick image files.';
  const ready = names.length >= 2 && names.every((n) => examples.some((e) => e.label === n));
  ($('train') as HTMLButtonElement).disabled = !ready;
  ($('upload') as HTMLButtonElement).disabled = !ready;
}

async function trainInPage(chart: TrainingChart): Promise<void> {
  const names = classNames();
  const used = examples.filter((e) => names.includes(e.label));
  const set: ClassSet = {
    images: new Uint8Array(used.length * sizeOf(shape)),
    labels: Uint8Array.from(used, (e) => names.indexOf(e.label)),
    count: used.length,
    shape,
    classes: names.map((_, i) => i),
    names,
  };
  used.forEach((e, i) => set.images.set(Uint8Array.from(e.pixels, (v) => Math.round(v * 255)), i * sizeOf(shape)));
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
      const digit = bytes.subarray(i * 784, (i + 1) * 784);
      for (let p = 0; p < 784; p++) img.data.set([digit[p], digit[p], digit[p], 255], p * 4);
      canvas.getContext('2d')!.putImageData(img, 0, 0);
      button.append(canvas);
      button.addEventListener('click', async () => {
        const p = await predictPixels(fitImage({ width: 28, height: 28, channels: 1, data: Float32Array.from(digit, (v) => v / 255) }, shape));
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
  for (const id of ['pick', 'camera']) {
    const input = $(id) as HTMLInputElement;
    input.addEventListener('change', () => void classifyFiles([...(input.files ?? [])]).catch(fail));
  }
  const exampleFiles = $('example-files') as HTMLInputElement;
  exampleFiles.addEventListener('change', () => {
    void addFileExamples([...(exampleFiles.files ?? [])], pad).catch(fail);
    exampleFiles.value = '';
  });
  $('upload-form').addEventListener('submit', (e) => {
    e.preventDefault();
    void upload().catch(fail);
  });
  renderTeach(pad);

  const { info, note } = await startPageWasm();
  const backendText = `${info.name} · SIMD ${info.simd ? 'on' : 'off'} · ${info.threads} thread${info.threads === 1 ? '' : 's'}`;
  status.textContent = `Loading the base model… (${backendText})`;
  base = await tf.loadLayersModel('/models/base/model.json');
  shape = inputOf((base.getUserDefinedMetadata() as { edgetune?: BaseMetadata } | undefined)?.edgetune);
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
