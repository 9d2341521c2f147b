import { mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '@app/config';
import { foldForMatching, normalizePrompt, type BannedTermMatcher } from '@app/policies';
import { waitFor } from '../../../../../test/support/processes.js';
import { BannedTermList } from './banned-term-list.js';

const matches = (list: BannedTermList, text: string) => (list.matcher?.firstMatch(foldForMatching(normalizePrompt(text))) ?? -1) >= 0;

describe('BannedTermList', () => {
  let dir: string;
  let file: string;
  const lists: BannedTermList[] = [];
  const open = (extra: Record<string, string> = {}) => {
    const list = new BannedTermList(loadConfig({ PROMPT_BANNED_TERMS_FILE: file, PROMPT_BANNED_TERMS_POLL_MS: '0', ...extra }));
    lists.push(list);
    list.onModuleInit();
    return list;
  };

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'banned-terms-'));
    file = join(dir, 'terms.txt');
    writeFileSync(file, '# comment\nforbidden\n\n暴力\n');
  });
  afterEach(() => {
    for (const list of lists.splice(0)) list.onModuleDestroy();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has no matcher when no file is configured', () => {
    const list = new BannedTermList(loadConfig({}));
    list.onModuleInit();
    expect(list.matcher).toBeUndefined();
  });

  it('loads the file at start, skipping comments and blank lines', () => {
    const list = open();
    expect(list.stats.terms).toBe(2);
    expect(matches(list, 'a ＦＯＲＢＩＤ\u200bDEN thing')).toBe(true);
    expect(matches(list, '暴 力')).toBe(true);
    expect(matches(list, '# comment')).toBe(false);
  });

  it('stops start-up when the configured file cannot be read', () => {
    rmSync(file);
    expect(() => open()).toThrow(/PROMPT_BANNED_TERMS_FILE/);
  });

  it('reloads when the file is rewritten in place', async () => {
    const list = open();
    writeFileSync(file, 'forbidden\nnewterm\n');
    await waitFor('the reload', async () => matches(list, 'a NEWTERM here'), 10_000, 20);
    expect(matches(list, '暴力')).toBe(false);
  });

  it('reloads when a new file is renamed over the old one (editors, ConfigMaps)', async () => {
    const list = open();
    writeFileSync(join(dir, 'terms.txt.tmp'), 'renamed\n');
    renameSync(join(dir, 'terms.txt.tmp'), file);
    await waitFor('the reload', async () => matches(list, 'renamed'), 10_000, 20);
    expect(matches(list, 'forbidden')).toBe(false);
  });

  it('notices changes by polling when watching is not enough', async () => {
    const polled = open({ PROMPT_BANNED_TERMS_POLL_MS: '50' });
    (polled as unknown as { watcher?: { close(): void } }).watcher?.close(); // as on a filesystem without events
    writeFileSync(file, 'polled\n');
    await waitFor('the poll', async () => matches(polled, 'polled'), 10_000, 20);
  });

  it('keeps the previous list when the file disappears', () => {
    const list = open();
    rmSync(file);
    expect(list.reload()).toBe(false);
    expect(matches(list, 'forbidden')).toBe(true);
  });

  it('counts refused fields and tells listeners', () => {
    const list = open();
    let heard = 0;
    list.onRejection(() => heard++);
    matches(list, 'forbidden');
    matches(list, 'fine');
    matches(list, '暴力');
    expect(list.stats.rejections).toBe(2);
    expect(heard).toBe(2);
  });

  it('feeds the request context the list in force at each read', () => {
    const list = open();
    const context: { bannedTerms?: BannedTermMatcher } = {};
    list.attachTo(context);
    const before = context.bannedTerms;
    writeFileSync(file, 'other\n');
    list.reload();
    expect(context.bannedTerms).toBe(list.matcher);
    expect(context.bannedTerms).not.toBe(before);
  });
});
