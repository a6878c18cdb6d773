/**
 * Reads of the live state, each returning undefined for a resource that does not exist.
 * Read-only calls only: plan() makes nothing else.
 */
import {
  GetJobCommand,
  GetJobsCommand,
  GetSecurityConfigurationCommand,
  GetSecurityConfigurationsCommand,
  GetTagsCommand,
  ListJobsCommand,
  type GlueClient,
  type Job,
  type SecurityConfiguration,
} from '@aws-sdk/client-glue';
import { DescribeKeyCommand, type KMSClient, type KeyMetadata } from '@aws-sdk/client-kms';
import { HeadObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { read } from './errors.js';

export function getJob(glue: GlueClient, name: string): Promise<Job | undefined> {
  return read('GetJob', async () => (await glue.send(new GetJobCommand({ JobName: name }))).Job);
}

export async function getTags(glue: GlueClient, arn: string): Promise<Record<string, string>> {
  return (await read('GetTags', async () => (await glue.send(new GetTagsCommand({ ResourceArn: arn }))).Tags)) ?? {};
}

export function getSecurityConfiguration(glue: GlueClient, name: string): Promise<SecurityConfiguration | undefined> {
  return read('GetSecurityConfiguration', async () => (await glue.send(new GetSecurityConfigurationCommand({ Name: name }))).SecurityConfiguration);
}

export interface LiveObject {
  readonly metadata: Readonly<Record<string, string>>;
  readonly serverSideEncryption?: string;
  readonly kmsKeyId?: string;
}

export async function headObject(s3: S3Client, bucket: string, key: string): Promise<LiveObject | undefined> {
  const head = await read('HeadObject', () => s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key })));
  if (!head) return undefined;
  return {
    metadata: head.Metadata ?? {},
    ...(head.ServerSideEncryption && { serverSideEncryption: head.ServerSideEncryption }),
    ...(head.SSEKMSKeyId && { kmsKeyId: head.SSEKMSKeyId }),
  };
}

export function describeKey(kms: KMSClient, keyId: string): Promise<KeyMetadata | undefined> {
  return read('DescribeKey', async () => (await kms.send(new DescribeKeyCommand({ KeyId: keyId }))).KeyMetadata);
}

/** Names of the jobs carrying `tag` = `value` (ListJobs filters by tag). */
export function listTaggedJobs(glue: GlueClient, tag: string, value: string): Promise<string[]> {
  return allPages('ListJobs', (token) => glue.send(new ListJobsCommand({ Tags: { [tag]: value }, ...(token && { NextToken: token }) })), (page) => page.JobNames);
}

/** Every job in the region, with its settings (for which security configurations are still used). */
export function getAllJobs(glue: GlueClient): Promise<Job[]> {
  return allPages('GetJobs', (token) => glue.send(new GetJobsCommand({ ...(token && { NextToken: token }) })), (page) => page.Jobs);
}

export function getAllSecurityConfigurations(glue: GlueClient): Promise<SecurityConfiguration[]> {
  return allPages('GetSecurityConfigurations', (token) => glue.send(new GetSecurityConfigurationsCommand({ ...(token && { NextToken: token }) })), (page) => page.SecurityConfigurations);
}

/** The items of every page of a Glue listing, following NextToken (each call through read()). */
async function allPages<Page extends { NextToken?: string }, T>(operation: string, fetch: (token: string | undefined) => Promise<Page>, items: (page: Page) => T[] | undefined): Promise<T[]> {
  const all: T[] = [];
  let token: string | undefined;
  do {
    const page = await read(operation, () => fetch(token));
    all.push(...((page && items(page)) ?? []));
    token = page?.NextToken;
  } while (token);
  return all;
}
