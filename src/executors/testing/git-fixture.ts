/**
 * Real git repositories for get_sources tests: a bare "remote" with history on `main`, a
 * pipeline ref, and a smart-HTTP server (git http-backend as CGI) that demands basic auth.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git } from './job-fixture.js';
import { startHttpDouble, type HttpDouble } from './http-double.js';

export interface GitRemote {
  /** Path of the bare repository. */
  bare: string;
  /** `file://` URL of the bare repository. */
  url: string;
  /** Commit shas on main, oldest first. */
  shas: string[];
}

/** A bare repository with `commits` commits on main and `refs/pipelines/901` at the last one. */
export function createGitRemote(root: string, commits = 3): GitRemote {
  const work = join(root, 'work');
  const bare = join(root, 'remote', 'acme', 'widget.git');
  mkdirSync(work, { recursive: true });
  mkdirSync(join(root, 'remote', 'acme'), { recursive: true });
  git(work, 'init', '-q');
  writeFileSync(join(work, '.gitignore'), 'ignored.txt\n');
  const shas: string[] = [];
  for (let i = 1; i <= commits; i++) {
    writeFileSync(join(work, `file${i}.txt`), `content ${i}\n`);
    git(work, 'add', '-A');
    git(work, 'commit', '-q', '-m', `commit ${i}`);
    shas.push(git(work, 'rev-parse', 'HEAD'));
  }
  git(root, 'clone', '-q', '--bare', work, bare);
  git(bare, 'update-ref', 'refs/pipelines/901', shas[shas.length - 1]!);
  return { bare, url: `file://${bare}`, shas };
}

/**
 * Serves repositories below `projectRoot` over git smart HTTP, answering 401 unless the
 * request carries basic auth `user:password`.
 */
export function startGitHttpServer(
  projectRoot: string,
  user: string,
  password: string,
): Promise<HttpDouble> {
  const expected = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  return startHttpDouble(async (req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'WWW-Authenticate': 'Basic realm="git"' });
      res.end();
      return;
    }
    const cgi = spawn('git', ['http-backend'], {
      env: {
        GIT_PROJECT_ROOT: projectRoot,
        GIT_HTTP_EXPORT_ALL: '1',
        REQUEST_METHOD: req.method,
        PATH_INFO: req.url.pathname,
        QUERY_STRING: req.url.search.replace(/^\?/, ''),
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        CONTENT_LENGTH: String(req.body.length),
        REMOTE_USER: user,
        REMOTE_ADDR: '127.0.0.1',
      },
    });
    cgi.stdin.end(req.body);
    const out: Buffer[] = [];
    cgi.stdout.on('data', (c: Buffer) => out.push(c));
    await new Promise<void>((resolve) => cgi.on('close', () => resolve()));
    const raw = Buffer.concat(out);
    const split = raw.indexOf('\r\n\r\n');
    const head = raw.subarray(0, split).toString('utf8');
    let status = 200;
    for (const line of head.split('\r\n')) {
      const [name, ...rest] = line.split(':');
      const value = rest.join(':').trim();
      if (name?.toLowerCase() === 'status') status = Number.parseInt(value, 10);
      else if (name) res.setHeader(name, value);
    }
    res.statusCode = status;
    res.end(raw.subarray(split + 4));
  });
}
