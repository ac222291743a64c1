import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { isPrivateAddress, publicOnlyLookup } from '../../../activities/notify/address-guard';
import { postWebhook } from '../../../activities/notify/http';

describe('webhook address guard', () => {
  it('knows loopback, private, link-local, CGNAT and reserved addresses from public ones', () => {
    for (const a of ['127.0.0.1', '10.1.2.3', '172.16.0.1', '172.31.255.255', '192.168.1.1', '169.254.169.254', '100.64.0.1', '0.0.0.0', '::1', '::', 'fd00::1', 'fe80::1', '::ffff:127.0.0.1', '::ffff:10.0.0.1']) {
      expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: true });
    }
    for (const a of ['8.8.8.8', '172.32.0.1', '100.128.0.1', '1.1.1.1', '2606:4700:4700::1111', '::ffff:8.8.8.8', 'example.com']) {
      expect({ a, private: isPrivateAddress(a) }).toEqual({ a, private: false });
    }
  });

  it('refuses a name that resolves to a private address, at lookup time', async () => {
    const err = await new Promise<Error | null>((resolve) => publicOnlyLookup('localhost', {}, (e) => resolve(e)));
    expect(err?.message).toMatch(/localhost resolves to .*private or reserved address.*WEBHOOK_ALLOW_PRIVATE_NETWORKS/);
  });

  describe('postWebhook against a receiver on 127.0.0.1', () => {
    let server: http.Server;
    let hits = 0;
    let url = '';
    beforeAll(async () => {
      server = http.createServer((req, res) => {
        hits++;
        req.resume();
        req.on('end', () => res.writeHead(204).end());
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('never connects when private networks are not allowed, and says so for good (not retryable)', async () => {
      const before = hits;
      const byAddress = await postWebhook(url, '{}', {}, { timeoutMs: 2000, allowPrivateNetworks: false });
      const byName = await postWebhook(url.replace('127.0.0.1', 'localhost'), '{}', {}, { timeoutMs: 2000, allowPrivateNetworks: false });
      for (const outcome of [byAddress, byName]) {
        expect(outcome).toMatchObject({ ok: false, statusCode: null, retryable: false, error: expect.stringMatching(/private or reserved address/) });
      }
      expect(hits).toBe(before);
    });

    it('delivers when they are allowed', async () => {
      const outcome = await postWebhook(url, '{"a":1}', { 'x-test': '1' }, { timeoutMs: 2000, allowPrivateNetworks: true });
      expect(outcome).toMatchObject({ ok: true, statusCode: 204, retryable: false });
    });
  });
});
