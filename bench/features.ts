/**
 * Times the built-in context descriptor (src/features/extract.ts) on real patches: 224×224
 * reflect-padded crops of image and instance map centred on every nucleus of the first
 * images of a dataset (default: the real CoNSeP training split, already in its 4 classes), on
 * one core. Prints ms per patch for cropping and for describing, and the projected one-core
 * time for the ~30,000 patches of a CoNSeP run. The centre is not inpainted here: the
 * descriptor's cost does not depend on it.
 * Usage: node --import tsx bench/features.ts [<dataset>] [--images N] [--merge NAME]
 * Target (issue 3): ≤ 2 ms per patch. CPU time is printed beside wall time because on a shared
 * machine the wall time also counts the time other processes held the core.
 */
import { pathToFileURL } from 'node:url';
import { cropCentred } from '../src/core/crop.ts';
import { describeContext, CONTEXT_SIZE, contextFeatureCount } from '../src/features/extract.ts';
import { openDataset } from '../src/io/open.ts';

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    if (i < 0) return undefined;
    const v = args[i + 1];
    args.splice(i, 2);
    return v;
  };
  const images = Number(opt('--images') ?? 3);
  const merge = opt('--merge');
  const root = args[0] ?? '../shared/data/consep-train';
  const dataset = await openDataset(root, merge === undefined ? {} : { merge });
  const types = dataset.classes.map((c) => c.id);
  const names = dataset.names.slice(0, images);
  let patches = 0;
  let cropMs = 0;
  let describeMs = 0;
  let describeCpuMs = 0;
  let checksum = 0;
  for (const name of names) {
    const { image, labels } = await dataset.read(name);
    const typeById = new Map<number, number>();
    labels.ids.forEach((id, i) => typeById.set(id, labels.types[i]));
    const typeOf = (id: number): number => typeById.get(id) ?? 0;
    for (let i = 0; i < labels.ids.length; i++) {
      const cx = labels.centroids[2 * i];
      const cy = labels.centroids[2 * i + 1];
      const t0 = performance.now();
      const patch = cropCentred(image, cx, cy, CONTEXT_SIZE, CONTEXT_SIZE);
      const inst = cropCentred(labels.inst, cx, cy, CONTEXT_SIZE, CONTEXT_SIZE);
      const t1 = performance.now();
      const c1 = process.cpuUsage();
      const f = describeContext({ ...patch, channels: 3 }, undefined, inst.data, typeOf, types, labels.ids[i]);
      const c2 = process.cpuUsage(c1);
      const t2 = performance.now();
      describeCpuMs += (c2.user + c2.system) / 1000;
      cropMs += t1 - t0;
      describeMs += t2 - t1;
      checksum += f[0];
      patches++;
    }
  }
  const per = describeMs / patches;
  console.log(`dataset: ${root} (${names.length} images, classes ${types.join(',')}), ${patches} patches of ${CONTEXT_SIZE}², ${contextFeatureCount(types.length)} features`);
  console.log(`crop (image + instance map): ${(cropMs / patches).toFixed(3)} ms/patch`);
  console.log(`describeContext:             ${per.toFixed(3)} ms/patch wall, ${(describeCpuMs / patches).toFixed(3)} ms/patch CPU (target ≤ 2 ms)`);
  const cpu = describeCpuMs / patches;
  console.log(`projected for 30,000 patches on one core: ${((per * 30000) / 1000).toFixed(1)} s wall, ${((cpu * 30000) / 1000).toFixed(1)} s CPU (checksum ${checksum.toFixed(3)})`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) await main();
