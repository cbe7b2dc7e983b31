/** The services of the native stack, in start order. Built on demand, so importing this file starts nothing. */
import { createDbtVenv } from './dbt-venv.ts';
import { createKafka } from './kafka.ts';
import { createOpsTools } from './ops-tools.ts';
import { createPostgres } from './postgres.ts';
import { createRegistry } from './registry.ts';
import type { Service } from './service.ts';

export interface Stack {
  postgres: Service;
  kafka: Service;
  registry: Service;
  dbtVenv: Service;
  opsTools: Service;
}

export function createStack(): Stack {
  return {
    postgres: createPostgres(),
    kafka: createKafka(),
    registry: createRegistry(),
    dbtVenv: createDbtVenv(),
    opsTools: createOpsTools(),
  };
}

export function stackServices(stack: Stack): Service[] {
  return [stack.postgres, stack.kafka, stack.registry, stack.dbtVenv, stack.opsTools];
}
