;; MaxPool 2x2, stride 2, over windows that tile the input (NHWC, C a
;; multiple of 4): each output the largest of its four inputs. Threads take
;; chunks of 64 output rows (an output row reads the two input rows below
;; it) from the counter at next.
(func $maxPool2x2 (param $x i32) (param $y i32) (param $rowsOut i32) (param $OW i32) (param $C i32) (param $next i32)
  (local $r i32) (local $len i32) (local $end i32) (local $p i32) (local $q i32) (local $qEnd i32) (local $c4 i32) (local $row i32) (local $c i32)
  (local.set $c4 (i32.shl (local.get $C) (i32.const 2)))
  (local.set $row (i32.shl (i32.mul (local.get $OW) (local.get $c4)) (i32.const 1)))
  (block $done
    (loop $take
      (call $chunk (local.get $next) (i32.const 64) (local.get $rowsOut))
      (local.set $len) (local.tee $r)
      (br_if $done (i32.ge_u (local.get $rowsOut)))
      ;; q walks the chunk's outputs; p the top-left input of q's window
      (local.set $q (i32.add (local.get $y) (i32.mul (i32.mul (local.get $r) (local.get $OW)) (local.get $c4))))
      (local.set $qEnd (i32.add (local.get $q) (i32.mul (i32.mul (local.get $len) (local.get $OW)) (local.get $c4))))
      (local.set $p (i32.add (local.get $x) (i32.mul (local.get $r) (local.get $row))))
      (local.set $p (i32.add (local.get $p) (i32.mul (local.get $r) (local.get $row))))
      (block $rowsDone
        (loop $rows
          (br_if $rowsDone (i32.ge_u (local.get $q) (local.get $qEnd)))
          (local.set $end (i32.add (local.get $q) (i32.shr_u (local.get $row) (i32.const 1))))
          (block $colsDone
            (loop $cols
              (br_if $colsDone (i32.ge_u (local.get $q) (local.get $end)))
              (local.set $c (i32.const 0))
              (block $chansDone
                (loop $chans
                  (br_if $chansDone (i32.ge_u (local.get $c) (local.get $c4)))
                  (v128.store (i32.add (local.get $q) (local.get $c))
                    (f32x4.max
                      (f32x4.max (v128.load (i32.add (local.get $p) (local.get $c))) (v128.load (i32.add (i32.add (local.get $p) (local.get $c4)) (local.get $c))))
                      (f32x4.max (v128.load (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c)))
                                 (v128.load (i32.add (i32.add (i32.add (local.get $p) (local.get $row)) (local.get $c4)) (local.get $c))))))
                  (local.set $c (i32.add (local.get $c) (i32.const 16)))
                  (br $chans)))
              (local.set $q (i32.add (local.get $q) (local.get $c4)))
              (local.set $p (i32.add (local.get $p) (i32.shl (local.get $c4) (i32.const 1))))
              (br $cols)))
          ;; past the window's second input row, to the next pair
          (local.set $p (i32.add (local.get $p) (local.get $row)))
          (br $rows)))
      (br $take))))
