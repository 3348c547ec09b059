;; Filter gradient of a stride-1 VALID conv (NHWC):
;; dw[(kh, kw, ci), co] += sum over (b, oh) rows rowStart..rowEnd and ow of
;; x[b, oh+kh, ow+kw, ci] * dy[b, oh, ow, co].
;; Registers hold 16 output channels (4 vectors) for `pair` input channels
;; (1 or 2: 4 or 8 accumulators), so dy is loaded once per two products.
;; Rows go in blocks of 64 so the block of dy stays in cache across taps.
;; CO must be a multiple of 16; with pair 2, C must be even. One input
;; channel and three columns of taps go to accumulateFilterGrad1x3.
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
  (if (i32.and (i32.eq (local.get $C) (i32.const 1)) (i32.eq (local.get $KW) (i32.const 3)))
    (then
      (call $accumulateFilterGrad1x3 (local.get $x) (local.get $dy) (local.get $dw) (local.get $H) (local.get $W) (local.get $KH) (local.get $CO)
        (local.get $rowStart) (local.get $rowEnd))
      (return)))
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

;; accumulateFilterGrad for a single input channel and 3 columns of taps
;; (the first conv of an MNIST CNN): a filter row's three taps go together,
;; 6 accumulators (3 taps by 8 output channels), so each load of dy feeds
;; three products and enough independent sums hide the adds' latency. One
;; tap at a time (4 accumulators) took 2.25 ms for conv 1 of the seed CNN at
;; batch 128 on one thread, this 1.5; with 16 output channels (12
;; accumulators: with the operands, more than the 15 SIMD registers V8
;; allocates on x64, xmm15 being its scratch) 2.0-2.1, and with the x
;; splats loaded at each use 3.0. CO a multiple of 8.
(func $accumulateFilterGrad1x3
  (param $x i32) (param $dy i32) (param $dw i32)
  (param $H i32) (param $W i32) (param $KH i32) (param $CO i32) (param $rowStart i32) (param $rowEnd i32)
  (local $OH i32) (local $OW i32) (local $r0 i32) (local $r1 i32) (local $r i32) (local $kh i32) (local $g i32) (local $ow i32)
  (local $out i32) (local $co4 i32) (local $xp i32) (local $dp i32) (local $d v128)
  (local $a00 v128) (local $a01 v128) (local $a10 v128) (local $a11 v128) (local $a20 v128) (local $a21 v128) (local $x0 v128) (local $x1 v128) (local $x2 v128)
  (local.set $OH (i32.add (i32.sub (local.get $H) (local.get $KH)) (i32.const 1)))
  (local.set $OW (i32.sub (local.get $W) (i32.const 2)))
  ;; CO floats: from a dw row (kh, kw) to the next tap's, and from one dy column to the next
  (local.set $co4 (i32.shl (local.get $CO) (i32.const 2)))
  (local.set $r0 (local.get $rowStart))
  (block $done
    (loop $blocks
      (br_if $done (i32.ge_u (local.get $r0) (local.get $rowEnd)))
      (local.set $r1 (select (local.get $rowEnd) (i32.add (local.get $r0) (i32.const 64))
        (i32.lt_u (local.get $rowEnd) (i32.add (local.get $r0) (i32.const 64)))))
      (local.set $kh (i32.const 0))
      (loop $khs
        (local.set $g (i32.const 0))
        (loop $groups
          ;; dw rows (kh, 0..2), columns g .. g+7
          (local.set $out (i32.add (local.get $dw) (i32.shl (i32.add (i32.mul (i32.mul (local.get $kh) (i32.const 3)) (local.get $CO)) (local.get $g)) (i32.const 2))))
          (local.set $a00 (v128.load (local.get $out)))
          (local.set $a01 (v128.load offset=16 (local.get $out)))
          (local.set $a10 (v128.load (i32.add (local.get $out) (local.get $co4))))
          (local.set $a11 (v128.load offset=16 (i32.add (local.get $out) (local.get $co4))))
          (local.set $a20 (v128.load (i32.add (local.get $out) (i32.shl (local.get $co4) (i32.const 1)))))
          (local.set $a21 (v128.load offset=16 (i32.add (local.get $out) (i32.shl (local.get $co4) (i32.const 1)))))
          (local.set $r (local.get $r0))
          (block $rowsDone
            (loop $rowLoop
              (br_if $rowsDone (i32.ge_u (local.get $r) (local.get $r1)))
              ;; x at (b, oh + kh, 0) with b = r / OH, oh = r % OH; dy at (r, 0, g)
              (local.set $xp (i32.add (local.get $x) (i32.shl (i32.mul
                (i32.add (i32.mul (i32.div_u (local.get $r) (local.get $OH)) (local.get $H))
                         (i32.add (i32.rem_u (local.get $r) (local.get $OH)) (local.get $kh)))
                (local.get $W)) (i32.const 2))))
              (local.set $dp (i32.add (local.get $dy) (i32.shl (i32.add (i32.mul (i32.mul (local.get $r) (local.get $OW)) (local.get $CO)) (local.get $g)) (i32.const 2))))
              (local.set $ow (i32.const 0))
              (block $colsDone
                (loop $cols
                  (br_if $colsDone (i32.ge_u (local.get $ow) (local.get $OW)))
                  (local.set $x0 (v128.load32_splat (local.get $xp)))
                  (local.set $x1 (v128.load32_splat offset=4 (local.get $xp)))
                  (local.set $x2 (v128.load32_splat offset=8 (local.get $xp)))
                  (local.set $d (v128.load (local.get $dp)))
                  (local.set $a00 (f32x4.add (local.get $a00) (f32x4.mul (local.get $x0) (local.get $d))))
                  (local.set $a10 (f32x4.add (local.get $a10) (f32x4.mul (local.get $x1) (local.get $d))))
                  (local.set $a20 (f32x4.add (local.get $a20) (f32x4.mul (local.get $x2) (local.get $d))))
                  (local.set $d (v128.load offset=16 (local.get $dp)))
                  (local.set $a01 (f32x4.add (local.get $a01) (f32x4.mul (local.get $x0) (local.get $d))))
                  (local.set $a11 (f32x4.add (local.get $a11) (f32x4.mul (local.get $x1) (local.get $d))))
                  (local.set $a21 (f32x4.add (local.get $a21) (f32x4.mul (local.get $x2) (local.get $d))))
                  (local.set $xp (i32.add (local.get $xp) (i32.const 4)))
                  (local.set $dp (i32.add (local.get $dp) (local.get $co4)))
                  (local.set $ow (i32.add (local.get $ow) (i32.const 1)))
                  (br $cols)))
              (local.set $r (i32.add (local.get $r) (i32.const 1)))
              (br $rowLoop)))
          (v128.store (local.get $out) (local.get $a00))
          (v128.store offset=16 (local.get $out) (local.get $a01))
          (v128.store (i32.add (local.get $out) (local.get $co4)) (local.get $a10))
          (v128.store offset=16 (i32.add (local.get $out) (local.get $co4)) (local.get $a11))
          (v128.store (i32.add (local.get $out) (i32.shl (local.get $co4) (i32.const 1))) (local.get $a20))
          (v128.store offset=16 (i32.add (local.get $out) (i32.shl (local.get $co4) (i32.const 1))) (local.get $a21))
          (local.set $g (i32.add (local.get $g) (i32.const 8)))
          (br_if $groups (i32.lt_u (local.get $g) (local.get $CO))))
        (local.set $kh (i32.add (local.get $kh) (i32.const 1)))
        (br_if $khs (i32.lt_u (local.get $kh) (local.get $KH))))
      (local.set $r0 (local.get $r1))
      (br $blocks))))

;; The filter gradient over rows rowStart..rowEnd, written (not added) to dw.
(func $convFilterGrad
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
(func $convFilterGradShared
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

;; The filter and bias gradients of a ReLU conv on one input channel with 3
;; columns of taps (conv 1 of an MNIST CNN) from the gradient dy of its
;; output y: each block of 64 rows of dy is masked where y > 0 into the
;; thread's slot, summed there for the bias (sumRowsInto), and taken by
;; accumulateFilterGrad1x3 while it is in cache, so the masked gradient (11 MB
;; for the CNN at batch 128) is never written out and read back: 1.8-2.3 ms
;; for the two passes on two threads, 1.2-1.4 this way. Threads take blocks
;; from the counter at next; each leaves in its slot (from the counter at
;; slots) CO float64 bias sums, then dw, then a block's CO float32 sums and
;; its 64 masked rows: 4 CO (2 + 3 KH + 1 + 64 OW) bytes.
(func $reluFilterGrad1x3
  (param $x i32) (param $dy i32) (param $y i32)
  (param $H i32) (param $W i32) (param $KH i32) (param $CO i32) (param $rows i32)
  (param $scratch i32) (param $slots i32) (param $next i32)
  (local $total i32) (local $dw i32) (local $block i32) (local $masked i32) (local $OW i32) (local $r0 i32) (local $len i32) (local $o i32)
  (local.set $OW (i32.sub (local.get $W) (i32.const 2)))
  (local.set $total (i32.add (local.get $scratch) (i32.mul (i32.atomic.rmw.add (local.get $slots) (i32.const 1))
    (i32.shl (i32.mul (local.get $CO) (i32.add (i32.add (i32.mul (local.get $KH) (i32.const 3)) (i32.const 3)) (i32.shl (local.get $OW) (i32.const 6)))) (i32.const 2)))))
  (local.set $dw (i32.add (local.get $total) (i32.shl (local.get $CO) (i32.const 3))))
  (local.set $block (i32.add (local.get $dw) (i32.mul (i32.mul (local.get $KH) (i32.const 12)) (local.get $CO))))
  (local.set $masked (i32.add (local.get $block) (i32.shl (local.get $CO) (i32.const 2))))
  (memory.fill (local.get $total) (i32.const 0) (i32.sub (local.get $block) (local.get $total)))
  (block $done
    (loop $take
      (call $chunk (local.get $next) (i32.const 64) (local.get $rows))
      (local.set $len) (local.tee $r0)
      (br_if $done (i32.ge_u (local.get $rows)))
      (local.set $o (i32.shl (i32.mul (i32.mul (local.get $r0) (local.get $OW)) (local.get $CO)) (i32.const 2)))
      (call $sumRowsInto (i32.add (local.get $dy) (local.get $o)) (i32.add (local.get $y) (local.get $o)) (local.get $masked)
        (i32.mul (local.get $len) (local.get $OW)) (local.get $CO) (local.get $block) (local.get $total))
      (call $accumulateFilterGrad1x3 (local.get $x) (i32.sub (local.get $masked) (local.get $o)) (local.get $dw) (local.get $H) (local.get $W)
        (local.get $KH) (local.get $CO) (local.get $r0) (i32.add (local.get $r0) (local.get $len)))
      (br $take))))
