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
