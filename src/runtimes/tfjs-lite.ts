// What edgetune uses of @tensorflow/tfjs, without the WebGL backend, the
// converter and tfjs-data: bundles for workerd and the browser alias
// '@tensorflow/tfjs' to this file (wrangler.toml [alias], the web build).
import { version_core } from '@tensorflow/tfjs-core';
import '@tensorflow/tfjs-core/dist/register_all_gradients';
import '@tensorflow/tfjs-core/dist/public/chained_ops/register_all_chained_ops';
import { version_layers } from '@tensorflow/tfjs-layers';

export * from '@tensorflow/tfjs-core';
export * from '@tensorflow/tfjs-layers';

export const version = { 'tfjs-core': version_core, 'tfjs-layers': version_layers, tfjs: version_core };
