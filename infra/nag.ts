/**
 * The cdk-nag rule packs every synth runs (the app and the tests): AWS Solutions and Serverless.
 * Each acknowledged finding is recorded next to the resource it concerns with its reason
 * (`acknowledge` below); anything else fails the synth.
 */
import { Validations } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { AwsSolutionsChecks, ServerlessChecks } from 'cdk-nag';
import type { NagPack } from 'cdk-nag';

/** The packs, for registering on an app or running directly in tests. */
export function nagPacks(scope?: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope, { verbose: true }), new ServerlessChecks(scope, { verbose: true })];
}

export function applyNagPacks(scope: IConstruct): void {
  Validations.of(scope).addPlugins(...nagPacks(scope));
}

/** A finding accepted on purpose: the exact rule id (with `[finding]` for per-finding rules) and why. */
export interface Acknowledgement {
  readonly id: string;
  readonly reason: string;
}

export function acknowledge(scope: IConstruct, ...acknowledgements: Acknowledgement[]): void {
  for (const { id, reason } of acknowledgements) Validations.of(scope).acknowledge({ id, reason });
}
