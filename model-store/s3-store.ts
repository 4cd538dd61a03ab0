/**
 * Published models in S3 (layout in model-store/layout.ts): every version under its own key, never
 * overwritten, and one "current" pointer object that the scoring function follows. Publishing and
 * rolling back replace the pointer in a single PutObject, so a reader sees the old model or the new
 * one, never a mix. That PutObject is conditional on the pointer read just before (S3 conditional
 * writes: If-Match its ETag, or If-None-Match * when there was none), so two publishes or rollbacks
 * at the same time cannot lose one another: the loser re-reads (publish) or stops (rollback).
 * Everything read back is checked: pointer and manifest against their schemas, ONNX bytes against
 * the manifest's sha256.
 */
import type { Readable } from 'node:stream';
import { GetObjectCommand, ListObjectsV2Command, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { parseManifest, type Manifest } from '../core/manifest.js';
import { modelKeys, parsePointer, pointerKey, type Pointer } from './layout.js';
import { verifyModelBytes } from './artifact.js';

export interface ModelLocation {
  readonly bucket: string;
  /** Key prefix without a trailing slash, e.g. `models`; '' for the bucket root. */
  readonly prefix: string;
}

export interface PublishedModel {
  readonly pointer: Pointer;
  readonly manifest: Manifest;
  readonly onnx: Uint8Array;
}

export interface ModelVersionInfo {
  readonly version: string;
  readonly name: string;
  readonly createdAt: string;
  readonly sha256: string;
  readonly bytes: number;
  readonly current: boolean;
}

const PUBLISH_HINT = 'publish a model with `vigil publish --model DIR --bucket BUCKET`';

/**
 * The most bytes read of a pointer and of a manifest: far above what `vigil publish` writes (a
 * pointer is under 1 KiB, a manifest a few KiB a feature set), so an object beyond them is not
 * one, and is refused without being read into memory.
 */
export const MAX_POINTER_BYTES = 64 * 1024;
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;

/**
 * Uploads the model under its version, then points "current" at it. Publishing the same bytes
 * under the same version again is a no-op upload; other bytes under a published version are refused.
 */
export async function publishModel(s3: S3Client, options: ModelLocation & { onnx: Uint8Array; manifest: Manifest }): Promise<Pointer> {
  const { bucket, prefix, onnx } = options;
  const manifest = parseManifest(options.manifest, `manifest of model ${String(options.manifest?.version)}`);
  verifyModelBytes(onnx, manifest, `cannot publish model ${manifest.version}`);
  await storeVersion(s3, { bucket, prefix, onnx, manifest });
  for (let attempt = 1; ; attempt++) {
    const current = await readPointerWithTag(s3, options);
    const previous = current && current.pointer.version !== manifest.version ? current.pointer.version : current?.pointer.previous;
    try {
      return await writePointer(s3, options, manifest, previous, current?.etag);
    } catch (error) {
      // Another publish or rollback replaced the pointer between our read and write: read again.
      if (!(error instanceof PointerChangedError) || attempt >= POINTER_ATTEMPTS) throw error;
    }
  }
}

/**
 * Publishes the model only where no model is current (no pointer object at all, even an unreadable
 * one), or, with `unusable`, where the current model is one it gives a reason for (one this release
 * cannot score with): that model is named as the previous version, so `vigil models rollback` finds
 * it. A current model whose manifest is missing or cannot be parsed is left as it is (the scoring
 * function reports it). The pointer is written conditionally on what was read (If-None-Match where
 * there was none, If-Match the replaced pointer's ETag), so a model published meanwhile is never
 * replaced. A second call finds the model current and changes nothing.
 */
export async function publishModelIfNoneCurrent(
  s3: S3Client,
  options: ModelLocation & { onnx: Uint8Array; manifest: Manifest; unusable?: (current: Manifest) => string | undefined },
): Promise<{ published: boolean; currentVersion: string; replaced?: { version: string; reason: string } }> {
  const manifest = parseManifest(options.manifest, `manifest of model ${String(options.manifest?.version)}`);
  verifyModelBytes(options.onnx, manifest, `cannot publish model ${manifest.version}`);
  const pointerUrl = s3Url(options.bucket, pointerKey(options.prefix));
  const current = async (): Promise<{ version: string; etag?: string } | undefined> => {
    const object = await getTaggedObject(s3, options.bucket, pointerKey(options.prefix), MAX_POINTER_BYTES);
    if (!object) return undefined;
    try {
      return { version: parsePointer(parseJson(object.bytes, pointerUrl), pointerUrl).version, etag: object.etag };
    } catch {
      return { version: '(unreadable pointer)' };
    }
  };
  const before = await current();
  const reason = before?.etag !== undefined && options.unusable ? await unusableReason(s3, options, before.version, options.unusable) : undefined;
  if (before !== undefined && reason === undefined) return { published: false, currentVersion: before.version };
  await storeVersion(s3, { ...options, manifest });
  try {
    await writePointer(s3, options, manifest, before?.version, before?.etag);
    return { published: true, currentVersion: manifest.version, ...(before && reason ? { replaced: { version: before.version, reason } } : {}) };
  } catch (error) {
    if (!(error instanceof PointerChangedError)) throw error;
    return { published: false, currentVersion: (await current())?.version ?? manifest.version };
  }
}

/** Why the published `version` is unusable, or undefined when it is usable or its manifest is missing or unparseable. */
async function unusableReason(
  s3: S3Client,
  { bucket, prefix }: ModelLocation,
  version: string,
  unusable: (current: Manifest) => string | undefined,
): Promise<string | undefined> {
  const key = modelKeys(prefix, version).manifest;
  const bytes = await getObjectOrUndefined(s3, bucket, key, MAX_MANIFEST_BYTES);
  if (!bytes) return undefined;
  let published: Manifest;
  try {
    published = parseManifest(parseJson(bytes, s3Url(bucket, key)), s3Url(bucket, key));
  } catch {
    return undefined;
  }
  return unusable(published);
}

/** Uploads a version's files unless the same version is there; other bytes under a published version are refused. */
async function storeVersion(s3: S3Client, { bucket, prefix, onnx, manifest }: ModelLocation & { onnx: Uint8Array; manifest: Manifest }): Promise<void> {
  const keys = modelKeys(prefix, manifest.version);
  const existing = await getObjectOrUndefined(s3, bucket, keys.manifest, MAX_MANIFEST_BYTES);
  if (existing) {
    const published = parseManifest(parseJson(existing, s3Url(bucket, keys.manifest)), s3Url(bucket, keys.manifest));
    if (published.onnx.sha256 !== manifest.onnx.sha256) {
      throw new Error(
        `version ${manifest.version} is already published at ${s3Url(bucket, keys.manifest)} with other ONNX bytes (sha256 ${published.onnx.sha256}): ` +
          'published versions are never overwritten; train again or give the model a new version',
      );
    }
  } else {
    // The model first, the manifest last: a version counts as published once its manifest exists.
    await putObject(s3, bucket, keys.model, onnx, 'application/octet-stream');
    await putObject(s3, bucket, keys.manifest, `${JSON.stringify(manifest, null, 2)}\n`, 'application/json');
  }
}

const POINTER_ATTEMPTS = 5;

/** The pointer changed between reading and replacing it (a concurrent publish or rollback). */
export class PointerChangedError extends Error {
  override readonly name = 'PointerChangedError';
}

/** The current pointer, or undefined when nothing was published under this prefix yet. */
export async function readPointer(s3: S3Client, location: ModelLocation): Promise<Pointer | undefined> {
  return (await readPointerWithTag(s3, location))?.pointer;
}

async function readPointerWithTag(s3: S3Client, { bucket, prefix }: ModelLocation): Promise<{ pointer: Pointer; etag: string } | undefined> {
  const key = pointerKey(prefix);
  const object = await getTaggedObject(s3, bucket, key, MAX_POINTER_BYTES);
  return object && { pointer: parsePointer(parseJson(object.bytes, s3Url(bucket, key)), s3Url(bucket, key)), etag: object.etag };
}

/** Downloads one published version and checks its manifest and ONNX bytes. */
export async function fetchModelVersion(s3: S3Client, { bucket, prefix }: ModelLocation, version: string): Promise<{ manifest: Manifest; onnx: Uint8Array }> {
  const keys = modelKeys(prefix, version);
  // Both at once (a scoring function's cold start waits one round trip less); the manifest's
  // problems are still reported first.
  const [manifestGet, modelGet] = await Promise.allSettled([
    getObjectOrUndefined(s3, bucket, keys.manifest, MAX_MANIFEST_BYTES),
    getObjectOrUndefined(s3, bucket, keys.model),
  ]);
  if (manifestGet.status === 'rejected') throw manifestGet.reason;
  const manifestBytes = manifestGet.value;
  if (!manifestBytes) {
    throw new Error(
      `model version ${version} is not published: ${s3Url(bucket, keys.manifest)} does not exist; run \`vigil models list\` for the published versions`,
    );
  }
  const manifest = parseManifest(parseJson(manifestBytes, s3Url(bucket, keys.manifest)), s3Url(bucket, keys.manifest));
  if (modelGet.status === 'rejected') throw modelGet.reason;
  const onnx = modelGet.value;
  if (!onnx) {
    throw new Error(`${s3Url(bucket, keys.model)} is missing although its manifest exists: publish model ${version} again with \`vigil publish\``);
  }
  verifyModelBytes(onnx, manifest, s3Url(bucket, keys.model));
  return { manifest, onnx };
}

/** The pointer and the files it names disagree (version or sha256): the published model is refused as it is. */
export class PublishedModelMismatchError extends Error {
  override readonly name = 'PublishedModelMismatchError';
  constructor(
    /** The version the pointer names. */
    readonly version: string,
    message: string,
  ) {
    super(message);
  }
}

/** The model the "current" pointer names, verified against the pointer and the manifest. */
export async function fetchCurrentModel(s3: S3Client, location: ModelLocation): Promise<PublishedModel> {
  const pointer = await readPointer(s3, location);
  if (!pointer) throw new Error(`no model is published: ${s3Url(location.bucket, pointerKey(location.prefix))} does not exist; ${PUBLISH_HINT}`);
  const { manifest, onnx } = await fetchModelVersion(s3, location, pointer.version);
  if (manifest.version !== pointer.version) {
    throw new PublishedModelMismatchError(
      pointer.version,
      `${s3Url(location.bucket, pointerKey(location.prefix))} names version ${pointer.version}, but the manifest at ${s3Url(location.bucket, pointer.manifest)} says version ${manifest.version}: ` +
        'publish the model again with `vigil publish` or roll back with `vigil models rollback`',
    );
  }
  if (manifest.onnx.sha256 !== pointer.sha256) {
    throw new PublishedModelMismatchError(
      pointer.version,
      `${s3Url(location.bucket, pointerKey(location.prefix))} names sha256 ${pointer.sha256} for version ${pointer.version}, ` +
        `but its manifest says ${manifest.onnx.sha256}: publish the model again or roll back with \`vigil models rollback\``,
    );
  }
  return { pointer, manifest, onnx };
}

/** Every published version, oldest first, with the current one marked. */
export async function listModels(s3: S3Client, location: ModelLocation): Promise<ModelVersionInfo[]> {
  const { bucket, prefix } = location;
  const probe = modelKeys(prefix, '@').model; // '@' never occurs in a version
  const versionsPrefix = probe.slice(0, probe.indexOf('@'));
  const versions: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3
      .send(new ListObjectsV2Command({ Bucket: bucket, Prefix: versionsPrefix, Delimiter: '/', ContinuationToken: token }))
      .catch((error: unknown) => {
        throw s3Error(error, bucket, versionsPrefix);
      });
    for (const common of page.CommonPrefixes ?? []) versions.push(common.Prefix!.slice(versionsPrefix.length).replace(/\/$/, ''));
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  const current = await readPointer(s3, location);
  const infos: ModelVersionInfo[] = [];
  for (const version of versions) {
    const key = modelKeys(prefix, version).manifest;
    const bytes = await getObjectOrUndefined(s3, bucket, key, MAX_MANIFEST_BYTES);
    if (!bytes) continue; // an upload in progress: the model is there, its manifest not yet
    const manifest = parseManifest(parseJson(bytes, s3Url(bucket, key)), s3Url(bucket, key));
    infos.push({
      version,
      name: manifest.name,
      createdAt: manifest.createdAt,
      sha256: manifest.onnx.sha256,
      bytes: manifest.onnx.bytes,
      current: current?.version === version,
    });
  }
  return infos.sort((a, b) => a.createdAt.localeCompare(b.createdAt) || a.version.localeCompare(b.version));
}

/**
 * Points "current" back at `to`, or at the version the current one replaced. The target is
 * downloaded and verified first, so a rollback never points at a broken model.
 */
export async function rollbackModel(s3: S3Client, options: ModelLocation & { to?: string }): Promise<Pointer> {
  const read = await readPointerWithTag(s3, options);
  const current = read?.pointer;
  if (!read || !current) throw new Error(`nothing to roll back: ${s3Url(options.bucket, pointerKey(options.prefix))} does not exist; ${PUBLISH_HINT}`);
  const target = options.to ?? current.previous;
  if (!target) {
    throw new Error(
      `version ${current.version} records no previous version: name the version to roll back to with --to VERSION (\`vigil models list\` shows them)`,
    );
  }
  if (target === current.version)
    throw new Error(`version ${target} is already current: name another version with --to VERSION (\`vigil models list\` shows them)`);
  const { manifest } = await fetchModelVersion(s3, options, target);
  return writePointer(s3, options, manifest, current.version, read.etag);
}

/** Replaces the pointer if it still has ETag `expected` (or still does not exist when undefined). */
async function writePointer(
  s3: S3Client,
  { bucket, prefix }: ModelLocation,
  manifest: Manifest,
  previous: string | undefined,
  expected: string | undefined,
): Promise<Pointer> {
  const keys = modelKeys(prefix, manifest.version);
  const pointer: Pointer = {
    schema: 1,
    version: manifest.version,
    model: keys.model,
    manifest: keys.manifest,
    sha256: manifest.onnx.sha256,
    publishedAt: new Date().toISOString(),
    ...(previous ? { previous } : {}),
  };
  const key = pointerKey(prefix);
  try {
    // One PutObject replaces the whole pointer: readers see the old or the new one, never a mix.
    await s3.send(
      new PutObjectCommand({
        Bucket: bucket,
        Key: key,
        Body: `${JSON.stringify(pointer, null, 2)}\n`,
        ContentType: 'application/json',
        CacheControl: 'no-cache',
        ...(expected ? { IfMatch: expected } : { IfNoneMatch: '*' }),
      }),
    );
  } catch (error) {
    const status = (error as { $metadata?: { httpStatusCode?: number } }).$metadata?.httpStatusCode;
    if (status === 412 || status === 409 || (error as { name?: string }).name === 'PreconditionFailed') {
      throw new PointerChangedError(
        `${s3Url(bucket, key)} changed while this command ran (another publish or rollback at the same time): run \`vigil models list\` and try again`,
        { cause: error },
      );
    }
    throw s3Error(error, bucket, key, 'write');
  }
  return pointer;
}

async function putObject(s3: S3Client, bucket: string, key: string, body: Uint8Array | string, contentType: string): Promise<void> {
  try {
    await s3.send(new PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentType: contentType }));
  } catch (error) {
    throw s3Error(error, bucket, key, 'write');
  }
}

async function getObjectOrUndefined(s3: S3Client, bucket: string, key: string, maxBytes?: number): Promise<Uint8Array | undefined> {
  return (await getTaggedObject(s3, bucket, key, maxBytes))?.bytes;
}

/** An object larger than a read allows: refused unread. */
export class ObjectTooLargeError extends Error {
  override readonly name = 'ObjectTooLargeError';
}

/**
 * The object's bytes and ETag, or undefined when the key does not exist. With `maxBytes`, an
 * object larger than that is refused (ObjectTooLargeError) from its length, or once that many
 * bytes came when the length is not given, and the rest is not read.
 */
async function getTaggedObject(s3: S3Client, bucket: string, key: string, maxBytes?: number): Promise<{ bytes: Uint8Array; etag: string } | undefined> {
  let response;
  try {
    response = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
  } catch (error) {
    const name = (error as { name?: string }).name;
    if (name === 'NoSuchKey' || name === 'NotFound') return undefined;
    throw s3Error(error, bucket, key);
  }
  const body = response.Body as (Readable & { transformToByteArray(): Promise<Uint8Array> }) | undefined;
  if (!body) return { bytes: new Uint8Array(0), etag: response.ETag ?? '' };
  const tooLarge = (size: string): ObjectTooLargeError =>
    new ObjectTooLargeError(
      `${s3Url(bucket, key)} is ${size}; no vigil pointer or manifest is over ${maxBytes} bytes, so it is not read: ${PUBLISH_HINT} again`,
    );
  try {
    if (maxBytes === undefined) return { bytes: await body.transformToByteArray(), etag: response.ETag ?? '' };
    if (response.ContentLength !== undefined && response.ContentLength > maxBytes) throw tooLarge(`${response.ContentLength} bytes`);
    const chunks: Buffer[] = [];
    let total = 0;
    for await (const chunk of body) {
      total += (chunk as Buffer).length;
      if (total > maxBytes) throw tooLarge(`over ${maxBytes} bytes`);
      chunks.push(chunk as Buffer);
    }
    return { bytes: new Uint8Array(Buffer.concat(chunks)), etag: response.ETag ?? '' };
  } catch (error) {
    body.destroy?.();
    if (error instanceof ObjectTooLargeError) throw error;
    throw s3Error(error, bucket, key);
  }
}

function s3Error(error: unknown, bucket: string, key: string, action: 'read' | 'write' = 'read'): Error {
  if ((error as { name?: string }).name === 'NoSuchBucket')
    return new Error(`bucket ${bucket} does not exist: create it or pass the right --bucket`, { cause: error });
  return new Error(`cannot ${action} ${s3Url(bucket, key)}: ${(error as Error).message}; check the credentials and their S3 permissions on this bucket`, {
    cause: error,
  });
}

function parseJson(bytes: Uint8Array, source: string): unknown {
  try {
    return JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch (cause) {
    throw new Error(`${source} is not valid JSON (${(cause as Error).message}): ${PUBLISH_HINT} again`, { cause });
  }
}

export function s3Url(bucket: string, key: string): string {
  return `s3://${bucket}/${key}`;
}
