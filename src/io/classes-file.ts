import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ClassList } from '../core/classes.ts';
import { NucleiMixError } from '../core/errors.ts';

/**
 * `classes.json` beside a dataset names its types: `{"classes": [{"id": 1, "name": "other"},
 * ...]}`. nucleimix writes it into every dataset it creates so that class names survive
 * formats (CoNSeP's .mat files) that only store type numbers; training code ignores it.
 */
export const CLASSES_FILE = 'classes.json';

export async function readClassesFile(root: string): Promise<ClassList | undefined> {
  const path = join(root, CLASSES_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new NucleiMixError(`is not valid JSON (${(err as Error).message})`, path);
  }
  const list = Array.isArray(parsed) ? parsed : (parsed as { classes?: unknown })?.classes;
  if (!Array.isArray(list) || list.length === 0) throw new NucleiMixError(`expected {"classes": [{"id": 1, "name": "..."}, ...]}`, path);
  const seen = new Set<number>();
  return list.map((c, i) => {
    const { id, name } = (c ?? {}) as { id?: unknown; name?: unknown };
    if (!Number.isInteger(id) || (id as number) <= 0 || typeof name !== 'string') {
      throw new NucleiMixError(`entry ${i + 1} needs a positive integer "id" and a string "name"`, path);
    }
    if (seen.has(id as number)) throw new NucleiMixError(`class id ${id} appears twice`, path);
    seen.add(id as number);
    return { id: id as number, name };
  });
}

export async function writeClassesFile(root: string, classes: ClassList): Promise<void> {
  const body = { classes: classes.map(({ id, name }) => ({ id, name })) };
  await writeFile(join(root, CLASSES_FILE), JSON.stringify(body, null, 2) + '\n');
}
