;; dst[j * dstStride + i] = src[i * srcStride + j], i < rows, j < cols
;; (strides in floats): 4x4 blocks with shuffles, the edges scalar.
(func $transpose2d
  (param $src i32) (param $dst i32) (param $rows i32) (param $cols i32) (param $srcStride i32) (param $dstStride i32)
  (local $i i32) (local $j i32) (local $rows4 i32) (local $cols4 i32)
  (local $s i32) (local $d i32) (local $ss i32) (local $ds i32)
  (local $r0 v128) (local $r1 v128) (local $r2 v128) (local $r3 v128)
  (local $t0 v128) (local $t1 v128) (local $t2 v128) (local $t3 v128)
  (local.set $rows4 (i32.and (local.get $rows) (i32.const -4)))
  (local.set $cols4 (i32.and (local.get $cols) (i32.const -4)))
  (local.set $ss (i32.shl (local.get $srcStride) (i32.const 2)))
  (local.set $ds (i32.shl (local.get $dstStride) (i32.const 2)))
  (local.set $i (i32.const 0))
  (block $rowsDone
    (loop $rowLoop
      (br_if $rowsDone (i32.ge_u (local.get $i) (local.get $rows4)))
      (local.set $j (i32.const 0))
      (block $colsDone
        (loop $colLoop
          (br_if $colsDone (i32.ge_u (local.get $j) (local.get $cols4)))
          (local.set $s (i32.add (local.get $src)
            (i32.shl (i32.add (i32.mul (local.get $i) (local.get $srcStride)) (local.get $j)) (i32.const 2))))
          (local.set $r0 (v128.load (local.get $s)))
          (local.set $r1 (v128.load (i32.add (local.get $s) (local.get $ss))))
          (local.set $r2 (v128.load (i32.add (local.get $s) (i32.shl (local.get $ss) (i32.const 1)))))
          (local.set $r3 (v128.load (i32.add (local.get $s) (i32.mul (local.get $ss) (i32.const 3)))))
          (local.set $t0 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r0) (local.get $r1)))
          (local.set $t1 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r0) (local.get $r1)))
          (local.set $t2 (i8x16.shuffle 0 1 2 3 16 17 18 19 4 5 6 7 20 21 22 23 (local.get $r2) (local.get $r3)))
          (local.set $t3 (i8x16.shuffle 8 9 10 11 24 25 26 27 12 13 14 15 28 29 30 31 (local.get $r2) (local.get $r3)))
          (local.set $d (i32.add (local.get $dst)
            (i32.shl (i32.add (i32.mul (local.get $j) (local.get $dstStride)) (local.get $i)) (i32.const 2))))
          (v128.store (local.get $d)
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $d) (local.get $ds))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t0) (local.get $t2)))
          (v128.store (i32.add (local.get $d) (i32.shl (local.get $ds) (i32.const 1)))
            (i8x16.shuffle 0 1 2 3 4 5 6 7 16 17 18 19 20 21 22 23 (local.get $t1) (local.get $t3)))
          (v128.store (i32.add (local.get $d) (i32.mul (local.get $ds) (i32.const 3)))
            (i8x16.shuffle 8 9 10 11 12 13 14 15 24 25 26 27 28 29 30 31 (local.get $t1) (local.get $t3)))
          (local.set $j (i32.add (local.get $j) (i32.const 4)))
          (br $colLoop)))
      (local.set $i (i32.add (local.get $i) (i32.const 4)))
      (br $rowLoop)))
  ;; Edges: the columns right of cols4 for the tiled rows, then the rows below rows4.
  (call $transposeScalar (local.get $src) (local.get $dst) (i32.const 0) (local.get $rows4) (local.get $cols4) (local.get $cols)
    (local.get $srcStride) (local.get $dstStride))
  (call $transposeScalar (local.get $src) (local.get $dst) (local.get $rows4) (local.get $rows) (i32.const 0) (local.get $cols)
    (local.get $srcStride) (local.get $dstStride)))

(func $transposeScalar
  (param $src i32) (param $dst i32) (param $i0 i32) (param $i1 i32) (param $j0 i32) (param $j1 i32)
  (param $srcStride i32) (param $dstStride i32)
  (local $i i32) (local $j i32)
  (local.set $i (local.get $i0))
  (block $done
    (loop $rows
      (br_if $done (i32.ge_u (local.get $i) (local.get $i1)))
      (local.set $j (local.get $j0))
      (block $rowDone
        (loop $cols
          (br_if $rowDone (i32.ge_u (local.get $j) (local.get $j1)))
          (f32.store
            (i32.add (local.get $dst) (i32.shl (i32.add (i32.mul (local.get $j) (local.get $dstStride)) (local.get $i)) (i32.const 2)))
            (f32.load (i32.add (local.get $src) (i32.shl (i32.add (i32.mul (local.get $i) (local.get $srcStride)) (local.get $j)) (i32.const 2)))))
          (local.set $j (i32.add (local.get $j) (i32.const 1)))
          (br $cols)))
      (local.set $i (i32.add (local.get $i) (i32.const 1)))
      (br $rows))))

;; [a, b, c] -> [b, a, c] for a < A, b < B, with rows of C floats moved whole.
(func $swapOuter (param $src i32) (param $dst i32) (param $A i32) (param $B i32) (param $C i32)
  (local $a i32) (local $b i32) (local $bytes i32)
  (local.set $bytes (i32.shl (local.get $C) (i32.const 2)))
  (local.set $a (i32.const 0))
  (block $done
    (loop $outer
      (br_if $done (i32.ge_u (local.get $a) (local.get $A)))
      (local.set $b (i32.const 0))
      (block $inner
        (loop $rows
          (br_if $inner (i32.ge_u (local.get $b) (local.get $B)))
          (memory.copy
            (i32.add (local.get $dst) (i32.mul (i32.add (i32.mul (local.get $b) (local.get $A)) (local.get $a)) (local.get $bytes)))
            (i32.add (local.get $src) (i32.mul (i32.add (i32.mul (local.get $a) (local.get $B)) (local.get $b)) (local.get $bytes)))
            (local.get $bytes))
          (local.set $b (i32.add (local.get $b) (i32.const 1)))
          (br $rows)))
      (local.set $a (i32.add (local.get $a) (i32.const 1)))
      (br $outer))))
