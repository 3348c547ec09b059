/** What a tfjs backend turned out to be once started; goes into logs and reports. */
export interface BackendInfo {
  name: string;
  simd: boolean;
  threads: number;
  /** wasm only: whether edgetune's own kernels run as WebAssembly SIMD or as their JavaScript fallback. */
  kernels?: 'simd' | 'javascript';
}
