// Child process for the crash test: writes head versions into a store as
// fast as it can until it is killed.
import { FileHeadStore } from '../../src/runtimes/node/file-head-store.js';

const store = new FileHeadStore(process.argv[2]);
const weights = new Uint8Array(2 * 1024 * 1024).fill(7);
for (let i = 0; ; i++) {
  const metadata = { kind: 'head' as const, name: 'crashy', labels: ['a', 'b'], baseHash: 'x', training: { i }, metrics: {}, createdAt: new Date().toISOString() };
  const json = new TextEncoder().encode(JSON.stringify({ i, userDefinedMetadata: { edgetune: metadata } }));
  await store.put('crashy', { 'model.json': json, 'weights.bin': weights }, metadata);
  if (i === 0) process.stdout.write('ready\n');
}
