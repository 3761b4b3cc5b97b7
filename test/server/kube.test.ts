/**
 * The Kubernetes API client (src/server/kube.ts) against a fake API server on 127.0.0.1 that speaks
 * the documented list/watch protocol (test/server/fake-kube.ts): pagination with continue tokens,
 * watch events and bookmarks, 410 Gone on a compacted resourceVersion or an expired continue token,
 * broken streams, bad tokens, token rotation, deadlines, backoff, and the in-cluster configuration.
 * Real HTTPS, loopback only; every wait is bounded.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { after, afterEach, describe, test } from 'node:test';
import { checkServerUrl, inClusterConnection, KubeApiError, KubeClient, KubeConfigError, ListWatcher, type KubeClientOptions, type ListWatchChange, type ListWatchOptions } from '../../src/server/kube.js';
import { tempDir, writeTree } from '../helpers/tmp.js';
import { activeSpec, FakeKubeApi, PATH, type Obj } from './fake-kube.js';

interface Harness {
  fake: FakeKubeApi;
  watcher: ListWatcher;
  changes: ListWatchChange[];
  errors: { e: KubeApiError; retryInMs: number }[];
  synced: number[];
  /** The store's names at each LIST (a completed list). */
  listed: string[][];
  gones: string[];
  tokenFile: string;
  names: () => string[];
}

const open: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of open.splice(0)) await c();
});

async function harness(setup: (f: FakeKubeApi) => void = () => {}, over: Partial<ListWatchOptions> = {}, client: KubeClientOptions = {}, token = 'good-token'): Promise<Harness> {
  const fake = await FakeKubeApi.start();
  setup(fake);
  const dir = tempDir();
  const caFile = path.join(dir, 'ca.crt');
  const tokenFile = path.join(dir, 'token');
  writeTree(dir, { 'ca.crt': fake.ca, token: `${token}\n` });
  const changes: ListWatchChange[] = [];
  const errors: { e: KubeApiError; retryInMs: number }[] = [];
  const synced: number[] = [];
  const gones: string[] = [];
  const listed: string[][] = [];
  let items: readonly Obj[] = [];
  const namesOf = (all: readonly Obj[]): string[] => all.map((o) => `${o.metadata.namespace}/${o.metadata.name}`);
  const watcher = new ListWatcher({
    client: new KubeClient({ server: fake.url, caFile, tokenFile }, { requestTimeoutMs: 2000, ...client }),
    path: PATH,
    pageSize: 2,
    watchTimeoutSeconds: () => 30,
    initialBackoffMs: 20,
    maxBackoffMs: 200,
    onChange: (all, change) => {
      items = all;
      changes.push(change);
      if (change.type === 'LIST') listed.push(namesOf(all));
    },
    onSynced: (n) => synced.push(n),
    onError: (e, retryInMs) => errors.push({ e, retryInMs }),
    onGone: (what) => gones.push(what),
    ...over,
  });
  watcher.start();
  open.push(async () => {
    await watcher.stop();
    await fake.close();
  });
  return { fake, watcher, changes, errors, synced, listed, gones, tokenFile, names: () => namesOf(items) };
}

function seed(f: FakeKubeApi, n: number): void {
  for (let i = 1; i <= n; i++) f.create(i % 2 ? 'shop' : 'billing', `ex-${i}`, activeSpec());
}

describe('list: pages with limit and continue', () => {
  test('reads every page of one consistent snapshot, then watches from its resourceVersion with bookmarks', async () => {
    const h = await harness((f) => seed(f, 5));
    await h.fake.until(() => h.fake.watchRequests().length === 1, 'the watch');
    const lists = h.fake.listRequests();
    assert.equal(lists.length, 3, '5 items in pages of 2');
    assert.deepEqual(
      lists.map((r) => [r.query.get('limit'), r.query.get('continue')]),
      [
        ['2', null],
        ['2', h.fake.issued[0]],
        ['2', h.fake.issued[1]],
      ],
      'each continue token passed back verbatim',
    );
    assert.deepEqual(h.names(), ['billing/ex-2', 'billing/ex-4', 'shop/ex-1', 'shop/ex-3', 'shop/ex-5']);
    assert.deepEqual(h.synced, [5]);
    const w = h.fake.watchRequests()[0].query;
    assert.equal(w.get('watch'), '1');
    assert.equal(w.get('resourceVersion'), String(h.fake.rv), "the list's resourceVersion");
    assert.equal(w.get('allowWatchBookmarks'), 'true');
    assert.equal(w.get('timeoutSeconds'), '30');
    assert.ok(h.fake.requests.every((r) => r.token === 'good-token' && r.path === PATH));
    assert.deepEqual(h.errors, []);
  });

  test('changes between pages do not show: the pages come from the first page\'s snapshot', async () => {
    const h = await harness((f) => {
      seed(f, 4);
      f.beforeList = (n) => {
        if (n === 2) f.create('shop', 'ex-0-late', activeSpec());
      };
    });
    await h.fake.until(() => h.synced.length === 1, 'the list');
    assert.deepEqual(h.listed, [['billing/ex-2', 'billing/ex-4', 'shop/ex-1', 'shop/ex-3']]);
    // The watch from the snapshot's resourceVersion then delivers the change.
    await h.fake.until(() => h.names().includes('shop/ex-0-late'), 'the ADDED event');
  });

  test('an expired continue token (410 Gone) starts the list over, and it completes', async () => {
    const h = await harness((f) => {
      seed(f, 5);
      f.beforeList = (n) => {
        if (n === 2) {
          f.delete('shop', 'ex-1');
          f.compact();
        }
      };
    });
    await h.fake.until(() => h.synced.length === 1, 'the list');
    const lists = h.fake.listRequests();
    assert.equal(lists[1].status, 410);
    assert.equal(lists[2].query.get('continue'), null, 'starts again from the beginning');
    assert.deepEqual(h.gones, ['list']);
    assert.deepEqual(h.listed, [['billing/ex-2', 'billing/ex-4', 'shop/ex-3', 'shop/ex-5']]);
    assert.deepEqual(h.errors, [], 'an expired token is not an error');
  });

  test('continue tokens that keep expiring: after two restarts the list is asked for in one piece', async () => {
    const h = await harness((f) => {
      seed(f, 5);
      f.beforeList = (_n, q) => {
        if (q.has('continue')) f.compact();
      };
    });
    await h.fake.until(() => h.synced.length === 1, 'the list');
    const last = h.fake.listRequests().at(-1)!;
    assert.equal(last.query.get('limit'), null);
    assert.equal(h.listed[0].length, 5);
  });
});

describe('watch: events, bookmarks, resuming', () => {
  test('ADDED, MODIFIED and DELETED change the store; a BOOKMARK moves the resourceVersion; a normal end resumes from it without a relist', async () => {
    const h = await harness((f) => seed(f, 1));
    await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
    h.fake.create('billing', 'new', activeSpec());
    await h.fake.until(() => h.names().includes('billing/new'), 'ADDED');
    h.fake.update('billing', 'new', activeSpec({ ticket: 'SEC-2' }));
    await h.fake.until(() => h.changes.some((c) => c.type === 'MODIFIED'), 'MODIFIED');
    h.fake.delete('shop', 'ex-1');
    await h.fake.until(() => !h.names().includes('shop/ex-1'), 'DELETED');
    assert.deepEqual(
      h.changes.map((c) => c.type),
      ['LIST', 'ADDED', 'MODIFIED', 'DELETED'],
    );
    assert.equal((h.changes[2].object as Obj).spec.ticket, 'SEC-2');
    const bookmark = h.fake.bookmark();
    await h.fake.until(() => h.watcher.lastResourceVersion === bookmark, 'the bookmark');
    h.fake.endWatches();
    await h.fake.until(() => h.fake.watchRequests().length === 2, 'the next watch');
    assert.equal(h.fake.watchRequests()[1].query.get('resourceVersion'), bookmark);
    assert.equal(h.fake.listRequests().length, 1, 'no relist');
    assert.equal(h.changes.length, 4, 'a bookmark changes nothing');
    assert.deepEqual(h.errors, []);
  });

  for (const gone of ['event', 'http'] as const) {
    test(`410 Gone on the watch (${gone === 'event' ? 'an ERROR event with a 410 Status' : 'the HTTP status'}) relists at once, and the relist sees what changed meanwhile`, async () => {
      const h = await harness((f) => {
        seed(f, 2);
        f.gone = gone;
      });
      await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
      h.fake.holdWatches();
      h.fake.endWatches();
      await h.fake.until(() => h.fake.watchRequests().length === 2, 'the second watch, held');
      // While no watch is open: a change, then compaction past the client's resourceVersion.
      h.fake.create('shop', 'while-away', activeSpec());
      h.fake.compact();
      h.fake.release();
      await h.fake.until(() => h.synced.length === 2, 'the relist');
      assert.deepEqual(h.gones, ['watch']);
      assert.ok(h.names().includes('shop/while-away'));
      assert.equal(h.listed.length, 2);
      await h.fake.until(() => h.fake.openWatches === 1, 'watching again');
      assert.equal(h.fake.watchRequests().at(-1)!.query.get('resourceVersion'), String(h.fake.compactedRv));
      assert.deepEqual(h.errors, [], '410 is not an error');
    });
  }

  test('a stream cut mid-event is an error (stream): relist after a backoff, then watch again', async () => {
    const h = await harness((f) => seed(f, 1));
    await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
    h.fake.cutWatches();
    await h.fake.until(() => h.fake.listRequests().length === 2 && h.fake.openWatches === 1, 'relisted and watching');
    assert.deepEqual(
      h.errors.map((x) => x.e.reason),
      ['stream'],
    );
    assert.ok(h.errors[0].retryInMs >= 10 && h.errors[0].retryInMs <= 20, `jittered initial backoff, got ${h.errors[0].retryInMs}`);
    assert.deepEqual(h.names(), ['shop/ex-1']);
  });

  test('a line that is not JSON is an error (decode): relist', async () => {
    const h = await harness((f) => seed(f, 1));
    await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
    h.fake.garbage();
    await h.fake.until(() => h.fake.listRequests().length === 2, 'relisted');
    assert.equal(h.errors[0].e.reason, 'decode');
  });
});

describe('credentials, errors, deadlines, backoff', () => {
  test('a refused token (401) is counted and retried with backoff; the token file is read again, so a fixed token recovers', async () => {
    const h = await harness((f) => seed(f, 1), {}, { credentialsRefreshMs: 3_600_000 }, 'stale-token');
    await h.fake.until(() => h.errors.length >= 3, 'three refusals');
    assert.ok(h.errors.every((x) => x.e.reason === 'unauthorized' && x.e.code === 401));
    assert.match(h.errors[0].e.message, /401: Unauthorized/);
    assert.ok(h.errors[1].retryInMs > h.errors[0].retryInMs / 2, 'the backoff grows');
    writeFileSync(h.tokenFile, 'good-token');
    await h.fake.until(() => h.synced.length === 1, 'the list with the new token');
    assert.equal(h.fake.listRequests().at(-1)!.token, 'good-token', 'read again after the 401, though the refresh period is an hour');
  });

  test('a rotated token is picked up without any error: the file is re-read periodically', async () => {
    const h = await harness((f) => {
      seed(f, 1);
      f.tokens.add('rotated-token');
    }, {}, { credentialsRefreshMs: 50 });
    await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
    writeFileSync(h.tokenFile, 'rotated-token\n');
    await new Promise((r) => setTimeout(r, 80));
    h.fake.endWatches();
    await h.fake.until(() => h.fake.watchRequests().length === 2, 'the next watch');
    assert.equal(h.fake.watchRequests()[1].token, 'rotated-token');
    assert.deepEqual(h.errors, []);
  });

  test('403 and 404 are errors with their reasons; an unreadable token file is a credentials error', async () => {
    const forbidden = await harness((f) => (f.mode = 'forbidden'));
    await forbidden.fake.until(() => forbidden.errors.length >= 1, 'a refusal');
    assert.equal(forbidden.errors[0].e.reason, 'forbidden');
    assert.match(forbidden.errors[0].e.message, /403: complianceexceptions\.kubecomply\.io is forbidden/);
    const missing = await harness((f) => (f.mode = 'not-found'));
    await missing.fake.until(() => missing.errors.length >= 1, 'a 404');
    assert.equal(missing.errors[0].e.reason, 'not_found');
    const fake = await FakeKubeApi.start();
    const errors: KubeApiError[] = [];
    const w = new ListWatcher({ client: new KubeClient({ server: fake.url, tokenFile: '/nonexistent/token' }), path: PATH, initialBackoffMs: 20, onChange: () => {}, onError: (e) => errors.push(e) });
    w.start();
    open.push(async () => {
      await w.stop();
      await fake.close();
    });
    await fake.until(() => errors.length >= 1, 'a credentials error');
    assert.equal(errors[0].reason, 'credentials');
    assert.match(errors[0].message, /cannot read the token file \/nonexistent\/token: ENOENT/);
    assert.equal(fake.requests.length, 0, 'no request without a token');
  });

  test('every request is bounded: a server that never answers is a timeout', async () => {
    const h = await harness((f) => (f.mode = 'hang'), {}, { requestTimeoutMs: 150 });
    await h.fake.until(() => h.errors.length >= 2, 'two timeouts', 5000);
    assert.equal(h.errors[0].e.reason, 'timeout');
    assert.match(h.errors[0].e.message, /no complete answer within 150 ms/);
  });

  test('a watch that outlives its timeoutSeconds plus the read grace is cut (timeout), then relisted', async () => {
    const h = await harness(
      (f) => {
        seed(f, 1);
        f.ignoreWatchTimeout = true;
      },
      { watchTimeoutSeconds: () => 1, readGraceMs: 200 },
    );
    await h.fake.until(() => h.errors.length >= 1, 'the watch deadline', 5000);
    assert.equal(h.errors[0].e.reason, 'timeout');
    assert.match(h.errors[0].e.message, /past its timeoutSeconds/);
    await h.fake.until(() => h.fake.listRequests().length === 2, 'relisted');
  });

  test('the backoff doubles from the initial delay up to the cap, with jitter between half and all of it', async () => {
    for (const [random, expected] of [
      [1, [20, 40, 80, 80, 80]],
      [0, [10, 20, 40, 40, 40]],
    ] as const) {
      const h = await harness((f) => (f.mode = 'forbidden'), { initialBackoffMs: 20, maxBackoffMs: 80, random: () => random });
      await h.fake.until(() => h.errors.length >= 5, 'five failures');
      assert.deepEqual(
        h.errors.slice(0, 5).map((x) => x.retryInMs),
        expected,
      );
    }
  });

  test('stop() ends the loop and closes the watch', async () => {
    const h = await harness((f) => seed(f, 1));
    await h.fake.until(() => h.fake.openWatches === 1, 'the watch');
    await h.watcher.stop();
    await h.fake.until(() => h.fake.openWatches === 0, 'the watch closed');
    const n = h.fake.requests.length;
    await new Promise((r) => setTimeout(r, 100));
    assert.equal(h.fake.requests.length, n, 'no request after stop');
  });
});

describe('connection configuration', () => {
  test('in the cluster: the service host and port, the service account token and CA', async () => {
    const fake = await FakeKubeApi.start();
    open.push(() => fake.close());
    seed(fake, 1);
    const dir = tempDir();
    writeTree(dir, { token: 'good-token\n', 'ca.crt': fake.ca, namespace: 'kubecomply' });
    const c = inClusterConnection({ KUBERNETES_SERVICE_HOST: '127.0.0.1', KUBERNETES_SERVICE_PORT: String(fake.port) }, dir);
    assert.deepEqual(c, { server: fake.url, caFile: path.join(dir, 'ca.crt'), tokenFile: path.join(dir, 'token') });
    const list = await new KubeClient(c).getJson(PATH, { limit: '10' });
    assert.equal(list.kind, 'ComplianceExceptionList');
    assert.equal((list.items as Obj[]).length, 1);
  });

  test('an IPv6 service host is bracketed; missing variables, bad ports and URLs are configuration errors', () => {
    assert.equal(inClusterConnection({ KUBERNETES_SERVICE_HOST: 'fd00::1', KUBERNETES_SERVICE_PORT: '6443' }, '/sa').server, 'https://[fd00::1]:6443');
    assert.equal(inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.96.0.1', KUBERNETES_SERVICE_PORT: '443' }, '/sa').server, 'https://10.96.0.1', '443 is https');
    assert.throws(() => inClusterConnection({}, '/sa'), (e: unknown) => e instanceof KubeConfigError && /KUBERNETES_SERVICE_HOST/.test(e.message));
    assert.throws(() => inClusterConnection({ KUBERNETES_SERVICE_HOST: '10.0.0.1', KUBERNETES_SERVICE_PORT: 'https' }, '/sa'), KubeConfigError);
    assert.equal(checkServerUrl('https://api.example.com:6443/'), 'https://api.example.com:6443');
    assert.equal(checkServerUrl('https://example.com/k8s/clusters/c-1/'), 'https://example.com/k8s/clusters/c-1');
    for (const bad of ['http://api.example.com', 'https://user:pw@api.example.com', 'https://api.example.com/?x=1', 'not a url']) assert.throws(() => checkServerUrl(bad), KubeConfigError, bad);
  });

  test('a CA that does not verify the server is a network error, and the token is never sent', async () => {
    const fake = await FakeKubeApi.start();
    open.push(() => fake.close());
    const other = await (await import('../../src/server/certs.js')).generateCa({ commonName: 'someone else' });
    const dir = tempDir();
    writeTree(dir, { token: 'good-token', 'ca.crt': other.certPem });
    await assert.rejects(new KubeClient({ server: fake.url, caFile: path.join(dir, 'ca.crt'), tokenFile: path.join(dir, 'token') }).getJson(PATH), (e: unknown) => e instanceof KubeApiError && e.reason === 'network');
    assert.equal(fake.requests.length, 0);
  });
});

after(async () => {
  for (const c of open.splice(0)) await c();
});
