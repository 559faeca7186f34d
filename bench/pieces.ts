/**
 * Counts instances made of more than one 4-connected piece in each dataset given (HoVer-Net
 * and CellViT assume one blob per id). Usage: node --import tsx bench/pieces.ts <dataset>…
 */
import { keepLargestPieces } from '../src/core/components.ts';
import { openDataset } from '../src/io/open.ts';

for (const root of process.argv.slice(2)) {
  const dataset = await openDataset(root);
  let split = 0;
  let pixels = 0;
  let instances = 0;
  for (const name of dataset.names) {
    const { labels } = await dataset.read(name);
    instances += labels.ids.length;
    const { cleared } = keepLargestPieces(labels);
    split += cleared.size;
    for (const n of cleared.values()) pixels += n;
  }
  console.log(`${root}: ${instances} instances, ${split} in several 4-connected pieces (${pixels} px outside their largest piece)`);
}
