import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../lib/logging/index.ts';

describe('createLogger', () => {
  it('writes JSON with the service name and redacts secrets and row values', () => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ service: 'raw-sink', destination });
    logger.info(
      {
        table: 'missions',
        password: 'hunter2',
        connection: { connectionString: 'postgres://u:p@h/db' },
        event: { after: { email: 'someone@example.org' } },
      },
      'applied',
    );
    const entry = JSON.parse(lines[0] ?? '{}');
    expect(entry).toMatchObject({
      service: 'raw-sink',
      table: 'missions',
      msg: 'applied',
      password: '[redacted]',
    });
    expect(entry.connection.connectionString).toBe('[redacted]');
    expect(entry.event.after).toBe('[redacted]');
    expect(lines.join('')).not.toMatch(/hunter2|someone@example|u:p@h/);
  });
});
