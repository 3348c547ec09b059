;; dst[i] += src[i] for i < n (a multiple of 4): summing threads' partial results.
(func $addInto (param $dst i32) (param $src i32) (param $n i32)
  (local $o i32) (local $end i32)
  (local.set $end (i32.shl (local.get $n) (i32.const 2)))
  (block $done
    (loop $each
      (br_if $done (i32.ge_u (local.get $o) (local.get $end)))
      (v128.store (i32.add (local.get $dst) (local.get $o))
        (f32x4.add (v128.load (i32.add (local.get $dst) (local.get $o))) (v128.load (i32.add (local.get $src) (local.get $o)))))
      (local.set $o (i32.add (local.get $o) (i32.const 16)))
      (br $each))))
