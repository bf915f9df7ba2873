/**
 * get_sources, following gitlab-runner's `writeGetSourcesScript`: pre hooks, `git init` +
 * refspec fetch (clone = fetch into an emptied dir), checkout of the exact sha, clean,
 * LFS, submodules, post hooks. Credentials from the repo URL reach git through a credential
 * helper that reads them from the environment, never through argv or `.git/config`.
 */
import { readGitSettings, type GitSettings } from './git-settings.js';
import { stagePrologue, type ScriptContext } from './script-context.js';
import { command, echoError, echoNotice, shellPath, shellQuote } from './shell-quote.js';
import { renderStageScript } from './stage-script.js';
import { renderUserCommands } from './user-commands.js';

const CREDENTIAL_HELPER =
  '!f() { test "$1" = get || return 0; echo "username=${__SR_GIT_USERNAME}"; echo "password=${__SR_GIT_PASSWORD}"; }; f';

export function generateGetSourcesScript(ctx: ScriptContext, userAgent: string): string {
  const git = readGitSettings(ctx);
  const project = shellPath(ctx.layout.projectDir);
  // Credentials are set up before CI_DEBUG_TRACE's xtrace starts, so it never prints them.
  const prologue = [...stagePrologue(ctx, { cd: false }), ...gitFunction(git, userAgent)];
  const body: string[] = ['export GIT_TERMINAL_PROMPT=0'];
  if (!git.lfsSmudgeDisabled) body.push('export GIT_LFS_SKIP_SMUDGE=1');
  body.push(`mkdir -p ${shellPath(ctx.layout.buildsDir)}`, `cd ${shellPath(ctx.layout.buildsDir)}`);
  const pre = [ctx.runner.preGetSourcesScript, ...hook(ctx, 'pre_get_sources_script')];
  if (git.strategy !== 'none') body.push(...renderUserCommands(compact(pre)));

  if (git.strategy === 'none') {
    body.push(echoNotice('Skipping Git repository setup'), `mkdir -p ${project}`);
  } else {
    body.push(...fetchCommands(ctx, git));
  }
  if (git.checkout) {
    body.push(...checkoutCommands(ctx, git));
  } else {
    body.push(echoNotice('Skipping Git checkout'));
  }
  body.push(...submoduleCommands(git));
  const post = [...hook(ctx, 'post_get_sources_script'), ctx.runner.postGetSourcesScript];
  if (git.strategy !== 'none') body.push(`cd ${project}`, ...renderUserCommands(compact(post)));
  return renderStageScript(prologue, body, {
    layout: ctx.layout,
    debugTrace: ctx.debugTrace,
  });
}

function compact(list: (string | undefined)[]): string[] {
  return list.filter((s): s is string => s !== undefined && s.trim() !== '');
}

function hook(ctx: ScriptContext, name: string): string[] {
  return ctx.job.hooks.filter((h) => h.name === name).flatMap((h) => h.script);
}

/** `__sr_git`: git with our user agent and, when the URL carried credentials, our helper. */
function gitFunction(git: GitSettings, userAgent: string): string[] {
  const config = ['-c', `http.userAgent=${userAgent}`];
  const lines: string[] = [];
  if (git.remote.username !== undefined || git.remote.password !== undefined) {
    lines.push(`export __SR_GIT_USERNAME=${shellQuote(git.remote.username ?? '')}`);
    lines.push(`export __SR_GIT_PASSWORD=${shellQuote(git.remote.password ?? '')}`);
    config.push('-c', 'credential.helper=', '-c', `credential.helper=${CREDENTIAL_HELPER}`);
  }
  lines.push(`__sr_git() { ${command('git', ...config)} "$@"; }`);
  return lines;
}

function fetchCommands(ctx: ScriptContext, git: GitSettings): string[] {
  const project = shellPath(ctx.layout.projectDir);
  const template = shellPath(`${ctx.layout.tmpDir}/git-template`);
  const lines = [
    echoNotice(
      git.depth > 0
        ? `Fetching changes with git depth set to ${git.depth}...`
        : 'Fetching changes...',
    ),
    `mkdir -p ${template}`,
    `git config -f ${template}/config init.defaultBranch none`,
    `git config -f ${template}/config fetch.recurseSubmodules false`,
  ];
  if (git.strategy === 'clone') lines.push(`rm -r -f ${project}`);
  for (const lock of [
    'index.lock',
    'shallow.lock',
    'HEAD.lock',
    'hooks/post-checkout',
    'config.lock',
  ]) {
    lines.push(`rm -f ${project}/.git/${lock}`);
    if (git.submoduleStrategy === 'normal' || git.submoduleStrategy === 'recursive') {
      const name = lock.split('/').pop() ?? lock;
      lines.push(
        `if [ -d ${project}/.git/modules ]; then find ${project}/.git/modules -name ${shellQuote(name)} -exec rm {} +; fi`,
      );
    }
  }
  const format = ctx.job.git_info.repo_object_format === 'sha256' ? ' --object-format=sha256' : '';
  lines.push(
    `git init -q ${project} --template ${template}${format}`,
    `cd ${project}`,
    `if git remote add origin ${shellQuote(git.remote.url)} >/dev/null 2>&1; then`,
    `  ${echoNotice('Created fresh repository.')}`,
    'else',
    `  git remote set-url origin ${shellQuote(git.remote.url)}`,
    'fi',
  );
  const depth = git.depth > 0 ? ['--depth', String(git.depth)] : [];
  const refspecs = refspecsOf(ctx);
  lines.push(`__sr_git ${command('fetch', 'origin', ...refspecs, ...depth, ...git.fetchFlags)}`);
  return lines;
}

/** The payload's refspecs; older GitLab sends none, so fall back to the ref itself. */
function refspecsOf(ctx: ScriptContext): string[] {
  const info = ctx.job.git_info;
  if (info.refspecs.length > 0) return info.refspecs;
  if (info.ref === '') return ['+refs/heads/*:refs/remotes/origin/*', '+refs/tags/*:refs/tags/*'];
  return info.ref_type === 'tag'
    ? [`+refs/tags/${info.ref}:refs/tags/${info.ref}`]
    : [`+refs/heads/${info.ref}:refs/remotes/origin/${info.ref}`];
}

function checkoutCommands(ctx: ScriptContext, git: GitSettings): string[] {
  const { sha, ref } = ctx.job.git_info;
  const lines = [
    `cd ${shellPath(ctx.layout.projectDir)}`,
    echoNotice(`Checking out ${sha.slice(0, 8)} as detached HEAD (ref is ${ref})...`),
    `git ${command('checkout', '-f', '-q', sha)}`,
  ];
  if (git.cleanFlags.length > 0) lines.push(`git ${command('clean', ...git.cleanFlags)}`);
  if (!git.lfsSmudgeDisabled) {
    lines.push('if git lfs version >/dev/null 2>&1; then', '  __sr_git lfs pull', 'fi');
  }
  return lines;
}

function submoduleCommands(git: GitSettings): string[] {
  switch (git.submoduleStrategy) {
    case 'none':
      return [echoNotice('Skipping Git submodules setup')];
    case 'invalid':
      return [echoError('unknown GIT_SUBMODULE_STRATEGY'), 'exit 1'];
    case 'normal':
    case 'recursive':
      return submoduleUpdate(git, git.submoduleStrategy === 'recursive');
  }
}

function submoduleUpdate(git: GitSettings, recursive: boolean): string[] {
  const depth = git.submoduleDepth;
  const what = recursive
    ? 'Updating/initializing submodules recursively'
    : 'Updating/initializing submodules';
  const notice = depth > 0 ? `${what} with git depth set to ${depth}...` : `${what}...`;
  const paths = git.submodulePaths.length > 0 ? ['--', ...git.submodulePaths] : [];
  const rec = recursive ? ['--recursive'] : [];
  const foreach = ['submodule', 'foreach', ...rec];
  const update = [
    'submodule',
    'update',
    '--init',
    ...rec,
    ...(depth > 0 ? ['--depth', String(depth)] : []),
    ...git.submoduleUpdateFlags,
    ...paths,
  ];
  const lines = [
    echoNotice(notice),
    `__sr_git ${command('submodule', 'init')}`,
    `__sr_git ${command('submodule', 'sync', ...rec, ...paths)}`,
    `__sr_git ${command(...foreach, 'git clean -ffxd')}`,
    `__sr_git ${command(...foreach, 'git reset --hard')}`,
    `__sr_git ${command(...update)}`,
    `__sr_git ${command(...foreach, 'git clean -ffxd')}`,
  ];
  if (!git.lfsSmudgeDisabled) {
    lines.push(
      'if git lfs version >/dev/null 2>&1; then',
      `  __sr_git ${command(...foreach, 'git lfs pull')}`,
      'fi',
    );
  }
  return lines;
}
