import * as avro from 'avsc';
import { SchemaMismatchError, PermanentRouterError } from './errors';

/**
 * Avro single-object encoding, as the Java side writes it (org.agentrouter.wire.AvroWire): marker
 * C3 01, the 8-byte little-endian CRC-64-AVRO fingerprint of the schema's parsing canonical form,
 * then the binary body. A record whose fingerprint is not this codec's schema is refused, not misread.
 */
export class SingleObjectCodec<T> {
  readonly fingerprint: Buffer;

  constructor(readonly type: avro.Type) {
    // avsc's schema() without options is the parsing canonical form.
    this.fingerprint = crc64Avro(Buffer.from(JSON.stringify(type.schema()), 'utf8'));
  }

  encode(value: T): Buffer {
    let body: Buffer;
    try {
      body = this.type.toBuffer(value);
    } catch (e) {
      throw new PermanentRouterError(`cannot encode ${this.type.name}: ${(e as Error).message}`, e);
    }
    return Buffer.concat([MARKER, this.fingerprint, body]);
  }

  decode(bytes: Buffer): T {
    if (bytes.length < HEADER_LENGTH || bytes[0] !== MARKER[0] || bytes[1] !== MARKER[1]) {
      throw new PermanentRouterError(`not Avro single-object encoded (${bytes.length} bytes)`);
    }
    const fp = bytes.subarray(2, HEADER_LENGTH);
    if (!fp.equals(this.fingerprint)) {
      throw new SchemaMismatchError(`unknown schema fingerprint ${fp.toString('hex')}: not the ${this.type.name} `
        + `schema this client loaded (${this.fingerprint.toString('hex')})`);
    }
    return this.type.fromBuffer(bytes.subarray(HEADER_LENGTH)) as T;
  }
}

const MARKER = Buffer.from([0xc3, 0x01]);
const HEADER_LENGTH = 10;

const EMPTY = 0xc15d213aa4d7a795n;
const MASK = 0xffffffffffffffffn;
const TABLE: bigint[] = (() => {
  const t: bigint[] = [];
  for (let i = 0; i < 256; i++) {
    let fp = BigInt(i);
    for (let j = 0; j < 8; j++) fp = (fp >> 1n) ^ (EMPTY & -(fp & 1n));
    t.push(fp & MASK);
  }
  return t;
})();

/** The Avro specification's 64-bit Rabin fingerprint, little-endian as single-object encoding writes it. */
export function crc64Avro(data: Buffer): Buffer {
  let fp = EMPTY;
  for (const b of data) fp = (fp >> 8n) ^ TABLE[Number((fp ^ BigInt(b)) & 0xffn)];
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(fp & MASK);
  return out;
}
