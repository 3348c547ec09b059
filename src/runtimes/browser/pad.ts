import type { GrayImage } from '../../core/data/image.js';

/** Stroke width on the 280-pixel pad: about MNIST's 2-3 pixel pen once scaled to a 20-pixel box. */
const PEN = 22;

/** A canvas to draw on with mouse, touch or pen (pointer events), white ink on black like MNIST. */
export class DrawingPad {
  private readonly ctx: CanvasRenderingContext2D;
  private last: { x: number; y: number } | undefined;
  private inked = false;

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly onChange: () => void,
  ) {
    this.ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    this.paintBlack();
    canvas.addEventListener('pointerdown', (e) => {
      try {
        canvas.setPointerCapture(e.pointerId);
      } catch {
        // The pointer may already be gone (or synthetic); strokes work without capture.
      }
      this.last = this.point(e);
      this.stroke(this.last, this.last);
    });
    canvas.addEventListener('pointermove', (e) => {
      if (!this.last) return;
      // Coalesced events give smooth strokes from fast pens; the list is empty for synthetic events.
      const coalesced = e.getCoalescedEvents?.() ?? [];
      for (const event of coalesced.length ? coalesced : [e]) {
        const p = this.point(event);
        this.stroke(this.last, p);
        this.last = p;
      }
    });
    const end = () => {
      this.last = undefined;
    };
    canvas.addEventListener('pointerup', end);
    canvas.addEventListener('pointercancel', end);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    const r = this.canvas.getBoundingClientRect();
    return { x: ((e.clientX - r.left) * this.canvas.width) / r.width, y: ((e.clientY - r.top) * this.canvas.height) / r.height };
  }

  private stroke(a: { x: number; y: number }, b: { x: number; y: number }): void {
    const { ctx } = this;
    ctx.strokeStyle = '#fff';
    ctx.lineWidth = PEN;
    ctx.lineCap = 'round';
    ctx.lineJoin = 'round';
    ctx.beginPath();
    ctx.moveTo(a.x, a.y);
    ctx.lineTo(b.x, b.y);
    ctx.stroke();
    this.inked = true;
    this.onChange();
  }

  private paintBlack(): void {
    this.ctx.fillStyle = '#000';
    this.ctx.fillRect(0, 0, this.canvas.width, this.canvas.height);
    this.inked = false;
  }

  clear(): void {
    this.paintBlack();
    this.onChange();
  }

  get empty(): boolean {
    return !this.inked;
  }

  /** The drawing as luminance, for MNIST-style preprocessing. */
  image(): GrayImage {
    const { width, height } = this.canvas;
    const rgba = this.ctx.getImageData(0, 0, width, height).data;
    const gray = new Float32Array(width * height);
    for (let i = 0; i < gray.length; i++) gray[i] = rgba[i * 4] / 255;
    return { width, height, gray };
  }
}
