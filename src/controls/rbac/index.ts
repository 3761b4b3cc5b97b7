import type { Control } from '../../core/types.js';
import { anonymousBinding, clusterAdminBinding, defaultServiceAccountBinding, systemMasters } from './bindings.js';
import {
  csrApproval,
  escalateBindImpersonate,
  nodesProxy,
  persistentVolumeCreate,
  podCreate,
  podExecAttach,
  saTokenCreate,
  secretRead,
  webhookConfig,
} from './permissions.js';
import { wildcardPermissions } from './wildcard.js';

/**
 * The rbac family. Where findings go (see each control's description): grants of permissions and of
 * cluster-admin are reported on the RoleBinding/ClusterRoleBinding that makes them; subjects that
 * should not be bound (system:masters, anonymous, default service accounts) on the binding's subject;
 * wildcards on the Role/ClusterRole rule that holds them.
 */
export const CONTROLS: readonly Control[] = [
  clusterAdminBinding,
  systemMasters,
  wildcardPermissions,
  secretRead,
  podCreate,
  escalateBindImpersonate,
  podExecAttach,
  nodesProxy,
  persistentVolumeCreate,
  csrApproval,
  saTokenCreate,
  webhookConfig,
  anonymousBinding,
  defaultServiceAccountBinding,
];
