/**
 * The acknowledgement loop the pipeline runs, with an instant "Kafka": every change is acknowledged as soon as
 * it is read. Enough to drive confirmations in session tests.
 */
import {
  InFlightTransactions,
  type TransactionTicket,
} from '../../../services/replication-reader/acknowledgement/index.ts';
import type {
  ReplicationMessage,
  ReplicationSession,
} from '../../../services/replication-reader/replication/index.ts';

export function acknowledgeAll(
  session: ReplicationSession,
  seen: (message: ReplicationMessage) => void = () => undefined,
): Promise<void> {
  const acks = new InFlightTransactions();
  let ticket: TransactionTicket | undefined;
  return session.consume((message) => {
    seen(message);
    if (message.kind === 'begin') ticket = acks.open(message);
    else if (message.kind === 'change' && ticket) {
      acks.eventProduced(ticket);
      acks.eventAcked(ticket);
    } else if (message.kind === 'commit' && ticket) acks.close(ticket, message.commitEndLsn);
    else if (message.kind === 'keepalive') acks.keepalive(message.walEnd);
    const confirmable = acks.confirmable();
    if (confirmable !== undefined) session.confirm(confirmable);
  });
}
