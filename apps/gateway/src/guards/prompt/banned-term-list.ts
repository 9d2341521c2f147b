import { createHash } from 'node:crypto';
import { readFileSync, statSync, watch, type FSWatcher } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import { Inject, Injectable, Logger, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '@app/config';
import { BannedTermMatcher, parseBannedTermList } from '@app/policies';

const DEBOUNCE_MS = 100;

/** A matcher that reports each hit (a prompt field refused), for the metrics. */
class CountingMatcher extends BannedTermMatcher {
  constructor(
    terms: readonly string[],
    private readonly onMatch: () => void,
  ) {
    super(terms);
  }

  override firstMatch(foldedText: string): number {
    const index = super.firstMatch(foldedText);
    if (index >= 0) this.onMatch();
    return index;
  }
}

export interface BannedTermStats {
  /** Prompt fields refused because they contained a listed term, since start. */
  rejections: number;
  reloads: number;
  terms: number;
  loadedAt: string | null;
}

/**
 * The banned-term list of PROMPT_BANNED_TERMS_FILE (one term per line, `#` comments). Read at start (a
 * missing or unreadable file stops the gateway), then reloaded when it changes: fs.watch on its directory
 * (which also sees editors' rename-over saves and Kubernetes ConfigMap symlink swaps), debounced, plus a
 * stat poll every PROMPT_BANNED_TERMS_POLL_MS as a safety net where watching does not work (NFS, some
 * overlay filesystems). A reload builds the new matcher completely and then swaps one reference, so a
 * request sees either the old list or the new one. A reload that fails keeps the old list.
 */
@Injectable()
export class BannedTermList implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(BannedTermList.name);
  private readonly file?: string;
  private current?: BannedTermMatcher;
  private digest = '';
  private signature = '';
  private watcher?: FSWatcher;
  private poller?: NodeJS.Timeout;
  private debounce?: NodeJS.Timeout;
  private readonly listeners: Array<() => void> = [];
  readonly stats: BannedTermStats = { rejections: 0, reloads: 0, terms: 0, loadedAt: null };

  constructor(@Inject(APP_CONFIG) private readonly config: AppConfig) {
    this.file = config.PROMPT_BANNED_TERMS_FILE ? resolve(config.PROMPT_BANNED_TERMS_FILE) : undefined;
  }

  /** The matcher in force, or undefined when no list is configured. */
  get matcher(): BannedTermMatcher | undefined {
    return this.current;
  }

  /** Calls `listener` on each refused prompt field (e.g. to increment a prom-client counter). */
  onRejection(listener: () => void): void {
    this.listeners.push(listener);
  }

  /** Makes `context.bannedTerms` read the list in force at each request. */
  attachTo(context: { bannedTerms?: BannedTermMatcher }): void {
    Object.defineProperty(context, 'bannedTerms', { get: () => this.current, enumerable: true, configurable: true });
  }

  onModuleInit(): void {
    if (!this.file) return;
    try {
      this.load(readFileSync(this.file, 'utf8'));
    } catch (error) {
      throw new Error(`PROMPT_BANNED_TERMS_FILE: cannot read ${this.file}: ${(error as Error).message}`);
    }
    this.signature = this.statSignature();
    this.watchDirectory();
    if (this.config.PROMPT_BANNED_TERMS_POLL_MS > 0) {
      this.poller = setInterval(() => {
        if (this.statSignature() !== this.signature) this.reload();
      }, this.config.PROMPT_BANNED_TERMS_POLL_MS);
      this.poller.unref();
    }
  }

  onModuleDestroy(): void {
    this.watcher?.close();
    clearInterval(this.poller);
    clearTimeout(this.debounce);
  }

  /** Reads the file again now; keeps the current list when it cannot be read. Returns whether it changed. */
  reload(): boolean {
    if (!this.file) return false;
    this.signature = this.statSignature();
    try {
      return this.load(readFileSync(this.file, 'utf8'));
    } catch (error) {
      this.logger.error({ err: error, file: this.file }, 'banned-term list could not be reloaded; keeping the previous one');
      return false;
    }
  }

  private load(text: string): boolean {
    const digest = createHash('sha256').update(text).digest('hex');
    if (digest === this.digest) return false;
    const started = performance.now();
    const terms = parseBannedTermList(text);
    const matcher = new CountingMatcher(terms, () => this.countRejection());
    this.current = matcher;
    this.digest = digest;
    this.stats.terms = matcher.size;
    this.stats.loadedAt = new Date().toISOString();
    if (this.stats.reloads++ > 0 || terms.length > 0) {
      this.logger.log({ file: this.file, terms: matcher.size, buildMs: Math.round(performance.now() - started) }, 'banned-term list loaded');
    }
    return true;
  }

  private countRejection(): void {
    this.stats.rejections++;
    for (const listener of this.listeners) listener();
  }

  private watchDirectory(): void {
    const file = this.file!;
    try {
      this.watcher = watch(dirname(file), { persistent: false }, (_event, name) => {
        // Any change in the directory may be ours (ConfigMaps swap a `..data` symlink); a reload of an
        // unchanged file is a cheap no-op thanks to the digest.
        if (name && name !== basename(file) && !name.startsWith('..')) return;
        clearTimeout(this.debounce);
        this.debounce = setTimeout(() => this.reload(), DEBOUNCE_MS);
      });
      this.watcher.on('error', (error) => this.logger.warn({ err: error }, 'watching the banned-term list failed; polling only'));
    } catch (error) {
      this.logger.warn({ err: error }, 'cannot watch the banned-term list directory; polling only');
    }
  }

  private statSignature(): string {
    try {
      const stat = statSync(this.file!);
      return `${stat.ino}:${stat.size}:${stat.mtimeMs}`;
    } catch {
      return 'missing';
    }
  }
}
