/** Every `cdc` sub-command, in the order `cdc --help` lists them. */
import type { Command } from '../command.ts';
import { dlqCommand } from './dlq.ts';
import { pauseCommand, resumeCommand } from './pause.ts';
import { preflightCommand } from './preflight.ts';
import { publicationCommand } from './publication.ts';
import { rewindCommand } from './rewind.ts';
import { snapshotCommand } from './snapshot.ts';
import { statusCommand } from './status.ts';

export const commands: readonly Command[] = [
  statusCommand,
  preflightCommand,
  publicationCommand,
  snapshotCommand,
  dlqCommand,
  rewindCommand,
  pauseCommand,
  resumeCommand,
];
