import { describe, expect, it } from '@jest/globals';
import { binaryArray, copyReadings } from './pg-binary.js';

const PATIENT = '00112233-4455-6677-8899-aabbccddeeff';
const DEVICE = 'ffeeddcc-bbaa-4998-8877-665544332211';

/** Microseconds since 2000-01-01 UTC as PostgreSQL's 8-byte big-endian integer. */
const micros = (iso: string) => {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(Date.parse(iso) - Date.UTC(2000, 0, 1)) * 1000n);
  return b.toString('hex');
};
const int32 = (n: number) => {
  const b = Buffer.alloc(4);
  b.writeInt32BE(n);
  return b.toString('hex');
};
const float8 = (v: number) => {
  const b = Buffer.alloc(8);
  b.writeDoubleBE(v);
  return b.toString('hex');
};
const hex = (uuid: string) => uuid.replaceAll('-', '');

describe('copyReadings (COPY … FROM STDIN (FORMAT binary))', () => {
  it('writes the signature, flags, one tuple per row (time, patient, device, metric, value) and the trailer', () => {
    const time = '2026-11-29T07:49:37.271Z';
    const out = copyReadings([{ time: new Date(time), patientId: PATIENT, deviceId: DEVICE, metric: 'spo2', value: 97.5 }]).toString('hex');
    expect(out).toBe(
      Buffer.from('PGCOPY\n\xff\r\n\0', 'latin1').toString('hex') +
        int32(0) +
        int32(0) +
        '0005' +
        int32(8) +
        micros(time) +
        int32(16) +
        hex(PATIENT) +
        int32(16) +
        hex(DEVICE) +
        int32(4) +
        Buffer.from('spo2').toString('hex') +
        int32(8) +
        float8(97.5) +
        'ffff',
    );
  });

  it.each(['2000-01-01T00:00:00.001Z', '1999-12-31T23:59:59.999Z', '1970-01-01T00:00:00.000Z', '2099-12-31T23:59:59.999Z'])(
    'encodes %s exactly, before and after the PostgreSQL epoch',
    (time) => {
      const out = copyReadings([{ time: new Date(time), patientId: PATIENT, deviceId: DEVICE, metric: 'hr', value: 1 }]);
      expect(out.subarray(19 + 2 + 4, 19 + 2 + 4 + 8).toString('hex')).toBe(micros(time));
    },
  );

  it('refuses an id that is not a UUID rather than writing it truncated', () => {
    expect(() => copyReadings([{ time: new Date(0), patientId: PATIENT, deviceId: 'not-a-uuid', metric: 'hr', value: 1 }])).toThrow(/not a UUID/);
  });
});

describe('binaryArray (binary array parameters)', () => {
  const header = (oid: number, length: number) => int32(1) + int32(0) + int32(oid) + int32(length) + int32(1);

  it('writes each element type with its OID and length-prefixed values', () => {
    const time = '2026-01-02T03:04:05.678Z';
    expect(binaryArray('timestamptz', [new Date(time)]).toString('hex')).toBe(header(1184, 1) + int32(8) + micros(time));
    expect(binaryArray('uuid', [PATIENT, DEVICE]).toString('hex')).toBe(header(2950, 2) + int32(16) + hex(PATIENT) + int32(16) + hex(DEVICE));
    expect(binaryArray('text', ['hr', 'température']).toString('hex')).toBe(
      header(25, 2) + int32(2) + Buffer.from('hr').toString('hex') + int32(12) + Buffer.from('température').toString('hex'),
    );
    expect(binaryArray('float8', [-0.5]).toString('hex')).toBe(header(701, 1) + int32(8) + float8(-0.5));
  });

  it('writes an empty array with its header only', () => {
    expect(binaryArray('float8', []).toString('hex')).toBe(header(701, 0));
  });
});
