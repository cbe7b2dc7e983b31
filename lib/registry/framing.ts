/**
 * Confluent wire format: magic byte 0, the schema id as a 4-byte big-endian integer, then the Avro body.
 * The reader encodes with the avsc types of the schemas it registered itself, so the hot path makes no
 * registry call and no promise per message.
 */
export const confluentMagicByte = 0;

export function frame(schemaId: number, body: Buffer): Buffer {
  const framed = Buffer.allocUnsafe(5 + body.length);
  framed.writeUInt8(confluentMagicByte, 0);
  framed.writeUInt32BE(schemaId, 1);
  body.copy(framed, 5);
  return framed;
}

export function schemaIdOf(message: Buffer): number | undefined {
  if (message.length < 5 || message.readUInt8(0) !== confluentMagicByte) return undefined;
  return message.readUInt32BE(1);
}
