// Generates the WebAssembly text of edgetune's Winograd F(4x4, 3x3)
// transforms for scripts/build-simd.js. They are fully unrolled (36 values
// per tile and 4 channels, in registers), which is long to write by hand and
// short to generate: the transform matrices below are the source.
//
//   Y = At [(G g Gt) . (Bt d B)] A, for a 6x6 input window d and 3x3 filter g
//   (Lavin & Gray, "Fast Algorithms for Convolutional Neural Networks", 2016).
//
//   Bt = [4  0 -5  0 1 0;  0 -4 -4  1 1 0;  0 4 -4 -1 1 0;
//         0 -2 -1  2 1 0;  0  2 -1 -2 1 0;  0 4  0 -5 0 1]
//   At = [1 1 1 1 1 0;  0 1 -1 2 -2 0;  0 1 1 4 4 0;  0 1 -1 8 -8 1]
//   (G, for the filter, is applied in src/backend/kernels/winograd.ts.)

const get = (name) => `(local.get $${name})`;
const add = (a, b) => `(f32x4.add ${a} ${b})`;
const sub = (a, b) => `(f32x4.sub ${a} ${b})`;
const times = (k, a) => `(f32x4.mul (v128.const f32x4 ${k} ${k} ${k} ${k}) ${a})`;
const set = (name, value) => `(local.set $${name} ${value})`;
const range = (n) => [...Array(n).keys()];

/** Bt applied to six values: the statements (using temporaries $p0-$p5) and the six results. */
function inputRows(a) {
  const pre = [
    set('p0', add(a[3], a[4])),
    set('p1', add(a[1], a[2])),
    set('p2', sub(a[4], a[3])),
    set('p3', sub(a[1], a[2])),
    set('p4', sub(a[4], a[2])),
    set('p5', sub(a[3], a[1])),
  ];
  const out = [
    add(sub(times(4, a[0]), times(5, a[2])), a[4]),
    sub(get('p0'), times(4, get('p1'))),
    add(get('p2'), times(4, get('p3'))),
    add(get('p4'), times(2, get('p5'))),
    sub(get('p4'), times(2, get('p5'))),
    add(sub(times(4, a[1]), times(5, a[3])), a[5]),
  ];
  return { pre, out };
}

/** At applied to six values: the statements (using $q0-$q3) and the four results. */
function outputRows(m) {
  const pre = [set('q0', add(m[1], m[2])), set('q1', sub(m[1], m[2])), set('q2', add(m[3], m[4])), set('q3', sub(m[3], m[4]))];
  const out = [
    add(add(m[0], get('q0')), get('q2')),
    add(get('q1'), times(2, get('q3'))),
    add(get('q0'), times(4, get('q2'))),
    add(add(get('q1'), times(8, get('q3'))), m[5]),
  ];
  return { pre, out };
}

const locals = (names, type) => names.map((n) => `(local $${n} ${type})`).join(' ');
const grid = (prefix, rows, cols) => range(rows).flatMap((i) => range(cols).map((j) => `${prefix}${i}_${j}`));
/** Address of matrix k's values for this tile and channel group ($o bytes in). */
const matrix = (table, k) => `(i32.add (i32.load offset=${4 * k} (local.get $${table})) (local.get $o))`;
const zero = '(v128.const i32x4 0 0 0 0)';

function inputTransform() {
  const load = (i, j, checked) => {
    const at = `(v128.load (i32.add (local.get $row${i}) (local.get $col${j})))`;
    return checked ? `(if (result v128) (i32.and (local.get $ok${i}) (local.get $cok${j})) (then ${at}) (else ${zero}))` : at;
  };
  const loads = (checked) => grid('d', 6, 6).map((name, n) => set(name, load(Math.floor(n / 6), n % 6, checked))).join('\n');
  const body = [];
  // Columns: t[.][j] = Bt d[.][j].
  for (const j of range(6)) {
    const { pre, out } = inputRows(range(6).map((i) => get(`d${i}_${j}`)));
    body.push(...pre, ...out.map((e, i) => set(`t${i}_${j}`, e)));
  }
  // Rows: V[i][.] = Bt t[i][.], stored to matrix 6i + j.
  for (const i of range(6)) {
    const { pre, out } = inputRows(range(6).map((j) => get(`t${i}_${j}`)));
    body.push(...pre, ...out.map((e, j) => `(v128.store ${matrix('v', 6 * i + j)} ${e})`));
  }
  const window = range(6).flatMap((i) => [
    set(`ok${i}`, `(i32.lt_u (i32.add (local.get $ih) (i32.const ${i})) (local.get $H))`),
    set(`row${i}`, `(i32.add (local.get $x) (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (i32.add (local.get $ih) (i32.const ${i}))) (local.get $W)) (local.get $C)) (i32.const 2)))`),
    set(`cok${i}`, `(i32.lt_u (i32.add (local.get $iw) (i32.const ${i})) (local.get $W))`),
    set(`col${i}`, `(i32.shl (i32.mul (i32.add (local.get $iw) (i32.const ${i})) (local.get $C)) (i32.const 2))`),
  ]);
  return `
  ;; Winograd input transform V = Bt d B for tiles t0..t1-1 (a tile: the 4x4
  ;; outputs at (4 th, 4 tw) of image b, t = (b TH + th) TW + tw). The 6x6
  ;; window starts at (4 th - pt, 4 tw - pl), zero outside the image (padding
  ;; costs no copy); windows wholly inside skip the checks. Matrix k of the
  ;; 36 ([tiles, C] each) is at the k-th pointer at v. C a multiple of 4.
  (func $winogradInput (export "winogradInput")
    (param $x i32) (param $v i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32)
    (param $TH i32) (param $TW i32) (param $t0 i32) (param $t1 i32)
    (local $t i32) (local $b i32) (local $r i32) (local $ih i32) (local $iw i32) (local $c i32) (local $o i32) (local $inside i32)
    ${locals(range(6).flatMap((i) => [`ok${i}`, `cok${i}`, `row${i}`, `col${i}`]), 'i32')}
    ${locals([...grid('d', 6, 6), ...grid('t', 6, 6), ...range(6).map((i) => `p${i}`)], 'v128')}
    (local.set $t (local.get $t0))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $t) (local.get $t1)))
        (local.set $b (i32.div_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW))))
        (local.set $r (i32.rem_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW))))
        (local.set $ih (i32.sub (i32.shl (i32.div_u (local.get $r) (local.get $TW)) (i32.const 2)) (local.get $pt)))
        (local.set $iw (i32.sub (i32.shl (i32.rem_u (local.get $r) (local.get $TW)) (i32.const 2)) (local.get $pl)))
        ;; the window's rows and columns: in the image (unsigned: negative is out), and where they start
        ${window.join('\n        ')}
        (local.set $inside (i32.and (i32.and (local.get $ok0) (local.get $ok5)) (i32.and (local.get $cok0) (local.get $cok5))))
        (local.set $o (i32.shl (i32.mul (local.get $t) (local.get $C)) (i32.const 2)))
        (local.set $c (i32.const 0))
        (block $chansDone
          (loop $chans
            (br_if $chansDone (i32.ge_u (local.get $c) (local.get $C)))
            (if (local.get $inside) (then ${loads(false)}) (else ${loads(true)}))
            ${body.join('\n            ')}
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            ${range(6).map((i) => set(`row${i}`, `(i32.add (local.get $row${i}) (i32.const 16))`)).join('\n            ')}
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $chans)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles))))
`;
}

function outputTransform() {
  const body = range(36).map((k) => set(`m${Math.floor(k / 6)}_${k % 6}`, `(v128.load ${matrix('m', k)})`));
  // Columns: s[.][j] = At m[.][j].
  for (const j of range(6)) {
    const { pre, out } = outputRows(range(6).map((i) => get(`m${i}_${j}`)));
    body.push(...pre, ...out.map((e, r) => set(`s${r}_${j}`, e)));
  }
  // Rows: y[r][.] = At s[r][.], plus bias, then the floor (0 for ReLU).
  const stores = (checked) =>
    range(4)
      .flatMap((r) => {
        const { pre, out } = outputRows(range(6).map((j) => get(`s${r}_${j}`)));
        return [
          ...pre,
          ...out.map((e, c) => {
            const at = `(i32.add (local.get $q) (i32.add (i32.mul (i32.const ${r}) (local.get $rowStep)) (i32.mul (i32.const ${c}) (local.get $colStep))))`;
            const store = `(v128.store ${at} (f32x4.max (local.get $low) (f32x4.add (local.get $add) ${e})))`;
            return checked ? `(if (i32.and (i32.lt_u (i32.const ${r}) (local.get $rows)) (i32.lt_u (i32.const ${c}) (local.get $cols))) (then ${store}))` : store;
          }),
        ];
      })
      .join('\n');
  return `
  ;; Winograd output transform Y = At m A for tiles t0..t1-1 of the 36 product
  ;; matrices ([tiles, CO]) at the pointers at m: plus bias (a pointer, 0 for
  ;; none), ReLU if relu, stored to y [B, OH, OW, CO] (edge tiles only where
  ;; they fall inside). CO a multiple of 4.
  (func $winogradOutput (export "winogradOutput")
    (param $m i32) (param $bias i32) (param $y i32) (param $OH i32) (param $OW i32) (param $CO i32)
    (param $TH i32) (param $TW i32) (param $relu i32) (param $t0 i32) (param $t1 i32)
    (local $t i32) (local $b i32) (local $r i32) (local $oh i32) (local $ow i32) (local $c i32) (local $o i32)
    (local $q i32) (local $rowStep i32) (local $colStep i32) (local $rows i32) (local $cols i32) (local $full i32)
    ${locals([...grid('m', 6, 6), ...grid('s', 4, 6), 'q0', 'q1', 'q2', 'q3', 'add', 'low'], 'v128')}
    (local.set $rowStep (i32.shl (i32.mul (local.get $OW) (local.get $CO)) (i32.const 2)))
    (local.set $colStep (i32.shl (local.get $CO) (i32.const 2)))
    ;; without ReLU, a floor below every float
    (local.set $low (select (v128.const f32x4 0 0 0 0) (v128.const f32x4 -inf -inf -inf -inf) (local.get $relu)))
    (local.set $t (local.get $t0))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $t) (local.get $t1)))
        (local.set $b (i32.div_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW))))
        (local.set $r (i32.rem_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW))))
        (local.set $oh (i32.shl (i32.div_u (local.get $r) (local.get $TW)) (i32.const 2)))
        (local.set $ow (i32.shl (i32.rem_u (local.get $r) (local.get $TW)) (i32.const 2)))
        (local.set $rows (i32.sub (local.get $OH) (local.get $oh)))
        (local.set $cols (i32.sub (local.get $OW) (local.get $ow)))
        (local.set $full (i32.and (i32.ge_u (local.get $rows) (i32.const 4)) (i32.ge_u (local.get $cols) (i32.const 4))))
        (local.set $q (i32.add (local.get $y) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $OH)) (local.get $oh)) (local.get $OW)) (local.get $ow)) (local.get $CO)) (i32.const 2))))
        (local.set $o (i32.shl (i32.mul (local.get $t) (local.get $CO)) (i32.const 2)))
        (local.set $c (i32.const 0))
        (block $chansDone
          (loop $chans
            (br_if $chansDone (i32.ge_u (local.get $c) (local.get $CO)))
            ${body.join('\n            ')}
            (local.set $add (if (result v128) (local.get $bias)
              (then (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
              (else (v128.const f32x4 0 0 0 0))))
            (if (local.get $full) (then ${stores(false)}) (else ${stores(true)}))
            (local.set $o (i32.add (local.get $o) (i32.const 16)))
            (local.set $q (i32.add (local.get $q) (i32.const 16)))
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $chans)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles))))
`;
}

/** Each transform again with threads taking chunks of 16 tiles from the counter at next. */
function shared(name, params) {
  const names = params.map(([n]) => n);
  return `
  (func (export "${name}Shared") ${params.map(([n]) => `(param $${n} i32)`).join(' ')} (param $tiles i32) (param $next i32)
    (local $t i32) (local $len i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 16) (local.get $tiles))
        (local.set $len) (local.tee $t)
        (br_if $done (i32.ge_u (local.get $tiles)))
        (call $${name} ${names.map(get).join(' ')} (local.get $t) (i32.add (local.get $t) (local.get $len)))
        (br $take))))
`;
}

export function winogradWat() {
  const p = (s) => s.split(' ').map((n) => [n]);
  return [
    inputTransform(),
    outputTransform(),
    shared('winogradInput', p('x v H W C pt pl TH TW')),
    shared('winogradOutput', p('m bias y OH OW CO TH TW relu')),
  ].join('');
}
