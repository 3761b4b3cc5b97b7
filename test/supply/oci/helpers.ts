/** Shared by the registry client tests. */
import assert from 'node:assert/strict';
import { RegistryError } from '../../../src/supply/oci/errors.js';

/** Awaits a rejection that must be a RegistryError of `kind` whose message matches. */
export async function rejectsWith(p: Promise<unknown>, kind: RegistryError['kind'], message: RegExp): Promise<RegistryError> {
  let caught: unknown;
  await p.then(
    () => assert.fail('expected a rejection'),
    (e: unknown) => (caught = e),
  );
  assert.ok(caught instanceof RegistryError, `expected a RegistryError, got ${String(caught)}`);
  assert.equal(caught.kind, kind, caught.message);
  assert.match(caught.message, message);
  return caught;
}
