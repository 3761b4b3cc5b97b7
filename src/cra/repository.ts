/**
 * CRA cases and products in the store (schema v3): a snapshot per case plus its append-only event list. Every event
 * a save adds is also appended to the hash-chained evidence log as kind `case-transition`, so the history of a case
 * is tamper-evident (`kubecomply evidence verify`).
 *
 * A save names the case as it was loaded (`before`): the store refuses it when another writer added events in
 * between (StoreConflictError), and the new events must extend the old list (cases.ts functions only append).
 */
import { appendEvidence, type AppendOptions } from '../store/evidence.js';
import type { CaseEventRecord, Store } from '../store/types.js';
import { CaseError, type Case, type CaseEvent } from './cases.js';
import type { Product } from './product.js';

export const CASE_EVIDENCE_KIND = 'case-transition';

export class CaseRepository {
  constructor(
    private readonly store: Store,
    private readonly evidence: AppendOptions,
  ) {}

  /** The case with its events as stored in the event list (the snapshot's own copy is not trusted for history). */
  async get(id: string): Promise<Case | undefined> {
    const rec = await this.store.getCase(id);
    if (!rec) return undefined;
    const events = await this.store.listCaseEvents(id);
    return { ...(rec.data as Case), events: events.map((e) => e.data as CaseEvent) };
  }

  /** Every case, by id. */
  async list(): Promise<Case[]> {
    const out: Case[] = [];
    for (const rec of await this.store.listCases()) {
      const events = await this.store.listCaseEvents(rec.id);
      out.push({ ...(rec.data as Case), events: events.map((e) => e.data as CaseEvent) });
    }
    return out;
  }

  async events(id: string): Promise<CaseEvent[]> {
    return (await this.store.listCaseEvents(id)).map((e) => e.data as CaseEvent);
  }

  /** Store a newly opened case; refuses an id that exists. */
  async create(c: Case): Promise<void> {
    if (await this.store.getCase(c.id)) throw new CaseError(`case ${c.id} already exists`);
    await this.write(c, 0);
  }

  /** Store `after`, a case derived from `before` (as loaded) by appending events. */
  async update(before: Case, after: Case): Promise<void> {
    if (before.id !== after.id) throw new CaseError(`case id changed (${before.id} → ${after.id})`);
    if (after.events.length < before.events.length) throw new CaseError(`case ${after.id}: events cannot be removed`);
    for (let i = 0; i < before.events.length; i++) {
      if (JSON.stringify(before.events[i]) !== JSON.stringify(after.events[i])) throw new CaseError(`case ${after.id}: event ${i + 1} cannot be changed (events are append-only)`);
    }
    if (after.events.length === before.events.length) return;
    await this.write(after, before.events.length);
  }

  private async write(c: Case, expected: number): Promise<void> {
    const added = c.events.slice(expected);
    const records: CaseEventRecord[] = added.map((e, i) => ({ caseId: c.id, seq: expected + i + 1, type: e.type, at: e.at, data: e }));
    const last = c.events[c.events.length - 1];
    await this.store.saveCase({ id: c.id, state: c.state, updatedAt: last?.at ?? c.openedAt, events: c.events.length, data: c }, records, expected);
    for (const r of records) {
      await appendEvidence(this.store, CASE_EVIDENCE_KIND, { caseId: c.id, seq: r.seq, state: c.state, vulnerability: c.vulnerability.id, event: r.data }, this.evidence);
    }
  }

  /** Record the product description (the latest per product name). */
  async saveProduct(p: Product, now: Date = new Date()): Promise<void> {
    await this.store.saveProduct({ name: p.name, version: p.version, updatedAt: now.toISOString(), data: p });
  }

  async getProduct(name: string): Promise<Product | undefined> {
    return (await this.store.getProduct(name))?.data as Product | undefined;
  }
}
