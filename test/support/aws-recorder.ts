/**
 * A recording AWS endpoint for deploy tests: a loopback HTTP server that forwards every
 * request to moto_server and records which service and operation it was, so a test can
 * assert "no write calls". It also stands in where moto falls short or where a test
 * needs AWS to misbehave:
 *
 * - UpdateJob: moto has none. The recorder implements it on top of moto (GetJob, GetTags,
 *   DeleteJob, then CreateJob with the job's name and tags and the JobUpdate's members),
 *   which is what UpdateJob means: the job becomes exactly the JobUpdate, whatever was
 *   left out is reset. GetJob then answers with the updated job, and the request is
 *   kept in `updates` for assertions.
 * - Script generation: Glue generates a script from CodeGenConfigurationNodes when a job
 *   with nodes is created or updated; moto does not. After `generateScripts(true)`, the
 *   recorder writes such a stand-in script (without gluekit's metadata) to the job's
 *   ScriptLocation after every successful CreateJob and UpdateJob with nodes.
 * - Failures: `fail()` answers the next N calls of an operation with an AWS error
 *   (AccessDeniedException, ThrottlingException, ...) in the service's format (JSON for
 *   Glue and KMS, XML for S3).
 *
 * Requests are signed by the SDK; moto does not check signatures, so the recorder can
 * send its own requests to moto with the caller's Authorization header.
 */
import { request as httpRequest, createServer, type IncomingHttpHeaders, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly service: string;
  readonly operation: string;
  /** Glue/KMS: the JSON request; S3: undefined. */
  readonly body?: Record<string, unknown>;
}

interface Failure {
  readonly service: string;
  readonly operation: string;
  readonly error: string;
  readonly message: string;
  readonly status: number;
  remaining: number;
  /** Only requests whose body matches (e.g. one JobName). */
  readonly when?: (body: Record<string, unknown> | undefined) => boolean;
}

/** Operations that change something: a deploy with nothing to do makes none of these. */
const WRITE = /^(Create|Update|Delete|Put|Tag|Untag|Start|Stop|Batch|Upload|Complete|Abort|Copy|Disable|Enable|Schedule|Import)/;

export interface AwsRecorder {
  readonly endpoint: string;
  readonly calls: RecordedCall[];
  /** UpdateJob requests received (moto has no UpdateJob; see above). */
  readonly updates: { JobName: string; JobUpdate: Record<string, unknown> }[];
  writes(): RecordedCall[];
  count(service: string, operation: string): number;
  fail(failure: { service: string; operation: string; error: string; message?: string; status?: number; times?: number; when?: Failure['when'] }): void;
  /** Holds every answer to an operation back by `ms`, so concurrent callers overlap measurably. */
  delay(service: string, operation: string, ms: number): void;
  /** Whether to overwrite the script as Glue does after a job with nodes is created or updated (see above). */
  generateScripts(on: boolean): void;
  /** The most requests of an operation that were in flight at once. */
  maxInFlight(service: string, operation: string): number;
  clear(): void;
  close(): Promise<void>;
}

/** `Credential=AKID/20260101/us-east-1/glue/aws4_request` names the service and region. */
function scope(headers: IncomingHttpHeaders): { service: string; region: string } {
  const m = /Credential=[^/]+\/\d+\/([^/]+)\/([^/]+)\//.exec(String(headers.authorization ?? ''));
  return { region: m?.[1] ?? 'us-east-1', service: m?.[2] ?? 'unknown' };
}

function s3Operation(method: string, url: URL): string {
  const path = url.pathname.split('/').filter(Boolean);
  const q = url.searchParams;
  if (path.length <= 1) return method === 'PUT' ? 'CreateBucket' : method === 'GET' ? 'ListObjects' : method === 'HEAD' ? 'HeadBucket' : `${method}Bucket`;
  if (method === 'HEAD') return 'HeadObject';
  if (method === 'GET') return 'GetObject';
  if (method === 'DELETE') return q.has('uploadId') ? 'AbortMultipartUpload' : 'DeleteObject';
  if (method === 'POST') return q.has('uploads') ? 'CreateMultipartUpload' : q.has('uploadId') ? 'CompleteMultipartUpload' : 'PostObject';
  if (method === 'PUT') return q.has('partNumber') ? 'UploadPart' : 'PutObject';
  return method;
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

function forward(target: URL, method: string, path: string, headers: IncomingHttpHeaders, body: Buffer): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers: { ...headers, host: target.host, 'content-length': String(body.length) } },
      (res) => {
        readBody(res).then((b) => resolve({ status: res.statusCode ?? 500, headers: res.headers, body: b }), reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function startAwsRecorder(motoEndpoint: string, account = '123456789012'): Promise<AwsRecorder> {
  const target = new URL(motoEndpoint);
  const calls: RecordedCall[] = [];
  const updates: AwsRecorder['updates'] = [];
  const failures: Failure[] = [];
  const delays = new Map<string, number>();
  const inFlight = new Map<string, number>();
  const peak = new Map<string, number>();
  let generating = false;

  /** Puts a script at the job's ScriptLocation, as Glue's code generation would. */
  async function generateScript(region: string, job: Record<string, unknown>): Promise<void> {
    const location = (job.Command as { ScriptLocation?: string } | undefined)?.ScriptLocation;
    if (!location || !job.CodeGenConfigurationNodes || Object.keys(job.CodeGenConfigurationNodes).length === 0) return;
    const path = `/${location.slice('s3://'.length)}`;
    // moto reads the service from the credential scope and does not check the signature.
    const authorization = `AWS4-HMAC-SHA256 Credential=testing/20260101/${region}/s3/aws4_request, SignedHeaders=host, Signature=0`;
    const put = await forward(target, 'PUT', path, { authorization, 'content-type': 'text/x-python' }, Buffer.from('# generated by AWS Glue from CodeGenConfigurationNodes\n'));
    if (put.status !== 200) throw new Error(`recorder: generating ${location} failed: HTTP ${put.status}`);
  }

  const glue = async (headers: IncomingHttpHeaders, operation: string, payload: Record<string, unknown>): Promise<Answer> =>
    forward(target, 'POST', '/', { ...headers, 'x-amz-target': `AWSGlue.${operation}` }, Buffer.from(JSON.stringify(payload)));

  const json = (status: number, body: unknown, error?: string): Answer => ({
    status,
    headers: { 'content-type': 'application/x-amz-json-1.1', ...(error && { 'x-amzn-errortype': error }) },
    body: Buffer.from(JSON.stringify(body)),
  });

  async function updateJob(headers: IncomingHttpHeaders, region: string, body: Record<string, unknown>): Promise<Answer> {
    const name = body.JobName as string;
    const update = (body.JobUpdate ?? {}) as Record<string, unknown>;
    updates.push({ JobName: name, JobUpdate: update });
    const got = await glue(headers, 'GetJob', { JobName: name });
    if (got.status !== 200) return got;
    const tags = await glue(headers, 'GetTags', { ResourceArn: `arn:aws:glue:${region}:${account}:job/${name}` });
    const { Tags } = JSON.parse(tags.body.toString() || '{}') as { Tags?: Record<string, string> };
    const deleted = await glue(headers, 'DeleteJob', { JobName: name });
    if (deleted.status !== 200) return deleted;
    const created = await glue(headers, 'CreateJob', { Name: name, ...update, ...(Tags && Object.keys(Tags).length > 0 && { Tags }) });
    if (created.status !== 200) return created;
    return json(200, { JobName: name });
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      const raw = await readBody(req);
      const { service, region } = scope(req.headers);
      const url = new URL(req.url ?? '/', 'http://recorder');
      const targetHeader = req.headers['x-amz-target'];
      const operation = typeof targetHeader === 'string' ? targetHeader.split('.').pop()! : service === 's3' ? s3Operation(req.method ?? 'GET', url) : 'unknown';
      const body = typeof targetHeader === 'string' && raw.length > 0 ? (JSON.parse(raw.toString()) as Record<string, unknown>) : undefined;
      calls.push({ service, operation, ...(body && { body }) });
      const id = `${service}.${operation}`;
      inFlight.set(id, (inFlight.get(id) ?? 0) + 1);
      peak.set(id, Math.max(peak.get(id) ?? 0, inFlight.get(id)!));
      if (delays.has(id)) await new Promise((r) => setTimeout(r, delays.get(id)));

      let answer: Answer;
      const failure = failures.find((f) => f.service === service && f.operation === operation && f.remaining > 0 && (!f.when || f.when(body)));
      if (failure) {
        failure.remaining--;
        answer =
          service === 's3'
            ? { status: failure.status, headers: { 'content-type': 'application/xml' }, body: Buffer.from(`<?xml version="1.0" encoding="UTF-8"?><Error><Code>${failure.error}</Code><Message>${failure.message}</Message></Error>`) }
            : json(failure.status, { __type: failure.error, message: failure.message }, failure.error);
      } else if (service === 'glue' && operation === 'UpdateJob') {
        answer = await updateJob(req.headers, region, body ?? {});
      } else {
        answer = await forward(target, req.method ?? 'GET', req.url ?? '/', req.headers, raw);
      }
      if (generating && service === 'glue' && answer.status === 200 && body) {
        if (operation === 'CreateJob') await generateScript(region, body);
        if (operation === 'UpdateJob') await generateScript(region, (body.JobUpdate ?? {}) as Record<string, unknown>);
      }
      inFlight.set(id, inFlight.get(id)! - 1);
      const headers = { ...answer.headers };
      delete headers['transfer-encoding'];
      delete headers.connection;
      // HEAD answers carry the object's length without a body.
      if (req.method !== 'HEAD') headers['content-length'] = String(answer.body.length);
      res.writeHead(answer.status, headers);
      res.end(req.method === 'HEAD' ? undefined : answer.body);
    })().catch((e: unknown) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`recorder: ${String(e)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;

  return {
    endpoint: `http://127.0.0.1:${port}`,
    calls,
    updates,
    writes: () => calls.filter((c) => WRITE.test(c.operation)),
    count: (service, operation) => calls.filter((c) => c.service === service && c.operation === operation).length,
    fail: (f) =>
      failures.push({
        service: f.service,
        operation: f.operation,
        error: f.error,
        message: f.message ?? `injected by the test recorder: ${f.error}`,
        status: f.status ?? 400,
        remaining: f.times ?? Number.POSITIVE_INFINITY,
        ...(f.when && { when: f.when }),
      }),
    generateScripts: (on) => void (generating = on),
    delay: (service, operation, ms) => void delays.set(`${service}.${operation}`, ms),
    maxInFlight: (service, operation) => peak.get(`${service}.${operation}`) ?? 0,
    clear: () => {
      generating = false;
      delays.clear();
      peak.clear();
      calls.length = 0;
      updates.length = 0;
      failures.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
