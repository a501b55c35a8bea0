import { ApiGatewayManagementApiClient, DeleteConnectionCommand } from '@aws-sdk/client-apigatewaymanagementapi';
import type { ConnectionCloser } from '../connections/disconnect-user.js';

/**
 * DeleteConnection through the stage's Management API. A failure other than 410 throws: the
 * caller's request fails and is retried whole, which is safe (a closed connection answers 410).
 */
export function createConnectionCloser(managementEndpoint: string): ConnectionCloser {
  const client = new ApiGatewayManagementApiClient({ endpoint: managementEndpoint });
  return {
    async close(connectionId) {
      try {
        await client.send(new DeleteConnectionCommand({ ConnectionId: connectionId }));
        return 'closed';
      } catch (error) {
        if ((error as { name?: string }).name === 'GoneException') return 'gone';
        throw error;
      }
    },
  };
}
