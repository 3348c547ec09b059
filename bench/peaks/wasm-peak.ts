// The f32x4 peak of this V8 on one core: independent multiply-add chains in
// registers, no memory traffic, so nothing but the SIMD units limits it.
// Prints {mulAdd, relaxedMadd} in GFLOP/s (relaxedMadd null where the engine
// lacks relaxed SIMD; Node 20 needs --experimental-wasm-relaxed-simd).
import wabt from 'wabt';

const CHAINS = 12;

function wat(relaxed: boolean): string {
  const locals = Array.from({ length: CHAINS }, (_, i) => `(local $a${i} v128)`).join(' ');
  const init = Array.from({ length: CHAINS }, (_, i) => `(local.set $a${i} (f32x4.splat (f32.const ${1 + i * 0.001})))`).join('\n');
  const body = Array.from({ length: CHAINS }, (_, i) =>
    relaxed
      ? `(local.set $a${i} (f32x4.relaxed_madd (local.get $a${i}) (local.get $m) (local.get $c)))`
      : `(local.set $a${i} (f32x4.add (f32x4.mul (local.get $a${i}) (local.get $m)) (local.get $c)))`,
  ).join('\n');
  const sum = Array.from({ length: CHAINS - 1 }, (_, i) => `(local.set $a0 (f32x4.add (local.get $a0) (local.get $a${i + 1})))`).join('\n');
  return `(module (func (export "run") (param $n i32) (result f32) (local $m v128) (local $c v128) ${locals}
    (local.set $m (f32x4.splat (f32.const 0.999999))) (local.set $c (f32x4.splat (f32.const 0.000001)))
    ${init}
    (loop $l ${body} (local.set $n (i32.sub (local.get $n) (i32.const 1))) (br_if $l (local.get $n)))
    ${sum}
    (f32x4.extract_lane 0 (local.get $a0))))`;
}

async function gflops(relaxed: boolean): Promise<number | null> {
  const tools = await wabt();
  const binary = new Uint8Array(tools.parseWat('peak.wat', wat(relaxed), { simd: true, relaxed_simd: true }).toBinary({}).buffer);
  if (!WebAssembly.validate(binary)) return null;
  const instance = await WebAssembly.instantiate(await WebAssembly.compile(binary));
  const exports = instance.exports as unknown as { run(n: number): number };
  const n = 20_000_000;
  exports.run(n / 10);
  const times: number[] = [];
  for (let i = 0; i < 5; i++) {
    const start = performance.now();
    exports.run(n);
    times.push((performance.now() - start) / 1000);
  }
  const best = Math.min(...times);
  return (n * CHAINS * 4 * 2) / best / 1e9;
}

process.stdout.write(`${JSON.stringify({ mulAdd: await gflops(false), relaxedMadd: await gflops(true) })}\n`);
