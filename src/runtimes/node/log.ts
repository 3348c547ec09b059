/** Console output of the CLI: results on stdout, warnings on stderr. */
export interface Log {
  info(line: string): void;
  warn(line: string): void;
}

export const consoleLog: Log = {
  info: (line) => process.stdout.write(`${line}\n`),
  warn: (line) => process.stderr.write(`warning: ${line}\n`),
};

export const describeBackend = (b: { name: string; simd: boolean; threads: number }) =>
  b.name === 'wasm' ? `wasm (SIMD ${b.simd ? 'on' : 'off'}, ${b.threads} thread${b.threads === 1 ? '' : 's'})` : b.name;
