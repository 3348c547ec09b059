// Generates the WebAssembly text of edgetune's matrix product for
// scripts/build-simd.js: the Dense layer's three products of a training step
// (forward, input gradient, weight gradient) as two threaded kernels. Both
// operands are first packed into blocks read in order, whatever their
// layout, so the transposes are folded into the packing and the product's
// inner loop only ever reads memory sequentially.

import { blockFromBias, blockLocals, blockRelu, blockStep, get, inc, locals, loop, range, rows, set } from '../wat-block.js';

const i32 = (n) => `(i32.const ${n})`;
const shl = (value, bits) => `(i32.shl ${value} ${i32(bits)})`;
const mul = (a, b) => `(i32.mul ${a} ${b})`;
const plus = (...terms) => terms.reduce((sum, t) => `(i32.add ${sum} ${t})`);

/** 32-bit lanes of a then b (indices 0-3 from a, 4-7 from b) as an i8x16.shuffle. */
const shuffle = (a, b, lanes) => `(i8x16.shuffle ${lanes.flatMap((l) => range(4).map((i) => 4 * l + i)).join(' ')} ${a} ${b})`;

/** Transposes the 4 x 4 block in locals v{first}..v{first+3} into locals o0..o3 (o_j = lane j of each). */
function transpose4(first) {
  const v = (i) => get(`v${first + i}`);
  return [
    set('t0', shuffle(v(0), v(1), [0, 4, 1, 5])),
    set('t1', shuffle(v(0), v(1), [2, 6, 3, 7])),
    set('t2', shuffle(v(2), v(3), [0, 4, 1, 5])),
    set('t3', shuffle(v(2), v(3), [2, 6, 3, 7])),
    set('o0', shuffle(get('t0'), get('t2'), [0, 1, 4, 5])),
    set('o1', shuffle(get('t0'), get('t2'), [2, 3, 6, 7])),
    set('o2', shuffle(get('t1'), get('t3'), [0, 1, 4, 5])),
    set('o3', shuffle(get('t1'), get('t3'), [2, 3, 6, 7])),
  ];
}

/** Loads v{j} (j < count) from `count` rows of `rowBytes` apart, at byte `k4` into them, from base local `src`. */
const loadRows = (count, rowBytes) =>
  range(count).map((j) => set(`v${j}`, `(v128.load ${plus(get('src'), mul(i32(j), get(rowBytes)), get('k4'))})`));

/** The packing kernel's v128 locals: eight rows loaded, the transpose's temporaries and results. */
const packLocals = locals([...range(8).map((j) => `v${j}`), 't0', 't1', 't2', 't3', 'o0', 'o1', 'o2', 'o3'], 'v128');

/**
 * Blocks of A or panels of B per work item of the packing where they are
 * short (K below GROUPED_BELOW_K). One each, two threads took the hundreds
 * of items of the Dense layer's gradients from the counter in twice the
 * time one thread took alone; four blocks of a transposed A also read whole
 * 64-byte lines of its rows, so no line goes to both threads.
 */
const UNITS_PER_ITEM = 4;
const GROUPED_BELOW_K = 1024;

function pack() {
  // A block: rows i..i+3 of A, K values each, as [K][4] (a k's four values together).
  const aRowsContiguous = loop('aT', `(i32.ge_u ${get('k')} (local.get $K))`, [
    set('k4', shl(get('k'), 2)),
    ...loadRows(4, 'rowBytes'),
    ...transpose4(0),
    ...range(4).map((j) => `(v128.store offset=${16 * j} ${plus(get('dst'), shl(get('k4'), 2))} ${get(`o${j}`)})`),
    inc('k', i32(4)),
  ]);
  const aColumnsContiguous = loop('aC', `(i32.ge_u ${get('k')} (local.get $K))`, [
    `(v128.store ${plus(get('dst'), shl(get('k'), 4))} (v128.load ${plus(get('src'), mul(get('k'), get('colBytes')))}))`,
    inc('k', i32(1)),
  ]);
  // B panel: columns n..n+7 of B, K values each, as [K][8].
  const bRowsContiguous = loop('bC', `(i32.ge_u ${get('k')} (local.get $K))`, [
    set('k4', plus(get('src'), mul(get('k'), get('rowBytes')))),
    `(v128.store ${plus(get('dst'), shl(get('k'), 5))} (v128.load ${get('k4')}))`,
    `(v128.store offset=16 ${plus(get('dst'), shl(get('k'), 5))} (v128.load offset=16 ${get('k4')}))`,
    inc('k', i32(1)),
  ]);
  const bTransposed = loop('bT', `(i32.ge_u ${get('k')} (local.get $K))`, [
    set('k4', shl(get('k'), 2)),
    ...loadRows(8, 'rowBytes'),
    ...[0, 4].flatMap((half) => [
      ...transpose4(half),
      ...range(4).map((j) => `(v128.store offset=${32 * j + 4 * half} ${plus(get('dst'), shl(get('k4'), 3))} ${get(`o${j}`)})`),
    ]),
    inc('k', i32(4)),
  ]);
  return `
  ;; Packs the operands of C = A B (see $matmul) for it: A [M, K] into blocks
  ;; of 4 rows [M/4][K][4] at ap, B [K, N] into panels of 8 columns
  ;; [N/8][K][8] at bp. A[i, k] is at a + 4 (i aRow + k aCol) with aCol = 1
  ;; or aRow = 1; B[k, n] at b + 4 (k bRow + n), or with bT at b + 4 (n bRow
  ;; + k). K a multiple of 4. Threads take blocks and panels (${UNITS_PER_ITEM} at a
  ;; time where K < ${GROUPED_BELOW_K}) from the counter at next.
  (func $matmulPack
    (param $a i32) (param $b i32) (param $ap i32) (param $bp i32) (param $M i32) (param $N i32) (param $K i32)
    (param $aRow i32) (param $aCol i32) (param $bRow i32) (param $bT i32) (param $next i32)
    (local $blocks i32) (local $units i32) (local $per i32) (local $u i32) (local $uEnd i32) (local $panel i32) (local $items i32) (local $t i32) (local $k i32) (local $k4 i32) (local $src i32) (local $dst i32)
    (local $rowBytes i32) (local $colBytes i32)
    ${packLocals}
    (local.set $blocks (i32.shr_u (local.get $M) (i32.const 2)))
    (local.set $units (i32.add (local.get $blocks) (i32.shr_u (local.get $N) (i32.const 3))))
    (local.set $per (select (i32.const ${UNITS_PER_ITEM}) (i32.const 1) (i32.lt_u (local.get $K) (i32.const ${GROUPED_BELOW_K}))))
    (local.set $items (i32.div_u (i32.add (local.get $units) (i32.sub (local.get $per) (i32.const 1))) (local.get $per)))
    ${loop('take', '(i32.ge_u (local.tee $t (i32.atomic.rmw.add (local.get $next) (i32.const 1))) (local.get $items))', [
      set('u', mul(get('t'), get('per'))),
      set('uEnd', plus(get('u'), get('per'))),
      set('uEnd', `(select (local.get $units) ${get('uEnd')} (i32.gt_u ${get('uEnd')} (local.get $units)))`),
      loop('units', `(i32.ge_u ${get('u')} ${get('uEnd')})`, [
        set('k', i32(0)),
        `(if (i32.lt_u ${get('u')} ${get('blocks')})
          (then
            ${set('dst', plus('(local.get $ap)', mul(get('u'), shl('(local.get $K)', 4))))}
            ${set('src', plus('(local.get $a)', mul(shl(get('u'), 4), '(local.get $aRow)')))}
            ${set('rowBytes', shl('(local.get $aRow)', 2))}
            ${set('colBytes', shl('(local.get $aCol)', 2))}
            (if (i32.eq (local.get $aCol) (i32.const 1))
              (then ${aRowsContiguous})
              (else ${aColumnsContiguous})))
          (else
            ${set('panel', `(i32.sub ${get('u')} ${get('blocks')})`)}
            ${set('dst', plus('(local.get $bp)', mul(get('panel'), shl('(local.get $K)', 5))))}
            ${set('rowBytes', shl('(local.get $bRow)', 2))}
            (if (local.get $bT)
              (then
                ${set('src', plus('(local.get $b)', mul(shl(get('panel'), 5), '(local.get $bRow)')))}
                ${bTransposed})
              (else
                ${set('src', plus('(local.get $b)', shl(get('panel'), 5)))}
                ${bRowsContiguous}))))`,
        inc('u', i32(1)),
      ]),
    ])})
`;
}

function product() {
  const step = blockStep('bq', (r) => `offset=${4 * r} (local.get $aq)`);
  const rowAt = (r) => (r === 0 ? get('cp') : plus(get('cp'), mul(i32(r), get('cRow'))));
  const stores = rows.flatMap((r) => [0, 1].map((q) => `(v128.store offset=${16 * q} ${rowAt(r)} ${get(`a${r}_${q}`)})`));
  const block = loop('rows', `(i32.ge_u ${get('r')} ${get('rEnd')})`, [
    ...blockFromBias(plus('(local.get $bias)', get('cOff'))),
    set('aq', plus('(local.get $ap)', mul(get('r'), shl('(local.get $K)', 2)))),
    set('bq', get('panel')),
    set('k', i32(0)),
    loop('sum', `(i32.ge_u ${get('k')} (local.get $K))`, [...step, inc('aq', i32(16)), inc('bq', i32(32)), inc('k', i32(1))]),
    ...blockRelu(),
    set('cp', plus('(local.get $c)', mul(get('r'), get('cRow')), get('cOff'))),
    ...stores,
    inc('r', i32(4)),
  ]);
  return `
  ;; C = relu?(A B + bias) from the operands $matmulPack packed (ap, bp);
  ;; bias [N], or 0 for none. C [M, N] with
  ;; contiguous rows, M a multiple of 4, N of 16. Work items are rowsPer rows
  ;; by 16 columns (a whole cache line of C, so no two threads write the
  ;; same line), taken from the counter at next chunk of rows by chunk (a
  ;; chunk's rows of A stay in cache across the columns). 4 x 8 blocks in
  ;; registers, reading both operands in order.
  (func $matmul
    (param $ap i32) (param $bp i32) (param $c i32) (param $M i32) (param $N i32) (param $K i32) (param $bias i32) (param $relu i32)
    (param $rowsPer i32) (param $next i32)
    (local $groups i32) (local $items i32) (local $t i32) (local $g i32) (local $q i32) (local $r0 i32) (local $r i32) (local $rEnd i32)
    (local $k i32) (local $panel i32) (local $aq i32) (local $bq i32) (local $cp i32) (local $cOff i32) (local $cRow i32)
    ${blockLocals}
    (local.set $groups (i32.shr_u (local.get $N) (i32.const 4)))
    (local.set $items (i32.mul (local.get $groups) (i32.div_u (i32.add (local.get $M) (i32.sub (local.get $rowsPer) (i32.const 1))) (local.get $rowsPer))))
    (local.set $cRow (i32.shl (local.get $N) (i32.const 2)))
    ${loop('take', '(i32.ge_u (local.tee $t (i32.atomic.rmw.add (local.get $next) (i32.const 1))) (local.get $items))', [
      set('g', `(i32.rem_u ${get('t')} ${get('groups')})`),
      set('r0', mul(`(i32.div_u ${get('t')} ${get('groups')})`, '(local.get $rowsPer)')),
      set('rEnd', plus(get('r0'), '(local.get $rowsPer)')),
      set('rEnd', `(select (local.get $M) ${get('rEnd')} (i32.gt_u ${get('rEnd')} (local.get $M)))`),
      set('q', i32(0)),
      loop('panels', `(i32.ge_u ${get('q')} (i32.const 2))`, [
        set('cOff', shl(plus(shl(get('g'), 1), get('q')), 5)),
        set('panel', plus('(local.get $bp)', mul(plus(shl(get('g'), 1), get('q')), shl('(local.get $K)', 5)))),
        set('r', get('r0')),
        block,
        inc('q', i32(1)),
      ]),
    ])})
`;
}

export default function matmulWat() {
  return pack() + product();
}
