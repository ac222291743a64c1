import { createHash } from 'node:crypto';

/** Namespace of our point ids. Never change it: every stored point id is derived from it. */
const POINT_ID_NAMESPACE = '7320d190-ade4-4056-910d-949f6dafc0a2';
const UUID_PATTERN = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` within `namespace`. */
export function uuidV5(name: string, namespace: string): string {
  if (!UUID_PATTERN.test(namespace)) throw new TypeError(`namespace is not a UUID: ${namespace}`);
  const bytes = createHash('sha1')
    .update(Buffer.from(namespace.replace(/-/g, ''), 'hex'))
    .update(name, 'utf8')
    .digest()
    .subarray(0, 16);
  bytes.writeUInt8((bytes.readUInt8(6) & 0x0f) | 0x50, 6); // version 5
  bytes.writeUInt8((bytes.readUInt8(8) & 0x3f) | 0x80, 8); // RFC 4122 variant
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Qdrant point id for an item id; Qdrant only accepts unsigned ints or UUIDs, and re-upserts must hit the same point. */
export function qdrantPointId(itemId: string): string {
  return uuidV5(itemId, POINT_ID_NAMESPACE);
}
