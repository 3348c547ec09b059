// Preloaded by a CLI test to imitate a runtime without shared memory
// (SharedArrayBuffer off, as in a page that is not cross-origin isolated).
delete globalThis.SharedArrayBuffer;
