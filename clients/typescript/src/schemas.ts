import * as fs from 'node:fs';
import * as path from 'node:path';
import * as avro from 'avsc';

/**
 * The project's Avro schemas, read at run time from schemas/src/main/avro (the single definition the
 * Java side generates its classes from), so no field list is ever copied here.
 * AGENT_ROUTER_SCHEMAS points elsewhere, e.g. when the package is installed outside the repository.
 */
export function schemaDir(): string {
  if (process.env.AGENT_ROUTER_SCHEMAS) return process.env.AGENT_ROUTER_SCHEMAS;
  // dist/src -> clients/typescript -> repository root
  return path.resolve(__dirname, '..', '..', '..', '..', 'schemas', 'src', 'main', 'avro');
}

export interface RouterTypes {
  agentQuery: avro.Type;
  routingDecision: avro.Type;
  routingFeedback: avro.Type;
}

export function loadTypes(dir: string = schemaDir()): RouterTypes {
  const registry: { [name: string]: avro.Type } = {};
  const read = (file: string) => {
    const full = path.join(dir, file);
    if (!fs.existsSync(full)) throw new Error(`Avro schema ${full} not found (set AGENT_ROUTER_SCHEMAS)`);
    return JSON.parse(fs.readFileSync(full, 'utf8'));
  };
  // Enums.avsc holds named types the records refer to: register them first.
  for (const named of read('Enums.avsc')) avro.Type.forSchema(named, { registry });
  const load = (file: string) => avro.Type.forSchema(read(file), { registry });
  return {
    agentQuery: load('AgentQuery.avsc'),
    routingDecision: load('RoutingDecision.avsc'),
    routingFeedback: load('RoutingFeedback.avsc'),
  };
}
