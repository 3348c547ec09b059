import { Command, CommanderError } from 'commander';
import { InputError } from '../../core/errors.js';
import { finetuneCommand } from './commands/finetune.js';
import { predictCommand } from './commands/predict.js';
import { serveCommand } from './commands/serve.js';
import { startCommand } from './commands/start.js';
import { transferCommand } from './commands/transfer.js';

export function program(): Command {
  return new Command('edgetune')
    .description('Transfer learning on WebAssembly: pretrain in Node, fine-tune and serve at the edge or in a browser')
    .showHelpAfterError('(run with --help for usage)')
    .addCommand(transferCommand())
    .addCommand(finetuneCommand())
    .addCommand(predictCommand())
    .addCommand(serveCommand())
    .addCommand(startCommand());
}

/** Runs the CLI; user errors end in one line on stderr and exit code 1. */
export async function main(argv: string[]): Promise<void> {
  try {
    await program().exitOverride().parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      process.exitCode = err.exitCode;
    } else if (err instanceof InputError) {
      process.stderr.write(`edgetune: ${err.message}\n`);
      process.exitCode = 1;
    } else {
      process.stderr.write(`edgetune: unexpected error: ${(err as Error).stack ?? err}\n`);
      process.exitCode = 1;
    }
  }
}
