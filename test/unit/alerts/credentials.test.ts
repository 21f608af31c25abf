import { WebhookSink, splitCredentials } from '../../../src/adapters/alerts';
import { Receiver } from '../../faults/support/faults';
import { freePort } from '../../../src/devserver';

const alert = { severity: 'critical' as const, channel: 'ch', name: 'cycle_failed', summary: 's' };
const ctx = { at: new Date(), suppressedSinceLast: 0 };

describe('webhook URLs with credentials', () => {
  const receiver = new Receiver();
  beforeAll(() => receiver.start());
  afterAll(() => receiver.close());

  it('moves user:password into a Basic authorization header and out of the URL', () => {
    const r = splitCredentials('http://u%40x:p%3Ass@127.0.0.1:9/hook?a=1');
    expect(r).toEqual({
      url: 'http://127.0.0.1:9/hook?a=1',
      headers: { authorization: `Basic ${Buffer.from('u@x:p:ss').toString('base64')}` },
    });
    expect(splitCredentials('http://127.0.0.1:9/hook')).toEqual({ url: 'http://127.0.0.1:9/hook', headers: {} });
  });

  it('delivers to such a URL with the credentials as Basic auth', async () => {
    await new WebhookSink(`http://user:pw@127.0.0.1:${receiver.port}/hook`).send(alert, ctx);
    expect(receiver.requests.at(-1)).toMatchObject({ url: '/hook', authorization: `Basic ${Buffer.from('user:pw').toString('base64')}` });
  });

  it('a failed request names neither the URL nor its password', async () => {
    receiver.mode = 'hang';
    const err = await new WebhookSink(`http://user:s3cret@127.0.0.1:${receiver.port}/hook`, { timeoutMs: 200 })
      .send(alert, ctx)
      .catch((e) => e);
    expect(err.message).toBe('webhook: request failed: timed out');
    receiver.mode = 'ok';
    const closed = await freePort(); // nothing listens there
    const refused = await new WebhookSink(`http://user:s3cret@127.0.0.1:${closed}/hook`).send(alert, ctx).catch((e) => e);
    expect(refused.message).toBe('webhook: request failed: ECONNREFUSED');
  });
});
