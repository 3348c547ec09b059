'use strict';
// Entry of every wasm pthread under Node's worker_threads. Upstream starts
// pthreads from blob: URLs, which worker_threads rejects (tfjs #3830); the
// worker script it inlines is Node-aware, so run it from this file instead.
const { workerData } = require('node:worker_threads');

// The script asks for the Emscripten main script as a blob URL: give it the file.
URL.createObjectURL = () => workerData.mainScript;
URL.revokeObjectURL = () => {};

const { wasmWorkerContents } = require(workerData.workerScript);
// The contents were escaped for a template literal; restore their "\n" escapes.
eval(wasmWorkerContents.replace(/\n/g, '\\n'));
