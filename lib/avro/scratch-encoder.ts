/**
 * Encodes Avro values behind a fixed header (e.g. the Confluent framing) with a single allocation per value:
 * the value is written into one reusable scratch buffer, after the header, and exactly the bytes written are
 * copied out. `type.toBuffer` then a framing copy would allocate and copy twice.
 */
import type avro from 'avsc';

const initialBytes = 64 * 1024;

export class ScratchEncoder {
  private scratch = Buffer.allocUnsafe(initialBytes);

  encode(type: avro.Type, value: unknown, header: Buffer): Buffer {
    header.copy(this.scratch, 0);
    let end = type.encode(value, this.scratch, header.length);
    if (end < 0) {
      // avsc reports how many bytes were missing; grow once (geometrically) and write again.
      this.scratch = Buffer.allocUnsafe(Math.max(this.scratch.length * 2, this.scratch.length - end));
      header.copy(this.scratch, 0);
      end = type.encode(value, this.scratch, header.length);
    }
    const encoded = Buffer.allocUnsafe(end);
    this.scratch.copy(encoded, 0, 0, end);
    return encoded;
  }
}
