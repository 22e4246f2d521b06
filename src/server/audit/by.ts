import type { FastifyRequest } from 'fastify';
import type { AuditActor } from './audit.service.ts';

/** Who asks for a change and from where: what the audit log records next to it. */
export interface By {
  actor: AuditActor;
  ip?: string;
}

/** The caller of a request, as `By`. */
export function byRequest(request: FastifyRequest): By {
  return {
    actor: request.principal ?? { kind: 'anonymous', name: 'anonymous' },
    ip: request.ip,
  };
}

/** CIOP itself (the command line, the first start, the demo). */
export const BY_SYSTEM: By = { actor: { kind: 'system', name: 'ciop' } };
