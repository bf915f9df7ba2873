/**
 * Git smart HTTP through the real `git http-backend` CGI: request body streamed to its stdin,
 * CGI headers parsed from its stdout, the rest streamed back as the response body.
 */
import { spawn } from 'node:child_process';
import { PassThrough, Readable } from 'node:stream';
import { describeError } from '../../platform/errors.js';
import type { Logger } from '../../platform/logger.js';
import { gitProcessEnv, type GitEnv } from './run-git.js';

export interface CgiRequest {
  method: string;
  /** `/<namespace>/<project>.git/<service path>`. */
  pathInfo: string;
  queryString: string;
  headers: Headers;
  body: ReadableStream<Uint8Array> | null;
  remoteUser: string;
}

interface CgiHead {
  status: number;
  headers: Headers;
  rest: Buffer;
}

function parseCgiHead(buf: Buffer): CgiHead | undefined {
  const crlf = buf.indexOf('\r\n\r\n');
  const lf = buf.indexOf('\n\n');
  const end = crlf >= 0 && (lf < 0 || crlf < lf) ? crlf : lf;
  if (end < 0) return undefined;
  const sepLength = end === crlf ? 4 : 2;
  const headers = new Headers();
  let status = 200;
  for (const line of buf.subarray(0, end).toString('latin1').split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim();
    const value = line.slice(colon + 1).trim();
    if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 200;
    else headers.append(name, value);
  }
  return { status, headers, rest: buf.subarray(end + sepLength) };
}

function cgiEnv(projectRoot: string, req: CgiRequest): Record<string, string> {
  const env: Record<string, string> = {
    GIT_PROJECT_ROOT: projectRoot,
    GIT_HTTP_EXPORT_ALL: '1',
    GATEWAY_INTERFACE: 'CGI/1.1',
    SERVER_PROTOCOL: 'HTTP/1.1',
    REQUEST_METHOD: req.method,
    PATH_INFO: req.pathInfo,
    QUERY_STRING: req.queryString,
    REMOTE_USER: req.remoteUser,
    REMOTE_ADDR: '127.0.0.1',
  };
  const contentType = req.headers.get('content-type');
  if (contentType) env.CONTENT_TYPE = contentType;
  const contentLength = req.headers.get('content-length');
  if (contentLength) env.CONTENT_LENGTH = contentLength;
  const encoding = req.headers.get('content-encoding');
  if (encoding) env.HTTP_CONTENT_ENCODING = encoding;
  const protocol = req.headers.get('git-protocol');
  if (protocol) env.GIT_PROTOCOL = protocol;
  return env;
}

export function runGitHttpBackend(
  git: GitEnv,
  projectRoot: string,
  req: CgiRequest,
  logger: Logger,
): Promise<Response> {
  const child = spawn('git', ['http-backend'], {
    env: gitProcessEnv(git, cgiEnv(projectRoot, req)),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  if (req.body) {
    const input = Readable.fromWeb(req.body);
    input.on('error', (err: unknown) => {
      logger.warn({ err: describeError(err) }, 'git request body failed');
      child.stdin.destroy();
    });
    input.pipe(child.stdin);
  } else {
    child.stdin.end();
  }
  child.stdin.on('error', (err: unknown) =>
    logger.debug({ err: describeError(err) }, 'git http-backend stdin closed'),
  );
  child.stderr.on('data', (chunk: Buffer) =>
    logger.debug({ stderr: chunk.toString().trim() }, 'git http-backend'),
  );
  return new Promise((resolve) => {
    let head = Buffer.alloc(0);
    let done = false;
    const body = new PassThrough();
    const onData = (chunk: Buffer): void => {
      if (done) return;
      head = Buffer.concat([head, chunk]);
      const parsed = parseCgiHead(head);
      if (!parsed) return;
      done = true;
      child.stdout.off('data', onData);
      body.write(parsed.rest);
      child.stdout.pipe(body);
      const stream = Readable.toWeb(body) as unknown as ReadableStream<Uint8Array>;
      resolve(new Response(stream, { status: parsed.status, headers: parsed.headers }));
    };
    child.stdout.on('data', onData);
    child.on('error', (err: unknown) => {
      logger.error({ err: describeError(err) }, 'git http-backend failed to start');
      if (!done) resolve(new Response('git http-backend failed\n', { status: 500 }));
      done = true;
    });
    child.on('close', (code) => {
      if (!done) {
        logger.warn({ code }, 'git http-backend ended without headers');
        resolve(new Response('git http-backend failed\n', { status: 500 }));
        done = true;
      }
    });
  });
}
