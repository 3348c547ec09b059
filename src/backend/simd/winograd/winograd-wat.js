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

import { dropped, MULBERRY32_LANES, MULBERRY32_STEP, mulberry32 } from '../elementwise/dropout-mask-wat.js';
import { constants } from '../manifest.js';
import { acc, add, blockLocals, blockStep, get, locals, range, rows, set, zero } from '../wat-block.js';

const CHUNK = constants.WINOGRAD_CHUNK.value;
const PAD = constants.WINOGRAD_MATRIX_PAD.value;
/** Bytes from one of 36 matrices [rows, cols] to the next: its values and the pad. */
const matrixStride = (rows, cols) => `(i32.add (i32.shl (i32.mul ${rows} ${cols}) (i32.const 2)) (i32.const ${PAD}))`;
/** Address of value (row, col) of matrix k of 36 [rows, cols] at `at`, the matrices `stride` bytes apart. */
const inMatrix = (at, k, stride, row, cols, col) =>
  `(i32.add (i32.add (local.get $${at}) (i32.mul ${k} (local.get $${stride}))) (i32.shl (i32.add (i32.mul ${row} ${cols}) ${col}) (i32.const 2)))`;
/** A scratch slot starts with its two tables of matrix addresses, the second at SECOND. */
const TABLES = constants.WINOGRAD_TABLES_BYTES.value;
const SECOND = TABLES / 2;

const sub = (a, b) => `(f32x4.sub ${a} ${b})`;
const times = (k, a) => `(f32x4.mul (v128.const f32x4 ${k} ${k} ${k} ${k}) ${a})`;

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

const grid = (prefix, rows, cols) => range(rows).flatMap((i) => range(cols).map((j) => `${prefix}${i}_${j}`));
/** Address of matrix k's values for this tile and channel group ($o bytes in). */
const matrix = (table, k) => `(i32.add (i32.load offset=${4 * k} (local.get $${table})) (local.get $o))`;

/** Result (i, j) of a transform stored to matrix 6i + j of the table at `table`. */
const storeIn = (table) => (i, j, e) => `(v128.store ${matrix(table, 6 * i + j)} ${e})`;

/**
 * The 2-D transform T d Tt of the n x n values in locals input{i}_{j}, where
 * rowsOf applies T to n values (6 results): columns first into locals
 * temp{i}_{j}, then rows, result (i, j) stored to matrix 6i + j of the
 * table at `table`.
 */
function transform2d(rowsOf, input, n, temp, table) {
  const body = [];
  for (const j of range(n)) {
    const { pre, out } = rowsOf(range(n).map((i) => get(`${input}${i}_${j}`)));
    body.push(...pre, ...out.map((e, i) => set(`${temp}${i}_${j}`, e)));
  }
  return [...body, ...rowPass(rowsOf, temp, n, storeIn(table))];
}

/**
 * A column pass that loads as it goes: each column's six values (load(i, j))
 * into locals input{i}_{j} just before rowsOf runs on them, the results to
 * locals temp{r}_{j}. Loading a tile's 36 values first kept them all live
 * and spilled: conv 2's inference and gradients ran 2-4% slower.
 */
function loadedColumns(rowsOf, input, temp, load) {
  return range(6).flatMap((j) => {
    const { pre, out } = rowsOf(range(6).map((i) => get(`${input}${i}_${j}`)));
    return [...range(6).map((i) => set(`${input}${i}_${j}`, load(i, j))), ...pre, ...out.map((e, r) => set(`${temp}${r}_${j}`, e))];
  });
}

/** A transform's second pass: rowsOf on each row of the 6 x n locals temp{i}_{j}, result (i, j) to emit(i, j, value) for its statement. */
function rowPass(rowsOf, temp, n, emit) {
  return range(6).flatMap((i) => {
    const { pre, out } = rowsOf(range(n).map((j) => get(`${temp}${i}_${j}`)));
    return [...pre, ...out.map((e, j) => emit(i, j, e))];
  });
}

/**
 * The loops of a transform: tiles t0..t1-1 (tile lines per tile), and
 * within each the channels 4 at a time up to `channels` (channel lines),
 * $o (the tile's offset into each matrix) and the locals in `pointers`
 * stepped 16 bytes after each group.
 */
function tileLoops(channels, tile, channel, pointers) {
  const next = ['o', ...pointers].map((n) => set(n, `(i32.add (local.get $${n}) (i32.const 16))`));
  return `(local.set $t (local.get $t0))
    (block $done
      (loop $tiles
        (br_if $done (i32.ge_u (local.get $t) (local.get $t1)))
        ${tile.join('\n        ')}
        (local.set $o (i32.shl (i32.mul (local.get $t) (local.get $${channels})) (i32.const 2)))
        (local.set $c (i32.const 0))
        (block $chansDone
          (loop $chans
            (br_if $chansDone (i32.ge_u (local.get $c) (local.get $${channels})))
            ${[...channel, ...next].join('\n            ')}
            (local.set $c (i32.add (local.get $c) (i32.const 4)))
            (br $chans)))
        (local.set $t (i32.add (local.get $t) (i32.const 1)))
        (br $tiles))))`;
}

/**
 * Where tile $t's 6x6 input window lies in x [B, H, W, C]: $b, and $ih, $iw
 * its first row and column (4 th - pt, 4 tw - pl); per window row i and
 * column j whether it is in the image ($ok{i}, $cok{j}: unsigned, so
 * negative is out) and its offset ($row{i} the address of the row at column
 * 0, $col{j} the bytes from there); $inside if the whole window is in.
 */
function inputWindow(x) {
  return [
    set('b', '(i32.div_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW)))'),
    set('r', '(i32.rem_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW)))'),
    set('ih', '(i32.sub (i32.shl (i32.div_u (local.get $r) (local.get $TW)) (i32.const 2)) (local.get $pt))'),
    set('iw', '(i32.sub (i32.shl (i32.rem_u (local.get $r) (local.get $TW)) (i32.const 2)) (local.get $pl))'),
    ...range(6).flatMap((i) => [
      set(`ok${i}`, `(i32.lt_u (i32.add (local.get $ih) (i32.const ${i})) (local.get $H))`),
      set(`row${i}`, `(i32.add (local.get $${x}) (i32.shl (i32.mul (i32.mul (i32.add (i32.mul (local.get $b) (local.get $H)) (i32.add (local.get $ih) (i32.const ${i}))) (local.get $W)) (local.get $C)) (i32.const 2)))`),
      set(`cok${i}`, `(i32.lt_u (i32.add (local.get $iw) (i32.const ${i})) (local.get $W))`),
      set(`col${i}`, `(i32.shl (i32.mul (i32.add (local.get $iw) (i32.const ${i})) (local.get $C)) (i32.const 2))`),
    ]),
    set('inside', '(i32.and (i32.and (local.get $ok0) (local.get $ok5)) (i32.and (local.get $cok0) (local.get $cok5)))'),
  ];
}

/** The i32 locals of inputWindow. */
const windowLocals = `(local $t i32) (local $b i32) (local $r i32) (local $ih i32) (local $iw i32) (local $c i32) (local $o i32) (local $inside i32)
    ${locals(range(6).flatMap((i) => [`ok${i}`, `cok${i}`, `row${i}`, `col${i}`]), 'i32')}`;

/** Address of value (i, j) of the window (see inputWindow). */
const windowAt = (i, j) => `(i32.add (local.get $row${i}) (local.get $col${j}))`;

function inputTransform() {
  const load = (i, j, checked) => {
    const at = `(v128.load ${windowAt(i, j)})`;
    return checked ? `(if (result v128) (i32.and (local.get $ok${i}) (local.get $cok${j})) (then ${at}) (else ${zero}))` : at;
  };
  const columns = (checked) => loadedColumns(inputRows, 'd', 't', (i, j) => load(i, j, checked)).join('\n');
  return `
  ;; Winograd input transform V = Bt d B for tiles t0..t1-1 (a tile: the 4x4
  ;; outputs at (4 th, 4 tw) of image b, t = (b TH + th) TW + tw). The 6x6
  ;; window starts at (4 th - pt, 4 tw - pl), zero outside the image (padding
  ;; costs no copy); windows wholly inside skip the checks. Matrix k of the
  ;; 36 ([tiles, C] each) is at the k-th pointer at v. C a multiple of 4.
  (func $winogradInput
    (param $x i32) (param $v i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32)
    (param $TH i32) (param $TW i32) (param $t0 i32) (param $t1 i32)
    ${windowLocals}
    ${locals([...grid('d', 6, 6), ...grid('t', 6, 6), ...range(6).map((i) => `p${i}`)], 'v128')}
    ${tileLoops('C', inputWindow('x'), [`(if (local.get $inside) (then ${columns(false)}) (else ${columns(true)}))`, ...rowPass(inputRows, 't', 6, storeIn('v'))], range(6).map((i) => `row${i}`))}
`;
}

/** B applied to six values (the adjoint of inputRows): the statements (using $p0-$p3) and the six results. */
function adjointRows(w) {
  const pre = [set('p0', add(w[1], w[2])), set('p1', sub(w[2], w[1])), set('p2', add(w[3], w[4])), set('p3', sub(w[4], w[3]))];
  const out = [
    times(4, w[0]),
    add(times(4, add(get('p1'), w[5])), times(2, get('p3'))),
    sub(sub(times(-5, w[0]), times(4, get('p0'))), get('p2')),
    sub(sub(times(-2, get('p3')), get('p1')), times(5, w[5])),
    add(add(w[0], get('p0')), get('p2')),
    w[5],
  ];
  return { pre, out };
}

function inputAdjoint() {
  const addTo = (i, j, e) => `(v128.store ${windowAt(i, j)} (f32x4.add (v128.load ${windowAt(i, j)}) ${e}))`;
  // Each result added where it is in the image; windows wholly inside skip
  // the checks (a test per value took 2.3 of its 13.4 ms for the CNN's conv 2).
  const addChecked = (i, j, e) => `(if (i32.and (local.get $ok${i}) (local.get $cok${j})) (then ${addTo(i, j, e)}))`;
  // Only the row pass, which adds into dx, depends on where the window lies.
  const body = [
    ...loadedColumns(adjointRows, 'w', 's', (i, j) => `(v128.load ${matrix('m', 6 * i + j)})`),
    `(if (local.get $inside)
      (then ${rowPass(adjointRows, 's', 6, addTo).join('\n')})
      (else ${rowPass(adjointRows, 's', 6, addChecked).join('\n')}))`,
  ];
  return `
  ;; The adjoint of the input transform for tiles t0..t1-1: dd = B w Bt of
  ;; each tile's 36 matrices ([tiles, C], at the pointers at m), added into
  ;; dx [B, H, W, C] over the tile's 6x6 input window (as in winogradInput;
  ;; only where it is in the image). Windows overlap, so one thread adds
  ;; a whole image's tiles. C a multiple of 4.
  (func $winogradInputAdjoint
    (param $m i32) (param $dx i32) (param $H i32) (param $W i32) (param $C i32) (param $pt i32) (param $pl i32)
    (param $TH i32) (param $TW i32) (param $t0 i32) (param $t1 i32)
    ${windowLocals}
    ${locals([...grid('w', 6, 6), ...grid('s', 6, 6), ...range(4).map((i) => `p${i}`)], 'v128')}
    ${tileLoops('C', inputWindow('dx'), body, range(6).map((i) => `row${i}`))}
`;
}

/**
 * Where tile $t lies in an [B, OH, OW, CO] tensor at $tensor: $oh, $ow, the
 * $rows and $cols left from there, whether the tile is $full, and in $at (if
 * given) the address of its first value.
 */
function outputTile(at, tensor) {
  return [
    set('b', '(i32.div_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW)))'),
    set('r', '(i32.rem_u (local.get $t) (i32.mul (local.get $TH) (local.get $TW)))'),
    set('oh', '(i32.shl (i32.div_u (local.get $r) (local.get $TW)) (i32.const 2))'),
    set('ow', '(i32.shl (i32.rem_u (local.get $r) (local.get $TW)) (i32.const 2))'),
    set('rows', '(i32.sub (local.get $OH) (local.get $oh))'),
    set('cols', '(i32.sub (local.get $OW) (local.get $ow))'),
    set('full', '(i32.and (i32.ge_u (local.get $rows) (i32.const 4)) (i32.ge_u (local.get $cols) (i32.const 4)))'),
    ...(at ? [set(at, `(i32.add (local.get $${tensor}) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) (local.get $OH)) (local.get $oh)) (local.get $OW)) (local.get $ow)) (local.get $CO)) (i32.const 2)))`)] : []),
  ].join('\n        ');
}

/** The 36 matrices in turn, local $k their index: `statements` for each. */
const eachMatrix = (...statements) => `(local.set $k (i32.const 0))
        (block $matricesDone
          (loop $matrices
            (br_if $matricesDone (i32.ge_u (local.get $k) (i32.const 36)))
            ${statements.join('\n            ')}
            (local.set $k (i32.add (local.get $k) (i32.const 1)))
            (br $matrices)))`;

/** Address of matrix $k of the 36 at local `base`, `size` bytes apart. */
const kth = (base, size) => `(i32.add (local.get $${base}) (i32.mul (local.get $k) (local.get $${size})))`;

/** For each of the 36 matrices, `fn` on matrix $k of each [base, size] pair, then the arguments `rest`. */
const callEach = (fn, pairs, rest) => eachMatrix(`(call $${fn} ${[...pairs.map(([base, size]) => kth(base, size)), ...rest].join(' ')})`);

/**
 * The two tables of 36 matrix addresses at $base and $base + SECOND for the
 * chunk from tile $t: matrix k of each at first + k * firstSize (resp.
 * second...), shifted back by t rows of firstRow (secondRow) channels, as
 * the transforms address matrix k at tile t.
 */
function chunkTables(first, firstSize, firstRow, second, secondSize, secondRow) {
  const entry = (base, size, row) => `(i32.sub ${kth(base, size)} (i32.mul (local.get $t) (i32.shl (local.get $${row}) (i32.const 2))))`;
  const at = '(i32.add (local.get $base) (i32.shl (local.get $k) (i32.const 2)))';
  return eachMatrix(`(i32.store ${at} ${entry(first, firstSize, firstRow)})`, `(i32.store offset=${SECOND} ${at} ${entry(second, secondSize, secondRow)})`);
}

/** The output transform's loads and column pass: locals s{r}_{j} = (At m)[r][j] for the tile and channel group. */
const outputColumns = () => loadedColumns(outputRows, 'm', 's', (i, j) => `(v128.load ${matrix('m', 6 * i + j)})`);

/** Row r of the tile's outputs from row r of s: the statements, and the four values plus bias, floored (at 0 for ReLU) by pmax as in blockRelu. */
function outputValues(r) {
  const { pre, out } = outputRows(range(6).map((j) => get(`s${r}_${j}`)));
  return { pre, out: out.map((e) => `(f32x4.pmax (f32x4.add (local.get $add) ${e}) (local.get $low))`) };
}

/** The channel group's bias, or 0, into $add. */
const loadBias = `(local.set $add (if (result v128) (local.get $bias)
              (then (v128.load (i32.add (local.get $bias) (i32.shl (local.get $c) (i32.const 2)))))
              (else (v128.const f32x4 0 0 0 0))))`;

/** Address of output (r, c) of the tile whose first value is at $q. */
const outputAt = (r, c) => `(i32.add (local.get $q) (i32.add (i32.mul (i32.const ${r}) (local.get $rowStep)) (i32.mul (i32.const ${c}) (local.get $colStep))))`;

/** The output transforms' locals (and `extra` v128 ones) and set-up. */
const outputLocals = (extra) => `(local $t i32) (local $b i32) (local $r i32) (local $oh i32) (local $ow i32) (local $c i32) (local $o i32)
    (local $q i32) (local $rowStep i32) (local $colStep i32) (local $rows i32) (local $cols i32) (local $full i32)
    ${locals([...grid('m', 6, 6), ...grid('s', 4, 6), 'q0', 'q1', 'q2', 'q3', 'add', 'low', ...extra], 'v128')}
    (local.set $rowStep (i32.shl (i32.mul (local.get $OW) (local.get $CO)) (i32.const 2)))
    (local.set $colStep (i32.shl (local.get $CO) (i32.const 2)))
    ;; without ReLU, a floor below every float
    (local.set $low (select (v128.const f32x4 0 0 0 0) (v128.const f32x4 -inf -inf -inf -inf) (local.get $relu)))`;

function outputTransform() {
  const stores = (checked) =>
    range(4)
      .flatMap((r) => {
        const { pre, out } = outputValues(r);
        return [
          ...pre,
          ...out.map((e, c) => {
            const store = `(v128.store ${outputAt(r, c)} ${e})`;
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
  (func $winogradOutput
    (param $m i32) (param $bias i32) (param $y i32) (param $OH i32) (param $OW i32) (param $CO i32)
    (param $TH i32) (param $TW i32) (param $relu i32) (param $t0 i32) (param $t1 i32)
    ${outputLocals([])}
    ${tileLoops('CO', [outputTile('q', 'y')], [...outputColumns(), loadBias, `(if (local.get $full) (then ${stores(false)}) (else ${stores(true)}))`], ['q'])}
`;
}

function outputPoolTransform() {
  const body = [...outputColumns(), loadBias];
  for (const r of range(4)) {
    const { pre, out } = outputValues(r);
    body.push(...pre, ...out.map((e, c) => set(`y${r}_${c}`, e)));
  }
  const max = (a, b) => `(f32x4.pmax ${a} ${b})`;
  const pick = (a, b, mask) => `(v128.bitselect ${a} ${b} ${mask})`;
  const lanes = (n) => `(v128.const i32x4 ${n} ${n} ${n} ${n})`;
  for (const i of range(2)) {
    for (const j of range(2)) {
      const [a, b, c, d] = [0, 1].flatMap((di) => [0, 1].map((dj) => get(`y${2 * i + di}_${2 * j + dj}`)));
      const at = `(i32.add (local.get $pq) (i32.add (i32.mul (i32.const ${i}) (local.get $pRowStep)) (i32.mul (i32.const ${j}) (local.get $colStep))))`;
      // With routes, the max as a chain whose steps say which value won:
      // strictly greater, so the first maximum in scan order, as
      // MaxPoolGrad routes on cpu; 4 where it is not positive. pmax (b > a ?
      // b : a) is that same choice, in one instruction where max takes six
      // (conv 2's forward 5-9% faster on one thread).
      // With a dropout (threshold not 0), pooled value i is multiplied by
      // the mask value for counter i, and a dropped value routes nowhere.
      const counter = `(i32.shr_u (i32.sub ${at} (local.get $p)) (i32.const 2))`;
      body.push(`(if (local.get $routes)
          (then
            ${set('m1', `(f32x4.gt ${b} ${a})`)}
            ${set('best', max(a, b))}
            ${set('m2', `(f32x4.gt ${c} ${get('best')})`)}
            ${set('best', max(get('best'), c))}
            ${set('m3', `(f32x4.gt ${d} ${get('best')})`)}
            ${set('best', max(get('best'), d))}
            ${set('route', pick(pick(lanes(3), pick(lanes(2), `(v128.and ${get('m1')} ${lanes(1)})`, get('m2')), get('m3')), lanes(4), `(f32x4.gt ${get('best')} ${zero})`))}
            (if (local.get $threshold)
              (then
                ${set('state', `(i32x4.add (i32x4.splat (i32.add (local.get $seed) (i32.mul (i32.add ${counter} (i32.const 1)) (i32.const ${MULBERRY32_STEP})))) ${MULBERRY32_LANES})`)}
                ${mulberry32('state', 'hash')}
                ${set('drop', dropped('hash'))}
                ${set('best', `(f32x4.mul ${get('best')} (v128.andnot (local.get $keep) ${get('drop')}))`)}
                ${set('route', pick(lanes(4), get('route'), get('drop')))}))
            (v128.store ${at} ${get('best')})
            (v128.store (i32.add ${at} (local.get $toRoutes)) ${get('route')}))
          (else (v128.store ${at} ${max(max(a, b), max(c, d))})))`);
    }
  }
  const half = (name) => `(i32.shr_u (local.get $${name}) (i32.const 1))`;
  return `
  ;; The output transform with the 2x2, stride-2 max pool after it: as
  ;; $winogradOutput, but every tile whole (OH and OW multiples of 4), the
  ;; max of each 2x2 of the tile stored to p [B, OH / 2, OW / 2, CO] and,
  ;; where routes is not 0 (training), its route (int32, p's layout): which
  ;; of the window's four outputs (0-3, row by row) is its first maximum, or
  ;; 4 if that is not positive. The conv's own output is never stored.
  ;; With routes and a dropout threshold (not 0), each pooled value is
  ;; dropped as $dropoutMask's value for its index in p would drop it, the
  ;; rest multiplied by keep (f32 bits), and a dropped value's route is 4.
  (func $winogradOutputPool
    (param $m i32) (param $bias i32) (param $routes i32) (param $p i32) (param $OH i32) (param $OW i32) (param $CO i32)
    (param $TH i32) (param $TW i32) (param $relu i32) (param $seed i32) (param $threshold i32) (param $keepBits i32) (param $t0 i32) (param $t1 i32)
    (local $pq i32) (local $pRowStep i32) (local $toRoutes i32)
    ${outputLocals([...grid('y', 4, 4), 'm1', 'm2', 'm3', 'best', 'route', 'state', 'hash', 'drop', 'keep', 'limit'])}
    (local.set $keep (f32x4.splat (f32.reinterpret_i32 (local.get $keepBits))))
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (local.set $pRowStep (i32.shr_u (local.get $rowStep) (i32.const 1)))
    (local.set $toRoutes (i32.sub (local.get $routes) (local.get $p)))
    ${tileLoops(
      'CO',
      [
        outputTile(),
        set('pq', `(i32.add (local.get $p) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) ${half('OH')}) ${half('oh')}) ${half('OW')}) ${half('ow')}) (local.get $CO)) (i32.const 2)))`),
      ],
      body,
      ['pq'],
    )}
`;
}

/** G of the filter transform U = G g Gt, as WAT constants. */
const G = [
  [1 / 4, 0, 0],
  [-1 / 6, -1 / 6, -1 / 6],
  [-1 / 6, 1 / 6, -1 / 6],
  [1 / 24, 1 / 12, 1 / 6],
  [1 / 24, -1 / 12, 1 / 6],
  [0, 0, 1],
];

/** a0 G[i][0] + a1 G[i][1] + a2 G[i][2], skipping zero terms. */
function gRow(i, a) {
  const terms = G[i].flatMap((k, l) => (k === 0 ? [] : [k === 1 ? a[l] : times(k, a[l])]));
  return terms.reduce((sum, t) => add(sum, t));
}

/** Loops over input channels $ci (one at a time) and output channels $co (4 at a time) of a filter, running `body` for each. */
function channelPairLoops(body) {
  return `(block $done
      (loop $inputs
        (br_if $done (i32.ge_u (local.get $ci) (local.get $C)))
        (local.set $co (i32.const 0))
        (block $outsDone
          (loop $outs
            (br_if $outsDone (i32.ge_u (local.get $co) (local.get $CO)))
            ${body.join('\n            ')}
            (local.set $co (i32.add (local.get $co) (i32.const 4)))
            (br $outs)))
        (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
        (br $inputs)))`;
}

function filterTransform() {
  const body = [];
  // gg = G g: 6 rows of 3 (g[kh][kw] for 4 output channels)
  for (const i of range(6)) for (const j of range(3)) body.push(set(`h${i}_${j}`, gRow(i, range(3).map((kh) => get(`g${kh}_${j}`)))));
  // U = gg Gt: matrix 6i + j
  for (const i of range(6)) {
    for (const j of range(6)) {
      const at = inMatrix('u', `(i32.const ${6 * i + j})`, 'S', '(local.get $ci)', '(local.get $CO)', '(local.get $co)');
      body.push(`(v128.store ${at} ${gRow(j, range(3).map((l) => get(`h${i}_${l}`)))})`);
    }
  }
  const loads = grid('g', 3, 3).map((name, n) =>
    set(name, `(v128.load (i32.add (local.get $g) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.const ${n}) (local.get $C)) (local.get $ci)) (local.get $CO)) (local.get $co)) (i32.const 2))))`),
  );
  return `
  ;; Winograd filter transform U = G g Gt of a 3x3 filter g [3, 3, C, CO]
  ;; into 36 matrices [C, CO] at u, each followed by ${PAD} bytes of pad (CO a multiple of 4).
  (func $winogradFilter (param $g i32) (param $u i32) (param $C i32) (param $CO i32)
    (local $ci i32) (local $co i32) (local $S i32)
    ${locals([...grid('g', 3, 3), ...grid('h', 6, 3)], 'v128')}
    (local.set $S ${matrixStride('(local.get $C)', '(local.get $CO)')})
    ${channelPairLoops([...loads, ...body])})
`;
}

function gemm() {
  const step = blockStep('up', (r) => `(i32.add (local.get $vp) (i32.mul (i32.const ${r}) (local.get $vRow)))`);
  const stores = rows.flatMap((r) => [0, 1].map((q) => `(v128.store offset=${16 * q} (i32.add (local.get $mp) (i32.mul (i32.const ${r}) (local.get $mRow))) ${get(`a${r}_${q}`)})`));
  return `
  ;; m = v u for one Winograd matrix of a chunk's first rows tiles (a multiple
  ;; of 4): v [rows, C], u [C, CO], m [rows, CO], CO a multiple of 8. Blocks of
  ;; 4 rows by 8 columns in registers (8 accumulators, 2 weight vectors, 1
  ;; broadcast input).
  (func $winogradProduct (param $v i32) (param $u i32) (param $m i32) (param $C i32) (param $CO i32) (param $rows i32)
    (local $r i32) (local $cb i32) (local $ci i32) (local $vp i32) (local $up i32) (local $mp i32) (local $vRow i32) (local $mRow i32)
    ${blockLocals}
    (local.set $vRow (i32.shl (local.get $C) (i32.const 2)))
    (local.set $mRow (i32.shl (local.get $CO) (i32.const 2)))
    (block $rowsDone
      (loop $rows
        (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $rows)))
        (local.set $cb (i32.const 0))
        (block $colsDone
          (loop $cols
            (br_if $colsDone (i32.ge_u (local.get $cb) (local.get $CO)))
            ${acc.map((n) => set(n, zero)).join(' ')}
            (local.set $vp (i32.add (local.get $v) (i32.mul (local.get $r) (local.get $vRow))))
            (local.set $up (i32.add (local.get $u) (i32.shl (local.get $cb) (i32.const 2))))
            (local.set $ci (i32.const 0))
            (block $sumDone
              (loop $sum
                (br_if $sumDone (i32.ge_u (local.get $ci) (local.get $C)))
                ${step.join('\n                ')}
                (local.set $vp (i32.add (local.get $vp) (i32.const 4)))
                (local.set $up (i32.add (local.get $up) (local.get $mRow)))
                (local.set $ci (i32.add (local.get $ci) (i32.const 1)))
                (br $sum)))
            (local.set $mp (i32.add (i32.add (local.get $m) (i32.mul (local.get $r) (local.get $mRow))) (i32.shl (local.get $cb) (i32.const 2))))
            ${stores.join('\n            ')}
            (local.set $cb (i32.add (local.get $cb) (i32.const 8)))
            (br $cols)))
        (local.set $r (i32.add (local.get $r) (i32.const 4)))
        (br $rows))))
`;
}

function fusedConv() {
  return `
  ;; The whole Winograd conv, ${CHUNK} tiles at a time: input transform, the 36
  ;; products and the output transform of a chunk run in this thread's
  ;; scratch, in cache, so only x and y go through memory. Threads take
  ;; chunks from the counter at next and a scratch slot from the counter at
  ;; slots (both 0 at the start); a slot is (C + CO) * ${36 * CHUNK * 4} + ${72 * PAD + TABLES}
  ;; bytes: the two matrix tables, then V, then M (each matrix followed by
  ;; ${PAD} bytes of pad). u: the filter transform's 36 padded matrices [C, CO].
  ;; With p (not 0), the 2x2 max pool of the output goes to p and y, if not
  ;; 0, receives the pool's routes (see winogradOutputPool), not the output,
  ;; and a dropout applies where threshold is not 0.
  (func $winogradConv
    (param $x i32) (param $u i32) (param $bias i32) (param $y i32) (param $p i32) (param $H i32) (param $W i32) (param $C i32) (param $CO i32)
    (param $pt i32) (param $pl i32) (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32) (param $relu i32)
    (param $seed i32) (param $threshold i32) (param $keepBits i32)
    (param $tiles i32) (param $scratch i32) (param $slots i32) (param $next i32)
    (local $base i32) (local $vb i32) (local $mb i32) (local $vSize i32) (local $mSize i32) (local $uSize i32) (local $t i32) (local $len i32) (local $k i32)
    (local.set $vSize ${matrixStride(`(i32.const ${CHUNK})`, '(local.get $C)')})
    (local.set $mSize ${matrixStride(`(i32.const ${CHUNK})`, '(local.get $CO)')})
    (local.set $uSize ${matrixStride('(local.get $C)', '(local.get $CO)')})
    (local.set $base (i32.add (local.get $scratch)
      (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1)) (i32.add (i32.mul (i32.add (local.get $vSize) (local.get $mSize)) (i32.const 36)) (i32.const ${TABLES})))))
    (local.set $vb (i32.add (local.get $base) (i32.const ${TABLES})))
    (local.set $mb (i32.add (local.get $vb) (i32.mul (local.get $vSize) (i32.const 36))))
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const ${CHUNK}) (local.get $tiles))
        (local.set $len) (local.tee $t)
        (br_if $done (i32.ge_u (local.get $tiles)))
        ${chunkTables('vb', 'vSize', 'C', 'mb', 'mSize', 'CO')}
        (call $winogradInput (local.get $x) (local.get $base) (local.get $H) (local.get $W) (local.get $C) (local.get $pt) (local.get $pl)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $len)))
        ;; the products cover the chunk's tiles in blocks of 4: in a short final
        ;; chunk (a small batch) the rows past its last tile are not computed
        ${callEach('winogradProduct', [['vb', 'vSize'], ['u', 'uSize'], ['mb', 'mSize']], ['(local.get $C)', '(local.get $CO)', '(i32.and (i32.add (local.get $len) (i32.const 3)) (i32.const -4))'])}
        (if (local.get $p)
          (then (call $winogradOutputPool (i32.add (local.get $base) (i32.const ${SECOND})) (local.get $bias) (local.get $y) (local.get $p) (local.get $OH) (local.get $OW)
            (local.get $CO) (local.get $TH) (local.get $TW) (local.get $relu) (local.get $seed) (local.get $threshold) (local.get $keepBits)
            (local.get $t) (i32.add (local.get $t) (local.get $len))))
          (else (call $winogradOutput (i32.add (local.get $base) (i32.const ${SECOND})) (local.get $bias) (local.get $y) (local.get $OH) (local.get $OW)
            (local.get $CO) (local.get $TH) (local.get $TW) (local.get $relu) (local.get $t) (i32.add (local.get $t) (local.get $len)))))
        (br $take))))
`;
}

/** A dY Aᵀ's rows from four values (A = Atᵀ): the statements (using $q0-$q3) and the six results. */
function gradRows(a) {
  const pre = [set('q0', add(a[0], a[2])), set('q1', add(a[1], a[3])), set('q2', add(a[0], times(4, a[2]))), set('q3', add(a[1], times(4, a[3])))];
  const out = [a[0], add(get('q0'), get('q1')), sub(get('q0'), get('q1')), add(get('q2'), times(2, get('q3'))), sub(get('q2'), times(2, get('q3'))), a[3]];
  return { pre, out };
}

function gradTransform() {
  const load = (r, c, checked) => {
    const at = `(v128.load (i32.add (local.get $p) (i32.add (i32.mul (i32.const ${r}) (local.get $rowStep)) (i32.mul (i32.const ${c}) (local.get $colStep)))))`;
    return checked ? `(if (result v128) (i32.and (i32.lt_u (i32.const ${r}) (local.get $rows)) (i32.lt_u (i32.const ${c}) (local.get $cols))) (then ${at}) (else ${zero}))` : at;
  };
  const loads = (checked) => grid('e', 4, 4).map((name, n) => set(name, load(Math.floor(n / 4), n % 4, checked))).join('\n');
  // From the pool's gradient: window (i, j) of the tile gives its gradient
  // to the output its route names (see winogradOutputPool), 0 to the rest.
  const window = (i, j) => `(i32.add (local.get $pp) (i32.add (i32.mul (i32.const ${i}) (local.get $pRowStep)) (i32.mul (i32.const ${j}) (local.get $colStep))))`;
  const routed = range(2).flatMap((i) =>
    range(2).flatMap((j) => [
      set('gp', `(f32x4.mul (v128.load ${window(i, j)}) (local.get $scale))`),
      set('route', `(v128.load (i32.add ${window(i, j)} (local.get $toRoutes)))`),
      ...range(4).map((k) => set(`e${2 * i + (k >> 1)}_${2 * j + (k & 1)}`, `(v128.and (local.get $gp) (i32x4.eq (local.get $route) (v128.const i32x4 ${k} ${k} ${k} ${k})))`)),
    ]),
  );
  const half = (name) => `(i32.shr_u (local.get $${name}) (i32.const 1))`;
  const body = transform2d(gradRows, 'e', 4, 'f', 'z');
  return `
  ;; Winograd transform of the output gradient, Z = A dY At (A = At transposed),
  ;; for tiles t0..t1-1: dY's 4x4 tile at (4 th, 4 tw), zero past its edges,
  ;; into the 36 matrices ([tiles, CO]) at the pointers at z. CO a multiple of 4.
  ;; With routes (not 0), dY is a 2x2 max pool's input gradient, given as
  ;; the pool's gradient at dy [B, OH / 2, OW / 2, CO] and its routes (same
  ;; layout; OH and OW multiples of 4), times scale: never written out.
  (func $winogradGradTransform
    (param $dy i32) (param $routes i32) (param $scale v128) (param $z i32) (param $OH i32) (param $OW i32) (param $CO i32) (param $TH i32) (param $TW i32) (param $t0 i32) (param $t1 i32)
    (local $t i32) (local $b i32) (local $r i32) (local $oh i32) (local $ow i32) (local $c i32) (local $o i32) (local $p i32) (local $pp i32)
    (local $rowStep i32) (local $colStep i32) (local $pRowStep i32) (local $toRoutes i32) (local $rows i32) (local $cols i32) (local $full i32)
    ${locals([...grid('e', 4, 4), ...grid('f', 6, 4), 'q0', 'q1', 'q2', 'q3', 'gp', 'route'], 'v128')}
    (local.set $rowStep (i32.shl (i32.mul (local.get $OW) (local.get $CO)) (i32.const 2)))
    (local.set $colStep (i32.shl (local.get $CO) (i32.const 2)))
    (local.set $pRowStep (i32.shr_u (local.get $rowStep) (i32.const 1)))
    (local.set $toRoutes (i32.sub (local.get $routes) (local.get $dy)))
    ${tileLoops(
      'CO',
      [
        outputTile('p', 'dy'),
        set('pp', `(i32.add (local.get $dy) (i32.shl (i32.mul (i32.add (i32.mul (i32.add (i32.mul (local.get $b) ${half('OH')}) ${half('oh')}) ${half('OW')}) ${half('ow')}) (local.get $CO)) (i32.const 2)))`),
      ],
      [`(if (local.get $routes) (then ${routed.join('\n')}) (else (if (local.get $full) (then ${loads(false)}) (else ${loads(true)}))))`, ...body],
      ['p', 'pp'],
    )}
`;
}

function accumulate() {
  const at = (r, q) => `(i32.add (local.get $wp) (i32.add (i32.mul (i32.const ${r}) (local.get $wRow)) (i32.const ${16 * q})))`;
  const step = blockStep('zp', (r) => `offset=${4 * r} (local.get $vp)`);
  return `
  ;; w += vt z for one Winograd matrix of a chunk's first len tiles: v [len, C],
  ;; z [len, CO], w [C, CO]; C a multiple of 4, CO of 8. Blocks of 4 input by
  ;; 8 output channels in registers.
  (func $winogradAccumulate (param $v i32) (param $z i32) (param $w i32) (param $len i32) (param $C i32) (param $CO i32)
    (local $ci i32) (local $cb i32) (local $t i32) (local $vp i32) (local $zp i32) (local $wp i32) (local $vRow i32) (local $wRow i32)
    ${blockLocals}
    (local.set $vRow (i32.shl (local.get $C) (i32.const 2)))
    (local.set $wRow (i32.shl (local.get $CO) (i32.const 2)))
    (block $inDone
      (loop $ins
        (br_if $inDone (i32.ge_u (local.get $ci) (local.get $C)))
        (local.set $cb (i32.const 0))
        (block $outDone
          (loop $outs
            (br_if $outDone (i32.ge_u (local.get $cb) (local.get $CO)))
            (local.set $wp (i32.add (local.get $w) (i32.shl (i32.add (i32.mul (local.get $ci) (local.get $CO)) (local.get $cb)) (i32.const 2))))
            ${rows.flatMap((r) => [0, 1].map((q) => set(`a${r}_${q}`, `(v128.load ${at(r, q)})`))).join(' ')}
            (local.set $vp (i32.add (local.get $v) (i32.shl (local.get $ci) (i32.const 2))))
            (local.set $zp (i32.add (local.get $z) (i32.shl (local.get $cb) (i32.const 2))))
            (local.set $t (i32.const 0))
            (block $sumDone
              (loop $sum
                (br_if $sumDone (i32.ge_u (local.get $t) (local.get $len)))
                ${step.join('\n                ')}
                (local.set $vp (i32.add (local.get $vp) (local.get $vRow)))
                (local.set $zp (i32.add (local.get $zp) (local.get $wRow)))
                (local.set $t (i32.add (local.get $t) (i32.const 1)))
                (br $sum)))
            ${rows.flatMap((r) => [0, 1].map((q) => `(v128.store ${at(r, q)} ${get(`a${r}_${q}`)})`)).join(' ')}
            (local.set $cb (i32.add (local.get $cb) (i32.const 8)))
            (br $outs)))
        (local.set $ci (i32.add (local.get $ci) (i32.const 4)))
        (br $ins))))
`;
}

function filterGradient() {
  return `
  ;; The filter gradient of a 3x3 stride-1 conv by Winograd, ${CHUNK} tiles (of dy)
  ;; at a time: V = Bt x B and Z = A dy At of a chunk in this thread's
  ;; scratch, then W[k] += V[k]t Z[k] for the 36 k into the thread's own sum
  ;; (its slot, zeroed here). Slots as in winogradConv, with the sum first:
  ;; ${TABLES} + 36 (C CO 4 + ${PAD}) + (C + CO) * ${36 * CHUNK * 4} + ${72 * PAD} bytes.
  ;; winogradFilterGradientOut turns the summed W into dw.
  (func $winogradFilterGradient
    (param $x i32) (param $dy i32) (param $H i32) (param $W i32) (param $C i32) (param $CO i32) (param $pt i32) (param $pl i32)
    (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32) (param $tiles i32) (param $scratch i32) (param $slots i32) (param $next i32)
    (local $base i32) (local $sum i32) (local $vb i32) (local $zb i32) (local $wSize i32) (local $sumSize i32) (local $vSize i32) (local $zSize i32)
    (local $t i32) (local $len i32) (local $k i32)
    (local.set $wSize ${matrixStride('(local.get $C)', '(local.get $CO)')})
    (local.set $sumSize (i32.mul (local.get $wSize) (i32.const 36)))
    (local.set $vSize ${matrixStride(`(i32.const ${CHUNK})`, '(local.get $C)')})
    (local.set $zSize ${matrixStride(`(i32.const ${CHUNK})`, '(local.get $CO)')})
    (local.set $base (i32.add (local.get $scratch)
      (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1))
        (i32.add (i32.add (local.get $sumSize) (i32.mul (i32.add (local.get $vSize) (local.get $zSize)) (i32.const 36))) (i32.const ${TABLES})))))
    (local.set $sum (i32.add (local.get $base) (i32.const ${TABLES})))
    (local.set $vb (i32.add (local.get $sum) (local.get $sumSize)))
    (local.set $zb (i32.add (local.get $vb) (i32.mul (local.get $vSize) (i32.const 36))))
    (memory.fill (local.get $sum) (i32.const 0) (local.get $sumSize))
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const ${CHUNK}) (local.get $tiles))
        (local.set $len) (local.tee $t)
        (br_if $done (i32.ge_u (local.get $tiles)))
        ${chunkTables('vb', 'vSize', 'C', 'zb', 'zSize', 'CO')}
        (call $winogradInput (local.get $x) (local.get $base) (local.get $H) (local.get $W) (local.get $C) (local.get $pt) (local.get $pl)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $len)))
        (call $winogradGradTransform (local.get $dy) (i32.const 0) (v128.const f32x4 1 1 1 1) (i32.add (local.get $base) (i32.const ${SECOND})) (local.get $OH) (local.get $OW) (local.get $CO)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $len)))
        ${callEach('winogradAccumulate', [['vb', 'vSize'], ['zb', 'zSize'], ['sum', 'wSize']], ['(local.get $len)', '(local.get $C)', '(local.get $CO)'])}
        (br $take))))
`;
}

/** For the kernels that take whole images: $per tiles an image, in $rows rounded up to 4, and $image, its bytes of dx. */
const imageTiles = `(local.set $per (i32.mul (local.get $TH) (local.get $TW)))
    (local.set $rows (i32.and (i32.add (local.get $per) (i32.const 3)) (i32.const -4)))
    (local.set $image (i32.shl (i32.mul (i32.mul (local.get $H) (local.get $W)) (local.get $C)) (i32.const 2)))`;

/** Image $b's dx: zeroed, then B W Bt of its tiles (from $t) added over their input windows, the W at the second table of $base. */
const imageAdjoint = `(memory.fill (i32.add (local.get $dx) (i32.mul (local.get $b) (local.get $image))) (i32.const 0) (local.get $image))
        (call $winogradInputAdjoint (i32.add (local.get $base) (i32.const ${SECOND})) (local.get $dx) (local.get $H) (local.get $W) (local.get $C)
          (local.get $pt) (local.get $pl) (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $per)))`;

function inputGradient() {
  return `
  ;; The input gradient of a 3x3 stride-1 conv by Winograd, one image at a
  ;; time (its tiles' windows overlap, so an image's dx has one writer):
  ;; Z = A dy At of its tiles, W[k] = Z[k] U[k] for the 36 k with u the 36
  ;; padded matrices [CO, C] of the filter transform of the filter with its
  ;; channels swapped, then dx = the sum over tiles of B W Bt on their input
  ;; windows (winogradInputAdjoint). As many tiles as the forward conv has,
  ;; against the transposed conv's tiles over dx (49 against 36 an image for
  ;; the CNN's second conv). Threads take images from the counter at next and
  ;; a scratch slot from the counter at slots: ${TABLES} + 36 ((C + CO) 4 T + ${2 * PAD})
  ;; bytes, T the image's TH TW tiles rounded up to 4. C a multiple of 8, CO of 4.
  (func $winogradInputGradient
    (param $dy i32) (param $u i32) (param $dx i32) (param $H i32) (param $W i32) (param $C i32) (param $CO i32) (param $pt i32) (param $pl i32)
    (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32) (param $images i32) (param $scratch i32) (param $slots i32) (param $next i32)
    (local $base i32) (local $zb i32) (local $wb i32) (local $zSize i32) (local $wSize i32) (local $uSize i32) (local $per i32) (local $rows i32)
    (local $b i32) (local $t i32) (local $k i32) (local $image i32)
    ${imageTiles}
    (local.set $zSize ${matrixStride('(local.get $rows)', '(local.get $CO)')})
    (local.set $wSize ${matrixStride('(local.get $rows)', '(local.get $C)')})
    (local.set $uSize ${matrixStride('(local.get $CO)', '(local.get $C)')})
    (local.set $base (i32.add (local.get $scratch)
      (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1)) (i32.add (i32.mul (i32.add (local.get $zSize) (local.get $wSize)) (i32.const 36)) (i32.const ${TABLES})))))
    (local.set $zb (i32.add (local.get $base) (i32.const ${TABLES})))
    (local.set $wb (i32.add (local.get $zb) (i32.mul (local.get $zSize) (i32.const 36))))
    (block $done
      (loop $take
        (br_if $done (i32.ge_u (local.tee $b (i32.atomic.rmw.add (local.get $next) (i32.const 1))) (local.get $images)))
        (local.set $t (i32.mul (local.get $b) (local.get $per)))
        ${chunkTables('zb', 'zSize', 'CO', 'wb', 'wSize', 'C')}
        (call $winogradGradTransform (local.get $dy) (i32.const 0) (v128.const f32x4 1 1 1 1) (local.get $base) (local.get $OH) (local.get $OW) (local.get $CO)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $per)))
        ${callEach('winogradProduct', [['zb', 'zSize'], ['u', 'uSize'], ['wb', 'wSize']], ['(local.get $CO)', '(local.get $C)', '(local.get $rows)'])}
        ${imageAdjoint}
        (br $take))))
`;
}

function convGradients() {
  return `
  ;; Both gradients of a 3x3 stride-1 conv by Winograd, one image at a time
  ;; (as winogradInputGradient), each tile's Z = A dy At made once for both:
  ;; V = Bt x B of the image's tiles, Z, then the filter gradient's sums
  ;; W[k] += V[k]t Z[k] into the thread's own (zeroed here), and the input
  ;; gradient's Z[k] U[k] added back over the tiles' input windows. dy as
  ;; in winogradGradTransform, with or without routes (times scale, f32
  ;; bits); u and the sums as in
  ;; winogradInputGradient and winogradFilterGradient. A slot: ${TABLES} + 36
  ;; (C CO 4 + (2 C + CO) 4 T + ${4 * PAD}) bytes, T the image's tiles rounded up to 4.
  (func $winogradConvGradients
    (param $x i32) (param $dy i32) (param $routes i32) (param $scale i32) (param $u i32) (param $dx i32) (param $H i32) (param $W i32) (param $C i32) (param $CO i32)
    (param $pt i32) (param $pl i32) (param $TH i32) (param $TW i32) (param $OH i32) (param $OW i32) (param $images i32)
    (param $scratch i32) (param $slots i32) (param $next i32)
    (local $base i32) (local $sum i32) (local $vb i32) (local $zb i32) (local $wb i32)
    (local $sSize i32) (local $vSize i32) (local $zSize i32) (local $uSize i32) (local $per i32) (local $rows i32)
    (local $b i32) (local $t i32) (local $k i32) (local $image i32)
    ${imageTiles}
    (local.set $sSize ${matrixStride('(local.get $C)', '(local.get $CO)')})
    (local.set $vSize ${matrixStride('(local.get $rows)', '(local.get $C)')})
    (local.set $zSize ${matrixStride('(local.get $rows)', '(local.get $CO)')})
    (local.set $uSize ${matrixStride('(local.get $CO)', '(local.get $C)')})
    (local.set $base (i32.add (local.get $scratch)
      (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1))
        (i32.add (i32.mul (i32.add (i32.add (local.get $sSize) (local.get $zSize)) (i32.shl (local.get $vSize) (i32.const 1))) (i32.const 36)) (i32.const ${TABLES})))))
    (local.set $sum (i32.add (local.get $base) (i32.const ${TABLES})))
    (local.set $vb (i32.add (local.get $sum) (i32.mul (local.get $sSize) (i32.const 36))))
    (local.set $zb (i32.add (local.get $vb) (i32.mul (local.get $vSize) (i32.const 36))))
    ;; the input gradient's W [rows, C] has V's size
    (local.set $wb (i32.add (local.get $zb) (i32.mul (local.get $zSize) (i32.const 36))))
    (memory.fill (local.get $sum) (i32.const 0) (i32.mul (local.get $sSize) (i32.const 36)))
    (block $done
      (loop $take
        (br_if $done (i32.ge_u (local.tee $b (i32.atomic.rmw.add (local.get $next) (i32.const 1))) (local.get $images)))
        (local.set $t (i32.mul (local.get $b) (local.get $per)))
        ${chunkTables('vb', 'vSize', 'C', 'zb', 'zSize', 'CO')}
        (call $winogradInput (local.get $x) (local.get $base) (local.get $H) (local.get $W) (local.get $C) (local.get $pt) (local.get $pl)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $per)))
        (call $winogradGradTransform (local.get $dy) (local.get $routes) (f32x4.splat (f32.reinterpret_i32 (local.get $scale))) (i32.add (local.get $base) (i32.const ${SECOND})) (local.get $OH) (local.get $OW) (local.get $CO)
          (local.get $TH) (local.get $TW) (local.get $t) (i32.add (local.get $t) (local.get $per)))
        ${callEach('winogradAccumulate', [['vb', 'vSize'], ['zb', 'zSize'], ['sum', 'sSize']], ['(local.get $per)', '(local.get $C)', '(local.get $CO)'])}
        ${callEach('winogradProduct', [['zb', 'zSize'], ['u', 'uSize'], ['wb', 'vSize']], ['(local.get $CO)', '(local.get $C)', '(local.get $rows)'])}
        ${chunkTables('zb', 'zSize', 'CO', 'wb', 'vSize', 'C')}
        ${imageAdjoint}
        (br $take))))
`;
}

/** Gt's column a applied to six values: sum over i of G[i][a] v[i], skipping zero terms. */
function gCol(a, v) {
  const terms = range(6).flatMap((i) => (G[i][a] === 0 ? [] : [G[i][a] === 1 ? v[i] : times(G[i][a], v[i])]));
  return terms.reduce((sum, t) => add(sum, t));
}

function filterGradientOut() {
  const load = (k) => `(v128.load ${inMatrix('w', `(i32.const ${k})`, 'S', '(local.get $ci)', '(local.get $CO)', '(local.get $co)')})`;
  const body = grid('s', 6, 6).map((name, k) => set(name, load(k)));
  // h = Gt W (3 rows of 6), then dw = h G (3 by 3)
  for (const a of range(3)) for (const j of range(6)) body.push(set(`h${a}_${j}`, gCol(a, range(6).map((i) => get(`s${i}_${j}`)))));
  for (const a of range(3)) {
    for (const b of range(3)) {
      const at = `(i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (i32.add (i32.mul (i32.const ${3 * a + b}) (local.get $C)) (local.get $ci)) (local.get $CO)) (local.get $co)) (i32.const 2)))`;
      body.push(`(v128.store ${at} ${gCol(b, range(6).map((j) => get(`h${a}_${j}`)))})`);
    }
  }
  return `
  ;; dw [3, 3, C, CO] = Gt W G from the 36 summed padded matrices W [C, CO] at w.
  (func $winogradFilterGradientOut (param $w i32) (param $dw i32) (param $C i32) (param $CO i32)
    (local $ci i32) (local $co i32) (local $S i32)
    ${locals([...grid('s', 6, 6), ...grid('h', 3, 6)], 'v128')}
    (local.set $S ${matrixStride('(local.get $C)', '(local.get $CO)')})
    ${channelPairLoops(body)})
`;
}

export default function winogradWat() {
  return [inputTransform(), inputAdjoint(), outputTransform(), outputPoolTransform(), filterTransform(), gemm(), fusedConv(), gradTransform(), accumulate(), filterGradient(), filterGradientOut(), inputGradient(), convGradients()].join('');
}
