/**
 * TopicBatch[] ⇄ one buffer, so a batch crosses to the producing worker (worker-sender.ts) as a single
 * transferred ArrayBuffer: no structured clone of thousands of small objects, and keys and values are read on
 * the other side as views of that buffer, not copies.
 *
 * Layout: u32 length of a JSON table of contents ({ topics, headers }), the JSON, then per message:
 * u16 topic index, i32 partition (-1: by key), i32 headers index (-1: none), u32 key length, key,
 * i32 value length (-1: tombstone), value. Header objects are shared by many messages (one per operation),
 * so each distinct object is listed once.
 */
import type { TopicBatch } from './batching-producer.ts';

type Headers = Record<string, string>;

interface Contents {
  topics: string[];
  headers: Headers[];
  messages: number;
}

const fixedBytesPerMessage = 2 + 4 + 4 + 4 + 4;

export function encodeBatches(batches: readonly TopicBatch[]): ArrayBuffer {
  const headerIndex = new Map<Headers, number>();
  const contents: Contents = { topics: [], headers: [], messages: 0 };
  let bodyBytes = 0;
  for (const batch of batches) {
    contents.topics.push(batch.topic);
    for (const message of batch.messages) {
      bodyBytes += fixedBytesPerMessage + message.key.length + (message.value?.length ?? 0);
      if (message.headers && !headerIndex.has(message.headers)) {
        headerIndex.set(message.headers, contents.headers.length);
        contents.headers.push(message.headers);
      }
      contents.messages++;
    }
  }
  const json = Buffer.from(JSON.stringify(contents));
  // allocUnsafeSlow: a buffer of its own (not a slice of Node's shared pool), so its memory can be transferred.
  const out = Buffer.allocUnsafeSlow(4 + json.length + bodyBytes);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  let at = 4 + json.length;
  for (const [topicIndex, batch] of batches.entries()) {
    for (const message of batch.messages) {
      out.writeUInt16LE(topicIndex, at);
      out.writeInt32LE(message.partition ?? -1, at + 2);
      out.writeInt32LE(message.headers ? (headerIndex.get(message.headers) as number) : -1, at + 6);
      out.writeUInt32LE(message.key.length, at + 10);
      at += 14;
      at += message.key.copy(out, at);
      if (message.value === null) {
        out.writeInt32LE(-1, at);
        at += 4;
      } else {
        out.writeInt32LE(message.value.length, at);
        at += 4;
        at += message.value.copy(out, at);
      }
    }
  }
  return out.buffer;
}

export function decodeBatches(buffer: ArrayBuffer): TopicBatch[] {
  const data = Buffer.from(buffer);
  const jsonLength = data.readUInt32LE(0);
  const contents = JSON.parse(data.toString('utf8', 4, 4 + jsonLength)) as Contents;
  const batches: TopicBatch[] = contents.topics.map((topic) => ({ topic, messages: [] }));
  let at = 4 + jsonLength;
  for (let count = 0; count < contents.messages; count++) {
    const batch = batches[data.readUInt16LE(at)];
    const partition = data.readInt32LE(at + 2);
    const headers = data.readInt32LE(at + 6);
    const keyLength = data.readUInt32LE(at + 10);
    at += 14;
    const key = data.subarray(at, at + keyLength);
    at += keyLength;
    const valueLength = data.readInt32LE(at);
    at += 4;
    let value: Buffer | null = null;
    if (valueLength >= 0) {
      value = data.subarray(at, at + valueLength);
      at += valueLength;
    }
    if (!batch) throw new Error('batch codec: topic index out of range');
    const message: TopicBatch['messages'][number] = { key, value };
    if (partition >= 0) message.partition = partition;
    if (headers >= 0) message.headers = contents.headers[headers];
    batch.messages.push(message);
  }
  if (at !== data.length) throw new Error('batch codec: trailing bytes');
  return batches;
}
