;; out[i] = y[i] > 0 ? dy[i] : 0 for i < n (a multiple of 4): ReLU's gradient
;; from its output, one pass instead of step, cast and multiply.
(func $reluGrad (param $dy i32) (param $y i32) (param $out i32) (param $n i32)
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
