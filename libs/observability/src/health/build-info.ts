import { existsSync, readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** /actuator/info, shaped like Spring Boot's `build` and `git` sections. */
export interface BuildInfo {
  build: { artifact: string; name: string; version: string; time: string | null };
  git: { branch: string | null; commit: { id: string; full: string } } | null;
}

interface BuildInfoFile {
  commit?: string;
  branch?: string;
  time?: string;
}

/** The nearest directory above `from` with a package.json: the repository root, or /app in the images. */
export function findPackageRoot(from: string): string | null {
  for (let dir = from; ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'package.json'))) return dir;
    if (dirname(dir) === dir) return null;
  }
}

const readJson = <T>(path: string): T | null => {
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as T;
  } catch {
    return null;
  }
};

const readText = (path: string): string | null => {
  try {
    return readFileSync(path, 'utf8').trim();
  } catch {
    return null;
  }
};

/** HEAD of a git checkout without running git: the ref file, else packed-refs, else a detached sha. */
export function gitHead(root: string): { commit: string; branch: string | null } | null {
  const head = readText(join(root, '.git', 'HEAD'));
  if (!head) return null;
  const ref = /^ref: (.+)$/.exec(head)?.[1];
  if (!ref) return /^[0-9a-f]{40}$/.test(head) ? { commit: head, branch: null } : null;
  const branch = ref.replace(/^refs\/heads\//, '');
  const loose = readText(join(root, '.git', ref));
  if (loose && /^[0-9a-f]{40}$/.test(loose)) return { commit: loose, branch };
  const packed = readText(join(root, '.git', 'packed-refs'));
  const line = packed?.split('\n').find((entry) => entry.endsWith(` ${ref}`));
  const commit = line?.split(' ')[0];
  return commit && /^[0-9a-f]{40}$/.test(commit) ? { commit, branch } : null;
}

/**
 * Version from package.json; commit from GIT_COMMIT, else dist/build-info.json (written by the image
 * build), else the git checkout; build time from build-info.json, else when the entry script was compiled.
 */
export function readBuildInfo(artifact: string, gitCommit?: string, from = import.meta.dirname): BuildInfo {
  const root = findPackageRoot(from);
  const pkg = root ? readJson<{ name?: string; version?: string }>(join(root, 'package.json')) : null;
  const file = root ? readJson<BuildInfoFile>(join(root, 'dist', 'build-info.json')) : null;
  const checkout = root ? gitHead(root) : null;
  const commit = gitCommit ?? file?.commit ?? checkout?.commit ?? null;
  const branch = file?.branch ?? checkout?.branch ?? null;
  let time = file?.time ?? null;
  if (!time && process.argv[1]) {
    try {
      time = statSync(process.argv[1]).mtime.toISOString();
    } catch {
      time = null;
    }
  }
  return {
    build: { artifact, name: pkg?.name ?? 'video-gateway', version: pkg?.version ?? '0.0.0', time },
    git: commit ? { branch, commit: { id: commit.slice(0, 7), full: commit } } : null,
  };
}
