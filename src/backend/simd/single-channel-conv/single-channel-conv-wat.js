// Generates the WebAssembly text of edgetune's convolution of a
// single-channel image (the CNN's first layer) for scripts/build-simd.js:
// a product of (4 output pixels x taps) by (taps x 8 output channels) in
// the 4 x 8 register block of the matrix kernels, the bias and ReLU applied
// in registers before the one store.

import { blockFromBias, blockLocals, blockRelu, blockStep, get, inc, loop, rows, set } from '../wat-block.js';

const rowAt = (r) => (r === 0 ? get('yp') : `(i32.add ${get('yp')} (i32.mul (i32.const ${r}) ${get('co4')}))`);

export default function singleChannelConvWat() {
  const step = blockStep('fp', (r) => `offset=${4 * r} (local.get $xp)`);
  const stores = rows.flatMap((r) => [0, 1].map((q) => `(v128.store offset=${16 * q} ${rowAt(r)} ${get(`a${r}_${q}`)})`));
  const taps = loop('kh', `(i32.ge_u ${get('kh')} (local.get $KH))`, [
    set('xp', `(i32.add ${get('xRow')} (i32.shl (i32.add (i32.mul ${get('kh')} (local.get $W)) ${get('ox')}) (i32.const 2)))`),
    set('kw', '(i32.const 0)'),
    loop('kw', `(i32.ge_u ${get('kw')} (local.get $KW))`, [...step, inc('xp', '(i32.const 4)'), inc('fp', get('co4')), inc('kw', '(i32.const 1)')]),
    inc('kh', '(i32.const 1)'),
  ]);
  const channels = loop('cb', `(i32.ge_u ${get('cb')} (local.get $CO))`, [
    ...blockFromBias(`(i32.add (local.get $bias) (i32.shl ${get('cb')} (i32.const 2)))`),
    set('fp', `(i32.add (local.get $f) (i32.shl ${get('cb')} (i32.const 2)))`),
    set('kh', '(i32.const 0)'),
    taps,
    ...blockRelu(),
    set('yp', `(i32.add ${get('yRow')} (i32.shl (i32.add (i32.mul ${get('ox')} (local.get $CO)) ${get('cb')}) (i32.const 2)))`),
    ...stores,
    inc('cb', '(i32.const 8)'),
  ]);
  const pixels = loop('ox', `(i32.ge_u ${get('ox0')} (local.get $OW))`, [
    // The row's last block starts at OW - 4: its first pixels are computed twice, to the same values.
    set('ox', `(select (i32.sub (local.get $OW) (i32.const 4)) ${get('ox0')} (i32.gt_u (i32.add ${get('ox0')} (i32.const 4)) (local.get $OW)))`),
    set('cb', '(i32.const 0)'),
    channels,
    inc('ox0', '(i32.const 4)'),
  ]);
  return `
  ;; y = relu?(conv(input, f) + bias) for input [B, H, W, 1], f [KH, KW, 1, CO], y
  ;; [B, OH, OW, CO] (valid padding, stride 1; OW >= 4, CO a multiple of 8;
  ;; bias 0 for none). Threads take output rows (b, oy) from the counter at
  ;; next, 4 at a time.
  (func $singleChannelConv
    (param $input i32) (param $f i32) (param $bias i32) (param $y i32) (param $H i32) (param $W i32) (param $KH i32) (param $KW i32)
    (param $CO i32) (param $OH i32) (param $OW i32) (param $relu i32) (param $rowsOut i32) (param $next i32)
    (local $r i32) (local $len i32) (local $end i32) (local $b i32) (local $oy i32) (local $ox0 i32) (local $ox i32) (local $cb i32)
    (local $kh i32) (local $kw i32) (local $xRow i32) (local $yRow i32) (local $xp i32) (local $fp i32) (local $yp i32) (local $co4 i32)
    ${blockLocals}
    (local.set $co4 (i32.shl (local.get $CO) (i32.const 2)))
    (block $done
      (loop $take
        (call $chunk (local.get $next) (i32.const 4) (local.get $rowsOut))
        (local.set $len) (local.tee $r)
        (br_if $done (i32.ge_u (local.get $rowsOut)))
        (local.set $end (i32.add (local.get $r) (local.get $len)))
        ${loop('rows', `(i32.ge_u ${get('r')} ${get('end')})`, [
          set('b', `(i32.div_u ${get('r')} (local.get $OH))`),
          set('oy', `(i32.rem_u ${get('r')} (local.get $OH))`),
          set('xRow', `(i32.add (local.get $input) (i32.shl (i32.mul (i32.add (i32.mul ${get('b')} (local.get $H)) ${get('oy')}) (local.get $W)) (i32.const 2)))`),
          set('yRow', `(i32.add (local.get $y) (i32.mul (i32.mul ${get('r')} (local.get $OW)) ${get('co4')}))`),
          set('ox0', '(i32.const 0)'),
          pixels,
          inc('r', '(i32.const 1)'),
        ])}
        (br $take))))
`;
}
