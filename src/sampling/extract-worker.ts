/** Worker thread of {@link extractContextFeatures}: describes the locations of one image per task. */
import { parentPort, workerData } from 'node:worker_threads';
import { NucleiMixError } from '../core/errors.ts';
import { createOnnxEncoder, type OnnxEncoderOptions } from '../features/onnx-encoder.ts';
import { createEngine as createInpainter } from '../inpaint/engines.ts';
import { openDataset, type OpenOptions } from '../io/open.ts';
import { describeLocations, removalInpainter, type CentreRemoval } from './context.ts';
import type { Location } from './locations.ts';

interface Setup {
  root: string;
  open: OpenOptions;
  types: number[];
  removal: CentreRemoval;
  encoder?: { path: string; options: OnnxEncoderOptions };
}

const setup = workerData as Setup;
const ready = (async () => {
  const dataset = await openDataset(setup.root, setup.open);
  const inpainter = setup.removal === 'none' ? undefined : await createInpainter(removalInpainter(setup.removal), { radius: 3, teleaDepth: 8 });
  const encoder = setup.encoder && (await createOnnxEncoder(setup.encoder.path, setup.encoder.options));
  return { dataset, inpainter, encoder };
})();
// A failed setup is reported through the first task's answer, not as an unhandled rejection.
ready.catch(() => {});

parentPort!.on('message', async ({ index, task }: { index: number; task: { image: string; locations: Location[] } }) => {
  try {
    const { dataset, inpainter, encoder } = await ready;
    const sample = await dataset.read(task.image);
    const flat = await describeLocations(sample, task.locations, setup.types, setup.removal, inpainter, encoder);
    parentPort!.postMessage({ index, result: flat }, [flat.buffer as ArrayBuffer]);
  } catch (err) {
    const e = err as Error;
    parentPort!.postMessage({ index, error: { message: e.message, name: e.name, file: e instanceof NucleiMixError ? e.file : undefined } });
  }
});
