/**
 * Core types shared by every module. This file depends on nothing else in src/.
 */

export type Severity = 'critical' | 'high' | 'medium' | 'low' | 'info';

export const SEVERITIES: readonly Severity[] = ['critical', 'high', 'medium', 'low', 'info'];

/** Numeric rank for comparisons: higher is more severe. */
export const SEVERITY_RANK: Readonly<Record<Severity, number>> = {
  critical: 4,
  high: 3,
  medium: 2,
  low: 1,
  info: 0,
};

export function isSeverity(s: string): s is Severity {
  return Object.prototype.hasOwnProperty.call(SEVERITY_RANK, s);
}

/** A plain JSON-like object as it came out of the parser. */
export type JsonObject = { [key: string]: unknown };

export interface ObjectMeta {
  name?: string;
  generateName?: string;
  namespace?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [key: string]: unknown;
}

/** A line/column position, both 1-based. */
export interface Position {
  line: number;
  column: number;
}

/**
 * Resolves JSON paths inside one parsed document to positions in the reported file. Batched, because
 * resolving means scanning the document's text once; only documents that have findings are scanned.
 */
export interface DocumentLocator {
  /** Positions for each path, or for its nearest ancestor that exists in the text. */
  locate(paths: readonly string[]): Position[];
}

/** A resource's view of its document: List items are located below their `items[i]` prefix. */
export interface Locator {
  doc: DocumentLocator;
  /** Path of the resource inside the document ('' unless the resource is an item of a List). */
  prefix: string;
}

/** Where a resource came from. */
export interface Origin {
  /** The file to report: a path, `<stdin>`, or the Helm `# Source:` template / Kustomize origin path. */
  file: string;
  /** 0-based index of the YAML document in the physical stream. */
  doc: number;
  /** 1-based line of the resource's first line in `file` (for Helm sources: within the rendered template). */
  line: number;
  /** The physical stream when `file` names a Helm/Kustomize origin rather than the file that was read. */
  stream?: { file: string; line: number };
  /** For items of a `kind: List`: the path of the item inside the document (e.g. `items[3]`). */
  itemPath?: string;
  /** Lazily resolves paths inside the document. */
  locator?: Locator;
  /** Kustomize's `config.kubernetes.io/origin` path, when the build recorded one. */
  sourcePath?: string;
}

export interface Resource {
  apiVersion: string;
  kind: string;
  name: string;
  /** Effective namespace (explicit, or the default namespace for namespaced kinds); undefined for cluster-scoped kinds. */
  namespace: string | undefined;
  metadata: ObjectMeta;
  /** The whole object exactly as parsed. */
  object: JsonObject;
  origin: Origin;
  /** Set when a scan worker already ran this resource's per-resource controls. */
  precomputed?: Precomputed;
  /** Filled on first use by the inventory. */
  podSpecs?: readonly PodSpecRef[];
}

/**
 * What the per-document handler (src/parallel/batch.ts, on a scan worker or the main thread) already
 * decided about one resource with its resource-scoped controls, without looking at any other
 * resource: which are in scope, which ran, and their findings with positions. The engine takes these
 * instead of asking the scope predicates again and re-running the checks.
 */
export interface Precomputed {
  /** The controls `state` describes, in the handler's order (one array shared by every resource it checked). */
  ids: readonly string[];
  /**
   * One character per id (see PRE_STATE). Strings are interned: resources alike share one, and the
   * engine keeps one plan per (kind, state).
   */
  state: string;
  /**
   * Findings of the controls that ran, five entries each: id index, path, message, line, column
   * (1-based), in the handler's order.
   */
  findings: readonly (number | string)[];
  /**
   * The same findings as Finding objects (undefined for a control that is not active), once created
   * (see core/engine.ts adoptPrecomputed); `findings` is then emptied.
   */
  made?: readonly (Finding | undefined)[];
}

/** States in `Precomputed.state`. */
export const PRE_STATE = {
  /** In scope (or no inScope), and the check ran: its findings are in `findings`. */
  ran: 'A',
  /** In scope, but the check failed: the engine runs it again, and reports the failure. */
  run: 'B',
  /** Out of scope: neither counted nor checked. */
  out: 'C',
  /**
   * Not decided: the control does not apply to the kind, or its scope predicate failed (or reached
   * beyond the resource). The engine does all of it, as for a resource nothing was precomputed for.
   */
  none: 'N',
} as const;

export interface ResourceRef {
  apiVersion: string;
  kind: string;
  namespace?: string;
  name: string;
}

export function refOf(r: Resource): ResourceRef {
  const ref: ResourceRef = { apiVersion: r.apiVersion, kind: r.kind, name: r.name };
  if (r.namespace !== undefined) ref.namespace = r.namespace;
  return ref;
}

/** `Kind/namespace/name` or `Kind/name` for cluster-scoped resources. */
export function displayName(r: { kind: string; namespace?: string | undefined; name: string }): string {
  return r.namespace !== undefined ? `${r.kind}/${r.namespace}/${r.name}` : `${r.kind}/${r.name}`;
}

export type Stride = 'S' | 'T' | 'R' | 'I' | 'D' | 'E';

export interface Mappings {
  cis?: string[];
  nsa?: string[];
  nist80190?: string[];
  mitre?: string[];
  stride?: Stride[];
  pci?: string[];
  hipaa?: string[];
  gdpr?: string[];
  soc2?: string[];
  cra?: string[];
}

export interface Violation {
  /** JSON path inside the resource, e.g. `spec.template.spec.containers[0].securityContext.privileged`. */
  path: string;
  message: string;
}

/** Pod Security level, ordered privileged < baseline < restricted. */
export type PssLevel = 'privileged' | 'baseline' | 'restricted';

export const PSS_LEVEL_RANK: Readonly<Record<PssLevel, number>> = { privileged: 0, baseline: 1, restricted: 2 };

/** A Pod Security policy version (`v1.30` is { major: 1, minor: 30 }). */
export interface PssVersion {
  major: number;
  minor: number;
}

/**
 * Organisation-specific settings controls read (from kubecomply.yaml; see src/config). Every field
 * has a default, so controls never see undefined.
 */
export interface Settings {
  images: {
    /** Registries (host, or host/path prefix) images may come from. Empty: no allow-list configured. */
    allowedRegistries: string[];
  };
  labels: {
    /** Labels every Namespace must carry. */
    namespaces: string[];
    /** Labels every workload (on the workload object) must carry. */
    workloads: string[];
  };
  dataProtection: {
    /** Label key naming a namespace's or workload's data class. */
    dataClassLabel: string;
    /** Data classes that must be pinned to allowed regions (personal, health, cardholder data). */
    regulatedClasses: string[];
    /** Data classes that are cardholder data (PCI DSS segmentation applies). */
    cardholderClasses: string[];
    /** Node label that names the region. */
    regionLabel: string;
    /** Regions regulated data may run in. Empty: any region, as long as the workload is pinned. */
    allowedRegions: string[];
  };
  runtime: {
    /** RuntimeClass handlers that are sandboxes (gVisor, Kata). */
    sandboxHandlers: string[];
    /** Labels (key=value) that mark a workload as high-risk: it must run in a sandbox. */
    highRiskLabels: Record<string, string>;
  };
}

export type AdmissionMode = 'enforce' | 'warn' | 'audit';

/** How ComplianceException documents are governed (kubecomply.yaml `exceptions`). */
export interface ExceptionPolicy {
  /** Longest validity from approval to expiry, in days. */
  maxDays: number;
  /** Shortest accepted justification, in characters. */
  minJustificationLength: number;
  /** Files or directories with ComplianceException documents (absolute, or relative to the working directory). */
  files: string[];
}

/** The admission webhook's settings (kubecomply.yaml `admission`), defaults filled in. */
export interface AdmissionSettings {
  mode: AdmissionMode;
  /** Namespace label selecting a namespace's mode. */
  modeLabel: string;
  namespaceModes: Record<string, AdmissionMode>;
  administrators: {
    users: string[];
    groups: string[];
    /** `namespace:name`, `*` a wildcard. */
    serviceAccounts: string[];
  };
  adminNamespaces: string[];
  /** `key=value` or `key` selectors marking system components. */
  systemComponents: string[];
  /** Catalog control ids or globs evaluated at admission. */
  controls: string[];
  bindableClusterRoles: string[];
  failurePolicy: 'Fail' | 'Ignore';
  timeoutSeconds: number;
}

/** Everything a scan is configured with that controls may read. */
export interface ScanConfig {
  pss: { level: PssLevel; version: PssVersion };
  /** Namespace assumed for namespaced resources that do not name one (kubectl's `-n`). */
  defaultNamespace: string;
  /** Organisation settings; defaults when absent. */
  settings?: Settings;
}

export interface CheckContext {
  config: ScanConfig;
  inventory: InventoryView;
}

/** The read-only view of the inventory that controls get. Implemented by core/inventory.ts. */
export interface InventoryView {
  readonly resources: readonly Resource[];
  byKind(kind: string): readonly Resource[];
  inNamespace(namespace: string): readonly Resource[];
  get(kind: string, namespace: string | undefined, name: string): Resource | undefined;
  withLabel(key: string, value?: string): readonly Resource[];
  podSpecsOf(r: Resource): readonly PodSpecRef[];
  namespaces(): readonly string[];
  /** Builds a derived index once per inventory (e.g. RBAC bindings by role) and returns it thereafter. */
  memo<T>(key: string, build: () => T): T;
}

/** A pod spec found inside a workload, with the JSON paths of the spec and of the pod metadata. */
export interface PodSpecRef {
  resource: Resource;
  spec: JsonObject;
  /** Pod metadata (for templates: the template's metadata). May be an empty object. */
  meta: JsonObject;
  /** e.g. `spec.template.spec` */
  specPath: string;
  /** e.g. `spec.template.metadata` */
  metaPath: string;
  /** Filled on first use by core/podspec.ts `containersOf`. */
  containers?: unknown[];
}

export interface Control {
  /** Stable slug, e.g. `pss-privileged`. */
  id: string;
  title: string;
  severity: Severity;
  /** e.g. `pod-security`, `rbac`, `network`. */
  family: string;
  /** Kinds the control evaluates, or `['*']`. */
  appliesTo: readonly string[];
  /**
   * `resource`: the check and the scope predicate read only their target (and the scan
   * configuration), so they may run on a worker thread next to the parser. `inventory` (the
   * default): they may read other resources.
   */
  scope?: 'resource' | 'inventory';
  description: string;
  /** Why it matters. */
  rationale: string;
  /** How to fix, may include a YAML snippet. */
  remediation: string;
  references: readonly string[];
  mappings: Mappings;
  /** Whether the control takes part in a scan with this configuration (e.g. Pod Security level/version gating). */
  isActive?(config: ScanConfig): boolean;
  /**
   * Whether a resource of an applicable kind is something this control judges (a pod that runs
   * kube-apiserver, an audit.k8s.io Policy rather than a Kyverno one). Resources out of scope are not
   * checked and not counted as evaluated, so a requirement whose controls found nothing to judge is
   * not-applicable, never a pass. Absent: every resource of an applicable kind is in scope.
   */
  inScope?(target: Resource, ctx: CheckContext): boolean;
  check(target: Resource, ctx: CheckContext): Violation[];
}

export type FindingStatus = 'fail' | 'excepted';

/** The approved ComplianceException that covers an excepted finding (src/policy/exceptions.ts). */
export interface ExceptionRef {
  name: string;
  /** The exception's own namespace, when it has one. */
  namespace?: string;
  approvedBy: string;
  /** The expiry as written (a date means the end of that day UTC, or an RFC 3339 time). */
  expires: string;
  ticket?: string;
  justification: string;
}

export interface Finding {
  control: Control;
  resource: Resource;
  path: string;
  message: string;
  status: FindingStatus;
  /** Set when status is 'excepted': the exception that covers the finding. */
  exception?: ExceptionRef;
  /** Filled in when findings are located for output. */
  position?: Position;
}

export type DiagnosticLevel = 'error' | 'warning' | 'note';

/** Something about the input (not a policy finding): malformed YAML, skipped documents, … */
export interface Diagnostic {
  level: DiagnosticLevel;
  file: string;
  line?: number;
  column?: number;
  message: string;
  /** A short machine-readable code, e.g. `yaml-syntax`, `not-kubernetes`. */
  code: string;
}
