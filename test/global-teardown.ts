import fs from 'node:fs';

export default async function globalTeardown(): Promise<void> {
  const stack = globalThis.__trendflowStack;
  if (!stack) return;
  await stack.temporal.teardown();
  await stack.pg.stop();
  fs.rmSync(stack.pgDir, { recursive: true, force: true });
}
