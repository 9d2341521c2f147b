import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gitHead, readBuildInfo } from './build-info.js';

const SHA = 'a'.repeat(40);
const OTHER = 'b'.repeat(40);

describe('build info', () => {
  let root: string;
  beforeEach(() => {
    root = mkdtempSync(join(tmpdir(), 'build-info-'));
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'video-gateway', version: '1.2.3' }));
    mkdirSync(join(root, '.git', 'refs', 'heads'), { recursive: true });
    mkdirSync(join(root, 'lib', 'deep'), { recursive: true });
  });
  afterEach(() => rmSync(root, { recursive: true, force: true }));

  it('reads HEAD from a loose ref, packed-refs or a detached sha', () => {
    writeFileSync(join(root, '.git', 'HEAD'), 'ref: refs/heads/main\n');
    writeFileSync(join(root, '.git', 'refs', 'heads', 'main'), `${SHA}\n`);
    expect(gitHead(root)).toEqual({ commit: SHA, branch: 'main' });
    rmSync(join(root, '.git', 'refs', 'heads', 'main'));
    writeFileSync(join(root, '.git', 'packed-refs'), `# pack-refs with: peeled\n${OTHER} refs/heads/main\n`);
    expect(gitHead(root)).toEqual({ commit: OTHER, branch: 'main' });
    writeFileSync(join(root, '.git', 'HEAD'), `${SHA}\n`);
    expect(gitHead(root)).toEqual({ commit: SHA, branch: null });
  });

  it('takes the version from package.json and the commit from GIT_COMMIT before the checkout', () => {
    writeFileSync(join(root, '.git', 'HEAD'), `${SHA}\n`);
    const fromCheckout = readBuildInfo('gateway', undefined, join(root, 'lib', 'deep'));
    expect(fromCheckout.build).toMatchObject({ artifact: 'gateway', name: 'video-gateway', version: '1.2.3' });
    expect(fromCheckout.git?.commit).toEqual({ id: 'aaaaaaa', full: SHA });
    expect(readBuildInfo('gateway', OTHER, join(root, 'lib')).git?.commit.full).toBe(OTHER);
  });

  it('prefers dist/build-info.json written by the image build', () => {
    mkdirSync(join(root, 'dist'));
    writeFileSync(join(root, 'dist', 'build-info.json'), JSON.stringify({ commit: OTHER, branch: 'release', time: '2030-01-01T00:00:00.000Z' }));
    const info = readBuildInfo('dispatcher', undefined, root);
    expect(info.build.time).toBe('2030-01-01T00:00:00.000Z');
    expect(info.git).toEqual({ branch: 'release', commit: { id: 'bbbbbbb', full: OTHER } });
  });
});
