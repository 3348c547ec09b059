// The threaded form of a one-pass kernel, as manifest.js's `chunks` describes
// it: each thread takes the next chunk from the counter at `next` (see
// chunk.wat) and runs the kernel on it, with the parameters in `step` moved
// on to the chunk's first item, until none are left. Floats come as their
// bits, as helper threads are driven with int32 arguments.

const operand = (v) => (String(v).startsWith('(') ? v : `(i32.const ${v})`);

/** The function `name`: the chunk loop around `of` (whose parameters are `params`, [{ name, type }]). */
export function chunkLoop(name, params, { of, count, size, step }) {
  const names = params.map((p) => p.name);
  for (const p of [count, ...Object.keys(step)]) if (!names.includes(p)) throw new Error(`${name}: ${of} has no parameter ${p}`);
  const argument = ({ name: p, type }) => {
    if (p === count) return '(local.get $len)';
    if (p in step) return `(i32.add (local.get $${p}) (i32.mul (local.get $i) ${operand(step[p])}))`;
    if (type === 'f32') return `(f32.reinterpret_i32 (local.get $${p}))`;
    if (type === 'i32') return `(local.get $${p})`;
    throw new Error(`${name}: a helper thread cannot pass ${of}'s ${type} parameter ${p}`);
  };
  return `
(func $${name} ${[...names, 'next'].map((p) => `(param $${p} i32)`).join(' ')}
  (local $i i32) (local $len i32)
  (block $done
    (loop $take
      (call $chunk (local.get $next) (i32.const ${size}) (local.get $${count}))
      (local.set $len) (local.tee $i)
      (br_if $done (i32.ge_u (local.get $${count})))
      (call $${of} ${params.map(argument).join(' ')})
      (br $take))))
`;
}
