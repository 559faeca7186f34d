import { stat } from 'node:fs/promises';

/** Whether anything (file, folder, …) is at `path`; false also where it cannot be looked at (a denied parent folder). */
export async function pathExists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}
