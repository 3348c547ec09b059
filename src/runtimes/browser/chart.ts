import { CategoryScale, Chart, Legend, LinearScale, LineController, LineElement, PointElement } from 'chart.js';
import type { EpochLog } from '../../core/training/train.js';

Chart.register(LineController, LineElement, PointElement, LinearScale, CategoryScale, Legend);

/** Live loss and accuracy per epoch while a head trains in the page. */
export class TrainingChart {
  private readonly chart: Chart<'line', number[], number>;

  constructor(canvas: HTMLCanvasElement) {
    this.chart = new Chart(canvas, {
      type: 'line',
      data: {
        labels: [],
        datasets: [
          { label: 'loss', data: [], borderColor: '#d3552f', yAxisID: 'loss', pointRadius: 0, borderWidth: 2 },
          { label: 'accuracy', data: [], borderColor: '#2f5bd3', yAxisID: 'accuracy', pointRadius: 0, borderWidth: 2 },
        ],
      },
      options: {
        animation: false,
        maintainAspectRatio: false,
        scales: {
          x: { title: { display: true, text: 'epoch' } },
          loss: { type: 'linear', position: 'left', beginAtZero: true },
          accuracy: { type: 'linear', position: 'right', min: 0, max: 1, grid: { drawOnChartArea: false } },
        },
      },
    });
  }

  reset(): void {
    this.chart.data.labels = [];
    this.chart.data.datasets.forEach((d) => (d.data = []));
    this.chart.update();
  }

  add(log: EpochLog): void {
    this.chart.data.labels!.push(log.epoch);
    this.chart.data.datasets[0].data.push(log.loss);
    this.chart.data.datasets[1].data.push(log.accuracy);
    this.chart.update();
  }
}
