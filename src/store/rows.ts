/** Row shapes both backends read (PostgreSQL returns BIGINT as text, SQLite as a number) and their mapping. */
import type { Checkpoint, EvidenceRecord } from './types.js';

export interface EvidenceRow {
  seq: number | string;
  kind: string;
  time: string;
  payload: string;
  prev_hash: string;
  hash: string;
}

export interface CheckpointRow {
  seq: number | string;
  hash: string;
  time: string;
  key_id: string;
  signature: string;
}

export function toRecord(r: EvidenceRow): EvidenceRecord {
  return { seq: Number(r.seq), kind: r.kind, time: r.time, payload: JSON.parse(r.payload), prevHash: r.prev_hash, hash: r.hash };
}

export function toCheckpoint(r: CheckpointRow): Checkpoint {
  return { seq: Number(r.seq), hash: r.hash, time: r.time, keyId: r.key_id, signature: r.signature };
}
