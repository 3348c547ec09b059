// WebAssembly-text helpers shared by the kernel generators (winograd/,
// matmul/ and single-channel-conv/): locals, SIMD arithmetic, and the 4 x 8
// register block of their matrix products.

export const get = (name) => `(local.get $${name})`;
export const set = (name, value) => `(local.set $${name} ${value})`;
export const add = (a, b) => `(f32x4.add ${a} ${b})`;
export const range = (n) => [...Array(n).keys()];
export const locals = (names, type) => names.map((n) => `(local $${n} ${type})`).join(' ');
export const zero = '(v128.const i32x4 0 0 0 0)';
/** A loop named `name` running `body` while `test` is false. */
export const loop = (name, test, body) => `(block $${name}Done
      (loop $${name}
        (br_if $${name}Done ${test})
        ${body.join('\n        ')}
        (br $${name})))`;
export const inc = (name, by) => set(name, `(i32.add ${get(name)} ${by})`);

/** The 4 x 8 register block: accumulators $a{r}_{q}, r < 4 (rows), q < 2 (vectors of 4). */
export const rows = range(4);
export const acc = rows.flatMap((r) => [`a${r}_0`, `a${r}_1`]);
/** The block's v128 locals: its accumulators, two vectors of the right operand, one broadcast value. */
export const blockLocals = locals([...acc, 'w0', 'w1', 'x'], 'v128');

/**
 * One step of the block: the 8 values at the pointer local `vectors` times
 * row r's value at `scalar(r)` (a load32_splat's immediate and address),
 * broadcast, added into row r's two accumulators.
 */
export function blockStep(vectors, scalar) {
  return [
    set('w0', `(v128.load (local.get $${vectors}))`),
    set('w1', `(v128.load offset=16 (local.get $${vectors}))`),
    ...rows.flatMap((r) => [
      set('x', `(v128.load32_splat ${scalar(r)})`),
      set(`a${r}_0`, add(get(`a${r}_0`), `(f32x4.mul ${get('x')} ${get('w0')})`)),
      set(`a${r}_1`, add(get(`a${r}_1`), `(f32x4.mul ${get('x')} ${get('w1')})`)),
    ]),
  ];
}

/** The block's accumulators set to the 8 bias values at `address` (every row), or to 0 where the $bias parameter is 0. */
export const blockFromBias = (address) =>
  rows.flatMap((r) => [0, 1].map((q) => set(`a${r}_${q}`, `(if (result v128) (local.get $bias) (then (v128.load offset=${16 * q} ${address})) (else ${zero}))`)));

/**
 * ReLU on the block's accumulators where the $relu parameter is set: pmax(v,
 * 0) is v < 0 ? 0 : v, tfjs's ReLU (NaN stays NaN), and one maxps on x64,
 * where max's rules for NaN and -0 take six instructions (conv 1's forward
 * 2.2 -> 1.95 ms on one thread).
 */
export const blockRelu = () => acc.map((n) => `(if (local.get $relu) (then ${set(n, `(f32x4.pmax ${get(n)} ${zero})`)}))`);
