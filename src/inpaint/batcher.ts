/**
 * Gathers the inpainting jobs of several renders running at once (one per target image of a
 * window) into the engine's batches, so a network engine sees crops of many images together.
 *
 * Each render joins as a {@link BatchMember} and asks for its jobs; the batcher waits until
 * every member still rendering is waiting on it, then runs all waiting jobs — ordered by
 * member and by request, never by arrival time — in batches of at most `engine.maxBatch`.
 * Because it only runs when every member waits, the batches are the same whatever the timing
 * of reading images, and with per-job seeds a job's result never depends on its batch-mates.
 */
import { NucleiMixError } from '../core/errors.ts';
import type { RgbImage } from '../core/raster.ts';
import type { InpaintEngine, InpaintJob } from './engine.ts';

/** One render's handle on the batcher. */
export interface BatchMember {
  /** Runs `jobs` in the next batches; resolves with one result per job. */
  inpaint(jobs: readonly InpaintJob[]): Promise<RgbImage[]>;
  /** The render is over (finished or failed): the others no longer wait for it. */
  leave(): void;
}

interface Waiting {
  member: number;
  seq: number;
  jobs: readonly InpaintJob[];
  resolve: (images: RgbImage[]) => void;
  reject: (err: unknown) => void;
}

export class InpaintBatcher {
  readonly engine: InpaintEngine;
  /** Sizes of every batch the engine was given, in order (for stats and tests). */
  readonly batchSizes: number[] = [];
  private members = 0;
  private active = new Set<number>();
  private waiting: Waiting[] = [];
  private running = false;

  constructor(engine: InpaintEngine) {
    if (!(Number.isInteger(engine.maxBatch) && engine.maxBatch >= 1)) {
      throw new NucleiMixError(`inpainting engine ${engine.name}: maxBatch must be a positive integer, got ${engine.maxBatch}`);
    }
    this.engine = engine;
  }

  /** A new member; members are ordered by joining, so join them in a fixed order. */
  join(): BatchMember {
    const id = this.members++;
    let seq = 0;
    let left = false;
    this.active.add(id);
    return {
      inpaint: (jobs) => {
        if (left) return Promise.reject(new Error('inpaint after leave'));
        if (jobs.length === 0) return Promise.resolve([]);
        return new Promise<RgbImage[]>((resolve, reject) => {
          this.waiting.push({ member: id, seq: seq++, jobs, resolve, reject });
          this.maybeRun();
        });
      },
      leave: () => {
        if (left) return;
        left = true;
        this.active.delete(id);
        this.maybeRun();
      },
    };
  }

  private maybeRun(): void {
    if (this.running || this.waiting.length === 0) return;
    const waitingMembers = new Set(this.waiting.map((w) => w.member));
    for (const m of this.active) if (!waitingMembers.has(m)) return;
    this.running = true;
    const round = this.waiting.sort((a, b) => a.member - b.member || a.seq - b.seq);
    this.waiting = [];
    void this.run(round).finally(() => {
      this.running = false;
      this.maybeRun();
    });
  }

  private async run(round: Waiting[]): Promise<void> {
    const jobs = round.flatMap((w) => w.jobs);
    const results: RgbImage[] = [];
    try {
      for (let i = 0; i < jobs.length; i += this.engine.maxBatch) {
        const batch = jobs.slice(i, i + this.engine.maxBatch);
        this.batchSizes.push(batch.length);
        const out = await this.engine.inpaint(batch);
        if (out.length !== batch.length) throw new NucleiMixError(`inpainting engine ${this.engine.name} returned ${out.length} images for ${batch.length} jobs`);
        results.push(...out);
      }
    } catch (err) {
      for (const w of round) w.reject(err);
      return;
    }
    let at = 0;
    for (const w of round) {
      w.resolve(results.slice(at, at + w.jobs.length));
      at += w.jobs.length;
    }
  }
}
