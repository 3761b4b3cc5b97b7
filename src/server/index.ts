/** The long-running process: the admission webhook's HTTPS server, its metrics, TLS reloading, certificates, and the Kubernetes API client for cluster exceptions. */
export { AdmissionServer, createAdmissionServer, DEFAULT_MAX_BODY_BYTES, statusBody } from './server.js';
export type { AdmissionServerOptions, Decider, ReviewAnswer, ReviewOutcome, TlsSource } from './server.js';
export { DURATION_BUCKETS, METRICS_CONTENT_TYPE, ServerMetrics } from './metrics.js';
export { checkTlsMaterial, loadTlsFiles, TlsReloader } from './tls.js';
export type { TlsMaterial } from './tls.js';
export { certificateInfo, generateCa, issueServingCert, serviceDnsNames } from './certs.js';
export type { CaOptions, CertificateInfo, CertificatePem, KeyAlgorithm, ServingCertOptions } from './certs.js';
export { GoneError, inClusterConnection, checkServerUrl, KubeApiError, KubeClient, KubeConfigError, ListWatcher, SERVICE_ACCOUNT_DIR } from './kube.js';
export type { KubeClientOptions, KubeConnection, KubeErrorReason, ListWatchChange, ListWatchOptions } from './kube.js';
export { ClusterExceptionSource, clusterExceptionResource, EXCEPTIONS_PATH } from './cluster-exceptions.js';
export type { ClusterExceptionSourceOptions } from './cluster-exceptions.js';
export { AuditSink, detectionEvidence, DEFAULT_AUDIT_BUFFER, DEFAULT_AUDIT_MAX_BODY_BYTES, DEFAULT_AUDIT_MAX_PENDING } from './audit-sink.js';
export type { AuditSinkOptions, StoredDetection } from './audit-sink.js';
