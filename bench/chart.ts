import * as vega from 'vega';
import { compile } from 'vega-lite';
import type { BenchResults } from './report.js';

/** A grouped bar chart of training and inference throughput per row, as SVG (Vega-Lite). */
export async function chartSvg(results: BenchResults): Promise<string> {
  const values = results.rows.flatMap((r) => [
    ...(r.trainImagesPerSec ? [{ row: r.id, measure: 'train img/s', value: r.trainImagesPerSec.median }] : []),
    ...(r.inferImagesPerSec ? [{ row: r.id, measure: 'infer img/s (b128)', value: r.inferImagesPerSec.median }] : []),
  ]);
  const spec = compile({
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: `edgetune: images per second (${results.machine.cpu}, ${results.machine.cores} cores)`,
    width: 560,
    height: 220,
    data: { values },
    mark: 'bar',
    encoding: {
      y: { field: 'row', type: 'nominal', sort: null, title: null },
      x: { field: 'value', type: 'quantitative', title: 'images per second' },
      yOffset: { field: 'measure' },
      color: { field: 'measure', type: 'nominal', title: null, legend: { orient: 'bottom' } },
    },
  }).spec;
  return new vega.View(vega.parse(spec), { renderer: 'none' }).toSVG();
}
