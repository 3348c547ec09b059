import type { DataType, TensorInfo } from '@tensorflow/tfjs';
import type { BackendWasm } from '@tensorflow/tfjs-backend-wasm';

/**
 * JavaScript kernels working directly on the wasm heap: allocate the outputs
 * first, then take views (allocating may grow the heap and detach older
 * views), then compute.
 */
export function heapOutputs(backend: BackendWasm, shapes: number[][], dtype: DataType = 'float32'): TensorInfo[] {
  return shapes.map((shape) => backend.makeOutput(shape, dtype));
}

export const f32 = (backend: BackendWasm, t: TensorInfo) => backend.typedArrayFromHeap(t) as Float32Array;
