// Dropout's counter-based generator in SIMD: the mask kernel, and the
// statements a kernel inlines to drop values as it writes them (the pooled
// Winograd conv), so every SIMD mask is contract/dropout-mask.ts's.

/** Mulberry32's counter step: value i's mask depends only on seed + (i + 1) * it. */
export const MULBERRY32_STEP = '0x6d2b79f5';

/** The four lanes' counter offsets from lane 0's state. */
export const MULBERRY32_LANES = `(v128.const i32x4 ${[0, 1, 2, 3].map((k) => Math.imul(k, Number(MULBERRY32_STEP)) >>> 0).join(' ')})`;

/**
 * Statements leaving in local $t (a v128) mulberry32's output for the four
 * states in local $a: lane by lane what contract/dropout-mask.ts computes.
 */
export function mulberry32(a, t) {
  const [A, T] = [`(local.get $${a})`, `(local.get $${t})`];
  return `(local.set $${t} (i32x4.mul (v128.xor ${A} (i32x4.shr_u ${A} (i32.const 15))) (v128.or ${A} (i32x4.splat (i32.const 1)))))
      (local.set $${t} (v128.xor ${T} (i32x4.add ${T} (i32x4.mul (v128.xor ${T} (i32x4.shr_u ${T} (i32.const 7))) (v128.or ${T} (i32x4.splat (i32.const 61)))))))
      (local.set $${t} (v128.xor ${T} (i32x4.shr_u ${T} (i32.const 14))))`;
}

/** All ones in the lanes dropped: mulberry32's output $t below the threshold splatted in local $limit. */
export const dropped = (t) => `(i32x4.lt_u (local.get $${t}) (local.get $limit))`;

export default function dropoutMaskWat() {
  return `
;; The dropout mask for values 0..n-1 (n a multiple of 4): value i is keep,
;; or 0 where mulberry32's output for counter i (state seed + (i + 1) * C)
;; is below threshold, an unsigned fraction of 2^32. Counter-based, so four
;; lanes at once give the same mask as contract/dropout-mask.ts does one by one.
(func $dropoutMask (param $out i32) (param $n i32) (param $seed i32) (param $threshold i32) (param $keep f32)
  (local $o i32) (local $end i32) (local $a v128) (local $t v128) (local $step v128) (local $k v128) (local $limit v128)
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (local.set $a (i32x4.add (i32x4.splat (i32.add (local.get $seed) (i32.const ${MULBERRY32_STEP}))) ${MULBERRY32_LANES}))
  (local.set $step (i32x4.splat (i32.mul (i32.const ${MULBERRY32_STEP}) (i32.const 4))))
  (local.set $k (f32x4.splat (local.get $keep)))
  (local.set $limit (i32x4.splat (local.get $threshold)))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      ${mulberry32('a', 't')}
      (v128.store (i32.add (local.get $out) (local.get $o)) (v128.andnot (local.get $k) ${dropped('t')}))
      (local.set $a (i32x4.add (local.get $a) (local.get $step)))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $each))))
`;
}
