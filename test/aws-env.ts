/** Points the AWS SDK of a test file at the endpoint the global setup started. */
import { inject } from 'vitest';

export function useLocalAws(): string {
  const endpoint = inject('awsEndpoint');
  process.env.AWS_ENDPOINT_URL = endpoint;
  process.env.AWS_REGION ??= 'us-east-1';
  process.env.AWS_ACCESS_KEY_ID ??= 'test';
  process.env.AWS_SECRET_ACCESS_KEY ??= 'test';
  return endpoint;
}

/** A resource name no other test (or earlier run against the same endpoint) uses. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 8)}`;
}
