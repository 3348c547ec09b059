;; edgetune's WebAssembly SIMD kernels. They work in place on tfjs's wasm
;; heap (the memory is imported; pointers are byte offsets of tensor data),
;; for the memory-bound steps of training that tfjs's wasm backend does
;; slowly or not at all. Assembled by scripts/build-simd.js (wabt), once
;; with a shared memory import (threaded binary) and once without.
(module
  (import "env" "memory" (memory 1 65536 shared)) ;; MEMORY-IMPORT

  ;; dst[j * dstStride + i] = src[i * srcStride + j], i < rows, j < cols
  ;; (strides in floats): 4x4 blocks with shuffles, the edges scalar.
  (func (export "transpose2d")
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
  (func (export "swapOuter") (param $src i32) (param $dst i32) (param $A i32) (param $B i32) (param $C i32)
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

  ;; MaxPool 2x2 / stride 2 gradient where the windows tile the input
  ;; (NHWC, C a multiple of 4): each input gets its window's gradient if it
  ;; is the window's first maximum (scan order), else 0. With relu = 1 the
  ;; input is a ReLU's output and the gradient goes on through the ReLU
  ;; too: windows whose maximum is not positive pass none.
  (func $maxPoolGrad2x2 (export "maxPoolGrad2x2")
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

  ;; total[c] += sum over r of src[r * C + c] (C a multiple of 4). Blocks of
  ;; 256 rows are summed in float32 in `block` (C floats), and the blocks in
  ;; float64 in `total` (C doubles), so long sums keep their precision.
  (func $sumRowsInto (param $src i32) (param $rows i32) (param $C i32) (param $block i32) (param $total i32)
    (local $r i32) (local $c i32) (local $end i32) (local $p i32) (local $v v128)
    (local.set $r (i32.const 0))
    (local.set $p (local.get $src))
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
                (v128.store (i32.add (local.get $block) (i32.shl (local.get $c) (i32.const 2)))
                  (f32x4.add (v128.load (i32.add (local.get $block) (i32.shl (local.get $c) (i32.const 2)))) (v128.load (local.get $p))))
                (local.set $p (i32.add (local.get $p) (i32.const 16)))
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

  ;; The sum of rows, by every thread that runs it: each takes a slot of
  ;; scratch (from the counter at slots; C floats of block, then C doubles
  ;; of its total) and chunks of 1024 rows from the counter at next; the
  ;; caller adds the slots' totals.
  (func (export "sumRows") (param $src i32) (param $rows i32) (param $C i32) (param $scratch i32) (param $slots i32) (param $next i32)
    (local $r i32) (local $len i32) (local $block i32) (local $total i32)
    (local.set $block (i32.add (local.get $scratch) (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1)) (i32.mul (local.get $C) (i32.const 12)))))
    (local.set $total (i32.add (local.get $block) (i32.shl (local.get $C) (i32.const 2))))
    (memory.fill (local.get $total) (i32.const 0) (i32.shl (local.get $C) (i32.const 3)))
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 1024) (local.get $rows))
        (local.set $len) (local.tee $r)
        (br_if $done (i32.ge_u (local.get $rows)))
        (call $sumRowsInto (i32.add (local.get $src) (i32.shl (i32.mul (local.get $r) (local.get $C)) (i32.const 2))) (local.get $len) (local.get $C)
          (local.get $block) (local.get $total))
        (br $take))))

  ;; Keras Adadelta on n values (a multiple of 4), all float32:
  ;; g2' = rho g2 + (1-rho) g^2; step = sqrt(d2 + eps) / sqrt(g2' + eps) * g;
  ;; d2' = rho d2 + (1-rho) step^2; w' = w - lr * step.
  (func $adadelta (export "adadelta")
    (param $w i32) (param $g i32) (param $g2 i32) (param $d2 i32) (param $nw i32) (param $ng2 i32) (param $nd2 i32) (param $n i32)
    (param $lr f32) (param $rho f32) (param $eps f32)
    (local $o i32) (local $end i32) (local $grad v128) (local $gs v128) (local $step v128)
    (local $vlr v128) (local $vrho v128) (local $vkeep v128) (local $veps v128)
    (local.set $vlr (f32x4.splat (local.get $lr)))
    (local.set $vrho (f32x4.splat (local.get $rho)))
    (local.set $vkeep (f32x4.splat (f32.sub (f32.const 1) (local.get $rho))))
    (local.set $veps (f32x4.splat (local.get $eps)))
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $o (i32.const 0))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $grad (v128.load (i32.add (local.get $g) (local.get $o))))
        (local.set $gs (f32x4.add (f32x4.mul (local.get $vrho) (v128.load (i32.add (local.get $g2) (local.get $o))))
                                  (f32x4.mul (local.get $vkeep) (f32x4.mul (local.get $grad) (local.get $grad)))))
        (local.set $step (f32x4.mul
          (f32x4.div (f32x4.sqrt (f32x4.add (v128.load (i32.add (local.get $d2) (local.get $o))) (local.get $veps)))
                     (f32x4.sqrt (f32x4.add (local.get $gs) (local.get $veps))))
          (local.get $grad)))
        (v128.store (i32.add (local.get $ng2) (local.get $o)) (local.get $gs))
        (v128.store (i32.add (local.get $nd2) (local.get $o))
          (f32x4.add (f32x4.mul (local.get $vrho) (v128.load (i32.add (local.get $d2) (local.get $o))))
                     (f32x4.mul (local.get $vkeep) (f32x4.mul (local.get $step) (local.get $step)))))
        (v128.store (i32.add (local.get $nw) (local.get $o))
          (f32x4.sub (v128.load (i32.add (local.get $w) (local.get $o))) (f32x4.mul (local.get $vlr) (local.get $step))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

  ;; Filter gradient of a stride-1 VALID conv (NHWC):
  ;; dw[(kh, kw, ci), co] += sum over (b, oh) rows rowStart..rowEnd and ow of
  ;; x[b, oh+kh, ow+kw, ci] * dy[b, oh, ow, co].
  ;; Registers hold 16 output channels (4 vectors) for `pair` input channels
  ;; (1 or 2: 4 or 8 accumulators), so dy is loaded once per two products.
  ;; Rows go in blocks of 64 so the block of dy stays in cache across taps.
  ;; CO must be a multiple of 16; with pair 2, C must be even.
  (func $accumulateFilterGrad
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $H i32) (param $W i32) (param $C i32) (param $KH i32) (param $KW i32) (param $CO i32)
    (param $rowStart i32) (param $rowEnd i32) (param $pair i32)
    (local $OH i32) (local $OW i32) (local $r0 i32) (local $r1 i32) (local $r i32)
    (local $kh i32) (local $kw i32) (local $ci i32) (local $g i32) (local $ow i32)
    (local $out i32) (local $xp i32) (local $dp i32) (local $x0 v128) (local $x1 v128)
    (local $d0 v128) (local $d1 v128) (local $d2 v128) (local $d3 v128)
    (local $a0 v128) (local $a1 v128) (local $a2 v128) (local $a3 v128)
    (local $b0 v128) (local $b1 v128) (local $b2 v128) (local $b3 v128)
    (local.set $OH (i32.add (i32.sub (local.get $H) (local.get $KH)) (i32.const 1)))
    (local.set $OW (i32.add (i32.sub (local.get $W) (local.get $KW)) (i32.const 1)))
    (local.set $r0 (local.get $rowStart))
    (block $done
      (loop $blocks
        (br_if $done (i32.ge_u (local.get $r0) (local.get $rowEnd)))
        (local.set $r1 (select (local.get $rowEnd) (i32.add (local.get $r0) (i32.const 64))
          (i32.lt_u (local.get $rowEnd) (i32.add (local.get $r0) (i32.const 64)))))
        (local.set $kh (i32.const 0))
        (loop $khs
          (local.set $kw (i32.const 0))
          (loop $kws
            (local.set $ci (i32.const 0))
            (loop $cis
              (local.set $g (i32.const 0))
              (loop $groups
                ;; dw row (kh, kw, ci) [and ci+1], columns g .. g+15
                (local.set $out (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul
                  (i32.add (i32.mul (i32.add (i32.mul (local.get $kh) (local.get $KW)) (local.get $kw)) (local.get $C)) (local.get $ci))
                  (local.get $CO)) (local.get $g)) (i32.const 2))))
                (local.set $a0 (v128.load (local.get $out)))
                (local.set $a1 (v128.load offset=16 (local.get $out)))
                (local.set $a2 (v128.load offset=32 (local.get $out)))
                (local.set $a3 (v128.load offset=48 (local.get $out)))
                (if (i32.eq (local.get $pair) (i32.const 2))
                  (then
                    (local.set $b0 (v128.load (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2)))))
                    (local.set $b1 (v128.load offset=16 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2)))))
                    (local.set $b2 (v128.load offset=32 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2)))))
                    (local.set $b3 (v128.load offset=48 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2)))))))
                (local.set $r (local.get $r0))
                (block $rowsDone
                  (loop $rowLoop
                    (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
                    ;; x at (b, oh + kh, kw, ci) with b = r / OH, oh = r % OH; dy at (r, 0, g)
                    (local.set $xp (i32.add (local.get $x) (i32.shl (i32.add (i32.mul (i32.add (i32.mul
                      (i32.add (i32.mul (i32.div_u (local.get $r) (local.get $OH)) (local.get $H))
                               (i32.add (i32.rem_u (local.get $r) (local.get $OH)) (local.get $kh)))
                      (local.get $W)) (local.get $kw)) (local.get $C)) (local.get $ci)) (i32.const 2))))
                    (local.set $dp (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (i32.mul (local.get $r) (local.get $OW)) (local.get $CO)) (local.get $g)) (i32.const 2))))
                    (local.set $ow (i32.const 0))
                    (if (i32.eq (local.get $pair) (i32.const 2))
                      (then
                        (block $pairDone
                          (loop $pairCols
                            (br_if $pairDone (i32.ge_u (local.get $ow) (local.get $OW)))
                            (local.set $d0 (v128.load (local.get $dp)))
                            (local.set $d1 (v128.load offset=16 (local.get $dp)))
                            (local.set $d2 (v128.load offset=32 (local.get $dp)))
                            (local.set $d3 (v128.load offset=48 (local.get $dp)))
                            (local.set $x0 (v128.load32_splat (local.get $xp)))
                            (local.set $x1 (v128.load32_splat offset=4 (local.get $xp)))
                            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (local.get $d0))))
                            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (local.get $d1))))
                            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (local.get $d2))))
                            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (local.get $d3))))
                            (local.set $b0 (f32x4.add (local.get $b0) (f32x4.mul (local.get $x1) (local.get $d0))))
                            (local.set $b1 (f32x4.add (local.get $b1) (f32x4.mul (local.get $x1) (local.get $d1))))
                            (local.set $b2 (f32x4.add (local.get $b2) (f32x4.mul (local.get $x1) (local.get $d2))))
                            (local.set $b3 (f32x4.add (local.get $b3) (f32x4.mul (local.get $x1) (local.get $d3))))
                            (local.set $xp (i32.add (local.get $xp) (i32.shl (local.get $C) (i32.const 2))))
                            (local.set $dp (i32.add (local.get $dp) (i32.shl (local.get $CO) (i32.const 2))))
                            (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                            (br $pairCols))))
                      (else
                        (block $colsDone
                          (loop $cols
                            (br_if $colsDone (i32.ge_u (local.get $ow) (local.get $OW)))
                            (local.set $x0 (v128.load32_splat (local.get $xp)))
                            (local.set $a0 (f32x4.add (local.get $a0) (f32x4.mul (local.get $x0) (v128.load (local.get $dp)))))
                            (local.set $a1 (f32x4.add (local.get $a1) (f32x4.mul (local.get $x0) (v128.load offset=16 (local.get $dp)))))
                            (local.set $a2 (f32x4.add (local.get $a2) (f32x4.mul (local.get $x0) (v128.load offset=32 (local.get $dp)))))
                            (local.set $a3 (f32x4.add (local.get $a3) (f32x4.mul (local.get $x0) (v128.load offset=48 (local.get $dp)))))
                            (local.set $xp (i32.add (local.get $xp) (i32.shl (local.get $C) (i32.const 2))))
                            (local.set $dp (i32.add (local.get $dp) (i32.shl (local.get $CO) (i32.const 2))))
                            (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                            (br $cols)))))
                    (local.set $r (i32.add (local.get $r) (i32.const 1)))
                    (br $rowLoop)))
                (v128.store (local.get $out) (local.get $a0))
                (v128.store offset=16 (local.get $out) (local.get $a1))
                (v128.store offset=32 (local.get $out) (local.get $a2))
                (v128.store offset=48 (local.get $out) (local.get $a3))
                (if (i32.eq (local.get $pair) (i32.const 2))
                  (then
                    (v128.store (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2))) (local.get $b0))
                    (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2))) (local.get $b1))
                    (v128.store offset=32 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2))) (local.get $b2))
                    (v128.store offset=48 (i32.add (local.get $out) (i32.shl (local.get $CO) (i32.const 2))) (local.get $b3))))
                (local.set $g (i32.add (local.get $g) (i32.const 16)))
                (br_if $groups (i32.lt_u (local.get $g) (local.get $CO))))
              (local.set $ci (i32.add (local.get $ci) (local.get $pair)))
              (br_if $cis (i32.lt_u (local.get $ci) (local.get $C))))
            (local.set $kw (i32.add (local.get $kw) (i32.const 1)))
            (br_if $kws (i32.lt_u (local.get $kw) (local.get $KW))))
          (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
          (br_if $khs (i32.lt_u (local.get $kh) (local.get $KH))))
        (local.set $r0 (local.get $r1))
        (br $blocks))))

  ;; The filter gradient over rows rowStart..rowEnd, written (not added) to dw.
  (func (export "convFilterGrad")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $H i32) (param $W i32) (param $C i32) (param $KH i32) (param $KW i32) (param $CO i32)
    (param $rowStart i32) (param $rowEnd i32) (param $pair i32)
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $KH) (local.get $KW)) (local.get $C)) (local.get $CO)) (i32.const 2)))
    (call $accumulateFilterGrad (local.get $x) (local.get $dy) (local.get $dw) (local.get $H) (local.get $W) (local.get $C)
      (local.get $KH) (local.get $KW) (local.get $CO) (local.get $rowStart) (local.get $rowEnd) (local.get $pair)))

  ;; The same with threads sharing the rows: each takes the next 64 from the
  ;; counter at `next` (an i32 on the heap, 0 at the start) until none are
  ;; left, into its own dw. Taking turns, not fixed halves, keeps a thread
  ;; that gets less of the CPU (the backend's pthreads spin a while after
  ;; their own work) from holding the other up.
  (func (export "convFilterGradShared")
    (param $x i32) (param $dy i32) (param $dw i32)
    (param $H i32) (param $W i32) (param $C i32) (param $KH i32) (param $KW i32) (param $CO i32)
    (param $rows i32) (param $pair i32) (param $next i32)
    (local $r0 i32)
    (memory.fill (local.get $dw) (i32.const 0)
      (i32.shl (i32.mul (i32.mul (i32.mul (local.get $KH) (local.get $KW)) (local.get $C)) (local.get $CO)) (i32.const 2)))
    (block $done
      (loop $take
        (local.set $r0 (i32.atomic.rmw.add (local.get $next) (i32.const 64)))
        (br_if $done (i32.ge_u (local.get $r0) (local.get $rows)))
        (call $accumulateFilterGrad (local.get $x) (local.get $dy) (local.get $dw) (local.get $H) (local.get $W) (local.get $C)
          (local.get $KH) (local.get $KW) (local.get $CO) (local.get $r0)
          (select (local.get $rows) (i32.add (local.get $r0) (i32.const 64)) (i32.lt_u (local.get $rows) (i32.add (local.get $r0) (i32.const 64))))
          (local.get $pair))
        (br $take))))

  ;; dst[i] += src[i] for i < n (a multiple of 4): summing threads' partial results.
  (func (export "addInto") (param $dst i32) (param $src i32) (param $n i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (i32.add (local.get $dst) (local.get $o))
          (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $o))) (v128.load (i32.add (local.get $src) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

  ;; out[i] = y[i] > 0 ? dy[i] : 0 for i < n (a multiple of 4): ReLU's gradient
  ;; from its output, one pass instead of step, cast and multiply.
  (func $reluGrad (export "reluGrad") (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (v128.and (v128.load (i32.add (local.get $dy) (local.get $o)))
            (f32x4.gt (v128.load (i32.add (local.get $y) (local.get $o))) (v128.const f32x4 0 0 0 0))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

;; out = a * b for n values (a multiple of 4).
  (func $multiply (param $a i32) (param $b i32) (param $out i32) (param $n i32)
    (local $o i32) (local $end i32)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (f32x4.mul (v128.load (i32.add (local.get $a) (local.get $o))) (v128.load (i32.add (local.get $b) (local.get $o)))))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

  ;; The dropout mask for values 0..n-1 (n a multiple of 4): value i is keep,
  ;; or 0 where mulberry32's output for counter i (state seed + (i + 1) * C)
  ;; is below threshold, an unsigned fraction of 2^32. Counter-based, so four
  ;; lanes at once give the same mask as core/dropout.ts does one by one.
  (func $dropoutMask (export "dropoutMask") (param $out i32) (param $n i32) (param $seed i32) (param $threshold i32) (param $keep f32)
    (local $o i32) (local $end i32) (local $a v128) (local $t v128) (local $step v128) (local $k v128) (local $limit v128)
    (local.set $end (i32.shl (local.get $n) (i32.const 2)))
    (local.set $a (i32x4.add (i32x4.splat (local.get $seed))
      (i32x4.mul (i32x4.splat (i32.const 0x6d2b79f5)) (v128.const i32x4 1 2 3 4))))
    (local.set $step (i32x4.splat (i32.mul (i32.const 0x6d2b79f5) (i32.const 4))))
    (local.set $k (f32x4.splat (local.get $keep)))
    (local.set $limit (i32x4.splat (local.get $threshold)))
    (block $done
      (loop $each
        (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
        (local.set $t (i32x4.mul
          (v128.xor (local.get $a) (i32x4.shr_u (local.get $a) (i32.const 15)))
          (v128.or (local.get $a) (i32x4.splat (i32.const 1)))))
        (local.set $t (v128.xor (local.get $t)
          (i32x4.add (local.get $t) (i32x4.mul
            (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 7)))
            (v128.or (local.get $t) (i32x4.splat (i32.const 61)))))))
        (local.set $t (v128.xor (local.get $t) (i32x4.shr_u (local.get $t) (i32.const 14))))
        (v128.store (i32.add (local.get $out) (local.get $o))
          (v128.andnot (local.get $k) (i32x4.lt_u (local.get $t) (local.get $limit))))
        (local.set $a (i32x4.add (local.get $a) (local.get $step)))
        (local.set $o (i32.add (local.get $o) (i32.const 16)))
        (br $each))))

  ;; Threaded forms of the one-pass kernels above: each thread takes the next
  ;; chunk from the counter at `next` (an i32, 0 at the start) and runs the
  ;; plain kernel on it, until none are left. Chunks, not fixed halves, for
  ;; the reason given at convFilterGradShared. Floats come as their bits
  ;; (helpers are driven with int32 arguments).
  (func $chunk (param $next i32) (param $size i32) (param $n i32) (result i32 i32)
    (local $i i32)
    (local.set $i (i32.atomic.rmw.add (local.get $next) (local.get $size)))
    (local.get $i)
    (select (i32.sub (local.get $n) (local.get $i)) (local.get $size) (i32.lt_u (i32.sub (local.get $n) (local.get $i)) (local.get $size))))

  (func (export "multiplyShared") (param $a i32) (param $b i32) (param $out i32) (param $n i32) (param $next i32)
    (local $i i32) (local $len i32) (local $o i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 32768) (local.get $n))
        (local.set $len) (local.tee $i)
        (br_if $done (i32.ge_u (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (call $multiply (i32.add (local.get $a) (local.get $o)) (i32.add (local.get $b) (local.get $o)) (i32.add (local.get $out) (local.get $o)) (local.get $len))
        (br $take))))

  (func (export "reluGradShared") (param $dy i32) (param $y i32) (param $out i32) (param $n i32) (param $next i32)
    (local $i i32) (local $len i32) (local $o i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 32768) (local.get $n))
        (local.set $len) (local.tee $i)
        (br_if $done (i32.ge_u (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (call $reluGrad (i32.add (local.get $dy) (local.get $o)) (i32.add (local.get $y) (local.get $o)) (i32.add (local.get $out) (local.get $o)) (local.get $len))
        (br $take))))

  (func (export "adadeltaShared")
    (param $w i32) (param $g i32) (param $g2 i32) (param $d2 i32) (param $nw i32) (param $ng2 i32) (param $nd2 i32) (param $n i32)
    (param $lr i32) (param $rho i32) (param $eps i32) (param $next i32)
    (local $i i32) (local $len i32) (local $o i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 32768) (local.get $n))
        (local.set $len) (local.tee $i)
        (br_if $done (i32.ge_u (local.get $n)))
        (local.set $o (i32.shl (local.get $i) (i32.const 2)))
        (call $adadelta
          (i32.add (local.get $w) (local.get $o)) (i32.add (local.get $g) (local.get $o)) (i32.add (local.get $g2) (local.get $o))
          (i32.add (local.get $d2) (local.get $o)) (i32.add (local.get $nw) (local.get $o)) (i32.add (local.get $ng2) (local.get $o))
          (i32.add (local.get $nd2) (local.get $o)) (local.get $len)
          (f32.reinterpret_i32 (local.get $lr)) (f32.reinterpret_i32 (local.get $rho)) (f32.reinterpret_i32 (local.get $eps)))
        (br $take))))

  ;; Value i's mask depends only on seed + (i + 1) * C, so a chunk from i is
  ;; the plain kernel with the seed moved on by i * C.
  (func (export "dropoutMaskShared") (param $out i32) (param $n i32) (param $seed i32) (param $threshold i32) (param $keep i32) (param $next i32)
    (local $i i32) (local $len i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 32768) (local.get $n))
        (local.set $len) (local.tee $i)
        (br_if $done (i32.ge_u (local.get $n)))
        (call $dropoutMask (i32.add (local.get $out) (i32.shl (local.get $i) (i32.const 2))) (local.get $len)
          (i32.add (local.get $seed) (i32.mul (local.get $i) (i32.const 0x6d2b79f5)))
          (local.get $threshold) (f32.reinterpret_i32 (local.get $keep)))
        (br $take))))

  ;; Chunks of 64 output rows; an output row's inputs are the two input rows below it.
  (func (export "maxPoolGrad2x2Shared") (param $x i32) (param $g i32) (param $dx i32) (param $rowsOut i32) (param $OW i32) (param $C i32) (param $relu i32) (param $next i32)
    (local $r i32) (local $len i32) (local $in i32) (local $out i32)
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 64) (local.get $rowsOut))
        (local.set $len) (local.tee $r)
        (br_if $done (i32.ge_u (local.get $rowsOut)))
        ;; bytes before output row r, and before input row 2r
        (local.set $out (i32.shl (i32.mul (i32.mul (local.get $r) (local.get $OW)) (local.get $C)) (i32.const 2)))
        (local.set $in (i32.shl (local.get $out) (i32.const 2)))
        (call $maxPoolGrad2x2 (i32.add (local.get $x) (local.get $in)) (i32.add (local.get $g) (local.get $out)) (i32.add (local.get $dx) (local.get $in))
          (local.get $len) (local.get $OW) (local.get $C) (local.get $relu))
        (br $take))))

  ;; MaxPool 2x2, stride 2, over windows that tile the input (NHWC, C a
  ;; multiple of 4): each output the largest of its four inputs. Threads take
  ;; chunks of 64 output rows (an output row reads the two input rows below
  ;; it) from the counter at next.
  (func (export "maxPool2x2") (param $x i32) (param $y i32) (param $rowsOut i32) (param $OW i32) (param $C i32) (param $next i32)
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

  ;; WINOGRAD: the Winograd F(4x4, 3x3) transforms, generated by scripts/winograd-wat.js.
  ;; MATMUL: the threaded matrix product, generated by scripts/matmul-wat.js.
  ;; SINGLE-CHANNEL CONV: the first layer's conv, generated by scripts/single-channel-conv-wat.js.
)
