import { ApiGatewayManagementApiClient, GetConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionProbe } from '../connections/liveness.js';

/**
 * The most a GetConnection may take. Like PostToConnection it can hang past the client's own
 * timeouts, and the reader that asks (presence, `$connect`) answers a person waiting.
 */
export const PROBE_DEADLINE_MS = 2_000;

/** GetConnection through the stage's Management API: 410 (GoneException) means the connection is gone. */
export function createConnectionProbe(managementEndpoint: string, deadlineMs = PROBE_DEADLINE_MS): ConnectionProbe {
  const client = new ApiGatewayManagementApiClient({ endpoint: managementEndpoint });
  return {
    async isOpen(connectionId) {
      try {
        await client.send(new GetConnectionCommand({ ConnectionId: connectionId }), { abortSignal: AbortSignal.timeout(deadlineMs) });
        return true;
      } catch (error) {
        if ((error as { name?: string }).name === 'GoneException') return false;
        throw error;
      }
    },
  };
}
