/**
 * The AWS-compatible endpoints the test suite runs against, each a vitest project (vitest.config.ts):
 * every test that talks to AWS runs against both.
 */
export const AWS_ENDPOINT_KINDS = ['moto', 'localstack'] as const;
export type AwsEndpointKind = (typeof AWS_ENDPOINT_KINDS)[number];
