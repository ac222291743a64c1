/** Float32 vectors are stored as little-endian bytes (bytea): compact, and fast to read in bulk. */
export function vectorToBytes(v: Float32Array): Buffer {
  const out = Buffer.allocUnsafe(v.length * 4);
  for (let i = 0; i < v.length; i++) out.writeFloatLE(v[i] as number, i * 4);
  return out;
}

export function bytesToVector(b: Buffer): Float32Array {
  const v = new Float32Array(b.length / 4);
  for (let i = 0; i < v.length; i++) v[i] = b.readFloatLE(i * 4);
  return v;
}
