/**
 * The ComplianceException CustomResourceDefinition (kubecomply.io/v1alpha1), so that exceptions can
 * live in the cluster beside what they excuse. The schema is the document format of
 * docs/admission-design.md: it checks the structure (types, required fields, date syntax) and leaves
 * the governance — justification length, approval, the longest validity, known control ids — to
 * kubecomply, which reports an exception that fails it as invalid, unapproved or expired rather than
 * honouring it. approvedBy and approvedAt are not required here: an exception may be filed before it
 * is approved (it is `unapproved` until then).
 */

type Json = Record<string, unknown>;

export const CRD_GROUP = 'kubecomply.io';
export const CRD_VERSION = 'v1alpha1';
export const CRD_PLURAL = 'complianceexceptions';
export const CRD_NAME = `${CRD_PLURAL}.${CRD_GROUP}`;

/** A date (2027-01-31) or an RFC 3339 time with an offset (2027-01-31T18:00:00Z). */
const INSTANT_PATTERN = '^[0-9]{4}-[0-9]{2}-[0-9]{2}([Tt ][0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?([Zz]|[+-][0-9]{2}:[0-9]{2}))?$';

const stringList = (description: string, extra: Json = {}): Json => ({
  type: 'array',
  description,
  items: { type: 'string', minLength: 1 },
  ...extra,
});

function labelSelectorSchema(): Json {
  return {
    type: 'object',
    description: "A label selector (metav1.LabelSelector) on the resource's own labels; every matchLabels entry and every expression must hold.",
    properties: {
      matchLabels: { type: 'object', additionalProperties: { type: 'string' } },
      matchExpressions: {
        type: 'array',
        items: {
          type: 'object',
          required: ['key', 'operator'],
          properties: {
            key: { type: 'string', minLength: 1 },
            operator: { type: 'string', enum: ['In', 'NotIn', 'Exists', 'DoesNotExist'] },
            values: { type: 'array', items: { type: 'string' } },
          },
        },
      },
    },
  };
}

export function openApiSchema(): Json {
  return {
    type: 'object',
    description: 'A governed exception: accepts the risk of named controls on matching resources, for a limited time, with a justification and an approver.',
    required: ['spec'],
    properties: {
      apiVersion: { type: 'string' },
      kind: { type: 'string' },
      metadata: { type: 'object' },
      spec: {
        type: 'object',
        required: ['controls', 'match', 'justification', 'expires'],
        properties: {
          controls: stringList('Control (or admission guard) ids or globs, e.g. pss-run-as-non-root or pss-*.', { minItems: 1 }),
          match: {
            type: 'object',
            description: 'Which resources the exception covers: at least one criterion; all given criteria must hold. Only resources in the exception\'s own namespace match.',
            minProperties: 1,
            properties: {
              namespaces: stringList('Namespace names or globs.'),
              kinds: stringList('Kinds, exactly (Deployment).'),
              names: stringList('Resource names or globs.'),
              selector: labelSelectorSchema(),
            },
          },
          justification: { type: 'string', minLength: 1, description: 'Why the risk is accepted (kubecomply requires exceptions.minJustificationLength characters, default 20).' },
          approvedBy: { type: 'string', minLength: 1, description: 'Who approved it; required for the exception to be honoured.' },
          approvedAt: { type: 'string', pattern: INSTANT_PATTERN, description: 'Date or RFC 3339 time of approval; required for the exception to be honoured; not in the future.' },
          expires: {
            type: 'string',
            pattern: INSTANT_PATTERN,
            description: 'Date (the end of that day UTC) or RFC 3339 time; at most exceptions.maxDays (default 90) after approvedAt.',
          },
          ticket: { type: 'string', description: 'The change or risk ticket, e.g. PAY-123.' },
        },
      },
    },
  };
}

export function complianceExceptionCrd(labels: Record<string, string>): Json {
  return {
    apiVersion: 'apiextensions.k8s.io/v1',
    kind: 'CustomResourceDefinition',
    metadata: { name: CRD_NAME, labels },
    spec: {
      group: CRD_GROUP,
      scope: 'Namespaced',
      names: {
        kind: 'ComplianceException',
        listKind: 'ComplianceExceptionList',
        plural: CRD_PLURAL,
        singular: 'complianceexception',
        shortNames: ['cex'],
        categories: ['kubecomply'],
      },
      versions: [
        {
          name: CRD_VERSION,
          served: true,
          storage: true,
          schema: { openAPIV3Schema: openApiSchema() },
          additionalPrinterColumns: [
            { name: 'Controls', type: 'string', jsonPath: '.spec.controls', description: 'The controls excused.' },
            { name: 'Approver', type: 'string', jsonPath: '.spec.approvedBy', description: 'Who approved the exception.' },
            { name: 'Expires', type: 'string', jsonPath: '.spec.expires', description: 'When the exception stops being honoured.' },
            { name: 'Ticket', type: 'string', jsonPath: '.spec.ticket', priority: 1 },
            { name: 'Age', type: 'date', jsonPath: '.metadata.creationTimestamp' },
          ],
        },
      ],
    },
  };
}
