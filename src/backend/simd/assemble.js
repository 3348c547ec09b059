// Assembles the functions of edgetune's SIMD module from manifest.js: the
// families' sources (a generator's text in place of its file), the chunk
// loops of the threaded forms, and the exports, each checked against the
// function it names.
import { chunkLoop } from './chunk-loop.js';
import { families } from './manifest.js';

const here = (path) => new URL(path, import.meta.url);

async function source(read, folder, file) {
  if (file.endsWith('.wat')) return read(here(`${folder}/${file}`));
  if (file.endsWith('-wat.js')) return (await import(here(`${folder}/${file}`).href)).default();
  throw new Error(`${folder}/${file}: a source is .wat text or a *-wat.js generator`);
}

/** The parameters ([{ name, type }]) of each function `text` defines, by name. */
function parameters(text) {
  const found = new Map();
  for (const [, name, list] of text.matchAll(/\(func \$(\w+)((?:\s*\(param \$\w+ \w+\))*)/g)) {
    found.set(name, [...list.matchAll(/\(param \$(\w+) (\w+)\)/g)].map(([, p, type]) => ({ name: p, type })));
  }
  return found;
}

/**
 * The module's functions and export section as WebAssembly text (for inside
 * a module that imports env.memory), and the exports: name, parameters and
 * whether helper threads run it. `read` gives a .wat file's text from its
 * URL: the build passes Node's, so the backend's files stay free of node:.
 */
export async function assemble(read) {
  const parts = [read(here('chunk.wat'))];
  for (const { folder, sources } of families) for (const file of sources) parts.push(await source(read, folder, file));
  if (parts.some((text) => text.includes('(export '))) throw new Error('a kernel source exports a function: exports are listed in manifest.js');
  const defined = parameters(parts.join('\n'));
  const exports = families.flatMap((family) =>
    Object.entries(family.exports).map(([name, kernel]) => {
      if (!kernel.chunks) return { name, params: defined.get(name), threaded: kernel.threaded === true };
      const of = defined.get(kernel.chunks.of);
      if (!of) throw new Error(`${name}: no function ${kernel.chunks.of} in ${family.folder}`);
      parts.push(chunkLoop(name, of, kernel.chunks));
      return { name, params: [...of.map((p) => ({ name: p.name, type: 'i32' })), { name: 'next', type: 'i32' }], threaded: true };
    }),
  );
  for (const { name, params, threaded } of exports) {
    if (!params) throw new Error(`manifest.js exports ${name}, which no source defines`);
    if (threaded && params.at(-1)?.name !== 'next') throw new Error(`${name} is threaded, so its last parameter is the counter next`);
  }
  parts.push(exports.map(({ name }) => `(export "${name}" (func $${name}))`).join('\n'));
  return { text: parts.join('\n'), exports };
}
