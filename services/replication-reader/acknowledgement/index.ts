export { type InFlightStats, InFlightTransactions, type TransactionTicket } from './in-flight.ts';
