import { getKernel, type DataType, type KernelBackend, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';

/**
 * Runs other kernels of the same backend from inside a kernel and frees the
 * intermediates it made. Kernels cannot call ops (that would re-enter the
 * engine and the gradient tape), so composite kernels are built this way.
 */
export class KernelScope {
  private readonly temps: TensorInfo[] = [];

  constructor(
    private readonly backend: KernelBackend,
    private readonly backendName: string,
  ) {}

  run(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo {
    const outs = this.runAll(kernelName, inputs, attrs);
    if (outs.length !== 1) throw new Error(`kernel ${kernelName} gave ${outs.length} outputs where one was expected`);
    return outs[0];
  }

  /** run for a kernel with several outputs, in its order. */
  runAll(kernelName: string, inputs: Record<string, TensorInfo>, attrs: NamedAttrMap = {}): TensorInfo[] {
    const config = getKernel(kernelName, this.backendName);
    if (config == null) throw new Error(`kernel ${kernelName} is not registered for ${this.backendName}`);
    const out = config.kernelFunc({ inputs, attrs, backend: this.backend });
    const outs = Array.isArray(out) ? out : [out];
    this.temps.push(...outs);
    return outs;
  }

  /** A fresh, uninitialised tensor on the backend, freed with the scope. */
  make(shape: number[], dtype: DataType = 'float32'): TensorInfo {
    const out = (this.backend as unknown as { makeOutput(shape: number[], dtype: DataType): TensorInfo }).makeOutput(shape, dtype);
    this.temps.push(out);
    return out;
  }

  /** Marks `t` as the kernel's result: it survives `dispose()`. */
  keep(t: TensorInfo): TensorInfo {
    const i = this.temps.indexOf(t);
    if (i >= 0) this.temps.splice(i, 1);
    return t;
  }

  dispose(): void {
    for (const t of this.temps) this.backend.disposeData(t.dataId);
    this.temps.length = 0;
  }
}

/** Runs `body` with a fresh scope and returns the kept result, freeing the rest even on error. */
export function withKernelScope(
  backend: KernelBackend | object,
  backendName: string,
  body: (scope: KernelScope) => TensorInfo,
): TensorInfo {
  const scope = new KernelScope(backend as KernelBackend, backendName);
  try {
    return scope.keep(body(scope));
  } finally {
    scope.dispose();
  }
}

/** The named inputs of a kernel call, each checked present. */
export function requireInputs<K extends string>(
  inputs: Record<string, TensorInfo | undefined>,
  names: readonly K[],
): Record<K, TensorInfo> {
  const out = {} as Record<K, TensorInfo>;
  for (const name of names) {
    const t = inputs[name];
    if (t == null) throw new Error(`kernel input ${name} is missing`);
    out[name] = t;
  }
  return out;
}
