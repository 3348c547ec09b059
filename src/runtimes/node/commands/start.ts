import { access } from 'node:fs/promises';
import { Command } from 'commander';
import { MODEL_JSON } from '../../../core/artifacts/artifacts.js';
import { consoleLog } from '../log.js';
import { layout } from '../model-files.js';
import { serveApp, serveOptions, type ServeFlags } from './serve.js';
import { transfer, transferOptions, type TransferFlags } from './transfer.js';

const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

/** True when --out holds a base and both heads from an earlier run. */
export async function modelsExist(out: string): Promise<boolean> {
  const where = layout(out);
  const needed = [where.base, where.head('pretrain'), where.head('finetune')].map((d) => `${d}/${MODEL_JSON}`);
  return (await Promise.all(needed.map(exists))).every(Boolean);
}

export const startCommand = () => {
  const cmd = transferOptions(
    new Command('start').description('Run the transfer experiment unless trained models already exist in --out, then serve the app'),
  );
  serveOptions(cmd, { models: false });
  return cmd.action(async (flags: TransferFlags & ServeFlags) => {
    if (await modelsExist(flags.out)) {
      consoleLog.info(`Using the trained models in ${flags.out} (delete it or run "edgetune transfer" to retrain)`);
    } else {
      await transfer(flags);
    }
    await serveApp({ ...flags, models: flags.out });
  });
};
