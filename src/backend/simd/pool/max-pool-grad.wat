;; MaxPool 2x2 / stride 2 gradient where the windows tile the input
;; (NHWC, C a multiple of 4): each input gets its window's gradient if it
;; is the window's first maximum (scan order), else 0. With relu = 1 the
;; input is a ReLU's output and the gradient goes on through the ReLU
;; too: windows whose maximum is not positive pass none.
(func $maxPoolGrad2x2
  (param $x i32) (param $g i32) (param $dx i32) (param $rowsOut i32) (param $OW i32) (param $C i32) (param $relu i32)
  (local $r i32) (local $ow i32) (local $c i32) (local $row i32) (local $p0 i32) (local $q i32)
  (local $v0 v128) (local $v1 v128) (local $v2 v128) (local $v3 v128) (local $best v128) (local $d v128)
  (local $m1 v128) (local $m2 v128) (local $m3 v128) (local $later v128) (local $pass v128)
  ;; all lanes set without relu, so the positive-maximum test lets everything through
  (local.set $pass (i32x4.splat (i32.sub (local.get $relu) (i32.const 1))))
  ;; bytes from one input row to the next
  (local.set $row (i32.shl (i32.mul (i32.shl (local.get $OW) (i32.const 1)) (local.get $C)) (i32.const 2)))
  (local.set $r (i32.const 0))
  (block $done
    (loop $rows
      (br_if $done (i32.ge_u (local.get $r) (local.get $rowsOut)))
      (local.set $ow (i32.const 0))
      (block $rowDone
        (loop $cols
          (br_if $rowDone (i32.ge_u (local.get $ow) (local.get $OW)))
          ;; p0: input (2r, 2ow); q: output (r, ow), in bytes
          (local.set $p0 (i32.shl (i32.mul (i32.add (i32.mul (i32.shl (local.get $r) (i32.const 1)) (i32.shl (local.get $OW) (i32.const 1)))
                                                    (i32.shl (local.get $ow) (i32.const 1))) (local.get $C)) (i32.const 2)))
          (local.set $q (i32.shl (i32.mul (i32.add (i32.mul (local.get $r) (local.get $OW)) (local.get $ow)) (local.get $C)) (i32.const 2)))
          (local.set $c (i32.const 0))
          (block $chanDone
            (loop $chans
              (br_if $chanDone (i32.ge_u (local.get $c) (local.get $C)))
              (local.set $v0 (v128.load (i32.add (local.get $x) (local.get $p0))))
              (local.set $v1 (v128.load (i32.add (local.get $x) (i32.add (local.get $p0) (i32.shl (local.get $C) (i32.const 2))))))
              (local.set $v2 (v128.load (i32.add (local.get $x) (i32.add (local.get $p0) (local.get $row)))))
              (local.set $v3 (v128.load (i32.add (local.get $x) (i32.add (i32.add (local.get $p0) (local.get $row)) (i32.shl (local.get $C) (i32.const 2))))))
              (local.set $d (v128.load (i32.add (local.get $g) (local.get $q))))
              ;; strictly greater keeps the first maximum
              (local.set $m1 (f32x4.gt (local.get $v1) (local.get $v0)))
              (local.set $best (v128.bitselect (local.get $v1) (local.get $v0) (local.get $m1)))
              (local.set $m2 (f32x4.gt (local.get $v2) (local.get $best)))
              (local.set $best (v128.bitselect (local.get $v2) (local.get $best) (local.get $m2)))
              (local.set $m3 (f32x4.gt (local.get $v3) (local.get $best)))
              (local.set $d (v128.and (local.get $d)
                (v128.or (local.get $pass) (f32x4.gt (v128.bitselect (local.get $v3) (local.get $best) (local.get $m3)) (v128.const i32x4 0 0 0 0)))))
              ;; a position wins if it beat the earlier ones and no later one beat it
              (local.set $later (v128.or (local.get $m2) (local.get $m3)))
              (v128.store (i32.add (local.get $dx) (local.get $p0))
                (v128.andnot (local.get $d) (v128.or (local.get $m1) (local.get $later))))
              (v128.store (i32.add (local.get $dx) (i32.add (local.get $p0) (i32.shl (local.get $C) (i32.const 2))))
                (v128.andnot (v128.and (local.get $d) (local.get $m1)) (local.get $later)))
              (v128.store (i32.add (local.get $dx) (i32.add (local.get $p0) (local.get $row)))
                (v128.andnot (v128.and (local.get $d) (local.get $m2)) (local.get $m3)))
              (v128.store (i32.add (local.get $dx) (i32.add (i32.add (local.get $p0) (local.get $row)) (i32.shl (local.get $C) (i32.const 2))))
                (v128.and (local.get $d) (local.get $m3)))
              (local.set $p0 (i32.add (local.get $p0) (i32.const 16)))
              (local.set $q (i32.add (local.get $q) (i32.const 16)))
              (local.set $c (i32.add (local.get $c) (i32.const 4)))
              (br $chans)))
          (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
          (br $cols)))
      (local.set $r (i32.add (local.get $r) (i32.const 1)))
      (br $rows))))
