;; total[c] += sum over r of v[r * C + c] (C a multiple of 4), where v is src,
;; or src where mask > 0 if mask is not 0 (a ReLU's gradient from its
;; output), and v is also written to out if out is not 0. Blocks of 256 rows
;; are summed in float32 in `block` (C floats), and the blocks in float64 in
;; `total` (C doubles), so long sums keep their precision.
(func $sumRowsInto (param $src i32) (param $mask i32) (param $out i32) (param $rows i32) (param $C i32) (param $block i32) (param $total i32)
  (local $r i32) (local $c i32) (local $end i32) (local $o i32) (local $v v128)
  (local.set $r (i32.const 0))
  (local.set $o (i32.const 0))
  (block $done
    (loop $blocks
      (br_if $done (i32.ge_u (local.get $r) (local.get $rows)))
      (memory.fill (local.get $block) (i32.const 0) (i32.shl (local.get $C) (i32.const 2)))
      (local.set $end (select (local.get $rows) (i32.add (local.get $r) (i32.const 256))
        (i32.lt_u (local.get $rows) (i32.add (local.get $r) (i32.const 256)))))
      (block $blockDone
        (loop $rowsLoop
          (br_if $blockDone (i32.ge_u (local.get $r) (local.get $end)))
          (local.set $c (i32.const 0))
          (block $rowDone
            (loop $cols
              (br_if $rowDone (i32.ge_u (local.get $c) (local.get $C)))
              (local.set $v (v128.load (i32.add (local.get $src) (local.get $o))))
              (if (local.get $mask)
                (then (local.set $v (v128.and (local.get $v)
                  (f32x4.gt (v128.load (i32.add (local.get $mask) (local.get $o))) (v128.const f32x4 0 0 0 0))))))
              (if (local.get $out) (then (v128.store (i32.add (local.get $out) (local.get $o)) (local.get $v))))
              (v128.store (i32.add (local.get $block) (i32.shl (local.get $c) (i32.const 2)))
                (f32x4.add (v128.load (i32.add (local.get $block) (i32.shl (local.get $c) (i32.const 2)))) (local.get $v)))
              (local.set $o (i32.add (local.get $o) (i32.const 16)))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br $cols)))
          (local.set $r (i32.add (local.get $r) (i32.const 1)))
          (br $rowsLoop)))
      (local.set $c (i32.const 0))
      (block $foldDone
        (loop $fold
          (br_if $foldDone (i32.ge_u (local.get $c) (local.get $C)))
          (local.set $v (v128.load (i32.add (local.get $block) (i32.shl (local.get $c) (i32.const 2)))))
          (v128.store (i32.add (local.get $total) (i32.shl (local.get $c) (i32.const 3)))
            (f64x2.add (v128.load (i32.add (local.get $total) (i32.shl (local.get $c) (i32.const 3))))
              (f64x2.promote_low_f32x4 (local.get $v))))
          (v128.store (i32.add (local.get $total) (i32.add (i32.shl (local.get $c) (i32.const 3)) (i32.const 16)))
            (f64x2.add (v128.load (i32.add (local.get $total) (i32.add (i32.shl (local.get $c) (i32.const 3)) (i32.const 16))))
              (f64x2.promote_low_f32x4 (i8x16.shuffle 8 9 10 11 12 13 14 15 0 1 2 3 4 5 6 7 (local.get $v) (local.get $v)))))
          (local.set $c (i32.add (local.get $c) (i32.const 4)))
          (br $fold)))
      (br $blocks))))

;; The sum of rows (masked and written as in sumRowsInto; mask and out 0 for
;; neither), by every thread that runs it: each takes a slot of scratch
;; (from the counter at slots; C floats of block, then C doubles of its
;; total) and chunks of 1024 rows from the counter at next; the caller adds
;; the slots' totals.
(func $sumRows (param $src i32) (param $mask i32) (param $out i32) (param $rows i32) (param $C i32) (param $scratch i32) (param $slots i32) (param $next i32)
  (local $r i32) (local $len i32) (local $block i32) (local $total i32) (local $o i32)
  (local.set $block (i32.add (local.get $scratch) (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1)) (i32.mul (local.get $C) (i32.const 12)))))
  (local.set $total (i32.add (local.get $block) (i32.shl (local.get $C) (i32.const 2))))
  (memory.fill (local.get $total) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
  (block $done
    (loop $take
      (call $chunk (local.get $next) (i32.const 1024) (local.get $rows))
      (local.set $len) (local.tee $r)
      (br_if $done (i32.ge_u (local.get $rows)))
      (local.set $o (i32.shl (i32.mul (local.get $r) (local.get $C)) (i32.const 2)))
      (call $sumRowsInto (i32.add (local.get $src) (local.get $o))
        (select (i32.add (local.get $mask) (local.get $o)) (i32.const 0) (local.get $mask))
        (select (i32.add (local.get $out) (local.get $o)) (i32.const 0) (local.get $out))
        (local.get $len) (local.get $C) (local.get $block) (local.get $total))
      (br $take))))
