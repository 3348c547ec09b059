;; Keras Adadelta on n values (a multiple of 4), all float32:
;; g2' = rho g2 + (1-rho) g^2; step = sqrt(d2 + eps) / sqrt(g2' + eps) * g;
;; d2' = rho d2 + (1-rho) step^2; w' = w - lr * step.
(func $adadelta
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
