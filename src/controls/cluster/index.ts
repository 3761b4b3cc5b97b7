import type { Control } from '../../core/types.js';
import {
  apiserverAdmissionAlwaysAdmit,
  apiserverAdmissionAlwaysPullImages,
  apiserverAdmissionDenyExternalIps,
  apiserverAdmissionEventRateLimit,
  apiserverAdmissionNamespaceLifecycle,
  apiserverAdmissionNodeRestriction,
  apiserverAdmissionServiceAccount,
  apiserverAnonymousAuth,
  apiserverAuditLogging,
  apiserverAuditLogRotation,
  apiserverAuthorizationMode,
  apiserverClientCa,
  apiserverEncryptionProviderConfig,
  apiserverEtcdTls,
  apiserverKubeletTls,
  apiserverProfiling,
  apiserverServiceAccountKeyFile,
  apiserverServiceAccountLookup,
  apiserverServiceAccountTokenExpiration,
  apiserverTlsCert,
  apiserverTlsCipherSuites,
  apiserverTokenAuthFile,
} from './apiserver.js';
import { auditPolicyCoverage } from './audit-policy.js';
import {
  controllerManagerBindAddress,
  controllerManagerKubeletServerCertRotation,
  controllerManagerProfiling,
  controllerManagerRootCaFile,
  controllerManagerServiceAccountCredentials,
  controllerManagerServiceAccountPrivateKey,
  controllerManagerTerminatedPodGc,
  schedulerBindAddress,
  schedulerProfiling,
} from './controller-manager.js';
import { apiserverEncryptionProviders } from './encryption.js';
import { etcdClientCertAuth, etcdClientTls, etcdDedicatedCa, etcdPeerClientCertAuth, etcdPeerTls } from './etcd.js';
import { apiserverImageProvenance } from './image-provenance.js';
import { kubeProxyMetricsBindAddress } from './kube-proxy.js';
import {
  kubeletAnonymousAuth,
  kubeletAuthorizationMode,
  kubeletClientCa,
  kubeletClientCertRotation,
  kubeletEventQps,
  kubeletIptablesUtilChains,
  kubeletPodPidsLimit,
  kubeletReadOnlyPort,
  kubeletSeccompDefault,
  kubeletServerCertRotation,
  kubeletStreamingIdleTimeout,
  kubeletTlsCert,
  kubeletTlsCipherSuites,
} from './kubelet.js';

/**
 * The cluster family: the control plane components' flags (kube-apiserver, kube-controller-manager,
 * kube-scheduler, etcd — CIS Kubernetes Benchmark v1.12 sections 1.2–1.4 and 2, read from their
 * static pod manifests with flags.ts), the kubelet and kube-proxy configuration files (4.2, 4.3),
 * the encryption configuration (1.2.28), the audit policy (3.2) and image provenance (5.5.1).
 */
export const CONTROLS: readonly Control[] = [
  // 1.2 API server
  apiserverAnonymousAuth,
  apiserverTokenAuthFile,
  apiserverAdmissionDenyExternalIps,
  apiserverKubeletTls,
  apiserverAuthorizationMode,
  apiserverAdmissionEventRateLimit,
  apiserverAdmissionAlwaysAdmit,
  apiserverAdmissionAlwaysPullImages,
  apiserverAdmissionServiceAccount,
  apiserverAdmissionNamespaceLifecycle,
  apiserverAdmissionNodeRestriction,
  apiserverProfiling,
  apiserverAuditLogging,
  apiserverAuditLogRotation,
  apiserverServiceAccountLookup,
  apiserverServiceAccountKeyFile,
  apiserverEtcdTls,
  apiserverTlsCert,
  apiserverClientCa,
  apiserverEncryptionProviderConfig,
  apiserverEncryptionProviders,
  apiserverTlsCipherSuites,
  apiserverServiceAccountTokenExpiration,
  // 1.3 controller manager, 1.4 scheduler
  controllerManagerTerminatedPodGc,
  controllerManagerProfiling,
  controllerManagerServiceAccountCredentials,
  controllerManagerServiceAccountPrivateKey,
  controllerManagerRootCaFile,
  controllerManagerKubeletServerCertRotation,
  controllerManagerBindAddress,
  schedulerProfiling,
  schedulerBindAddress,
  // 2 etcd
  etcdClientTls,
  etcdClientCertAuth,
  etcdPeerTls,
  etcdPeerClientCertAuth,
  etcdDedicatedCa,
  // 3.2 audit policy
  auditPolicyCoverage,
  // 4.2 kubelet, 4.3 kube-proxy
  kubeletAnonymousAuth,
  kubeletAuthorizationMode,
  kubeletClientCa,
  kubeletReadOnlyPort,
  kubeletStreamingIdleTimeout,
  kubeletIptablesUtilChains,
  kubeletEventQps,
  kubeletTlsCert,
  kubeletClientCertRotation,
  kubeletServerCertRotation,
  kubeletTlsCipherSuites,
  kubeletPodPidsLimit,
  kubeletSeccompDefault,
  kubeProxyMetricsBindAddress,
  // 5.5.1 image provenance
  apiserverImageProvenance,
];
