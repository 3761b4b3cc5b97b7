/**
 * ComplianceException custom resources kept in the cluster, for `kubecomply serve
 * --cluster-exceptions`: listed and watched (src/server/kube.ts) across every namespace, turned into
 * Resources (origin `cluster:complianceexceptions/<ns>/<name>`) and handed to the ExceptionSet, which
 * judges them with the file exceptions exactly as a scan would.
 *
 * Failure never stops the server. While the API cannot be read the last known cluster exceptions stay
 * in force (and keep being judged against the clock: an expired one stops being honoured), the source
 * reports `kubecomply_exception_source_synced{source="cluster"} 0`, each failed attempt is counted in
 * `kubecomply_exception_source_errors_total{source="cluster",reason}`, and a line is logged when the
 * state changes — the first failure, a different failure, the recovery — not once per retry.
 */
import { isObject, resourceName } from '../core/inventory.js';
import type { JsonObject, ObjectMeta, Resource } from '../core/types.js';
import { EXCEPTION_API_VERSION, EXCEPTION_KIND } from '../policy/exceptions.js';
import { CLUSTER_ORIGIN_PREFIX, type ExceptionSet } from './exceptions.js';
import { KubeClient, ListWatcher, type KubeApiError, type KubeClientOptions, type KubeConnection, type ListWatchChange } from './kube.js';
import type { ServerMetrics } from './metrics.js';

export const EXCEPTIONS_PATH = '/apis/kubecomply.io/v1alpha1/complianceexceptions';
export const CLUSTER_SOURCE = 'cluster';

/** A ComplianceException object from the API as a Resource, as if it had been read from a file. */
export function clusterExceptionResource(o: JsonObject): Resource {
  const metadata = (isObject(o.metadata) ? o.metadata : {}) as ObjectMeta;
  const namespace = typeof metadata.namespace === 'string' && metadata.namespace !== '' ? metadata.namespace : undefined;
  const name = resourceName(metadata);
  // List items of custom resources carry apiVersion and kind; be lenient if a server leaves them out.
  const apiVersion = typeof o.apiVersion === 'string' && o.apiVersion !== '' ? o.apiVersion : EXCEPTION_API_VERSION;
  const kind = typeof o.kind === 'string' && o.kind !== '' ? o.kind : EXCEPTION_KIND;
  const object = o.apiVersion === apiVersion && o.kind === kind ? o : { ...o, apiVersion, kind };
  return {
    apiVersion,
    kind,
    name,
    namespace,
    metadata,
    object,
    origin: { file: `${CLUSTER_ORIGIN_PREFIX}complianceexceptions/${namespace ?? ''}/${name}`, doc: 0, line: 0 },
  };
}

export interface ClusterExceptionSourceOptions {
  connection: KubeConnection;
  exceptions: ExceptionSet;
  log: (line: string) => void;
  metrics?: ServerMetrics;
  client?: KubeClientOptions;
  /** List page size, watch timeout, backoff: see ListWatchOptions (defaults for production). */
  pageSize?: number;
  watchTimeoutSeconds?: () => number;
  readGraceMs?: number;
  initialBackoffMs?: number;
  maxBackoffMs?: number;
}

function describeChange(change: ListWatchChange, count: number): string {
  if (change.type === 'LIST') return `listed ${count} from the cluster`;
  const m = change.object && isObject(change.object.metadata) ? change.object.metadata : {};
  const key = `${typeof m.namespace === 'string' ? `${m.namespace}/` : ''}${typeof m.name === 'string' ? m.name : '?'}`;
  return `cluster: ${change.type} ${key}`;
}

function hint(e: KubeApiError): string {
  switch (e.reason) {
    case 'unauthorized':
      return ' (the service account token was refused: is it mounted and current?)';
    case 'forbidden':
      return ' (the service account needs get, list and watch on complianceexceptions.kubecomply.io in every namespace: a ClusterRole and a ClusterRoleBinding)';
    case 'not_found':
      return ' (is the ComplianceException CustomResourceDefinition installed?)';
    default:
      return '';
  }
}

export class ClusterExceptionSource {
  readonly client: KubeClient;
  private readonly watcher: ListWatcher;
  private everSynced = false;
  private inSync = false;
  private problem: string | undefined;
  private failures = 0;
  private firstSync: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly o: ClusterExceptionSourceOptions) {
    this.client = new KubeClient(o.connection, o.client);
    let resolve!: () => void;
    this.firstSync = { promise: new Promise<void>((r) => (resolve = r)), resolve };
    o.metrics?.exceptionSourceSynced.set(CLUSTER_SOURCE, 0);
    this.watcher = new ListWatcher({
      client: this.client,
      path: EXCEPTIONS_PATH,
      ...(o.pageSize !== undefined ? { pageSize: o.pageSize } : {}),
      ...(o.watchTimeoutSeconds ? { watchTimeoutSeconds: o.watchTimeoutSeconds } : {}),
      ...(o.readGraceMs !== undefined ? { readGraceMs: o.readGraceMs } : {}),
      ...(o.initialBackoffMs !== undefined ? { initialBackoffMs: o.initialBackoffMs } : {}),
      ...(o.maxBackoffMs !== undefined ? { maxBackoffMs: o.maxBackoffMs } : {}),
      onChange: (items, change) => this.o.exceptions.setCluster(items.map(clusterExceptionResource), describeChange(change, items.length)),
      onSynced: (count) => this.synced(count),
      onError: (e, retryInMs) => this.failed(e, retryInMs),
    });
  }

  /** Whether a list has ever completed. */
  get hasSynced(): boolean {
    return this.everSynced;
  }

  /** Whether the source is in sync now (the last list succeeded and nothing failed since). */
  get isSynced(): boolean {
    return this.inSync;
  }

  /** Resolves on the first completed list. */
  whenSynced(): Promise<void> {
    return this.firstSync.promise;
  }

  /** What the source is failing with now (undefined while it is in sync, or before its first attempt). */
  get lastProblem(): string | undefined {
    return this.problem?.slice(this.problem.indexOf('\u0000') + 1);
  }

  start(): void {
    this.watcher.start();
  }

  stop(): Promise<void> {
    return this.watcher.stop();
  }

  private synced(count: number): void {
    this.o.metrics?.exceptionSourceSynced.set(CLUSTER_SOURCE, 1);
    this.inSync = true;
    if (!this.everSynced) {
      this.everSynced = true;
      this.o.log(`kubecomply serve: cluster exceptions: synced with ${this.o.connection.server}: ${count} ComplianceException${count === 1 ? '' : 's'} in the cluster; watching for changes`);
      this.firstSync.resolve();
    } else if (this.problem !== undefined) {
      this.o.log(`kubecomply serve: cluster exceptions: in sync again after ${this.failures} failed attempt${this.failures === 1 ? '' : 's'}: ${count} in the cluster`);
    }
    this.problem = undefined;
    this.failures = 0;
  }

  private failed(e: KubeApiError, retryInMs: number): void {
    this.o.metrics?.exceptionSourceErrors.inc({ source: CLUSTER_SOURCE, reason: e.reason });
    this.o.metrics?.exceptionSourceSynced.set(CLUSTER_SOURCE, 0);
    this.inSync = false;
    this.failures++;
    const signature = `${e.reason}\u0000${e.message}`;
    if (signature === this.problem) return;
    this.problem = signature;
    const keeping = this.everSynced ? 'the last known cluster exceptions stay in force' : 'no cluster exception is honoured until the list succeeds';
    this.o.log(`kubecomply serve: cluster exceptions: ${e.message}${hint(e)}; ${keeping}; retrying with backoff (next in ${retryInMs < 1000 ? `${retryInMs} ms` : `${(retryInMs / 1000).toFixed(1)} s`}; logged again when this changes)`);
  }
}
