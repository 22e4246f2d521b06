import { ref } from 'vue';
import { problemText, type Translate } from '../../api/problem-text.ts';

/**
 * What a form's button does: busy while it runs (the button waits), and what went wrong in the
 * administrator's words. `run` resolves with the action's value, or undefined when it failed.
 */
export function useAction(t: Translate) {
  const busy = ref(false);
  const error = ref('');
  async function run<T>(action: () => Promise<T>): Promise<T | undefined> {
    busy.value = true;
    error.value = '';
    try {
      return await action();
    } catch (e) {
      error.value = problemText(t, e);
      return undefined;
    } finally {
      busy.value = false;
    }
  }
  return { busy, error, run };
}

/** Whether two lists hold the same items, in any order (lists without repeats). */
export const sameItems = (a: readonly unknown[], b: readonly unknown[]): boolean =>
  a.length === b.length && a.every((x) => b.includes(x));
