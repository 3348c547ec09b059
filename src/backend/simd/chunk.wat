;; The next chunk of work from the counter at `next` (an i32, 0 at the
;; start): its first item and its length, `size` or the rest of `n`. A first
;; item at or past n means none is left. Threads taking chunks in turn, not
;; fixed halves, finish together even when one gets less of the CPU (see
;; convFilterGradShared).
(func $chunk (param $next i32) (param $size i32) (param $n i32) (result i32 i32)
  (local $i i32)
  (local.set $i (i32.atomic.rmw.add (local.get $next) (local.get $size)))
  (local.get $i)
  (select (i32.sub (local.get $n) (local.get $i)) (local.get $size) (i32.lt_u (i32.sub (local.get $n) (local.get $i)) (local.get $size))))
