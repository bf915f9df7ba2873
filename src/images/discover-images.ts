/**
 * `spotrunner image discover`: every image a project's pipelines can pull — each job's `image:`
 * and `services:` after `include`, `default`, `extends` and `!reference` (the sandbox's CI parser
 * does that part), with variables expanded — plus an allowlist file, deduplicated.
 */
import { join } from 'node:path';
import type { CiJob } from '../sandbox/ci/ci-config.js';
import { parseCiConfig } from '../sandbox/ci/parse-ci-config.js';
import { UserError } from '../platform/errors.js';
import type { AllowlistEntry } from './allowlist.js';
import { expandImageName, type ImageVariable } from './expand-image-name.js';
import { listProjectFiles, projectFileReader } from './project-files.js';

export interface DiscoveredImage {
  /** The reference to pull, as first written (variables expanded). */
  name: string;
  /** Where it comes from: `job build: image`, `job test: service db`, `allowlist:3`. */
  sources: string[];
}

export interface UnresolvedImage {
  name: string;
  source: string;
  missing: string[];
}

export interface DiscoveryResult {
  images: DiscoveredImage[];
  /** Names with variables that have no value here: not baked. */
  unresolved: UnresolvedImage[];
  warnings: string[];
}

export interface DiscoverOptions {
  /** The project directory (holding `.gitlab-ci.yml`). */
  projectDir: string;
  /** The CI file's path inside the project. */
  ciFile?: string;
  allowlist?: readonly AllowlistEntry[];
  /** Project/pipeline variables (`--var K=V`): they win over `.gitlab-ci.yml` variables. */
  variables?: Readonly<Record<string, string>>;
  /** Values for the CI file's `spec:inputs` (`--input name=value`). */
  inputs?: Readonly<Record<string, string>>;
}

/** `debian` and `debian:latest` (and `docker.io/library/debian`) are the same image. */
export function imageKey(name: string): string {
  let ref = name.replace(/^(docker\.io|index\.docker\.io)\/(library\/)?/, '');
  const lastPart = ref.slice(ref.lastIndexOf('/') + 1);
  if (!ref.includes('@') && !lastPart.includes(':')) ref = `${ref}:latest`;
  return ref;
}

function jobImages(job: CiJob): { name: string; source: string }[] {
  const out: { name: string; source: string }[] = [];
  if (job.image) out.push({ name: job.image.name, source: `job ${job.name}: image` });
  for (const service of job.services) {
    const label = service.alias ? `service ${service.alias}` : 'service';
    out.push({ name: service.name, source: `job ${job.name}: ${label}` });
  }
  return out;
}

function variablesOf(
  job: CiJob,
  overrides: Readonly<Record<string, string>>,
): Map<string, ImageVariable> {
  const map = new Map<string, ImageVariable>();
  for (const v of job.variables) map.set(v.key, { value: v.value, raw: v.raw });
  for (const [key, value] of Object.entries(overrides)) map.set(key, { value, raw: false });
  return map;
}

class ImageSet {
  readonly byKey = new Map<string, DiscoveredImage>();
  add(name: string, source: string): void {
    const key = imageKey(name);
    const known = this.byKey.get(key);
    if (known) {
      if (!known.sources.includes(source)) known.sources.push(source);
    } else this.byKey.set(key, { name, sources: [source] });
  }
}

/** Discovers the images; a CI file GitLab would refuse is a UserError with its messages. */
export async function discoverImages(options: DiscoverOptions): Promise<DiscoveryResult> {
  const ciFile = options.ciFile ?? '.gitlab-ci.yml';
  const read = projectFileReader(options.projectDir);
  const text = await read(ciFile);
  if (text === undefined) throw new UserError(`no ${ciFile} in ${options.projectDir}`, 'not_found');
  const config = await parseCiConfig(text, {
    readLocalFile: read,
    files: await listProjectFiles(options.projectDir),
    ...(options.inputs ? { inputs: options.inputs } : {}),
  });
  if (config.errors.length > 0) {
    const where = join(options.projectDir, ciFile);
    throw new UserError(`${where} is invalid:\n${config.errors.map((e) => `  ${e}`).join('\n')}`);
  }
  const set = new ImageSet();
  const unresolved: UnresolvedImage[] = [];
  for (const job of config.jobs) {
    const variables = variablesOf(job, options.variables ?? {});
    for (const { name, source } of jobImages(job)) {
      const expanded = expandImageName(name, variables);
      if (expanded.missing.length > 0 || expanded.name === '')
        unresolved.push({ name: expanded.name || name, source, missing: expanded.missing });
      else set.add(expanded.name, source);
    }
  }
  for (const entry of options.allowlist ?? []) set.add(entry.name, `allowlist:${entry.line}`);
  const images = [...set.byKey.values()].sort((a, b) => a.name.localeCompare(b.name));
  // Rules are deliberately left unevaluated (every job counts); only include problems matter here.
  const warnings = config.warnings.filter(
    (w) => w.startsWith('include ') && !w.includes('the file is included'),
  );
  return { images, unresolved, warnings };
}
