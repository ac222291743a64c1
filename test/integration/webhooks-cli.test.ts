import type { DeliveryView, WebhookView } from '../../services/webhooks';
import { verifySignature } from '../../services/webhooks';
import { openTestStack, type TestStack } from '../helpers/stack';
import { startReceiver, until } from '../helpers/webhook-receiver';
import { runCli, type CliRun } from '../helpers/cli';

/** `trendflow webhooks …` in-process, as bin/trendflow.js runs it, against this file's database and Temporal. */
describe('trendflow webhooks (CLI)', () => {
  const saved = { DATABASE_URL: process.env.DATABASE_URL, TEMPORAL_ADDRESS: process.env.TEMPORAL_ADDRESS };
  let stack: TestStack;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;

  beforeAll(async () => {
    stack = await openTestStack('webhooks_cli');
    await stack.startWorkers({}, ['workflows']); // the delivery workflow and its activities only
    receiver = await startReceiver();
    process.env.DATABASE_URL = stack.config.db.url;
    process.env.TEMPORAL_ADDRESS = stack.config.temporal.address;
  });

  afterAll(async () => {
    for (const [k, v] of Object.entries(saved)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
    await receiver?.close();
    await stack?.close();
  });

  const trendflow = (...args: string[]): Promise<CliRun> => runCli(['webhooks', ...args]);

  it('adds, lists, tests, shows deliveries and removes a webhook', async () => {
    const added = await trendflow('add', receiver.url, '--events', 'run.failed,trend.emerging', '--description', 'cli', '--json');
    expect(added).toMatchObject({ code: 0, stderr: '' });
    const hook = JSON.parse(added.stdout) as WebhookView;
    expect(hook).toMatchObject({ url: receiver.url, events: ['run.failed', 'trend.emerging'], enabled: true, secret: expect.stringMatching(/^whsec_/) });

    const human = await trendflow('list');
    expect(human.stdout).toMatch(new RegExp(`^${hook.id}\\s+${receiver.url.replace(/[.]/g, '\\.')}\\s+run\\.failed,trend\\.emerging\\s+yes\\s+cli`, 'm'));
    expect(human.stdout).not.toContain(hook.secret!);

    expect(await trendflow('test', String(hook.id))).toMatchObject({ code: 0, stdout: expect.stringContaining('test event') });
    await until('test delivery', () => receiver.accepted().length === 1);
    const [got] = receiver.accepted();
    expect(verifySignature(hook.secret!, got!.body, String(got!.headers['x-trendflow-signature']), Math.floor(Date.now() / 1000))).toBe(true);

    const log = JSON.parse((await trendflow('deliveries', String(hook.id), '--json')).stdout) as DeliveryView[];
    expect(log).toEqual([expect.objectContaining({ eventType: 'webhook.test', status: 'delivered', attempts: 1, lastStatusCode: 200 })]);
    expect((await trendflow('deliveries', String(hook.id))).stdout).toMatch(/webhook\.test\s+\d+\s+delivered\s+1\s+200/);

    expect(await trendflow('remove', String(hook.id))).toMatchObject({ code: 0, stdout: `removed webhook ${hook.id}\n` });
    expect((await trendflow('list')).stdout).toMatch(/^no webhooks/);
  });

  it('refuses bad input with a message and exit code 1', async () => {
    const ftp = await trendflow('add', 'ftp://example.com/hook', '--events', 'run.failed');
    expect(ftp.code).toBe(1);
    expect(ftp.stderr).toMatch(/url/i);
    const event = await trendflow('add', receiver.url, '--events', 'run.progress');
    expect(event.code).toBe(1);
    expect(event.stderr).toMatch(/events/);
    expect((await trendflow('remove', '999')).stderr).toMatch(/webhook "999" does not exist/);
    expect((await trendflow('deliveries', 'x')).code).toBe(1);
  });
});
