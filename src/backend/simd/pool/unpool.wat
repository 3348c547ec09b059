;; The gradient of a 2x2, stride-2 max pool after a ReLU from the pool's
;; routes (see EdgetuneConvReluPool): the routes say, per output value,
;; which of its window's four inputs (0-3, row by row) was the first
;; maximum, or 4 if the output was 0 (then no gradient passes the ReLU).
;; Each input gets its window's gradient if the route names it, else 0.
;; The windows tile the input (NHWC, C a multiple of 4).
(func $unpool2x2
  (param $g i32) (param $routes i32) (param $dx i32) (param $rowsOut i32) (param $OW i32) (param $C i32)
  (local $q i32) (local $qEnd i32) (local $p i32) (local $rowEnd i32) (local $c4 i32) (local $row i32) (local $c i32)
  (local $d v128) (local $to v128)
  (local.set $c4 (i32.shl (local.get $C) (i32.const 2)))
  ;; bytes from one input row to the next
  (local.set $row (i32.shl (i32.mul (local.get $OW) (local.get $c4)) (i32.const 1)))
  ;; q: the byte offset of an output (in g and routes); p: its window's first input, in dx
  (local.set $qEnd (i32.mul (i32.mul (local.get $rowsOut) (local.get $OW)) (local.get $c4)))
  (local.set $p (local.get $dx))
  (block $done
    (loop $rows
      (br_if $done (i32.ge_u (local.get $q) (local.get $qEnd)))
      (local.set $rowEnd (i32.add (local.get $q) (i32.shr_u (local.get $row) (i32.const 1))))
      (block $rowDone
        (loop $cols
          (br_if $rowDone (i32.ge_u (local.get $q) (local.get $rowEnd)))
          (local.set $c (i32.const 0))
          (block $chansDone
            (loop $chans
              (br_if $chansDone (i32.ge_u (local.get $c) (local.get $c4)))
              (local.set $d (v128.load (i32.add (local.get $g) (i32.add (local.get $q) (local.get $c)))))
              (local.set $to (v128.load (i32.add (local.get $routes) (i32.add (local.get $q) (local.get $c)))))
              (v128.store (i32.add (local.get $p) (local.get $c))
                (v128.and (local.get $d) (i32x4.eq (local.get $to) (v128.const i32x4 0 0 0 0))))
              (v128.store (i32.add (i32.add (local.get $p) (local.get $c4)) (local.get $c))
                (v128.and (local.get $d) (i32x4.eq (local.get $to) (v128.const i32x4 1 1 1 1))))
              (v128.store (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c))
                (v128.and (local.get $d) (i32x4.eq (local.get $to) (v128.const i32x4 2 2 2 2))))
              (v128.store (i32.add (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c4)) (local.get $c))
                (v128.and (local.get $d) (i32x4.eq (local.get $to) (v128.const i32x4 3 3 3 3))))
              (local.set $c (i32.add (local.get $c) (i32.const 16)))
              (br $chans)))
          (local.set $q (i32.add (local.get $q) (local.get $c4)))
          (local.set $p (i32.add (local.get $p) (i32.shl (local.get $c4) (i32.const 1))))
          (br $cols)))
      ;; past the window's second row
      (local.set $p (i32.add (local.get $p) (local.get $row)))
      (br $rows))))
